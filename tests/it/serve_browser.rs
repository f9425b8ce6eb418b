//! The web page in a real browser: headless Chromium through chromedriver
//! (WebDriver, fantoccini) goes drop → list → open a form → click a finding
//! → download the consolidated workbook, whose totals are then checked with
//! calamine. Screenshots go to $JIXIAO_SCREENSHOTS (docs/img to refresh the
//! README's), else target/serve-screenshots.
//!
//! Needs `chromium` and `chromium-driver` (Debian); plain `cargo test` skips
//! it, `.ci/run` installs them and runs `cargo test --test it -- --ignored serve`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use calamine::{open_workbook_auto, Data, DataType, Reader};
use fantoccini::{ClientBuilder, Locator};
use serde_json::json;

use crate::serve_support::Server;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn shots_dir() -> PathBuf {
    let dir = std::env::var_os("JIXIAO_SCREENSHOTS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/serve-screenshots"),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[ignore = "needs chromium + chromium-driver; run: cargo test --test it -- --ignored serve"]
fn serve_in_a_browser() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(browse());
}

async fn browse() {
    let server = Server::start(&[]);
    let port = free_port();
    let driver = Driver(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian package chromium-driver) is installed"),
    );
    let downloads = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000", "--lang=zh-CN"],
            "prefs": { "download.default_directory": downloads.path(), "download.prompt_for_download": false },
        }),
    );
    let webdriver = format!("http://127.0.0.1:{port}");
    let mut client = None;
    for _ in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&webdriver)
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let c = client.expect("a WebDriver session with headless Chromium");
    let shots = shots_dir();
    c.goto(&server.url).await.unwrap();

    // Drop: the file picker takes the samples, a text file and a broken form.
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let extra = tempfile::tempdir().unwrap();
    let broken = extra.path().join("坏表.xlsx");
    std::fs::write(&broken, b"PK\x03\x04 not really a workbook").unwrap();
    let note = extra.path().join("说明.pdf");
    std::fs::write(&note, "收表说明").unwrap();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&samples)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let forms = paths.len();
    paths.extend([broken, note]);
    let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let input = c.find(Locator::Css("#files-input")).await.unwrap();
    input.send_keys(&list.join("\n")).await.unwrap();

    // List: every file with its status.
    let start = Instant::now();
    loop {
        let rows = c.find_all(Locator::Css("#files tbody tr")).await.unwrap();
        if rows.len() == paths.len() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{} of {} files listed",
            rows.len(),
            paths.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let statuses: Vec<String> = {
        let mut out = Vec::new();
        for cell in c.find_all(Locator::Css("#files td.status")).await.unwrap() {
            out.push(cell.text().await.unwrap());
        }
        out
    };
    assert_eq!(
        statuses.iter().filter(|s| *s == "已导入").count(),
        forms,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().any(|s| s.starts_with("失败（")),
        "{statuses:?}"
    );
    assert!(statuses.iter().any(|s| s == "非表格文件"), "{statuses:?}");
    // The last rows (the bad files) in view for the picture.
    c.execute(
        "const b = document.getElementById('filebox'); b.scrollTop = b.scrollHeight;",
        vec![],
    )
    .await
    .unwrap();
    std::fs::write(shots.join("serve-list.png"), c.screenshot().await.unwrap()).unwrap();

    // Open a form: its grid with merges and the record's cells highlighted.
    let link = c
        .find(Locator::XPath(
            "//a[contains(@class,'form-link')][contains(., '市人大代表活动经费')]",
        ))
        .await
        .unwrap();
    link.click().await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#grid td.src"))
        .await
        .unwrap();
    let merged = c
        .find_all(Locator::Css("#grid td[colspan], #grid td[rowspan]"))
        .await
        .unwrap();
    assert!(!merged.is_empty(), "merges are drawn as merges");
    // Click a finding: its cells light up.
    let finding = c.find(Locator::Css(".finding")).await.unwrap();
    finding.click().await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#grid td.hit"))
        .await
        .unwrap();
    std::fs::write(shots.join("serve-form.png"), c.screenshot().await.unwrap()).unwrap();

    // A roster naming one department that did not report.
    let roster = extra.path().join("名单.csv");
    std::fs::write(&roster, "主管部门\n县教育局\n县林业局\n").unwrap();
    c.find(Locator::Css("#roster-input"))
        .await
        .unwrap()
        .send_keys(&roster.display().to_string())
        .await
        .unwrap();
    let missing = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(
            "//div[@id='missing']/p[contains(., '未报送')]",
        ))
        .await
        .unwrap();
    let text = missing.text().await.unwrap();
    assert!(
        text.contains("县林业局") && !text.contains("县教育局"),
        "{text}"
    );

    // The summary, then the consolidated workbook's download.
    let summary = c.find(Locator::Css("#summary")).await.unwrap();
    c.execute(
        "document.getElementById('summary').scrollIntoView()",
        vec![],
    )
    .await
    .unwrap();
    std::fs::write(
        shots.join("serve-summary.png"),
        summary.screenshot().await.unwrap(),
    )
    .unwrap();
    let budget_card = c
        .find(Locator::XPath(
            "//div[@class='card'][contains(., '全年预算数合计')]/b",
        ))
        .await
        .unwrap();
    let page_budget = budget_card.text().await.unwrap();
    c.find(Locator::Css("#dl-consolidated"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let workbook = downloads.path().join("汇总.xlsx");
    wait_until(
        "the downloaded 汇总.xlsx",
        Duration::from_secs(60),
        || workbook.exists(),
    );
    // Chromium writes to a .crdownload and renames when done.
    std::thread::sleep(Duration::from_millis(500));
    c.close().await.unwrap();
    drop(driver);

    // Each sheet's 合计 is the sum of its rows; the page totals the project
    // forms only, as the 汇总 sheet does (部门整体 forms are summed apart).
    let mut book = open_workbook_auto(&workbook).unwrap();
    let number = |d: &Data| d.as_f64().unwrap_or(0.0);
    let mut grand = 0.0;
    {
        let name = "汇总";
        let sheet = book.worksheet_range(name).unwrap();
        let rows: Vec<&[Data]> = sheet.rows().collect();
        let (header, column) = rows
            .iter()
            .enumerate()
            .find_map(|(i, r)| {
                let c = r
                    .iter()
                    .position(|h| h.to_string().starts_with("全年预算数"))?;
                Some((i, c))
            })
            .unwrap_or_else(|| panic!("{name}: no 全年预算数 header"));
        let total_row = rows.iter().position(|r| r[0] == "合计").unwrap();
        let sum: f64 = rows[header + 1..total_row]
            .iter()
            .map(|r| number(&r[column]))
            .sum();
        let total = number(&rows[total_row][column]);
        assert!(
            (sum - total).abs() < 1e-6,
            "{name}: 合计 {total} ≠ rows {sum}"
        );
        grand += total;
    }
    assert_eq!(
        format!("{grand:.2}"),
        page_budget.replace(',', ""),
        "the page and the workbook agree"
    );
}

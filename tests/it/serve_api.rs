//! `jixiao serve` over HTTP: statuses in the list, sessions kept apart, a
//! bad file that does not stop the server, limits, the token, downloads.

use crate::serve_support::{encode, Server};

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name),
    )
    .unwrap()
}

fn upload(server: &Server, sid: &str, name: &str, bytes: &[u8]) -> (u16, serde_json::Value) {
    server.json(
        "POST",
        &format!("/api/s/{sid}/upload?name={}", encode(name)),
        bytes,
    )
}

#[test]
fn serve_lists_each_file_with_its_status_and_keeps_sessions_apart() {
    let server = Server::start(&[]);
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    let (status, _, page) = server.request("GET", "/", &[], b"");
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&page).contains("绩效自评表收表助手"));
    let (a, b) = (server.session(), server.session());
    assert_ne!(a, b);
    let form = sample("rendashi-daibiao-2023.xlsx");
    let (_, v) = upload(&server, &a, "人大/rendashi.xlsx", &form);
    assert_eq!(v["status"], "已导入", "{v}");
    assert_eq!(v["mappings"][0], "mof-2020");
    let (_, v) = upload(&server, &a, "again.xlsx", &form);
    assert_eq!(v["status"], "重复", "{v}");
    let (_, v) = upload(&server, &a, "说明.pdf", b"%PDF-1.4 not a form");
    assert_eq!(v["status"], "非表格文件", "{v}");
    let (_, v) = upload(&server, &a, "坏表.xlsx", b"PK\x03\x04 broken zip");
    assert_eq!(v["status"], "失败", "{v}");
    assert!(v["reason"].as_str().unwrap().contains("坏表.xlsx"), "{v}");
    // The server goes on after the bad file, and session b sees none of a's.
    let (_, files) = server.json("GET", &format!("/api/s/{b}/files"), b"");
    assert_eq!(files["files"].as_array().unwrap().len(), 0);
    let (_, files) = server.json("GET", &format!("/api/s/{a}/files"), b"");
    assert_eq!(files["files"].as_array().unwrap().len(), 4);
    // The form: its grid, the cells its record came from, findings with cells.
    let (status, form) = server.json("GET", &format!("/api/s/{a}/form/0"), b"");
    assert_eq!(status, 200);
    assert_eq!(form["grid"][2][1], "市人大代表活动经费");
    assert!(form["merges"].as_array().unwrap().len() > 3);
    assert_eq!(form["sources"]["B3"], "项目名称");
    assert_eq!(form["sources"]["D6"], "年度资金总额·年初预算数");
    assert!(form["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| !f["cells"].as_array().unwrap().is_empty()));
    let (_, summary) = server.json("GET", &format!("/api/s/{a}/summary"), b"");
    assert_eq!(summary["forms"], 1);
    assert_eq!(summary["budget"], "77.00");
    assert_eq!(summary["failed"], 1);
    // A roster: the departments not seen are 未报送.
    let roster = "主管部门\n市人大常委会办公室\n县教育局\n".as_bytes();
    let (_, summary) = server.json(
        "POST",
        &format!("/api/s/{a}/roster?name=roster.csv"),
        roster,
    );
    assert_eq!(
        summary["missing"],
        serde_json::json!(["县教育局"]),
        "{summary}"
    );
    // Downloads come from the CLI's writers.
    for (what, magic) in [
        ("consolidated", "PK"),
        ("summary", "PK"),
        ("standard?form=0", "PK"),
        ("review?form=0", "PK"),
        ("report?form=0", "PK"),
    ] {
        let (status, head, body) =
            server.request("GET", &format!("/api/s/{a}/download/{what}"), &[], b"");
        assert_eq!(status, 200, "{what}: {head}");
        assert!(
            body.starts_with(magic.as_bytes()) && head.contains("filename*=UTF-8''"),
            "{what}"
        );
    }
    // The region the clerk typed heads the workbook's title.
    let region = "%E6%B5%8B%E8%AF%95%E5%B8%82"; // 测试市
    let (status, _, body) = server.request(
        "GET",
        &format!("/api/s/{a}/download/consolidated?region={region}"),
        &[],
        b"",
    );
    assert_eq!(status, 200);
    let path =
        std::env::temp_dir().join(format!("jixiao-serve-region-{}.xlsx", std::process::id()));
    std::fs::write(&path, &body).unwrap();
    let title = {
        use calamine::Reader;
        let mut book = calamine::open_workbook_auto(&path).unwrap();
        let sheet = book.worksheet_range("汇总").unwrap();
        sheet.get((0, 0)).map(|c| c.to_string()).unwrap_or_default()
    };
    std::fs::remove_file(&path).ok();
    assert!(title.starts_with("测试市 "), "{title}");
    let (status, _) = server.json("GET", "/api/s/nosuchsession/files", b"");
    assert_eq!(status, 404);
}

#[test]
fn serve_bounds_uploads_and_requires_a_token_off_loopback() {
    let server = Server::start(&["--max-file-mb", "1"]);
    let sid = server.session();
    let (status, _, _) = server.request(
        "POST",
        &format!("/api/s/{sid}/upload?name=big.xlsx"),
        &[],
        &vec![0u8; (1 << 20) + 1],
    );
    assert_eq!(status, 413);
    let (_, files) = server.json("GET", &format!("/api/s/{sid}/files"), b"");
    assert_eq!(files["files"].as_array().unwrap().len(), 0);
    drop(server);

    // --listen without --token is refused before anything listens.
    assert_cmd::Command::cargo_bin("jixiao")
        .unwrap()
        .args(["serve", "--listen", "127.0.0.1", "--port", "0"])
        .assert()
        .code(2);
    let server = Server::start(&["--listen", "127.0.0.1", "--token", "s3cret-token-123"]);
    assert!(
        server.url.ends_with("?token=s3cret-token-123"),
        "{}",
        server.url
    );
    let (status, _, _) = server.request("POST", "/api/session", &[], b"");
    assert_eq!(status, 401);
    let (status, _, _) = server.request(
        "POST",
        "/api/session",
        &[("x-jixiao-token", "s3cret-token-123")],
        b"",
    );
    assert_eq!(status, 200);
}

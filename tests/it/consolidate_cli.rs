//! `jixiao consolidate` end to end: bad inputs are listed, not fatal; the exit
//! code says whether every input was imported; inputs are never overwritten.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use calamine::{open_workbook_auto, Data, Reader};

/// The rows of a sheet from its header row on (below the title block).
fn rows(path: &Path, sheet: &str) -> Vec<Vec<String>> {
    let mut wb = open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    range
        .rows()
        .skip(2)
        .map(|r| r.iter().map(Data::to_string).collect())
        .collect()
}

/// A spreadsheet that is not a form: a staff list.
fn non_form(path: &Path) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (r, row) in [["姓名", "年龄"], ["张三", "30"]].iter().enumerate() {
        for (c, t) in row.iter().enumerate() {
            ws.write(r as u32, c as u16, *t).unwrap();
        }
    }
    book.save(path).unwrap();
}

fn jixiao() -> Command {
    let mut cmd = Command::cargo_bin("jixiao").unwrap();
    cmd.env("CI", "true");
    cmd
}

#[test]
fn a_corrupt_file_and_a_non_form_are_listed_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收件");
    std::fs::create_dir_all(inbox.join("教育局")).unwrap();
    std::fs::write(inbox.join("损坏.xlsx"), b"PK\x03\x04 not really a zip").unwrap();
    non_form(&inbox.join("教育局/名册.xlsx"));
    std::fs::write(inbox.join("~$损坏.xlsx"), b"lock").unwrap();
    // 损坏 a minute older than 名册: read, and listed, after it.
    std::fs::File::options()
        .write(true)
        .open(inbox.join("损坏.xlsx"))
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(60))
        .unwrap();
    let out = dir.path().join("汇总.xlsx");

    let assert = jixiao()
        .arg("consolidate")
        .arg(&inbox)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("损坏.xlsx"), "{stderr}");
    assert!(stderr.contains("名册.xlsx"), "{stderr}");

    let files = rows(&out, "导入情况");
    assert_eq!(
        files.len(),
        3,
        "header and two files, lock file skipped: {files:?}"
    );
    for row in &files[1..] {
        assert_eq!(row[1], "失败", "{row:?}");
        assert!(!row[6].is_empty(), "an error is given: {row:?}");
        assert!(!row[6].contains("/tmp"), "no path in the reason: {row:?}");
    }
    // Newest first: 名册 is a minute newer than 损坏.
    assert!(files[1][0].ends_with("名册.xlsx") && files[2][0].ends_with("损坏.xlsx"));
    assert!(
        files[1][6].starts_with("无法识别的表样：缺少“项目名称”"),
        "{files:?}"
    );
    assert!(files[2][6].starts_with("文件已损坏"), "{files:?}");
    assert_eq!(
        rows(&out, "汇总").len(),
        3,
        "header and the two totals rows only"
    );
}

#[test]
fn never_writes_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let form = dir.path().join("form.xlsx");
    non_form(&form);
    let before = std::fs::read(&form).unwrap();
    jixiao()
        .arg("consolidate")
        .arg(&form)
        .arg("-o")
        .arg(&form)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("refusing to overwrite"));
    assert_eq!(std::fs::read(&form).unwrap(), before);
}

fn corpus() -> Option<PathBuf> {
    crate::shared::corpus("public")
}

#[test]
fn consolidates_the_public_corpus() {
    let Some(corpus) = corpus() else {
        return;
    };
    // Every file is listed: the forms, their expected records (read as
    // records) and the manifest (not a spreadsheet).
    let files = std::fs::read_dir(&corpus)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .count();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("汇总.xlsx");
    let jsonl = dir.path().join("out.jsonl");
    jixiao()
        .arg("consolidate")
        .arg(&corpus)
        .arg("-o")
        .arg(&out)
        .arg("--jsonl")
        .arg(&jsonl)
        .assert()
        .code(predicates::ord::le(1));
    let listed = rows(&out, "导入情况");
    assert_eq!(listed.len(), 1 + files);
    let files = listed;
    let column = |c: usize| -> usize {
        files[1..]
            .iter()
            .map(|r| r[c].parse::<usize>().unwrap())
            .sum()
    };
    let (records, counted) = (column(3), column(4));
    let sheets = open_workbook_auto(&out).unwrap().sheet_names();
    let whole = match sheets.iter().any(|s| s == "部门整体") {
        true => rows(&out, "部门整体").len() - 3,
        false => 0,
    };
    // Header, one row per counted project form, 合计 and 计入表数.
    assert_eq!(rows(&out, "汇总").len() - 3 + whole, counted);
    // The JSON Lines hold what the workbook counts: each expected record
    // beside its form is a duplicate of it, left out.
    let lines = std::fs::read_to_string(&jsonl).unwrap().lines().count();
    assert_eq!(lines, counted);
    assert!(counted < records, "{counted} of {records}");
}

#[test]
fn a_roster_without_a_department_column_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let form = dir.path().join("form.xlsx");
    non_form(&form);
    let roster = dir.path().join("名单.csv");
    std::fs::write(&roster, "姓名,电话\n张三,123\n").unwrap();
    let out = dir.path().join("汇总.xlsx");
    jixiao()
        .arg("consolidate")
        .arg(&form)
        .arg("--roster")
        .arg(&roster)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("名单.csv"))
        .stderr(predicates::str::contains(
            "not a roster: sheet 名单 has no header row naming a department or unit column",
        ));
    assert!(!out.exists(), "nothing written when the command cannot run");
}

/// `--region` heads the title of every sheet and of the summary, before
/// the year; without it the title starts with the year, as it always did.
#[test]
fn region_heads_every_title_before_the_year() {
    let form = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import/jiaotong-gonglu-2023.xlsx");
    let dir = tempfile::tempdir().unwrap();
    let title = |region: Option<&str>| {
        let name = region.unwrap_or("无");
        let out = dir.path().join(format!("{name}.xlsx"));
        let summary = dir.path().join(format!("{name}.md"));
        let mut cmd = jixiao();
        cmd.arg("consolidate").arg(&form).arg("-o").arg(&out);
        cmd.arg("--summary").arg(&summary);
        if let Some(region) = region {
            cmd.arg("--region").arg(region);
        }
        cmd.assert().success();
        let mut wb = open_workbook_auto(&out).unwrap();
        let titles: Vec<(String, String)> = wb
            .sheet_names()
            .into_iter()
            .map(|sheet| {
                let range = wb.worksheet_range(&sheet).unwrap();
                let cell = range.get_value((0, 0)).map(Data::to_string);
                (sheet, cell.unwrap_or_default())
            })
            .collect();
        let summary = std::fs::read_to_string(&summary).unwrap();
        let heading = summary
            .lines()
            .find(|l| l.starts_with("# "))
            .unwrap_or_default();
        let heading = heading.to_string();
        (titles, heading)
    };
    let (plain, heading) = title(None);
    assert_eq!(
        plain[0],
        ("汇总".into(), "2023年度项目支出绩效自评汇总表".into())
    );
    assert_eq!(heading, "# 2023年度项目支出绩效自评汇总说明");
    let (regional, heading) = title(Some("XX市"));
    assert_eq!(
        regional[0],
        ("汇总".into(), "XX市 2023年度项目支出绩效自评汇总表".into())
    );
    assert_eq!(heading, "# XX市 2023年度项目支出绩效自评汇总说明");
    assert_eq!(plain.len(), regional.len());
    for ((sheet, plain), (_, regional)) in plain.iter().zip(&regional) {
        assert_eq!(*regional, format!("XX市 {plain}"), "{sheet}");
        assert!(plain.starts_with("2023年度"), "{sheet}: {plain}");
    }
}

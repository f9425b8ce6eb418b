//! Which files every command reads, and with which mappings: folders for
//! every command, a clerk's own mapping added to the built-ins
//! (`--mapping`, `--mappings-dir`, `JIXIAO_MAPPINGS`, a `mappings/` folder
//! among the forms), JSON records as inputs, and every file of an inbox
//! listed in 导入情况, non-spreadsheets included.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use calamine::{open_workbook_auto, Data, Reader};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

/// `jixiao consolidate INPUT -o OUT`, run.
fn consolidate(input: impl AsRef<Path>, out: impl AsRef<Path>) -> assert_cmd::assert::Assert {
    jixiao()
        .arg("consolidate")
        .arg(input.as_ref())
        .arg("-o")
        .arg(out.as_ref())
        .assert()
}

fn jixiao() -> Command {
    let mut cmd = Command::cargo_bin("jixiao").unwrap();
    cmd.env("CI", "true").env_remove("JIXIAO_MAPPINGS");
    cmd
}

/// A sheet's table from its header row (the row whose first cell is
/// `first`, below any title block) down, as text.
fn table(path: &Path, sheet: &str, first: &str) -> Vec<Vec<String>> {
    let mut wb = open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(Data::to_string).collect())
        .collect();
    let header = rows.iter().position(|r| r[0] == first).unwrap();
    rows[header..].to_vec()
}

/// The column headed `name` of a table.
fn column(table: &[Vec<String>], name: &str) -> usize {
    table[0].iter().position(|h| h == name).unwrap()
}

/// 导入情况 as (file name, status, mapping) rows, without the header.
fn listed(xlsx: &Path) -> Vec<(String, String, String)> {
    let files = table(xlsx, "导入情况", "来源文件");
    let (status, mapping) = (column(&files, "状态"), column(&files, "映射"));
    files[1..]
        .iter()
        .map(|r| {
            let name = Path::new(&r[0]).file_name().unwrap().to_string_lossy();
            (name.into_owned(), r[status].clone(), r[mapping].clone())
        })
        .collect()
}

/// 汇总's record rows (without the header and totals) and the header.
fn summary(xlsx: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let rows = table(xlsx, "汇总", "序号");
    let records = rows[1..]
        .iter()
        .take_while(|r| r[0].parse::<usize>().is_ok())
        .cloned()
        .collect();
    (rows[0].clone(), records)
}

/// A department's own short form that no built-in mapping reads (its
/// labels are 名称 / 归口部门 / 自评结果, its sheet 简表); `mine.toml` reads it.
/// Its indicator columns stand in another order than the example form's:
/// the mapping binds them by header text.
fn odd_form(path: &Path) {
    let grid: &[(u32, u16, &str)] = &[
        (0, 0, "2024年度 绩效自评简表"),
        (1, 0, "名称"),
        (1, 1, "老年助餐服务补贴"),
        (2, 0, "归口部门"),
        (2, 1, "区民政局"),
        (2, 2, "执行单位"),
        (2, 3, "社区养老服务中心"),
        (4, 1, "自评得分"),
        (4, 2, "自评等级"),
        (5, 0, "自评结果"),
        (5, 2, "优"),
        (7, 0, "资金"),
        (7, 1, "年初"),
        (7, 2, "预算"),
        (7, 3, "执行"),
        (8, 0, "合计"),
        (10, 0, "类别"),
        (10, 1, "指标"),
        (10, 2, "完成"),
        (10, 3, "目标"),
        (10, 4, "得分"),
        (10, 5, "分值"),
        (11, 0, "产出"),
        (11, 1, "助餐人次"),
        (11, 2, "5230人次"),
        (11, 3, "≥5000人次"),
        (12, 1, "补贴发放及时率"),
        (12, 2, "95%"),
        (12, 3, "100%"),
        (13, 0, "满意度"),
        (13, 1, "老人满意度"),
        (13, 2, "93%"),
        (13, 3, "≥90%"),
    ];
    let numbers: &[(u32, u16, f64)] = &[
        (5, 1, 91.5),
        (8, 1, 100000.0),
        (8, 2, 120000.0),
        (8, 3, 114000.0),
        (11, 4, 50.0),
        (11, 5, 50.0),
        (12, 4, 27.0),
        (12, 5, 30.0),
        (13, 4, 14.5),
        (13, 5, 20.0),
    ];
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet().set_name("简表").unwrap();
    for &(r, c, t) in grid {
        ws.write(r, c, t).unwrap();
    }
    for &(r, c, n) in numbers {
        ws.write(r, c, n).unwrap();
    }
    book.save(path).unwrap();
}

/// The mapping for [`odd_form`]: the annotated example mapping of the
/// fixtures.
fn mine(path: &Path) {
    std::fs::copy(fixture("custom/jianbiao.toml"), path).unwrap();
}

/// A zip holding `entries` (empty parts).
fn zip(path: &Path, entries: &[&str]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for entry in entries {
        zip.start_file(*entry, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(b"<x/>").unwrap();
    }
    zip.finish().unwrap();
}

/// An inbox: the odd form, standard forms as .xlsx, as an .xls renamed
/// `.biff5`, as CSV with no extension and as CSV named `.tsv` in a
/// subfolder (each a different project, so none is a duplicate), and a
/// PDF, a Word document, an image, a zip archive and a note that are no
/// spreadsheets.
fn inbox(root: &Path) -> PathBuf {
    let inbox = root.join("收表");
    std::fs::create_dir_all(inbox.join("乡镇")).unwrap();
    odd_form(&inbox.join("简表.xlsx"));
    let copy = |from: &str, to: &str| std::fs::copy(fixture(from), inbox.join(to)).unwrap();
    copy("jiaotong-gonglu-2023.xlsx", "交通.xlsx");
    copy("rendashi-daibiao-2023.xls", "人大旧版.biff5");
    let csv = std::fs::read_to_string(fixture("rendashi-daibiao-2023.csv")).unwrap();
    let project = "市人大代表活动经费";
    for (name, other) in [("乡镇/人大导出", "（一）"), ("乡镇/人大.tsv", "（二）")]
    {
        let text = csv.replace(project, &format!("{project}{other}"));
        std::fs::write(inbox.join(name), text).unwrap();
    }
    std::fs::write(inbox.join("说明.pdf"), b"%PDF-1.7\n...").unwrap();
    std::fs::write(inbox.join("扫描件.png"), b"\x89PNG\r\n\x1a\n....").unwrap();
    std::fs::write(inbox.join("备注.md"), "# 收表说明\n截止日期：3月31日\n").unwrap();
    zip(&inbox.join("报告.docx"), &["word/document.xml"]);
    zip(&inbox.join("附件.zip"), &["a/b.pdf"]);
    inbox
}

const NOT_SPREADSHEET: &str = "非表格文件，未导入";

#[test]
fn consolidate_reads_the_odd_form_with_mine_and_the_others_with_the_builtins() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox(dir.path());
    let mine_toml = dir.path().join("mine.toml");
    mine(&mine_toml);
    let out = dir.path().join("汇总.xlsx");
    jixiao()
        .current_dir(dir.path())
        .args([
            "consolidate",
            "收表/",
            "--mapping",
            "mine.toml",
            "-o",
            "汇总.xlsx",
        ])
        .assert()
        .code(0);
    let mut got = listed(&out);
    got.sort();
    let want = |n: &str, s: &str, m: &str| (n.to_string(), s.to_string(), m.to_string());
    let imported = "已导入";
    let mut expected = vec![
        want("简表.xlsx", imported, "jianbiao-2024"),
        want("交通.xlsx", imported, "mof-2020"),
        want("人大旧版.biff5", imported, "mof-2020"),
        want("人大导出", imported, "mof-2020"),
        want("人大.tsv", imported, "mof-2020"),
        want("说明.pdf", NOT_SPREADSHEET, ""),
        want("扫描件.png", NOT_SPREADSHEET, ""),
        want("备注.md", NOT_SPREADSHEET, ""),
        want("报告.docx", NOT_SPREADSHEET, ""),
        want("附件.zip", NOT_SPREADSHEET, ""),
    ];
    expected.sort();
    assert_eq!(got, expected);
    // The odd form's figures came through its mapping (元 → 万元).
    let (header, records) = summary(&out);
    let (project, spent) = (column(std::slice::from_ref(&header), "项目名称"), 7);
    assert_eq!(header[spent], "全年执行数\n（万元）");
    let odd = records
        .iter()
        .find(|r| r[project] == "老年助餐服务补贴")
        .unwrap();
    assert_eq!((odd[2].as_str(), odd[spent].as_str()), ("区民政局", "11.4"));
    assert_eq!(records.len(), 5);

    // Without mine.toml the odd form is no form: listed as failed, exit 1.
    let plain = dir.path().join("plain.xlsx");
    consolidate(&inbox, &plain)
        .code(1)
        .stderr(predicates::str::contains("简表.xlsx: no sheet matches"));
}

#[test]
fn a_mappings_folder_among_the_forms_a_named_folder_and_the_environment_are_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox(dir.path());
    let odd_mapping = |listing: &[(String, String, String)]| {
        listing
            .iter()
            .find(|(n, ..)| n == "简表.xlsx")
            .map(|(_, s, m)| (s.clone(), m.clone()))
    };
    let imported = Some(("已导入".to_string(), "jianbiao-2024".to_string()));

    // --mappings-dir and JIXIAO_MAPPINGS name a folder anywhere.
    let elsewhere = dir.path().join("我的映射");
    std::fs::create_dir(&elsewhere).unwrap();
    mine(&elsewhere.join("mine.toml"));
    let out = dir.path().join("a.xlsx");
    jixiao()
        .arg("consolidate")
        .arg(&inbox)
        .arg("--mappings-dir")
        .arg(&elsewhere)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0);
    assert_eq!(odd_mapping(&listed(&out)), imported);
    let out = dir.path().join("b.xlsx");
    jixiao()
        .env("JIXIAO_MAPPINGS", &elsewhere)
        .arg("consolidate")
        .arg(&inbox)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0);
    assert_eq!(odd_mapping(&listed(&out)), imported);

    // A mappings/ folder inside the inbox: loaded, and not listed as input.
    std::fs::create_dir(inbox.join("mappings")).unwrap();
    mine(&inbox.join("mappings/mine.toml"));
    let out = dir.path().join("c.xlsx");
    consolidate(&inbox, &out).code(0);
    let listing = listed(&out);
    assert_eq!(odd_mapping(&listing), imported);
    assert!(
        listing.iter().all(|(n, ..)| n != "mine.toml"),
        "{listing:?}"
    );

    // The same folder beside a file named alone; import and check use it too.
    let odd = inbox.join("简表.xlsx");
    let record = import_json(&[odd.as_os_str()]);
    assert_eq!(record["source"]["mapping"], "jianbiao-2024");
    jixiao()
        .arg("check")
        .arg(&odd)
        .assert()
        .code(predicates::ord::le(1));

    // A broken mapping file there is an error naming it, not ignored.
    std::fs::write(inbox.join("mappings/broken.toml"), "id = \n").unwrap();
    jixiao()
        .arg("import")
        .arg(&odd)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("broken.toml"));
}

fn import_json(args: &[&std::ffi::OsStr]) -> Value {
    let out = jixiao()
        .arg("import")
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn mapping_adds_where_it_matches_and_only_mappings_forces() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("简表.xlsx");
    odd_form(&odd);
    let mine_toml = dir.path().join("elsewhere.toml");
    mine(&mine_toml);
    let standard = fixture("rendashi-daibiao-2023.xlsx");
    let both = import_json(&[
        "--mapping".as_ref(),
        mine_toml.as_os_str(),
        odd.as_os_str(),
        standard.as_os_str(),
    ]);
    let mappings: Vec<&str> = both
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"]["mapping"].as_str().unwrap())
        .collect();
    assert_eq!(mappings, ["jianbiao-2024", "mof-2020"]);
    // --only-mappings leaves the built-ins out: the standard form fails.
    jixiao()
        .arg("import")
        .arg("--only-mappings")
        .arg("--mapping")
        .arg(&mine_toml)
        .arg(&standard)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "mapping jianbiao-2024 matches no sheet",
        ));
    // A built-in named with --mapping is preferred where it matches.
    let record = import_json(&[
        "--mapping".as_ref(),
        "sichuan-2023".as_ref(),
        standard.as_os_str(),
    ]);
    assert_eq!(record["source"]["mapping"], "mof-2020");
}

#[test]
fn consolidate_takes_a_hand_fixed_record_from_json() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收表");
    std::fs::create_dir(&inbox).unwrap();
    let form = fixture("rendashi-daibiao-2023.xlsx");
    let mut record = import_json(&[form.as_os_str()]);
    record["project"] = Value::from("市人大代表活动经费（已更正）");
    let fixed = serde_json::to_string_pretty(&record).unwrap();
    std::fs::write(inbox.join("人大-更正.json"), fixed).unwrap();
    // JSON Lines as `import --jsonl` writes them join too.
    let lines = jixiao()
        .args(["import", "--jsonl"])
        .arg(fixture("jiaotong-gonglu-2023.xlsx"))
        .arg(fixture("sifa-anke-2023.xlsx"))
        .output()
        .unwrap();
    std::fs::write(inbox.join("两张.jsonl"), &lines.stdout).unwrap();
    let out = dir.path().join("汇总.xlsx");
    consolidate(&inbox, &out).code(0);
    let (header, records) = summary(&out);
    let header = [header];
    let (project, file) = (column(&header, "项目名称"), column(&header, "来源文件"));
    let fixed_row = records
        .iter()
        .find(|r| r[project] == "市人大代表活动经费（已更正）")
        .unwrap();
    assert!(fixed_row[file].ends_with("人大-更正.json"), "{fixed_row:?}");
    let mut got = listed(&out);
    got.sort();
    assert_eq!(
        got.iter()
            .map(|(n, s, _)| (n.as_str(), s.as_str()))
            .collect::<Vec<_>>(),
        [("两张.jsonl", "已导入"), ("人大-更正.json", "已导入")]
    );
    assert_eq!(records.len(), 3);
    // A JSON file that is no record is a failure naming it.
    std::fs::write(inbox.join("other.json"), "{\"name\": 1}").unwrap();
    consolidate(&inbox, dir.path().join("again.xlsx"))
        .code(1)
        .stderr(predicates::str::contains("other.json: not a jixiao record"));
}

#[test]
fn a_folder_without_a_spreadsheet_is_an_error_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收表");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::write(inbox.join("说明.pdf"), b"%PDF-1.7\n").unwrap();
    let out = dir.path().join("out");
    let out = out.to_string_lossy();
    for args in [
        vec!["consolidate", "-o", "x.xlsx"],
        vec!["import"],
        vec!["check"],
        vec!["convert", "-o", &out],
    ] {
        jixiao()
            .current_dir(dir.path())
            .args(&args)
            .arg(&inbox)
            .assert()
            .code(2)
            .stderr(predicates::str::contains("no spreadsheet found in"));
    }
    let empty = dir.path().join("空");
    std::fs::create_dir(&empty).unwrap();
    jixiao()
        .arg("import")
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no spreadsheet found in"));
    assert!(!dir.path().join("x.xlsx").exists());
}

#[test]
fn import_and_convert_take_folders_and_name_the_files_they_skip() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox(dir.path());
    std::fs::create_dir(inbox.join("mappings")).unwrap();
    mine(&inbox.join("mappings/mine.toml"));
    let out = jixiao()
        .args(["import", "--jsonl"])
        .arg(&inbox)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let records: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 5);
    let stderr = String::from_utf8(out.stderr).unwrap();
    for name in ["说明.pdf", "扫描件.png", "备注.md", "报告.docx", "附件.zip"] {
        assert!(
            stderr.contains(name) && stderr.contains("not a spreadsheet"),
            "{name}: {stderr}"
        );
    }
    // --json over a folder is the same records as one array.
    let array = import_json(&[inbox.as_os_str()]);
    assert_eq!(array.as_array().unwrap(), &records);
    // Written to a file inside the inbox, the output is not read back.
    jixiao()
        .args(["import", "--jsonl", "-o"])
        .arg(inbox.join("all.jsonl"))
        .arg(&inbox)
        .assert()
        .code(0);
    let again = std::fs::read_to_string(inbox.join("all.jsonl")).unwrap();
    assert_eq!(again, stdout);

    let converted = dir.path().join("标准表");
    std::fs::remove_file(inbox.join("all.jsonl")).unwrap();
    jixiao()
        .args(["convert", "-o"])
        .arg(&converted)
        .arg(&inbox)
        .assert()
        .code(0);
    let mut made: Vec<String> = std::fs::read_dir(&converted)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    let mut want = [
        "人大.xlsx",
        "交通.xlsx",
        "人大导出.xlsx",
        "人大旧版.xlsx",
        "简表.xlsx",
    ];
    want.sort();
    assert_eq!(made, want);
}

#[test]
fn a_consolidated_workbook_in_the_inbox_is_listed_not_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收表");
    std::fs::create_dir(&inbox).unwrap();
    let form = fixture("jiaotong-gonglu-2023.xlsx");
    std::fs::copy(&form, inbox.join("交通.xlsx")).unwrap();
    // An earlier consolidation renamed like a form, and a converted form.
    consolidate(&form, inbox.join("人大.xlsx")).code(0);
    let standard = inbox.join("人大标准表.xlsx");
    jixiao()
        .arg("convert")
        .arg(fixture("rendashi-daibiao-2023.xlsx"))
        .arg("-o")
        .arg(&standard)
        .assert()
        .code(0);
    let out = dir.path().join("汇总.xlsx");
    consolidate(&inbox, &out).code(0);
    let mut got = listed(&out);
    got.sort();
    let want = |n: &str, s: &str, m: &str| (n.to_string(), s.to_string(), m.to_string());
    let mut expected = vec![
        want("交通.xlsx", "已导入", "mof-2020"),
        want("人大.xlsx", "jixiao 生成的汇总表，未导入", ""),
        // The converted form nobody changed is jixiao's own output.
        want(
            "人大标准表.xlsx",
            "jixiao 转换生成的表，生成后未经修改，未重复汇总；如需汇总，请放入原表",
            "",
        ),
    ];
    expected.sort();
    assert_eq!(got, expected);
    // Named alone, it is named as skipped, and no record comes of it.
    jixiao()
        .arg("import")
        .arg(inbox.join("人大.xlsx"))
        .assert()
        .code(0)
        .stdout("")
        .stderr(predicates::str::contains("a file jixiao wrote"));
}

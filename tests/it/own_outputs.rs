//! A form jixiao wrote and nobody changed is its own output: a
//! consolidation lists it and counts it not; once a department changes it,
//! it is a form like any other.

use std::path::Path;

use crate::shared::rewrite_package;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

/// Runs jixiao with `args`, which must succeed.
fn jixiao(args: &[&std::ffi::OsStr]) {
    assert_cmd::Command::cargo_bin("jixiao")
        .unwrap()
        .args(args)
        .assert()
        .success();
}

/// `convert FORM -o OUT`, to the standard form or, with `to`, into that
/// mapping's template.
fn convert(form: &Path, to: Option<&str>, out: &Path) {
    let mut args = vec![
        "convert".as_ref(),
        form.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ];
    if let Some(mapping) = to {
        args.extend::<[&std::ffi::OsStr; 2]>(["--to".as_ref(), mapping.as_ref()]);
    }
    jixiao(&args);
}

fn consolidate(inbox: &Path, out: &Path) {
    jixiao(&[
        "consolidate".as_ref(),
        inbox.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
}

/// `导入情况`'s rows as (file name, status) pairs.
fn statuses(workbook: &Path) -> Vec<(String, String)> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(workbook).unwrap();
    let sheet = book.worksheet_range("导入情况").unwrap();
    let header = sheet
        .rows()
        .position(|r| r.iter().any(|c| *c == "状态"))
        .unwrap();
    let col = |name: &str| {
        sheet
            .rows()
            .nth(header)
            .unwrap()
            .iter()
            .position(|c| *c == name)
    };
    let (file, status) = (col("来源文件").unwrap(), col("状态").unwrap());
    sheet
        .rows()
        .skip(header + 1)
        .filter(|r| !r[file].to_string().is_empty())
        .map(|r| {
            let name = Path::new(&r[file].to_string())
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, r[status].to_string())
        })
        .collect()
}

#[test]
fn an_unchanged_converted_form_is_listed_not_counted_and_a_changed_one_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收表");
    std::fs::create_dir(&inbox).unwrap();
    let original = fixture("jiaoyu-xiaoshe-2023.xlsx");
    // The converted copy alone: jixiao's own output, not a form.
    convert(&original, None, &inbox.join("标准表.xlsx"));
    // Another converted form that a department then corrected in Excel.
    let corrected = inbox.join("改过的.xlsx");
    convert(&fixture("rendashi-daibiao-2023.xlsx"), None, &corrected);
    rewrite_package(&corrected, |name, data| {
        if name != "xl/sharedStrings.xml" {
            return Some(data);
        }
        let text = String::from_utf8(data).unwrap();
        assert!(text.contains("市人大代表活动经费"), "the fixture's project");
        Some(
            text.replace("市人大代表活动经费", "市人大代表履职活动经费")
                .into_bytes(),
        )
    });
    let out = dir.path().join("汇总.xlsx");
    consolidate(&inbox, &out);
    let rows = statuses(&out);
    let status = |name: &str| {
        rows.iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| panic!("{name} not listed: {rows:?}"))
    };
    assert!(status("标准表.xlsx").contains("未经修改"), "{rows:?}");
    assert_eq!(status("改过的.xlsx"), "已导入", "{rows:?}");
    // `import` of the unchanged copy, named by the user, still reads it.
    let json = assert_cmd::Command::cargo_bin("jixiao")
        .unwrap()
        .args(["import", "--json"])
        .arg(inbox.join("标准表.xlsx"))
        .output()
        .unwrap();
    assert!(json.status.success());
    assert!(String::from_utf8_lossy(&json.stdout).contains("校舍"));
}

#[test]
fn one_form_filled_into_three_templates_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收表");
    std::fs::create_dir(&inbox).unwrap();
    let original = fixture("jiaoyu-xiaoshe-2023.xlsx");
    // mof-2020 reads back to the very record: jixiao's own output. 湖北's
    // and 四川's templates read back without 年初预算 or with it: the same
    // form (project, department, year, budget, spending) counted once.
    for mapping in ["mof-2020", "hubei-2020", "sichuan-2023"] {
        convert(
            &original,
            Some(mapping),
            &inbox.join(format!("{mapping}.xlsx")),
        );
    }
    let out = dir.path().join("汇总.xlsx");
    consolidate(&inbox, &out);
    let rows = statuses(&out);
    let count = |status: &str| rows.iter().filter(|(_, s)| s.contains(status)).count();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(count("未经修改"), 1, "{rows:?}");
    assert_eq!(count("已导入"), 1, "{rows:?}");
    assert_eq!(count("重复，未计入"), 1, "{rows:?}");
}

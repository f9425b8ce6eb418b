//! `jixiao check` end to end: the rule listing, exit codes, and a standard
//! form built here with rust_xlsxwriter.

use std::path::{Path, PathBuf};

use crate::review_support::clean;
use assert_cmd::Command;
use jixiao::model::Record;
use predicates::prelude::*;

fn jixiao() -> Command {
    Command::cargo_bin("jixiao").unwrap()
}

#[test]
fn rules_lists_the_whole_catalogue() {
    let out = jixiao().args(["check", "--rules"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    // Header, separator, 42 rules.
    assert_eq!(text.lines().count(), 2 + 42, "{text}");
    assert!(text.contains("| F2 | error |"));
    assert!(text.contains("| C3 | info |"));
}

#[test]
fn unreadable_input_exits_2_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.xlsx");
    jixiao()
        .arg("check")
        .arg(&missing)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope.xlsx"));
}

#[test]
fn bad_profile_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("bureau.toml");
    std::fs::write(&profile, "[grades]\nexcelent = 90\n").unwrap();
    jixiao()
        .arg("check")
        .arg("--profile")
        .arg(&profile)
        .arg(dir.path().join("any.xlsx"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bureau.toml"));
}

/// Writes `record` as a standard 财预〔2020〕10号 workbook with the project's
/// own writer: the fixture is made by code, not checked in.
fn form(dir: &Path, name: &str, record: &Record) -> PathBuf {
    let path = dir.join(name);
    jixiao::write::standard::write(&path, record, None).unwrap();
    path
}

fn stdout(cmd: &mut Command, code: i32) -> String {
    let out = cmd.assert().code(code);
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn a_clean_standard_form_passes() {
    let dir = tempfile::tempdir().unwrap();
    let path = form(dir.path(), "peixun-2021.xlsx", &clean());
    let text = stdout(jixiao().arg("check").arg(&path), 0);
    assert!(text.contains("代表履职培训"), "{text}");
    assert!(text.contains("100 (优)"), "{text}");
    assert!(!text.contains("错误"), "{text}");
}

#[test]
fn full_marks_on_a_shortfall_exits_1_with_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    let mut record = clean();
    record.indicators[0].actual = Some("3期".into());
    let path = form(dir.path(), "peixun-2021.xlsx", &record);
    let text = stdout(jixiao().arg("check").arg(&path), 1);
    let line = text
        .lines()
        .find(|l| l.contains("P8"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains('!'), "cell reference expected: {line}");

    let json = stdout(jixiao().args(["check", "--json"]).arg(&path), 1);
    let items: serde_json::Value = serde_json::from_str(&json).unwrap();
    let findings = items[0]["review"]["findings"].as_array().unwrap();
    let p8 = findings.iter().find(|f| f["rule"] == "P8").unwrap();
    assert_eq!(p8["severity"], "error");
    assert_eq!(p8["indicator"], 0);
    assert!(!p8["cells"].as_array().unwrap().is_empty());
    assert_eq!(items[0]["record"]["indicators"][0]["actual"], "3期");
    assert_eq!(
        items[0]["review"]["indicators"][0]["target"]["comparator"],
        "≥"
    );
}

#[test]
fn a_bad_file_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let good = form(dir.path(), "peixun-2021.xlsx", &clean());
    let bad = dir.path().join("broken.xlsx");
    std::fs::write(&bad, b"PK\x03\x04 not really a zip").unwrap();
    let json = stdout(jixiao().args(["check", "--json"]).arg(&bad).arg(&good), 2);
    let items: serde_json::Value = serde_json::from_str(&json).unwrap();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 2, "{json}");
    assert!(items[0]["error"].as_str().unwrap().contains("broken.xlsx"));
    assert_eq!(items[1]["record"]["project"], "代表履职培训");
}

#[test]
fn a_profile_changes_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let mut record = clean();
    record.indicators[2].actual = Some("部分达成年度指标并具有一定效果".into());
    record.indicators[2].score = Some(rust_decimal_macros::dec!(5.5));
    record.indicators[2].note = Some("个别批次拨付延迟".into());
    record.total_score = Some(rust_decimal_macros::dec!(95.5));
    let path = form(dir.path(), "peixun-2021.xlsx", &record);
    // 5.5 of 10 is below the 60% band floor, above the 50% one.
    let text = stdout(jixiao().arg("check").arg(&path), 1);
    assert!(text.contains("P5"), "{text}");
    let profile = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/hubei-2020.toml");
    let text = stdout(
        jixiao()
            .arg("check")
            .arg("--profile")
            .arg(&profile)
            .arg(&path),
        0,
    );
    assert!(!text.contains("P5"), "{text}");
}

#[test]
fn the_public_corpus() {
    let Some(dir) = crate::shared::corpus("public") else {
        return;
    };
    let json = stdout(jixiao().args(["check", "--json"]).arg(&dir), 1);
    let items: serde_json::Value = serde_json::from_str(&json).unwrap();
    let items = items.as_array().unwrap();
    assert!(items.len() >= 8, "{}", items.len());
    let by_file = |name: &str| {
        items
            .iter()
            .find(|i| {
                i["record"]["source"]["file"]
                    .as_str()
                    .is_some_and(|f| f.ends_with(name))
            })
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    let rules = |item: &serde_json::Value, severity: &str| -> Vec<String> {
        item["review"]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == severity)
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    // A 0 total row while 本年财政拨款 holds 89.974: F2, pointing at the row.
    let chizhou = by_file("chizhou-tangxi-weituo-2022.xlsx");
    assert!(rules(chizhou, "error").contains(&"F2".to_string()));
    // Full marks on 37442 of 38508 人: P8.
    let jishan = by_file("jishan-gongwei-2021.xlsx");
    assert!(rules(jishan, "error").contains(&"P8".to_string()));
    // The cleanest forms raise no error at all.
    for clean in [
        "licheng-wenhuaguan-2019.xlsx",
        "baoshan-tuiyi-2022.xlsx",
        "daying-anke-2023.xlsx",
        "langfang-nuantong-2019.xlsx",
    ] {
        assert!(
            rules(by_file(clean), "error").is_empty(),
            "{clean}: {:?}",
            rules(by_file(clean), "error")
        );
    }
}

//! `jixiao check` end to end: the rule listing, exit codes, and a standard
//! form built here with rust_xlsxwriter.

use assert_cmd::Command;
use predicates::prelude::*;

fn jixiao() -> Command {
    Command::cargo_bin("jixiao").unwrap()
}

#[test]
fn rules_lists_the_whole_catalogue() {
    let out = jixiao().args(["check", "--rules"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    // Header, separator, 39 rules.
    assert_eq!(text.lines().count(), 2 + 39, "{text}");
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

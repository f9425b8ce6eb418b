//! Where outputs may go (issue 13 §3–4): every command replaces only a file
//! jixiao wrote, never an input or a form someone made; two outputs of one
//! command never share a file; devices are written through, not replaced.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn jixiao() -> Command {
    let mut cmd = Command::cargo_bin("jixiao").unwrap();
    cmd.env("CI", "true");
    cmd
}

fn form() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/jiaoyu-xiaoshe-2023.xlsx")
}

/// A folder holding one real form, `a.xlsx`, and a spreadsheet someone
/// made, `名册.xlsx`.
fn inbox() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.xlsx");
    std::fs::copy(form(), &a).unwrap();
    let other = dir.path().join("名册.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write(0, 0, "姓名").unwrap();
    book.save(&other).unwrap();
    (dir, a, other)
}

fn stderr_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

#[test]
fn consolidate_into_a_form_of_its_folder_is_refused() {
    let (dir, a, other) = inbox();
    let before = std::fs::read(&other).unwrap();
    let assert = jixiao()
        .arg("consolidate")
        .arg(dir.path())
        .arg("-o")
        .arg(&other)
        .assert()
        .code(2);
    let stderr = stderr_of(&assert);
    assert!(stderr.contains("not written by jixiao"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(std::fs::read(&other).unwrap(), before);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(form()).unwrap());
}

#[test]
fn consolidate_side_outputs_never_hit_a_form_or_the_workbook() {
    let (dir, _a, other) = inbox();
    let out = dir.path().join("汇总.xlsx");
    let before = std::fs::read(&other).unwrap();
    for (flag, target) in [
        ("--jsonl", other.clone()),
        ("--summary", other.clone()),
        ("--summary", out.clone()),
        ("--jsonl", out.clone()),
    ] {
        let assert = jixiao()
            .arg("consolidate")
            .arg(dir.path())
            .arg("-o")
            .arg(&out)
            .arg(flag)
            .arg(&target)
            .assert()
            .code(2);
        assert_eq!(stderr_of(&assert).lines().count(), 1);
        assert_eq!(std::fs::read(&other).unwrap(), before, "{flag}");
        assert!(!out.exists(), "{flag} {}", target.display());
    }
}

#[test]
fn consolidate_reruns_over_its_own_outputs() {
    let (dir, _a, _other) = inbox();
    let out = dir.path().join("汇总.xlsx");
    let (jsonl, md) = (dir.path().join("all.jsonl"), dir.path().join("说明.md"));
    for _ in 0..2 {
        jixiao()
            .arg("consolidate")
            .arg(dir.path())
            .arg("-o")
            .arg(&out)
            .arg("--jsonl")
            .arg(&jsonl)
            .arg("--summary")
            .arg(&md)
            .assert()
            .code(1); // 名册.xlsx is not a form
    }
    for path in [&out, &jsonl, &md] {
        assert!(jixiao::write::atomic::is_jixiao_output(path), "{path:?}");
    }
}

#[test]
fn convert_into_a_folder_leaves_an_unrelated_namesake_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let namesake = out.join("a.xlsx");
    std::fs::write(&namesake, b"someone's workbook").unwrap();
    let input = dir.path().join("a.xlsx");
    std::fs::copy(form(), &input).unwrap();
    for _ in 0..2 {
        jixiao()
            .arg("convert")
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .assert()
            .success();
    }
    assert_eq!(std::fs::read(&namesake).unwrap(), b"someone's workbook");
    let written = out.join("a (2).xlsx");
    assert!(jixiao::write::atomic::is_jixiao_output(&written));
    assert!(
        !out.join("a (3).xlsx").exists(),
        "a re-run replaces its own"
    );
}

#[test]
fn convert_and_report_refuse_a_file_they_did_not_write() {
    let (dir, a, other) = inbox();
    let before = std::fs::read(&other).unwrap();
    jixiao()
        .arg("convert")
        .arg(&a)
        .arg("-o")
        .arg(&other)
        .assert()
        .code(2);
    let notes = dir.path().join("notes.md");
    std::fs::write(&notes, "# 我的笔记\n").unwrap();
    jixiao()
        .arg("report")
        .arg(&a)
        .arg("-o")
        .arg(&notes)
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&other).unwrap(), before);
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "# 我的笔记\n");
    jixiao()
        .arg("import")
        .arg(&a)
        .arg("--json")
        .arg("-o")
        .arg(&other)
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&other).unwrap(), before);
}

#[test]
fn dash_is_standard_output_and_a_missing_folder_is_named() {
    let (dir, a, _other) = inbox();
    let assert = jixiao()
        .arg("convert")
        .arg(&a)
        .arg("-o")
        .arg("-")
        .assert()
        .success();
    assert!(assert.get_output().stdout.starts_with(b"PK\x03\x04"));
    let assert = jixiao()
        .arg("report")
        .arg(&a)
        .arg("-o")
        .arg("-")
        .assert()
        .success();
    assert!(!assert.get_output().stdout.is_empty());
    let missing = dir.path().join("没有");
    let assert = jixiao()
        .arg("consolidate")
        .arg(&a)
        .arg("-o")
        .arg(missing.join("汇总.xlsx"))
        .assert()
        .code(2);
    let stderr = stderr_of(&assert);
    assert_eq!(
        stderr.trim_end(),
        format!("jixiao: 输出文件夹不存在：{}", missing.display())
    );
}

#[cfg(unix)]
#[test]
fn dev_null_stays_a_device() {
    let (_dir, a, _other) = inbox();
    for args in [
        vec!["convert", "-o", "/dev/null"],
        vec!["consolidate", "-o", "/dev/null", "--summary", "/dev/null"],
        vec!["import", "--json", "-o", "/dev/null"],
    ] {
        jixiao().args(&args).arg(&a).assert().code(0);
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(!meta.is_file(), "{args:?} replaced /dev/null");
    }
}

#[cfg(unix)]
#[test]
fn dev_stdout_is_written_through_its_link() {
    let (_dir, a, _other) = inbox();
    let link = std::fs::symlink_metadata("/dev/stdout").ok();
    let out = jixiao()
        .args(["convert", "-o", "/dev/stdout"])
        .arg(&a)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of_output(&out));
    assert!(
        out.stdout.starts_with(b"PK\x03\x04"),
        "the workbook went to the pipe"
    );
    let after = std::fs::symlink_metadata("/dev/stdout").ok();
    assert_eq!(
        link.map(|m| m.file_type().is_symlink()),
        after.map(|m| m.file_type().is_symlink()),
        "/dev/stdout is what it was"
    );
}

fn stderr_of_output(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

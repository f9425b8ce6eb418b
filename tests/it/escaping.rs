//! Text from a file never acts on the terminal or the Markdown it is
//! printed into (issue 13 §7): control characters are escaped on stdout
//! and stderr, Markdown syntax in `report` and `--summary`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn jixiao() -> Command {
    let mut cmd = Command::cargo_bin("jixiao").unwrap();
    cmd.env("CI", "true");
    cmd
}

/// The CSV form with its project renamed to `name`.
fn form_named(dir: &Path, file: &str, name: &str) -> PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import/rendashi-daibiao-2023.csv");
    let text = std::fs::read_to_string(fixture).unwrap();
    let path = dir.join(file);
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    std::fs::write(&path, text.replacen("市人大代表活动经费", &quoted, 1)).unwrap();
    path
}

const HOSTILE: &str = "清屏\x1b[2J\r总分 100\x08";

fn assert_no_controls(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(
        !text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'),
        "{what}: {text:?}"
    );
}

#[test]
fn cell_text_reaches_the_terminal_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let form = form_named(dir.path(), "a.csv", HOSTILE);
    for args in [
        vec!["inspect"],
        vec!["import"],
        vec!["check"],
        vec!["report", "--format", "md"],
    ] {
        let out = jixiao().args(&args).arg(&form).output().unwrap();
        assert_no_controls(&format!("{args:?}"), &out.stdout);
        let shown = String::from_utf8_lossy(&out.stdout);
        // The report also escapes `[` as Markdown.
        let shown = shown.replace(r"\[", "[");
        assert!(shown.contains(r"\x1b[2J"), "{args:?}: {shown}");
    }
}

#[test]
fn file_names_reach_stderr_on_one_escaped_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("坏\x1b[2J\n.xlsx");
    std::fs::write(&bad, b"PK\x03\x04 not a zip").unwrap();
    for command in ["inspect", "import", "check"] {
        let out = jixiao().arg(command).arg(&bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{command}");
        assert_no_controls(command, &out.stderr);
        assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    }
    let good = form_named(dir.path(), "好\r.csv", "项目");
    let out = jixiao()
        .args(["convert", "-o"])
        .arg(dir.path().join("out"))
        .arg(&good)
        .output()
        .unwrap();
    assert_no_controls("convert", &out.stdout);
}

const MARKUP: &str = "A|B <script>alert(1)</script> [x](javascript:alert(1)) # 标题 {year}";

#[test]
fn markdown_from_a_form_is_literal_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let form = form_named(dir.path(), "a.csv", MARKUP);
    let out = jixiao()
        .args(["report", "--format", "md"])
        .arg(&form)
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&out.stdout);
    let unescaped = md.replace(r"\<", "").replace(r"\[", "").replace(r"\]", "");
    assert!(!unescaped.contains("<script>"), "{md}");
    assert!(!unescaped.contains("[x]("), "{md}");
    assert!(md.contains(r"A\|B \<script\>"), "{md}");
    assert!(md.contains(r"\{year\}"), "{md}");
    // Every table row has as many unescaped pipes as its header.
    let pipes = |l: &str| l.replace(r"\|", "").matches('|').count();
    for table in md.split("\n\n").filter(|b| b.starts_with('|')) {
        let mut lines = table.lines();
        let width = pipes(lines.next().unwrap());
        assert!(lines.all(|l| pipes(l) == width), "{table}");
    }
}

#[test]
fn markdown_from_forms_and_file_names_is_literal_in_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    form_named(&inbox, "a.csv", MARKUP);
    std::fs::write(inbox.join("<img src=x>|#.xlsx"), b"PK\x03\x04").unwrap();
    let summary = dir.path().join("说明.md");
    jixiao()
        .arg("consolidate")
        .arg(&inbox)
        .arg("-o")
        .arg(dir.path().join("汇总.xlsx"))
        .arg("--summary")
        .arg(&summary)
        .assert()
        .code(1);
    let md = std::fs::read_to_string(summary).unwrap();
    assert!(!md.replace(r"\<", "").contains("<img"), "{md}");
    assert!(md.contains(r"\<img src=x\>\|\#.xlsx"), "{md}");
}

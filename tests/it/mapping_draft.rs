//! `jixiao mapping draft` and `mapping test` on the forms of
//! `tests/fixtures/mapping/` (made by its `gen.py`): the draft's output is
//! held in `<form>.draft.toml`, and the draft imports the form exactly
//! after at most its TODO edits. Also: unread cells are warnings of
//! `import` (exit 0), in `--json`, and a warning finding of `check`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

use crate::import_cli::{assert_same, expected_for};

const DIR: &str = "tests/fixtures/mapping";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `jixiao args…` from the crate root: (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("jixiao")
        .unwrap_or_else(|e| panic!("no jixiao binary: {e}"))
        .current_dir(root())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run jixiao: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn form(name: &str) -> String {
    format!("{DIR}/{name}")
}

/// The draft of `name`, checked against the held copy.
fn draft(name: &str) -> String {
    let (code, text, err) = run(&["mapping", "draft", &form(name)]);
    assert_eq!(code, 0, "draft {name}: {err}");
    let held = root().join(DIR).join(format!("{name}.draft.toml"));
    let want = std::fs::read_to_string(&held).unwrap_or_else(|e| panic!("{}: {e}", held.display()));
    assert_eq!(
        text,
        want,
        "the draft of {name} changed (compare with {})",
        held.display()
    );
    text
}

/// Writes `mapping` to a temporary file and imports `name` with it.
fn import_with(name: &str, mapping: &str) -> (Value, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path: PathBuf = dir.path().join("mine.toml");
    std::fs::write(&path, mapping).unwrap_or_else(|e| panic!("{e}"));
    let path = path.to_string_lossy().into_owned();
    let (code, out, err) = run(&["import", "--json", "--mapping", &path, &form(name)]);
    assert_eq!(code, 0, "import {name} with its draft: {err}");
    let json = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    (json, dir)
}

#[test]
fn a_form_with_shuffled_columns_drafts_without_todo_and_imports_exactly() {
    let name = "shuffled-columns.xlsx";
    let text = draft(name);
    assert!(!text.contains("\n# TODO"), "{text}");
    assert!(text.contains("extends = \"mof-2020\""));
    assert!(text.contains("weight = \"指标分值权重\"  # G11"), "{text}");
    let (actual, _dir) = import_with(name, &text);
    assert_same(&expected_for(&root().join(DIR).join(name)), &actual, name);
}

#[test]
fn a_transfer_form_imports_exactly_after_the_todo_edits() {
    let name = "zhuanyi-kaohe.xlsx";
    let text = draft(name);
    assert!(text.contains("extends = \"transfer-2021\""), "{text}");
    // Before the edits the table is not read and the unit stays null.
    let (before, _dir) = import_with(name, &text);
    assert_eq!(before["unit"], Value::Null);
    // The two TODO edits a clerk makes: the unit's label, and the actual
    // value's column under the key the draft proposes.
    let edited = text
        .replace(
            "# [fields.unit]\n# label = \"\"",
            "[fields.unit]\nlabel = \"项目承担单位\"",
        )
        .replace("# actual = \"考核完成结果\"", "actual = \"考核完成结果\"");
    assert_ne!(edited, text);
    let (after, dir) = import_with(name, &edited);
    assert_same(&expected_for(&root().join(DIR).join(name)), &after, name);
    // `mapping test` tells where each value came from, and why one is null.
    let mine = dir.path().join("mine.toml").to_string_lossy().into_owned();
    let (code, report, err) = run(&["mapping", "test", &mine, &form(name)]);
    assert_eq!(code, 0, "{err}");
    let line = |field: &str| {
        report
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{field} ")))
            .unwrap_or_else(|| panic!("no {field} line in {report}"))
            .to_string()
    };
    assert!(line("unit").trim_end().ends_with("G5"), "{report}");
    assert!(
        line("funds.total.budget").trim_end().ends_with("E7"),
        "{report}"
    );
    assert!(
        line("funds.fiscal.budget").contains("no fiscal row"),
        "{report}"
    );
    assert!(line("indicators").contains("3 indicators"), "{report}");
    assert!(
        report.contains("未读取的单元格: 自评表!E8:G8 “其中：中央财政资金”"),
        "{report}"
    );
}

#[test]
fn unread_cells_are_warnings_of_import_and_check() {
    let name = form("zhuanyi-kaohe.xlsx");
    let (code, out, err) = run(&["import", "--json", &name]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("未读取的单元格: 自评表!E8:G8 “其中：中央财政资金”"),
        "{err}"
    );
    let json: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}"));
    let unread = json["source"]["unread"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        unread
            .iter()
            .any(|u| u["cell"] == "E8:G8" && u["kind"] == "cell"),
        "{unread:?}"
    );
    // The table under an unknown value header is not silently lost.
    assert!(
        unread.iter().any(|u| u["text"] == "考核完成结果"),
        "{unread:?}"
    );
    let (_, report, _) = run(&["check", &name]);
    assert!(report.contains("C10"), "{report}");
    assert!(report.contains("其中：中央财政资金"), "{report}");
    // A clean form has none.
    let (_, out, err) = run(&["import", "--json", &form("shuffled-columns.xlsx")]);
    assert!(!out.contains("\"unread\""), "{out}");
    assert!(!err.contains("未读取"), "{err}");
}

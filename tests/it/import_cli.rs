//! `jixiao import`, `detect` and `mappings` run as a user would, on the
//! fixtures in `tests/fixtures/import/` (made by `examples/make_samples.rs`,
//! each with the record it was written from in `.expected.json`).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use assert_cmd::Command;
use rust_decimal::Decimal;
use serde_json::Value;

/// Keys whose values are decimals: `"10"` and `"10.00"` are the same.
const DECIMAL_KEYS: &[&str] = &[
    "initial",
    "budget",
    "spent",
    "weight",
    "rate",
    "score",
    "total_score",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

fn jixiao() -> Command {
    Command::cargo_bin("jixiao").unwrap_or_else(|e| panic!("no jixiao binary: {e}"))
}

/// Runs `jixiao args…` and returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = jixiao()
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run jixiao: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(crate) fn import_json(file: &Path, extra: &[&str]) -> Value {
    let file = file.to_string_lossy();
    let mut args = vec!["import", "--json"];
    args.extend_from_slice(extra);
    args.push(&file);
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 0, "import {file} failed: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{file}: not JSON ({e}): {stdout}"))
}

/// Compares a record (or list) with the expected one: decimals by value,
/// `source.file` by its file name, `source.mapping` only when expected.
fn same(expected: &Value, actual: &Value, path: &str, diffs: &mut Vec<String>) {
    let key = path.rsplit('.').next().unwrap_or("");
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for k in e.keys().chain(a.keys().filter(|k| !e.contains_key(*k))) {
                let (ev, av) = (e.get(k).unwrap_or(&Value::Null), a.get(k));
                let Some(av) = av else {
                    diffs.push(format!("{path}.{k}: missing"));
                    continue;
                };
                same(ev, av, &format!("{path}.{k}"), diffs);
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                diffs.push(format!("{path}: {} entries, expected {}", a.len(), e.len()));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                same(ev, av, &format!("{path}[{i}]"), diffs);
            }
        }
        (Value::String(e), Value::String(a))
            if path.ends_with("source.file") && !a.ends_with(e.as_str()) =>
        {
            diffs.push(format!("{path}: {a} does not end in {e}"));
        }
        (Value::String(_), Value::String(_)) if path.ends_with("source.file") => {}
        (Value::Null, _) if path.ends_with("source.mapping") => {}
        (Value::String(e), Value::String(a)) if DECIMAL_KEYS.contains(&key) => {
            let (e_num, a_num) = (Decimal::from_str(e), Decimal::from_str(a));
            let equal = matches!((&e_num, &a_num), (Ok(x), Ok(y)) if x == y);
            (!equal).then(|| diffs.push(format!("{path}: {a}, expected {e}")));
        }
        (e, a) if e != a => diffs.push(format!("{path}: {a}, expected {e}")),
        _ => {}
    }
}

pub(crate) fn assert_same(expected: &Value, actual: &Value, what: &str) {
    let mut diffs = Vec::new();
    same(expected, actual, "", &mut diffs);
    assert!(diffs.is_empty(), "{what}:\n  {}", diffs.join("\n  "));
}

pub(crate) fn expected_for(form: &Path) -> Value {
    let path = PathBuf::from(format!("{}.expected.json", form.display()));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The forms of `dir` (those with an expected record), sorted.
fn forms_in(dir: &Path) -> Vec<PathBuf> {
    let mut forms: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
            ["xlsx", "xls", "ods", "csv"].contains(&ext)
        })
        .collect();
    forms.sort();
    forms
}

fn imports_as_expected(forms: &[PathBuf]) {
    for form in forms {
        let actual = import_json(form, &[]);
        assert_same(&expected_for(form), &actual, &form.display().to_string());
    }
}

/// Every layout family, label drift, 元 amounts, text numbers, split
/// targets, department forms, a two-form workbook, and the standard form as
/// `.xls`, `.ods` and CSV (no sheet: `source.sheet` null, merges lost).
#[test]
fn every_fixture_imports_as_expected() {
    let forms = forms_in(&fixtures());
    assert!(forms.len() >= 12, "fixtures missing: {forms:?}");
    imports_as_expected(&forms);
}

#[test]
fn families_are_detected_by_their_markers() {
    let cases = [
        ("rendashi-daibiao-2023.xlsx", "mof-2020"),
        ("tuiyi-weiwen-2022.xlsx", "hubei-2020"),
        ("sifa-anke-2023.xlsx", "sichuan-2023"),
        ("rongmei-bumen-2022.xlsx", "chongqing-dept"),
        ("taibai-zhengti-2023.xlsx", "guizhou-dept"),
    ];
    for (file, mapping) in cases {
        let record = import_json(&fixtures().join(file), &[]);
        assert_eq!(record["source"]["mapping"], mapping, "{file}");
    }
}

#[test]
fn two_forms_in_one_workbook_give_a_list_in_sheet_order() {
    let records = import_json(&fixtures().join("shuili-wenhua-2023.xlsx"), &[]);
    let sheets: Vec<&str> = records
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["source"]["sheet"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(sheets, ["饮水工程", "文化馆"]);
}

#[test]
fn money_in_yuan_and_as_text_becomes_exact_wan() {
    let record = import_json(&fixtures().join("weijian-gongwei-2023.xlsx"), &[]);
    // The cells hold the text "2,074,538.00" (元).
    assert_eq!(record["funds"]["total"]["budget"], "207.4538");
    assert_eq!(record["funds"]["total"]["initial"], "0");
}

#[test]
fn split_target_joins_back() {
    let record = import_json(&fixtures().join("sifa-anke-2023.xlsx"), &[]);
    assert_eq!(record["indicators"][0]["target"], "=100%");
    assert_eq!(record["indicators"][1]["target"], "≥95%");
}

#[test]
fn several_files_print_an_array_and_jsonl_one_per_line() {
    let a = fixtures().join("rendashi-daibiao-2023.xlsx");
    let b = fixtures().join("sifa-anke-2023.xlsx");
    let (a, b) = (a.to_string_lossy(), b.to_string_lossy());
    let (code, stdout, _) = run(&["import", "--json", &a, &b]);
    assert_eq!(code, 0);
    let list: Value = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    let (code, stdout, _) = run(&["import", "--jsonl", &a, &b]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    for line in lines {
        let record: Value = serde_json::from_str(line).unwrap_or(Value::Null);
        assert_eq!(record["schema"], "jixiao.evaluation/1");
    }
}

#[test]
fn summary_without_json_and_output_file() {
    let form = fixtures().join("rendashi-daibiao-2023.xlsx");
    let form = form.to_string_lossy();
    let (code, stdout, _) = run(&["import", &form]);
    assert_eq!(code, 0);
    assert!(stdout.contains("市人大代表活动经费"), "{stdout}");
    assert!(stdout.contains("指标 9 个"), "{stdout}");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("out.json");
    let out_s = out.to_string_lossy();
    let (code, stdout, _) = run(&["import", "--json", "-o", &out_s, &form]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    let written = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(written.contains("\"project\": \"市人大代表活动经费\""));
}

#[test]
fn a_users_mapping_file_drives_the_import() {
    let dir = fixtures().join("custom");
    let mapping = dir.join("jianbiao.toml");
    let form = dir.join("jianbiao.xlsx");
    let actual = import_json(&form, &["--mapping", &mapping.to_string_lossy()]);
    let expected = std::fs::read_to_string(dir.join("jianbiao.record.json")).unwrap_or_default();
    let expected: Value = serde_json::from_str(&expected).unwrap_or(Value::Null);
    assert_same(&expected, &actual, "custom mapping");
}

/// Runs an import expected to fail; returns stderr.
fn failing(args: &[&str]) -> String {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, 2, "expected exit 2 for {args:?}; stdout {stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    stderr
}

fn bad(file: &str) -> String {
    fixtures()
        .join("bad")
        .join(file)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn required_field_empty_names_file_sheet_and_cell() {
    let strict = fixtures().join("bad-mappings/require-project.toml");
    let strict = strict.to_string_lossy();
    let err = failing(&[
        "import",
        "--json",
        "--mapping",
        &strict,
        &bad("no-project.xlsx"),
    ]);
    assert!(
        err.contains("no-project.xlsx: 自评表!B3: project is required"),
        "{err}"
    );
    // The built-in mapping imports it with no project (the review reports C7).
    let record = import_json(Path::new(&bad("no-project.xlsx")), &[]);
    assert_eq!(record["project"], Value::Null);
}

#[test]
fn money_cell_holding_text_names_the_cell() {
    let err = failing(&["import", "--json", &bad("money-abc.xlsx")]);
    assert!(err.contains("money-abc.xlsx: 自评表!E6"), "{err}");
    assert!(err.contains("\"abc\""), "{err}");
}

#[test]
fn workbook_without_a_form_names_the_closest_mapping() {
    let err = failing(&["import", &bad("no-form.xlsx")]);
    assert!(err.contains("no sheet matches any mapping"), "{err}");
    assert!(err.contains("missing anchors: 项目名称"), "{err}");
}

#[test]
fn a_mapping_that_matches_nothing_says_so() {
    let form = fixtures().join("rendashi-daibiao-2023.xlsx");
    let err = failing(&[
        "import",
        "--only-mappings",
        "--mapping",
        "sichuan-2023",
        &form.to_string_lossy(),
    ]);
    assert!(
        err.contains("mapping sichuan-2023 matches no sheet"),
        "{err}"
    );
    assert!(err.contains("指标性质"), "{err}");
}

#[test]
fn a_bad_file_does_not_stop_the_others() {
    let good = fixtures().join("rendashi-daibiao-2023.xlsx");
    let (code, stdout, stderr) = run(&[
        "import",
        "--jsonl",
        &bad("money-abc.xlsx"),
        &good.to_string_lossy(),
    ]);
    assert_eq!(code, 2);
    assert_eq!(stdout.lines().count(), 1);
    assert!(stderr.contains("money-abc.xlsx"));
}

#[test]
fn malformed_mapping_files_name_file_and_line() {
    let form = fixtures().join("rendashi-daibiao-2023.xlsx");
    let form = form.to_string_lossy();
    let cases = [
        ("unknown-key.toml", "line 7", "unknown field `direktion`"),
        (
            "bad-cell.toml",
            "bad-cell.toml:6",
            "not a cell address: \"7B\"",
        ),
        ("bad-regex.toml", "bad-regex.toml:7", "bad regex"),
        ("not-toml.toml", "line 2", "invalid basic string"),
        (
            "unknown-base.toml",
            "unknown-base.toml",
            "extends unknown mapping \"mof-1999\"",
        ),
    ];
    for (file, at, what) in cases {
        let path = fixtures().join("bad-mappings").join(file);
        let err = failing(&["import", "--mapping", &path.to_string_lossy(), &form]);
        assert!(err.contains(at) && err.contains(what), "{file}: {err}");
    }
    let err = failing(&["import", "--mapping", "no-such-mapping", &form]);
    assert!(err.contains("unknown mapping \"no-such-mapping\""), "{err}");
}

#[test]
fn mappings_lists_every_builtin() {
    let (code, stdout, _) = run(&["mappings"]);
    assert_eq!(code, 0);
    for id in [
        "mof-2020",
        "hubei-2020",
        "sichuan-2023",
        "chongqing-dept",
        "guizhou-dept",
    ] {
        assert!(stdout.contains(id), "{id} missing: {stdout}");
    }
}

#[test]
fn detect_prints_scores_and_missing_anchors() {
    let form = fixtures().join("tuiyi-weiwen-2022.xlsx");
    let (code, stdout, _) = run(&["detect", "--json", &form.to_string_lossy()]);
    assert_eq!(code, 0);
    let scores: Value = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    let first = &scores[0];
    assert_eq!(first["mapping"], "hubei-2020");
    assert_eq!(first["matches"], true);
    let sichuan = scores
        .as_array()
        .and_then(|a| a.iter().find(|s| s["mapping"] == "sichuan-2023"))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(sichuan["matches"], false);
    assert_eq!(sichuan["missing"][0], "指标性质");
    let (code, stdout, _) = run(&["detect", &bad("no-form.xlsx")]);
    assert_eq!(code, 2);
    assert!(stdout.contains("mof-2020"), "{stdout}");
}

//! `jixiao convert --to MAPPING --template` and `jixiao template` from the
//! command line: a user's template with a user's mapping, there and back,
//! and an `.xls` template.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use jixiao::model::{Goals, Record};

fn jixiao() -> Command {
    Command::cargo_bin("jixiao").unwrap()
}

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

fn import(file: &Path, mapping: &str) -> Record {
    let out = jixiao()
        .args(["import", "--json", "--mapping", mapping])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut records: Vec<Record> = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&text).map(|r: Record| vec![r]))
        .unwrap();
    let mut r = records.remove(0);
    r.source = Default::default();
    r.goals.get_or_insert_with(Goals::default);
    r
}

/// A 四川 form into a clerk's 湖北-style template read by the clerk's own
/// mapping, and that back into the 四川 template: what the 湖北 layout
/// holds survives both ways.
#[test]
fn a_sichuan_form_fills_a_users_hubei_style_template_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let blank = dir.path().join("mine.xlsx");
    let mapping = dir.path().join("mine.toml");
    std::fs::write(
        &mapping,
        "id = \"mine\"\nname = \"市局自评表\"\nextends = \"hubei-2020\"\n",
    )
    .unwrap();
    jixiao()
        .args(["template", "hubei-2020", "-o"])
        .arg(&blank)
        .assert()
        .success();
    let form = fixture("rebuilt/qingshen-gongzi-2023.xlsx");
    let original = import(&form, "sichuan-2023");
    let hubei = dir.path().join("hubei.xlsx");
    let out = jixiao()
        .arg("convert")
        .arg(&form)
        .arg("--to")
        .arg(&mapping)
        .arg("--template")
        .arg(&blank)
        .arg("-o")
        .arg(&hubei)
        .output()
        .unwrap();
    assert!(out.status.success());
    let warning = String::from_utf8_lossy(&out.stderr);
    assert!(
        warning.contains("no place for: indicators.weight"),
        "{warning}"
    );
    let there = import(&hubei, mapping.to_str().unwrap());
    assert_eq!(there.project, original.project);
    assert_eq!(
        (&there.department, &there.unit),
        (&original.department, &original.unit)
    );
    assert_eq!(there.year, original.year);
    assert_eq!(there.total_score, original.total_score);
    assert_eq!(there.funds.total.budget, original.funds.total.budget);
    assert_eq!(there.funds.total.spent, original.funds.total.spent);
    assert_eq!(there.funds.weight, original.funds.weight);
    assert_eq!(there.funds.rate, original.funds.rate);
    let names = |r: &Record| -> Vec<_> {
        r.indicators
            .iter()
            .map(|i| {
                (
                    i.level1.clone(),
                    i.level2.clone(),
                    i.name.clone(),
                    i.target.clone(),
                    i.score,
                )
            })
            .collect()
    };
    assert_eq!(names(&there), names(&original));

    let back = dir.path().join("back.xlsx");
    jixiao()
        .arg("convert")
        .arg(&hubei)
        .arg("--mapping")
        .arg(&mapping)
        .args(["--to", "sichuan-2023", "-o"])
        .arg(&back)
        .assert()
        .success();
    assert_eq!(import(&back, "sichuan-2023"), there);
}

/// An `.xls` template is not edited in place: the filled copy is an
/// `.xlsx` in the same layout, and the clerk is told.
#[test]
fn an_xls_template_is_filled_as_an_xlsx_copy() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("filled.xlsx");
    let record = fixture("import/rendashi-daibiao-2023.xlsx");
    let run = jixiao()
        .arg("convert")
        .arg(&record)
        .args(["--to", "mof-2020", "--template"])
        .arg(fixture("rebuilt/yongde-yingyang-2022.xls"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let note = String::from_utf8_lossy(&run.stderr);
    assert!(note.contains("cannot be edited in place"), "{note}");
    let wanted = import(&record, "mof-2020");
    assert_eq!(import(&out, "mof-2020").indicators, wanted.indicators);
}

#[test]
fn template_writes_every_builtin_blank_and_refuses_a_user_mapping() {
    let dir = tempfile::tempdir().unwrap();
    for id in [
        "mof-2020",
        "hubei-2020",
        "sichuan-2023",
        "chongqing-dept",
        "guizhou-dept",
        "transfer-2021",
    ] {
        let out = dir.path().join(format!("{id}.xlsx"));
        jixiao()
            .args(["template", id, "-o"])
            .arg(&out)
            .assert()
            .success();
        // The blank is recognised as its own template.
        let detect = jixiao().arg("detect").arg(&out).output().unwrap();
        let text = String::from_utf8_lossy(&detect.stdout);
        let best = text.lines().nth(1).unwrap_or_default();
        assert!(best.contains(id), "{id}: {text}");
    }
    let mapping = dir.path().join("mine.toml");
    std::fs::write(
        &mapping,
        "id = \"mine\"\nname = \"x\"\nextends = \"mof-2020\"\n",
    )
    .unwrap();
    let run = jixiao()
        .arg("template")
        .arg(&mapping)
        .arg("-o")
        .arg(dir.path().join("x.xlsx"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("has no built-in template"));
}

//! Round trip: importing a written standard form gives the record back,
//! `import(convert(record)) == record` (ignoring `source`), for every
//! fixture and for generated records.

mod convert_support;

use std::path::Path;

use jixiao::mapping::{import_file, Mapping};
use jixiao::model::{FundRow, Funds, Goals, Indicator, Kind, Record, Source};
use jixiao::write::standard;
use proptest::prelude::*;
use rust_decimal::Decimal;

use convert_support::all_records;

/// The records the built-in `mof-2020` mapping finds in `path`.
fn import(path: &Path) -> Result<Vec<Record>, String> {
    let mapping = Mapping::builtin("mof-2020").map_err(|e| e.to_string())?;
    let imported = import_file(path, Some(mapping)).map_err(|e| e.to_string())?;
    Ok(imported.into_iter().map(|i| i.record).collect())
}

/// Writes `record`, imports it back and returns the difference, if any.
fn round_trip(record: &Record) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("standard.xlsx");
    standard::write(&path, record, None).map_err(|e| e.to_string())?;
    let mut back = import(&path)?;
    if back.len() != 1 {
        return Err(format!("expected one record, imported {}", back.len()));
    }
    let mut back = back.remove(0);
    back.source = record.source.clone();
    // The standard form always prints the goals block; an empty block
    // imports as empty goals, which is what a record without goals means.
    let mut expected = record.clone();
    if expected.goals.is_none() {
        expected.goals = Some(Goals::default());
    }
    if back.goals.is_none() {
        back.goals = Some(Goals::default());
    }
    if back == expected {
        Ok(())
    } else {
        Err(first_difference(&expected, &back))
    }
}

/// The first JSON field where two records differ, for a readable failure.
fn first_difference(want: &Record, got: &Record) -> String {
    let (a, b) = (
        serde_json::to_value(want).unwrap(),
        serde_json::to_value(got).unwrap(),
    );
    fn walk(path: String, a: &serde_json::Value, b: &serde_json::Value) -> Option<String> {
        use serde_json::Value::{Array, Object};
        match (a, b) {
            (Object(x), Object(y)) => x.iter().find_map(|(k, v)| {
                walk(
                    format!("{path}.{k}"),
                    v,
                    y.get(k).unwrap_or(&serde_json::Value::Null),
                )
            }),
            (Array(x), Array(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (v, w))| walk(format!("{path}[{i}]"), v, w)),
            _ if a == b => None,
            _ => Some(format!("{path}: wrote {a}, imported {b}")),
        }
    }
    walk(String::new(), &a, &b).unwrap_or_else(|| "records differ".into())
}

#[test]
fn every_fixture_survives_a_round_trip() {
    let mut failures = Vec::new();
    for (name, record) in all_records() {
        if record.kind != Kind::Project {
            // The standard form is a 项目 form: other kinds come back as projects.
            continue;
        }
        if let Err(e) = round_trip(&record) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "round trip failed:\n{}",
        failures.join("\n")
    );
}

/// Every corpus workbook, imported with the auto-detected mapping, written
/// and imported again (auto-detected too): the same records come back, so
/// the standard form is recognised as the standard template.
#[test]
fn corpus_workbooks_survive_convert_and_auto_detection() {
    let Some(dir) = convert_support::corpus_dir() else {
        return;
    };
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty());
    let out = tempfile::tempdir().unwrap();
    for input in inputs {
        for (i, first) in import_file(&input, None).unwrap().into_iter().enumerate() {
            let path = out.path().join(format!("{i}.xlsx"));
            standard::write(&path, &first.record, None).unwrap();
            let again = import_file(&path, None).unwrap().remove(0);
            assert_eq!(again.record.source.mapping.as_deref(), Some("mof-2020"));
            let mut back = again.record;
            back.source = first.record.source.clone();
            assert_eq!(back, first.record, "{}", input.display());
        }
    }
}

/// A form whose 总分 row has no 得分. Ignored until the importer keeps it
/// empty: `mapping/table.rs` `total()` falls back to the first number right
/// of the 总分 label, which on the standard form is the template's 分值
/// `100` in G, so `total_score` comes back as `100` instead of null.
#[test]
#[ignore = "importer reads the 总分 row's 分值 (100) when its 得分 is empty"]
fn empty_total_score_survives_a_round_trip() {
    let mut record =
        convert_support::read_records(&convert_support::fixture_dir().join("groups.json"))
            .remove(0);
    record.total_score = None;
    round_trip(&record).unwrap();
}

/// Text as a department writes it: trimmed, never empty, inner spaces and
/// line breaks kept, sometimes long. The alphabet avoids the template's own
/// labels so a value is never mistaken for one.
fn text() -> impl Strategy<Value = String> {
    let word = "[甲乙丙丁戊己庚辛壬癸山水林田湖草沙路桥村镇养护培训改善提升A-Za-z0-9≥≤%＜．（）。，、]{1,12}";
    let sep = prop_oneof![Just(" "), Just("\n"), Just("，"), Just("")];
    (
        proptest::string::string_regex(word).unwrap(),
        proptest::collection::vec((sep, proptest::string::string_regex(word).unwrap()), 0..25),
    )
        .prop_map(|(first, rest)| rest.into_iter().fold(first, |acc, (s, w)| acc + s + &w))
}

/// A decimal with up to 6 places and at most 15 significant digits, what a
/// form's number cell can hold exactly.
fn decimal(max_integer_digits: u32) -> impl Strategy<Value = Decimal> {
    (0..=6u32).prop_flat_map(move |scale| {
        let bound = 10i64.pow(max_integer_digits + scale);
        (0..bound).prop_map(move |m| Decimal::new(m, scale))
    })
}

fn maybe<S: Strategy>(s: S) -> impl Strategy<Value = Option<S::Value>> {
    proptest::option::weighted(0.8, s)
}

fn fund_row() -> impl Strategy<Value = FundRow> {
    (maybe(decimal(8)), maybe(decimal(8)), maybe(decimal(8))).prop_map(
        |(initial, budget, spent)| FundRow {
            initial,
            budget,
            spent,
        },
    )
}

fn funds() -> impl Strategy<Value = Funds> {
    (
        fund_row(),
        fund_row(),
        fund_row(),
        fund_row(),
        maybe(decimal(2)),
        maybe(decimal(1)),
        maybe(decimal(2)),
    )
        .prop_map(
            |(total, fiscal, carryover, other, weight, rate, score)| Funds {
                total,
                fiscal,
                carryover,
                other,
                weight,
                rate,
                score,
            },
        )
}

/// An indicator row; 一级 and 二级 come from a small set so that runs of
/// equal labels (merged cells) are common, and may be empty.
fn indicator() -> impl Strategy<Value = Indicator> {
    let level1 = ["产出指标", "效益指标", "满意度指标", "产出指标（50分）"];
    let level2 = ["数量指标", "质量指标", "社会效益指标", "服务对象满意度指标"];
    let label =
        |set: [&'static str; 4]| maybe(prop::sample::select(set.to_vec()).prop_map(str::to_string));
    let values = (
        maybe(text()),
        maybe(text()),
        maybe(decimal(2)),
        maybe(decimal(2)),
        maybe(text()),
    );
    (label(level1), label(level2), text(), values).prop_map(|(level1, level2, name, values)| {
        let (target, actual, weight, score, note) = values;
        Indicator {
            level1,
            level2,
            name: Some(name),
            target,
            actual,
            weight,
            score,
            note,
        }
    })
}

/// On a form an empty 一级 or 二级 cell below a label reads as that label
/// (departments leave such cells blank instead of merging them), so a record
/// can only leave them empty before the first label of its group: generated
/// records are made to read the way a form does.
fn fill_down(indicators: &mut [Indicator]) {
    let mut level1: Option<String> = None;
    let mut level2: Option<String> = None;
    for ind in indicators {
        match &ind.level1 {
            Some(l1) if level1.as_ref() != Some(l1) => {
                level1 = Some(l1.clone());
                level2 = None;
            }
            _ => ind.level1.clone_from(&level1),
        }
        match &ind.level2 {
            Some(l2) => level2 = Some(l2.clone()),
            None => ind.level2.clone_from(&level2),
        }
    }
}

prop_compose! {
    fn record()(
        year in maybe(2000..2100i32),
        // 项目名称 is required: a standard form without one is no form.
        names in (text(), maybe(text()), maybe(text())),
        funds in funds(),
        goals in (maybe(text()), maybe(text())),
        indicators in proptest::collection::vec(indicator(), 0..40),
        // An empty 总分 is `empty_total_score_survives_a_round_trip`.
        total_score in decimal(3).prop_map(Some),
    ) -> Record {
        let mut r = Record::new(Kind::Project, Source { file: "generated".into(), sheet: None, mapping: None });
        r.year = year;
        r.project = Some(names.0);
        (r.department, r.unit) = (names.1, names.2);
        r.funds = funds;
        r.goals = Some(Goals { planned: goals.0, achieved: goals.1 });
        r.indicators = indicators;
        fill_down(&mut r.indicators);
        r.total_score = total_score;
        r
    }
}

proptest! {
    // Failures print the shrunk record; there is no src/ beside tests/ to
    // persist them in.
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_records_survive_a_round_trip(record in record()) {
        if let Err(e) = round_trip(&record) {
            prop_assert!(false, "{}", e);
        }
    }
}

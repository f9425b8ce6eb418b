//! Records the writer tests run on: the repo's fixtures, plus every
//! `.expected.json` of the shared corpus when it exists beside the repo.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use jixiao::model::{FundRow, Funds, Goals, Indicator, Kind, Record, Source};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// `tests/fixtures/standard`.
pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/standard")
}

/// `../shared/corpus/public`, or `None` (with a message) when absent.
pub fn corpus_dir() -> Option<PathBuf> {
    crate::shared::corpus("public")
}

/// The records of one JSON file: an object or a list of them.
pub fn read_records(path: &Path) -> Vec<Record> {
    let text = std::fs::read_to_string(path).unwrap();
    match serde_json::from_str::<Vec<Record>>(&text) {
        Ok(list) => list,
        Err(_) => vec![serde_json::from_str(&text).unwrap()],
    }
}

/// Every `*.json` record under `dir` whose name ends in `suffix`, named
/// `file#n`.
fn records_in(dir: &Path, suffix: &str) -> Vec<(String, Record)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for (i, record) in read_records(&path).into_iter().enumerate() {
            out.push((format!("{name}#{i}"), record));
        }
    }
    out
}

/// The repo's fixtures, then the corpus's expected records.
pub fn all_records() -> Vec<(String, Record)> {
    let mut out = records_in(&fixture_dir(), ".json");
    if let Some(dir) = corpus_dir() {
        let corpus = records_in(&dir, ".expected.json");
        assert!(
            !corpus.is_empty(),
            "corpus at {} has no expected records",
            dir.display()
        );
        out.extend(corpus);
    }
    out
}

/// Text as a department writes it: trimmed, never empty, inner spaces and
/// line breaks kept, sometimes long. The alphabet avoids the template's own
/// labels so a value is never mistaken for one.
pub fn text() -> impl Strategy<Value = String> {
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
pub fn decimal(max_integer_digits: u32) -> impl Strategy<Value = Decimal> {
    (0..=6u32).prop_flat_map(move |scale| {
        let bound = 10i64.pow(max_integer_digits + scale);
        (0..bound).prop_map(move |m| Decimal::new(m, scale))
    })
}

pub fn maybe<S: Strategy>(s: S) -> impl Strategy<Value = Option<S::Value>> {
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
    /// A project record as a standard form can hold it.
    pub fn record()(
        year in maybe(2000..2100i32),
        // 项目名称 is required: a standard form without one is no form.
        names in (text(), maybe(text()), maybe(text())),
        funds in funds(),
        goals in (maybe(text()), maybe(text())),
        indicators in proptest::collection::vec(indicator(), 0..40),
        // An empty 总分 is `empty_total_score_survives_a_round_trip`.
        total_score in decimal(3).prop_map(Some),
    ) -> Record {
        let mut r = Record::new(Kind::Project, Source { file: "generated".into(), ..Default::default() });
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

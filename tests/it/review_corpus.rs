//! The review over the public corpus's expected records (`../shared/corpus/public/*.expected.json`,
//! which are exactly what import produces). Skips cleanly when the corpus is absent.

use std::path::{Path, PathBuf};

use jixiao::model::{Imported, Provenance, Record};
use jixiao::review::{review, Profile, Review, Severity};

fn corpus() -> Option<PathBuf> {
    crate::shared::corpus("public")
}

fn reviews_of(dir: &Path, file: &str) -> Vec<(Record, Review)> {
    let path = dir.join(format!("{file}.expected.json"));
    let text = std::fs::read_to_string(&path).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let records: Vec<Record> = match value {
        serde_json::Value::Array(items) => items
            .into_iter()
            .map(|v| serde_json::from_value(v).unwrap())
            .collect(),
        v => vec![serde_json::from_value(v).unwrap()],
    };
    records
        .into_iter()
        .map(|record| {
            let imported = Imported {
                record: record.clone(),
                provenance: Provenance::default(),
            };
            let r = review(&imported, &Profile::default());
            (record, r)
        })
        .collect()
}

fn rules(r: &Review, severity: Severity) -> Vec<&'static str> {
    r.findings
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| f.rule)
        .collect()
}

fn findings_of(file: &str) -> Option<Vec<Review>> {
    let dir = corpus()?;
    Some(reviews_of(&dir, file).into_iter().map(|(_, r)| r).collect())
}

#[test]
fn zero_total_row_with_money_below_is_an_error() {
    let Some(reviews) = findings_of("chizhou-tangxi-weituo-2022.xlsx") else {
        return;
    };
    let r = &reviews[0];
    assert!(
        rules(r, Severity::Error).contains(&"F2"),
        "{:?}",
        r.findings
    );
    // F2 explains the zero row; F1 would only repeat it.
    assert!(!rules(r, Severity::Error).contains(&"F1"));
    assert!(r.funds_from_subrows);
    assert_eq!(r.rate_recomputed, Some(rust_decimal::Decimal::ONE));
}

#[test]
fn full_marks_on_a_shortfall_is_an_error() {
    let Some(reviews) = findings_of("jishan-gongwei-2021.xlsx") else {
        return;
    };
    let r = &reviews[0];
    let p8: Vec<_> = r.findings.iter().filter(|f| f.rule == "P8").collect();
    assert_eq!(p8.len(), 1, "{p8:?}");
    assert_eq!(p8[0].indicator, Some(0));
    assert!(r.findings.iter().any(|f| f.rule == "P6"));
}

#[test]
fn no_structural_false_errors_anywhere() {
    let Some(dir) = corpus() else { return };
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(file) = name.strip_suffix(".expected.json") else {
            continue;
        };
        for (_, r) in reviews_of(&dir, file) {
            for rule in ["F1", "W2", "W3", "W5", "P1", "P3", "P5", "P9", "Q4", "C7"] {
                assert!(
                    !rules(&r, Severity::Error).contains(&rule),
                    "{file}: {rule} {:?}",
                    r.findings
                );
            }
        }
    }
}

#[test]
fn the_baseline_form_has_only_the_unexplained_deduction() {
    let Some(reviews) = findings_of("rendashi-2021.xlsx") else {
        return;
    };
    let r = &reviews[0];
    assert_eq!(rules(r, Severity::Error), vec!["P2"]);
    // 96.5 reported while the parts sum to 96.51: display rounding, not P3.
    assert!(!r.findings.iter().any(|f| f.rule == "P3"));
    assert!(r.findings.iter().any(|f| f.rule == "Q3"), "≥6 has no unit");
}

/// `cargo test --test review_corpus -- --nocapture print_all` shows every finding.
#[test]
fn print_all() {
    let Some(dir) = corpus() else { return };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let n = e.ok()?.file_name().to_string_lossy().into_owned();
            n.strip_suffix(".expected.json").map(str::to_string)
        })
        .collect();
    files.sort();
    for f in files {
        for (_, r) in reviews_of(&dir, &f) {
            println!(
                "== {f}: total {:?} → {:?} grade {:?}/{:?} rate {:?}",
                r.total_reported,
                r.total_recomputed.map(jixiao::review::display),
                r.grade_reported,
                r.grade_recomputed,
                r.rate_recomputed
            );
            for x in &r.findings {
                println!("  {:?} {} {}", x.severity, x.rule, x.message);
            }
        }
    }
}

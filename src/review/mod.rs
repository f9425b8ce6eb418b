//! The `review` stage: parse indicator values, re-score a record by the
//! official rules, and report findings with cell references. The record is
//! never changed: a [`Review`] sits beside it.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::{Imported, Location};

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// 优 / 良 / 中 / 差.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Grade {
    #[serde(rename = "优")]
    Excellent,
    #[serde(rename = "良")]
    Good,
    #[serde(rename = "中")]
    Fair,
    #[serde(rename = "差")]
    Poor,
}

impl Grade {
    pub fn label(self) -> &'static str {
        match self {
            Grade::Excellent => "优",
            Grade::Good => "良",
            Grade::Fair => "中",
            Grade::Poor => "差",
        }
    }
}

/// One problem found in a record, pointing at the cells it concerns.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Stable rule id from the catalogue (`F1`, `W2`, `P8`, `Q3`, `C4` …).
    pub rule: &'static str,
    pub severity: Severity,
    /// A sentence a bureau clerk understands, in Chinese.
    pub message: String,
    /// The indicator (index into `Record::indicators`) it concerns, if any.
    pub indicator: Option<usize>,
    #[serde(serialize_with = "serialize_locations")]
    pub cells: Vec<Location>,
}

fn serialize_locations<S: serde::Serializer>(cells: &[Location], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(cells.iter().map(|c| c.to_string()))
}

/// The recomputed view of one indicator.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct IndicatorReview {
    pub recomputed_score: Option<Decimal>,
}

/// What the tool computes for one record, beside what the form reports.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Review {
    pub rate_recomputed: Option<Decimal>,
    pub budget_score_reported: Option<Decimal>,
    pub budget_score_recomputed: Option<Decimal>,
    pub total_reported: Option<Decimal>,
    pub total_recomputed: Option<Decimal>,
    pub grade_reported: Option<Grade>,
    pub grade_recomputed: Option<Grade>,
    pub indicators: Vec<IndicatorReview>,
    pub findings: Vec<Finding>,
}

/// Scoring bands, weights and thresholds; a bureau may override them.
#[derive(Clone, Debug, Default)]
pub struct Profile {}

/// Reviews one imported record under `profile`.
pub fn review(imported: &Imported, profile: &Profile) -> Review {
    let _ = (imported, profile);
    Review::default()
}

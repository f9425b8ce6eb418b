//! The `review` stage: parse indicator values, re-score a record by the
//! official rules, and report findings with cell references. The record is
//! never changed: a [`Review`] sits beside it.

pub mod exact;
pub mod profile;
pub mod rules;
pub mod score;
pub mod value;
pub mod vocab;

pub use profile::{Profile, ProfileError};
pub use score::{IndicatorReview, Method};
pub use value::{Achievement, Comparator, ParsedValue, Quantity, ValueKind};

use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::{Imported, Location};

/// How serious a finding is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
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

/// What the tool computes for one record, beside what the form reports.
/// Every score is kept exact; round only for display ([`display`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Review {
    /// The profile the record was reviewed under.
    pub profile: String,
    pub rate_reported: Option<Decimal>,
    pub rate_recomputed: Option<Decimal>,
    pub budget_score_reported: Option<Decimal>,
    pub budget_score_recomputed: Option<Decimal>,
    /// reported − recomputed budget score.
    pub budget_score_difference: Option<Decimal>,
    /// The 年度资金总额 row was empty or 0, so the rate was recomputed from
    /// the sub-rows.
    pub funds_from_subrows: bool,
    pub total_reported: Option<Decimal>,
    pub total_recomputed: Option<Decimal>,
    /// reported − recomputed.
    pub total_difference: Option<Decimal>,
    /// The grade the reported total falls in under the profile's bands.
    pub grade_reported: Option<Grade>,
    pub grade_recomputed: Option<Grade>,
    /// Share of applicable indicators with a quantitative target.
    pub quantitative_share: Option<Decimal>,
    /// One entry per `Record::indicators`, same order.
    pub indicators: Vec<IndicatorReview>,
    pub findings: Vec<Finding>,
}

impl Review {
    /// How many findings of a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }
}

/// A decimal as displayed: 2 places, half-up (`8.625` → `8.63`), trailing
/// zeros dropped.
pub fn display(value: Decimal) -> String {
    value
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .normalize()
        .to_string()
}

/// Builds what every review needs once (the vocabulary, the rule catalogue,
/// the number patterns) now, sharing the work between two threads, instead
/// of on the first review while the other reviews wait for it.
pub fn prepare() {
    rayon::join(vocab::vocabulary, || {
        rules::prepare();
        value::prepare();
    });
}

/// Reviews one imported record under `profile`. The record is not changed.
///
/// ```
/// use jixiao::review::{review, Grade, Profile, Severity};
///
/// let forms = jixiao::mapping::import_file(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/rendashi-daibiao-2023.xlsx").as_ref(), None)?;
/// let r = review(&forms[0], &Profile::default());
/// assert_eq!(r.grade_reported, Some(Grade::Excellent));
/// // Findings name a rule, a severity, a Chinese message and the cells.
/// let p2 = r.findings.iter().find(|f| f.rule == "P2").unwrap();
/// assert_eq!(p2.severity, Severity::Error);
/// assert_eq!(p2.cells[0].to_string(), "自评表!H21");
/// # Ok::<(), jixiao::mapping::ImportError>(())
/// ```
pub fn review(imported: &Imported, profile: &Profile) -> Review {
    let record = &imported.record;
    let funds = score::funds(&record.funds, profile);
    let texts: Vec<score::IndicatorTexts> = record
        .indicators
        .iter()
        .map(score::IndicatorTexts::of)
        .collect();
    let indicators: Vec<IndicatorReview> = record
        .indicators
        .iter()
        .zip(&texts)
        .map(|(ind, texts)| score::indicator_with(ind, texts, profile))
        .collect();
    let total_recomputed = score::total(&funds, record.funds.score, &indicators, profile);
    let mut review = Review {
        profile: profile.name.clone(),
        rate_reported: record.funds.rate,
        rate_recomputed: funds.rate,
        budget_score_reported: record.funds.score,
        budget_score_recomputed: funds.score,
        budget_score_difference: record
            .funds
            .score
            .zip(funds.score)
            .map(|(r, c)| exact::diff(r, c).normalize()),
        funds_from_subrows: funds.from_subrows,
        total_reported: record.total_score,
        total_recomputed,
        total_difference: record
            .total_score
            .zip(total_recomputed)
            .map(|(r, c)| exact::diff(r, c).normalize()),
        grade_reported: record.total_score.map(|t| profile.grade(t)),
        grade_recomputed: total_recomputed.map(|t| profile.grade(t)),
        quantitative_share: quantitative_share(&indicators),
        indicators,
        findings: Vec::new(),
    };
    review.findings = rules::findings(imported, &review, &texts, &funds, profile);
    review
}

fn quantitative_share(rows: &[IndicatorReview]) -> Option<Decimal> {
    let applicable: Vec<&IndicatorReview> = rows.iter().filter(|r| r.applicable()).collect();
    if applicable.is_empty() {
        return None;
    }
    let quantitative = applicable
        .iter()
        .filter(|r| r.target.kind() == ValueKind::Quantitative)
        .count();
    Some((Decimal::from(quantitative) / Decimal::from(applicable.len())).normalize())
}

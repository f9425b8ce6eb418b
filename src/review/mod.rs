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
    /// Nobody scored the form (every 得分 and the 总分 empty): no 复核 score
    /// and no grade are given. With every 完成值 empty too, the template came
    /// back unfilled and the review is one finding (C11).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unscored: bool,
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

/// Reviews one imported record under `profile` (or, when `profile` is the
/// default nobody chose, under the built-in profile of the record's mapping:
/// [`Profile::for_mapping`]). The record is not changed.
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
    let profile = profile.for_mapping(record.source.mapping.as_deref());
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
    let funds_as_indicator = indicators
        .iter()
        .zip(&texts)
        .any(|(r, t)| r.applicable() && vocab::vocabulary().is_funds_indicator(&t.name));
    let funds = score::funds_with(&record.funds, profile, funds_as_indicator);
    let unscored = unscored(record);
    let total_recomputed =
        score::total(&funds, record.funds.score, &indicators, profile).filter(|_| !unscored);
    let total_reported = reported_total(imported, &indicators);
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
        total_reported,
        total_recomputed,
        total_difference: total_reported
            .zip(total_recomputed)
            .map(|(r, c)| exact::diff(r, c).normalize()),
        unscored,
        grade_reported: total_reported.map(|t| profile.grade(t)),
        grade_recomputed: total_recomputed.map(|t| profile.grade(t)),
        quantitative_share: quantitative_share(&indicators),
        indicators,
        findings: Vec::new(),
    };
    review.findings = rules::findings(imported, &review, &texts, &funds, profile);
    // A total above the maximum is impossible: the finding (W2 or P10) says
    // why; no 复核 score and no grade come of it.
    let max = profile.weights.total;
    if review.total_recomputed.is_some_and(|t| t > max) {
        review.total_recomputed = None;
        review.total_difference = None;
        review.grade_recomputed = None;
    }
    if review.total_reported.is_some_and(|t| t > max) {
        review.grade_reported = None;
    }
    review
}

/// The 总分 the form reports. A 总分 line read as an indicator row holds it
/// in its 得分 cell, beside its 分值 (`总分 | 100 | 98.86`): a record total
/// equal to that 分值 is the full marks, not the score. A total read from
/// the indicators' 分值 column is the full marks too, and unknown.
fn reported_total(imported: &Imported, indicators: &[IndicatorReview]) -> Option<Decimal> {
    let record = &imported.record;
    let line = indicators.iter().find(|r| r.method == Method::TotalLine);
    match (record.total_score, line) {
        (Some(t), Some(l)) if l.weight == Some(t) && l.score_reported.is_some() => l.score_reported,
        (None, Some(l)) => l.score_reported,
        (Some(_), _) if read_from_weight_column(imported) => None,
        (t, _) => t,
    }
}

/// Whether the record's 总分 was read from a 总分 row below the table but
/// outside the column of the indicators' 得分 (`总分 | 100 | 98.89` read
/// one cell early): which of the two is the score is not known.
fn read_from_weight_column(imported: &Imported) -> bool {
    use crate::model::{Field, IndicatorColumn};
    let p = &imported.provenance;
    let Some(total) = p.get(Field::TotalScore) else {
        return false;
    };
    let scores: Vec<_> = p
        .iter()
        .filter(|(f, _)| matches!(f, Field::Indicator(_, IndicatorColumn::Score)))
        .map(|(_, at)| at)
        .filter(|at| at.sheet == total.sheet)
        .collect();
    let below = scores.iter().all(|at| at.cell.row < total.cell.row);
    !scores.is_empty() && below && scores.iter().all(|at| at.cell.col != total.cell.col)
}

/// Whether nobody scored the form: every 得分 and the 总分 empty (a 申报表
/// has none to fill).
fn unscored(record: &crate::model::Record) -> bool {
    record.kind != crate::model::Kind::Target
        && !record.indicators.is_empty()
        && record.total_score.is_none()
        && record.funds.score.is_none()
        && record.indicators.iter().all(|i| i.score.is_none())
}

/// Whether an unscored form's 完成值 are all empty too: the template came
/// back unfilled.
pub(crate) fn unfilled(record: &crate::model::Record) -> bool {
    let blank = |t: &Option<String>| t.as_deref().is_none_or(|t| value::normalize(t).is_empty());
    record.indicators.iter().all(|i| blank(&i.actual))
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

//! Re-scoring by the rules of domain.md §2: the execution-rate score, each
//! indicator's score (positive, reverse, equal, qualitative band), and the
//! total with not-applicable rows dropped. Exact decimals throughout; nothing
//! is rounded here.

use rust_decimal::Decimal;
use serde::Serialize;

use super::exact;
use super::profile::{Profile, ReverseFormula};
use super::value::{
    normalize, parse_normalized, Achievement, ParsedValue, Quantity, Role, ValueKind,
};
use super::vocab::{vocabulary, Direction, Family};
use crate::model::{FundRow, Funds, Indicator};

/// How an indicator's score was recomputed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// min(B ÷ A, 1) × 分值.
    Positive,
    /// A ÷ B × 分值 (or the linear penalty), capped at 分值.
    Reverse,
    /// `=`: the positive formula, or all-or-nothing when A is 0.
    Equal,
    /// The reported score held to the band of the actual's grade.
    Qualitative,
    /// Dropped from the total (`/`, `—`).
    NotApplicable,
    /// The form's 总分 line read as an indicator row: not an indicator, its
    /// score is the reported total.
    TotalLine,
    /// Could not be recomputed; the reported score is carried into the total.
    #[default]
    Reported,
}

/// The recomputed view of one indicator.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct IndicatorReview {
    pub target: ParsedValue,
    pub actual: ParsedValue,
    pub method: Method,
    pub weight: Option<Decimal>,
    pub score_reported: Option<Decimal>,
    pub recomputed_score: Option<Decimal>,
    /// reported − recomputed, when both exist.
    pub difference: Option<Decimal>,
    /// B ÷ A with B in the target's unit (quantitative rows).
    pub ratio: Option<Decimal>,
    /// The grade the actual states (qualitative rows).
    pub grade: Option<Achievement>,
    /// The score band of that grade: [low, high] points.
    pub band: Option<[Decimal; 2]>,
}

impl IndicatorReview {
    pub fn applicable(&self) -> bool {
        !matches!(self.method, Method::NotApplicable | Method::TotalLine)
    }

    /// A row dropped from the total although it carries 分值 (C9, §2.5).
    pub fn dropped_with_weight(&self) -> bool {
        self.method == Method::NotApplicable && self.weight.is_some_and(|w| w > Decimal::ZERO)
    }

    /// A positive target exceeded by more than the profile's
    /// over-achievement multiple (P6; exactly the multiple is not "more").
    pub fn far_above(&self, profile: &Profile) -> bool {
        self.method == Method::Positive
            && self
                .ratio
                .is_some_and(|x| x > profile.quantitative.over_achievement)
    }

    /// The score that counts toward the total: recomputed, else reported.
    pub fn counted(&self) -> Decimal {
        self.recomputed_score
            .or(self.score_reported)
            .unwrap_or_default()
    }
}

/// The execution rate and its score, recomputed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FundsReview {
    pub budget: Option<Decimal>,
    pub spent: Option<Decimal>,
    pub rate: Option<Decimal>,
    pub weight: Decimal,
    pub score: Option<Decimal>,
    /// The 年度资金总额 row was empty or 0, so the sub-rows were summed.
    pub from_subrows: bool,
}

fn sum_column(rows: &[&FundRow], column: fn(&FundRow) -> Option<Decimal>) -> Option<Decimal> {
    exact::sum_present(rows.iter().map(|r| column(r)))
}

/// The sub-rows (当年财政拨款, 上年结转, 其他) of the funds block.
pub fn subrows(funds: &Funds) -> [&FundRow; 3] {
    [&funds.fiscal, &funds.carryover, &funds.other]
}

/// The budget a rate is computed on: 全年预算数, or 年初预算数 where the
/// template has no 全年 column.
pub fn budget_of(row: &FundRow) -> Option<Decimal> {
    row.budget.or(row.initial)
}

/// A reported rate as a fraction: a bare percentage kept as reported (`86`,
/// model.md convention 5) is divided by 100; no real rate exceeds 200%.
pub fn rate_as_fraction(rate: Decimal) -> Decimal {
    if rate > Decimal::TWO {
        rate / Decimal::ONE_HUNDRED
    } else {
        rate
    }
}

/// 执行率 = 全年执行数 ÷ 全年预算数; score = min(rate, 1) × 分值.
pub fn funds(funds: &Funds, profile: &Profile) -> FundsReview {
    funds_with(funds, profile, false)
}

/// As [`funds`]; `scored_as_indicator` when the 预算执行率 is itself one of
/// the form's 三级 indicators (宁夏-style 项目管理 rows): then a funds block
/// that prints no 分值 carries none, instead of the profile's default.
pub fn funds_with(funds: &Funds, profile: &Profile, scored_as_indicator: bool) -> FundsReview {
    let default_weight = if scored_as_indicator {
        Decimal::ZERO
    } else {
        profile.weights.funds
    };
    let weight = funds.weight.unwrap_or(default_weight);
    let mut budget = budget_of(&funds.total);
    let mut spent = funds.total.spent;
    let subs = subrows(funds);
    let sub_budget = sum_column(&subs, budget_of);
    let total_missing = budget.is_none_or(|b| b.is_zero());
    let from_subrows = total_missing && sub_budget.is_some_and(|b| b > Decimal::ZERO);
    if from_subrows {
        budget = sub_budget;
        spent = sum_column(&subs, |r| r.spent);
    }
    let rate = match (budget, spent) {
        (Some(b), Some(s)) if b > Decimal::ZERO => s.checked_div(b),
        _ => None,
    };
    let rate = rate.map(|r| r.normalize());
    let score =
        rate.map(|r| exact::mul(r.min(Decimal::ONE).max(Decimal::ZERO), weight).normalize());
    FundsReview {
        budget,
        spent,
        rate,
        weight,
        score,
        from_subrows,
    }
}

/// An indicator's 三级 name, 指标值 and 实际完成值 as they are compared:
/// [`normalize`]d (empty when blank). Normalized once per record and shared
/// by the scoring and every rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndicatorTexts {
    pub name: String,
    pub target: String,
    pub actual: String,
}

impl IndicatorTexts {
    pub fn of(ind: &Indicator) -> Self {
        let text = |t: &Option<String>| t.as_deref().map(normalize).unwrap_or_default();
        IndicatorTexts {
            name: text(&ind.name),
            target: text(&ind.target),
            actual: text(&ind.actual),
        }
    }
}

/// Parses an indicator's target and actual in the light of its name: a bare
/// number on a …率 indicator is a percentage, an actual without a unit takes
/// the target's, and a stored fraction (0.95) under a % target is 95%.
pub fn parse_indicator(ind: &Indicator) -> (ParsedValue, ParsedValue) {
    parse_texts(&IndicatorTexts::of(ind))
}

fn parse_texts(texts: &IndicatorTexts) -> (ParsedValue, ParsedValue) {
    let v = vocabulary();
    let mut target = parse_normalized(&texts.target, Role::Target);
    let mut actual = parse_normalized(&texts.actual, Role::Actual);
    if let ParsedValue::Quantitative(t) = &mut target {
        if t.unit.is_none() {
            if let Some(unit) = v.unit_in_name(&texts.name) {
                // The name states the unit (`公猪舍（≥**平方米）`): not
                // missing, so not implied either (Q3 stays silent).
                t.unit = Some(unit.to_string());
            } else if v.names_a_percentage(&texts.name) {
                t.unit = Some("%".into());
                t.unit_implied = true;
            }
        }
    }
    if let (ParsedValue::Quantitative(t), ParsedValue::Quantitative(a)) = (&mut target, &mut actual)
    {
        align_percent_fraction(t, a);
        align_percent_fraction(a, t);
        if a.unit.is_none() {
            carry_scale(t, a);
            a.unit = t.unit.clone();
            a.unit_implied = a.unit.is_some();
        }
    }
    (target, actual)
}

/// An actual written without a unit takes the target's unit and, when the
/// target wrote a multiplier (`≥5万册次`), its scale too, if that reading
/// lies nearer the target: `5.2` against 5万 is 5.2万, `52000` stays 52000.
fn carry_scale(target: &Quantity, actual: &mut Quantity) {
    let (Some(factor), None) = (target.scale, actual.scale) else {
        return;
    };
    let Some(scaled) = actual.number.checked_mul(factor) else {
        return;
    };
    let distance = |x: Decimal| -> Option<Decimal> {
        let (t, x) = (target.number.abs(), x.abs());
        if t.is_zero() || x.is_zero() {
            return None;
        }
        Some(if x >= t {
            x.checked_div(t)?
        } else {
            t.checked_div(x)?
        })
    };
    if let (Some(as_scaled), Some(as_written)) = (distance(scaled), distance(actual.number)) {
        if as_scaled < as_written {
            actual.number = scaled;
            actual.scale = Some(factor);
        }
    }
}

/// A % cell stores 95% as 0.95: a bare fraction (no unit written, at most 1)
/// beside a percentage above 1 is scaled to a percentage.
fn align_percent_fraction(bare: &mut Quantity, other: &Quantity) {
    let is_bare = bare.unit.is_none() || bare.unit_implied;
    let fraction = bare.number <= Decimal::ONE;
    let other_percent = other.unit.as_deref() == Some("%") && other.number > Decimal::ONE;
    if is_bare && fraction && other_percent {
        bare.number = exact::percent(bare.number);
        bare.unit = Some("%".into());
        bare.unit_implied = true;
    }
}

/// The direction a quantitative target is scored in: its comparator, else
/// what the name calls for, else the profile's default.
pub fn direction(target: &ParsedValue, name: &str, profile: &Profile) -> Method {
    let comparator = target.comparator().or_else(|| {
        matches!(
            vocabulary().direction_of(name),
            Some(Direction::Reverse | Direction::ReverseByDefault)
        )
        .then_some(super::value::Comparator::AtMost)
    });
    let comparator = comparator.unwrap_or(profile.quantitative.default_comparator);
    if comparator.is_reverse() {
        Method::Reverse
    } else if comparator.is_positive() {
        Method::Positive
    } else {
        Method::Equal
    }
}

/// B expressed in the target's unit, when the units are compatible.
pub fn actual_in_target_unit(target: &ParsedValue, actual: &ParsedValue) -> Option<Decimal> {
    let (t, a) = (target.quantity()?, actual.quantity()?);
    match (t.unit.as_deref(), a.unit.as_deref()) {
        (Some(tu), Some(au)) => Some(exact::mul(a.number, vocabulary().conversion(au, tu)?)),
        _ => Some(a.number),
    }
}

fn positive(a: Decimal, b: Decimal, w: Decimal) -> Decimal {
    if b <= Decimal::ZERO && a > Decimal::ZERO {
        Decimal::ZERO
    } else if b >= a || a <= Decimal::ZERO {
        w
    } else {
        exact::ratio_of(b, a, w).unwrap_or(w)
    }
}

fn reverse(a: Decimal, b: Decimal, w: Decimal, formula: ReverseFormula) -> Decimal {
    if b <= a {
        return w;
    }
    if a <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    match formula {
        ReverseFormula::Ratio => exact::ratio_of(a, b, w).unwrap_or_default(),
        ReverseFormula::Linear => {
            let two_a = exact::mul(a, Decimal::TWO);
            if b >= two_a {
                Decimal::ZERO
            } else {
                let over =
                    exact::ratio_of(exact::diff(b, a), a, Decimal::ONE).unwrap_or(Decimal::ONE);
                exact::mul(exact::diff(Decimal::ONE, over), w)
            }
        }
    }
}

fn equal(a: Decimal, b: Decimal, w: Decimal) -> Decimal {
    if a.is_zero() {
        if b <= Decimal::ZERO {
            w
        } else {
            Decimal::ZERO
        }
    } else {
        positive(a, b, w)
    }
}

/// The score band of a grade, in points.
pub fn band(grade: Achievement, weight: Decimal, profile: &Profile) -> [Decimal; 2] {
    let q = &profile.qualitative;
    match grade {
        Achievement::Achieved => [exact::mul(q.achieved, weight), weight],
        Achievement::Partial => [
            exact::mul(q.partial, weight),
            exact::mul(q.achieved, weight),
        ],
        Achievement::NotAchieved => [Decimal::ZERO, exact::mul(q.partial, weight)],
    }
}

/// Whether a score lies in its band (upper bound exclusive when strict,
/// except the top band, which includes full marks).
pub fn in_band(score: Decimal, band: [Decimal; 2], top: bool, profile: &Profile) -> bool {
    let [low, high] = band;
    let below_high = if profile.qualitative.strict && !top {
        score < high
    } else {
        score <= high
    };
    score >= low && below_high
}

/// The grade a qualitative row's actual states: its label; "达成" when the
/// actual repeats a descriptive target or deadline word for word, or reports
/// a bare 100% (or more) against it.
fn stated_grade(
    ind: &Indicator,
    texts: &IndicatorTexts,
    target: &ParsedValue,
    actual: &ParsedValue,
) -> Option<Achievement> {
    if let Some(grade) = actual.grade() {
        return Some(grade);
    }
    let same_text = ind.target.is_some()
        && ind.actual.is_some()
        && texts.target == texts.actual
        && !texts.target.is_empty();
    let descriptive = matches!(target.kind(), ValueKind::Qualitative | ValueKind::Deadline);
    let fully_done = actual.quantity().is_some_and(|q| {
        q.comparator.is_none() && q.unit.as_deref() == Some("%") && q.number >= Decimal::ONE_HUNDRED
    });
    (descriptive && (same_text || fully_done)).then_some(Achievement::Achieved)
}

/// Whether the row does not apply: its target (or, with no target, its
/// actual) is an N/A marker, or the row is empty but for its name. Under a
/// 项目决策/项目管理 label (`judged`) a `—` target with an actual beside it
/// is the template's "judged by the reviewer", not N/A.
fn not_applicable(
    ind: &Indicator,
    target: &ParsedValue,
    actual: &ParsedValue,
    judged: bool,
) -> bool {
    let unscored = ind.weight.is_none() && ind.score.is_none();
    match (target.kind(), actual.kind()) {
        (ValueKind::NotApplicable, ValueKind::Empty | ValueKind::NotApplicable) => true,
        (ValueKind::NotApplicable, _) => !judged,
        (ValueKind::Empty, ValueKind::NotApplicable) => true,
        (ValueKind::Empty, ValueKind::Empty) => unscored,
        _ => false,
    }
}

/// Recomputes one indicator.
pub fn indicator(ind: &Indicator, profile: &Profile) -> IndicatorReview {
    indicator_with(ind, &IndicatorTexts::of(ind), profile)
}

/// Recomputes one indicator whose texts are already normalized.
pub fn indicator_with(
    ind: &Indicator,
    texts: &IndicatorTexts,
    profile: &Profile,
) -> IndicatorReview {
    let (target, actual) = parse_texts(texts);
    let mut review = IndicatorReview {
        weight: ind.weight,
        score_reported: ind.score,
        ..IndicatorReview::default()
    };
    let v = vocabulary();
    let judged = ind
        .level1
        .as_deref()
        .and_then(|l| v.family_of_level1(&crate::text::fold(l)))
        == Some(Family::Process);
    let total_line = if texts.name.is_empty() {
        v.is_total_row(&texts.actual) || v.is_total_row(&texts.target)
    } else {
        v.is_total_row(&texts.name)
    };
    if total_line {
        review.method = Method::TotalLine;
    } else if not_applicable(ind, &target, &actual, judged) {
        review.method = Method::NotApplicable;
    } else {
        score_applicable(&mut review, ind, texts, (&target, &actual), profile);
    }
    review.recomputed_score = review.recomputed_score.map(|d| d.normalize());
    review.ratio = review.ratio.map(|d| d.normalize());
    review.band = review.band.map(|b| b.map(|d| d.normalize()));
    review.difference = match (review.score_reported, review.recomputed_score) {
        (Some(r), Some(c)) => Some(exact::diff(r, c).normalize()),
        _ => None,
    };
    review.target = target;
    review.actual = actual;
    review
}

fn score_applicable(
    review: &mut IndicatorReview,
    ind: &Indicator,
    texts: &IndicatorTexts,
    (target, actual): (&ParsedValue, &ParsedValue),
    profile: &Profile,
) {
    let quantitative = (target.quantity(), actual.quantity());
    if let (Some(t), Some(_)) = quantitative {
        let Some(b) = actual_in_target_unit(target, actual) else {
            return;
        };
        let a = t.number;
        let method = direction(target, &texts.name, profile);
        // The ratio is known without a 分值 (a form with no 分值 column
        // still over-achieves, P6); the score is not.
        review.ratio = exact::ratio_of(b, a, Decimal::ONE);
        review.method = method;
        let Some(w) = ind.weight else {
            return;
        };
        review.recomputed_score = Some(match method {
            Method::Reverse => reverse(a, b, w, profile.quantitative.reverse),
            Method::Equal => equal(a, b, w),
            _ => positive(a, b, w),
        });
        return;
    }
    let Some(w) = ind.weight else {
        return;
    };
    let Some(grade) = stated_grade(ind, texts, target, actual) else {
        return;
    };
    let band = band(grade, w, profile);
    review.method = Method::Qualitative;
    review.grade = Some(grade);
    review.band = Some(band);
    review.recomputed_score = review.score_reported.map(|s| s.max(band[0]).min(band[1]));
}

/// The recomputed total: the budget score plus every applicable indicator's
/// score; when N/A rows carrying 分值 were dropped, rescaled to 100 over the
/// applicable 分值 (domain.md §2.5).
pub fn total(
    funds: &FundsReview,
    reported_funds: Option<Decimal>,
    rows: &[IndicatorReview],
    profile: &Profile,
) -> Option<Decimal> {
    let budget = funds.score.or(reported_funds);
    let applicable: Vec<&IndicatorReview> = rows.iter().filter(|r| r.applicable()).collect();
    if budget.is_none()
        && applicable
            .iter()
            .all(|r| r.recomputed_score.is_none() && r.score_reported.is_none())
    {
        return None;
    }
    let sum: Decimal = exact::sum(
        budget
            .into_iter()
            .chain(applicable.iter().map(|r| r.counted())),
    );
    let dropped = rows.iter().any(IndicatorReview::dropped_with_weight);
    let weights = exact::sum_all(applicable.iter().map(|r| r.weight));
    match (dropped, weights) {
        (true, Some(w)) if exact::sum([w, funds.weight]) > Decimal::ZERO => {
            exact::ratio_of(sum, exact::sum([w, funds.weight]), profile.weights.total)
                .map(|t| t.normalize())
        }
        _ => Some(sum.normalize()),
    }
}

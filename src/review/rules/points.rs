//! P1–P9: 得分 (scores) against 分值, formulas, bands and the total.

use rust_decimal::Decimal;

use super::{display_tolerance, Cx, Emit};
use crate::model::{Field, IndicatorColumn};
use crate::review::profile::ReverseFormula;
use crate::review::score::{in_band, IndicatorReview, Method};
use crate::review::{display, exact, Finding, Profile, Review};

const SCORE: &[IndicatorColumn] = &[IndicatorColumn::Score, IndicatorColumn::Weight];

pub(super) fn check(cx: &mut Cx) {
    if !cx.scored() {
        return;
    }
    let rows: Vec<usize> = cx.applicable().collect();
    for i in rows {
        over_weight(cx, i);
        unexplained_deduction(cx, i);
        formula(cx, i);
        band(cx, i);
        over_achieved(cx, i);
        full_despite_shortfall(cx, i);
    }
    total(cx);
    all_full(cx);
    grade(cx);
    over_max(cx);
}

/// Whether a quantitative row fell short of its target.
pub(super) fn shortfall(r: &IndicatorReview) -> bool {
    match (r.method, r.ratio) {
        (Method::Positive | Method::Equal, Some(ratio)) => ratio < Decimal::ONE,
        (Method::Reverse, Some(ratio)) => ratio > Decimal::ONE,
        _ => false,
    }
}

fn weight_and_score(cx: &Cx, i: usize) -> Option<(Decimal, Decimal)> {
    let ind = &cx.record.indicators[i];
    ind.weight.zip(ind.score)
}

/// P1: 得分 > 分值.
fn over_weight(cx: &mut Cx, i: usize) {
    let Some((w, s)) = weight_and_score(cx, i).filter(|(w, s)| s > w) else {
        return;
    };
    let e = Emit::new("P1")
        .var("name", cx.name(i))
        .num("score", s)
        .num("weight", w)
        .indicator(i, SCORE);
    cx.emit(e);
}

/// P2: points deducted with no 偏差原因.
fn unexplained_deduction(cx: &mut Cx, i: usize) {
    let Some((w, s)) = weight_and_score(cx, i).filter(|(w, s)| s < w) else {
        return;
    };
    if cx.note_filled(i) || explained_elsewhere(cx, i) {
        return;
    }
    let e = match cx.has_note_column() {
        true => Emit::new("P2"),
        false => Emit::new("P2").template("message_no_column"),
    };
    let e = e
        .var("name", cx.name(i))
        .num("score", s)
        .num("weight", w)
        .indicator(i, &[IndicatorColumn::Score, IndicatorColumn::Note]);
    cx.emit(e);
}

/// Whether another row's 偏差原因 names this indicator (a reason written
/// once for several rows).
fn explained_elsewhere(cx: &Cx, i: usize) -> bool {
    let v = crate::review::vocab::vocabulary();
    let name = &cx.texts[i].name;
    cx.record.indicators.iter().enumerate().any(|(j, ind)| {
        j != i
            && ind
                .note
                .as_deref()
                .is_some_and(|n| v.mentions(&crate::review::value::normalize(n), name))
    })
}

/// P4: the formula's score against the reported one.
fn formula(cx: &mut Cx, i: usize) {
    let r = &cx.review.indicators[i];
    if r.method == Method::Qualitative {
        return;
    }
    let (Some(reported), Some(recomputed)) = (r.score_reported, r.recomputed_score) else {
        return;
    };
    let diff = exact::distance(reported, recomputed);
    let tolerance = cx
        .profile
        .thresholds
        .score_tolerance
        .max(display_tolerance(reported));
    if diff <= tolerance {
        return;
    }
    let key = match (r.method, cx.profile.quantitative.reverse) {
        (Method::Reverse, ReverseFormula::Linear) => "formula_reverse_linear",
        (Method::Reverse, ReverseFormula::Ratio) => "formula_reverse",
        (Method::Equal, _) => "formula_equal",
        _ => "formula_positive",
    };
    let e = Emit::new("P4")
        .var("name", cx.name(i))
        .var("target", cx.target_text(i))
        .var("actual", cx.actual_text(i))
        .var("formula", cx.text("P4", key))
        .num("recomputed", recomputed)
        .num("reported", reported)
        .num("diff", diff)
        .indicator(
            i,
            &[
                IndicatorColumn::Score,
                IndicatorColumn::Target,
                IndicatorColumn::Actual,
            ],
        );
    cx.emit(e);
}

/// P5: a qualitative score outside its grade's band.
fn band(cx: &mut Cx, i: usize) {
    let r = &cx.review.indicators[i];
    let (Some(grade), Some(band), Some(score)) = (r.grade, r.band, r.score_reported) else {
        return;
    };
    let top = grade == crate::review::Achievement::Achieved;
    if in_band(score, band, top, cx.profile) {
        return;
    }
    let e = Emit::new("P5")
        .var("name", cx.name(i))
        .var("grade", grade.label())
        .num("low", band[0])
        .num("high", band[1])
        .num("score", score)
        .indicator(i, &[IndicatorColumn::Score, IndicatorColumn::Actual]);
    cx.emit(e);
}

/// P6: a positive target exceeded far, with no 偏差原因 (target set too low).
fn over_achieved(cx: &mut Cx, i: usize) {
    let r = &cx.review.indicators[i];
    let threshold = cx.profile.quantitative.over_achievement;
    let Some(ratio) = r.ratio.filter(|_| r.far_above(cx.profile)) else {
        return;
    };
    if cx.note_filled(i) {
        return;
    }
    let e = Emit::new("P6")
        .var("name", cx.name(i))
        .var("actual", cx.actual_text(i))
        .var("target", cx.target_text(i))
        .var("ratio", format!("{}%", display(exact::percent(ratio))))
        .num("threshold", threshold)
        .indicator(
            i,
            &[
                IndicatorColumn::Actual,
                IndicatorColumn::Target,
                IndicatorColumn::Note,
            ],
        );
    cx.emit(e);
}

/// P8: a quantitative shortfall scored at full marks.
fn full_despite_shortfall(cx: &mut Cx, i: usize) {
    if !shortfall(&cx.review.indicators[i]) {
        return;
    }
    let Some((_, s)) = weight_and_score(cx, i).filter(|(w, s)| s >= w) else {
        return;
    };
    let e = Emit::new("P8")
        .var("name", cx.name(i))
        .var("target", cx.target_text(i))
        .var("actual", cx.actual_text(i))
        .num("score", s)
        .var("more", "")
        .indicator(
            i,
            &[
                IndicatorColumn::Score,
                IndicatorColumn::Target,
                IndicatorColumn::Actual,
            ],
        );
    cx.emit(e);
}

/// P3: the parts' reported scores against the reported total (a total
/// rescaled over the applicable 分值 per §2.5 is accepted too).
fn total(cx: &mut Cx) {
    let Some(reported) = cx.review.total_reported else {
        return;
    };
    let rows: Vec<usize> = cx.applicable().collect();
    let scores: Vec<Decimal> = rows
        .iter()
        .filter_map(|i| cx.record.indicators[*i].score)
        .collect();
    if scores.is_empty() {
        return;
    }
    // A template with no 得分 cell for the funds block still counts the
    // budget score in its total: use the recomputed one there.
    let funds_score = cx.record.funds.score.or(cx.review.budget_score_recomputed);
    let sum = exact::sum(funds_score.into_iter().chain(scores.iter().copied()));
    let weights = exact::sum_all(rows.iter().map(|i| cx.record.indicators[*i].weight));
    let rescaled = weights
        .map(|w| exact::sum([w, cx.funds.weight]))
        .filter(|w| *w > Decimal::ZERO)
        .and_then(|w| exact::ratio_of(sum, w, cx.profile.weights.total));
    // The form's own arithmetic: every row's 得分, N/A rows included.
    let all_rows = exact::sum(
        funds_score.into_iter().chain(
            cx.review
                .indicators
                .iter()
                .filter(|r| r.method != Method::TotalLine)
                .filter_map(|r| r.score_reported),
        ),
    );
    let tolerance = display_tolerance(reported);
    let close = |x: Decimal| exact::distance(x, reported) <= tolerance;
    if close(sum) || close(all_rows) || rescaled.is_some_and(close) {
        return;
    }
    let fields = rows
        .iter()
        .map(|i| Field::Indicator(*i, IndicatorColumn::Score))
        .chain([Field::FundsScore, Field::TotalScore]);
    let e = Emit::new("P3")
        .num("sum", sum)
        .num("reported", reported)
        .fields(fields);
    cx.emit(e);
}

/// P7: every indicator at full marks although something fell short.
fn all_full(cx: &mut Cx) {
    let rows: Vec<usize> = cx.applicable().collect();
    let all_full = !rows.is_empty()
        && rows
            .iter()
            .all(|i| weight_and_score(cx, *i).is_some_and(|(w, s)| s >= w));
    if !all_full {
        return;
    }
    let short = rows.iter().find(|i| shortfall(&cx.review.indicators[**i]));
    let low_rate = cx
        .funds
        .rate
        .filter(|r| *r < cx.profile.thresholds.inflated_rate);
    let reason = if let Some(rate) = low_rate {
        super::fill(
            cx.text("P7", "reason_rate"),
            &[("rate", format!("{}%", display(exact::percent(rate))))],
        )
    } else {
        // A shortfall at full marks is a P8, which lists this consequence.
        let _ = short;
        return;
    };
    let fields = rows
        .iter()
        .map(|i| Field::Indicator(*i, IndicatorColumn::Score));
    let e = Emit::new("P7")
        .var("count", rows.len().to_string())
        .var("reason", reason)
        .fields(fields)
        .fields([Field::FundsRate]);
    cx.emit(e);
}

/// P10: a recomputed total above the maximum, when W2 does not already
/// explain it by the 分值.
fn over_max(cx: &mut Cx) {
    let total = cx.profile.weights.total;
    let Some(recomputed) = cx.review.total_recomputed.filter(|t| *t > total) else {
        return;
    };
    if cx.out.iter().any(|f| f.rule == "W2") {
        return;
    }
    // The parts' sum against the reported total (P3) is the same cause.
    if let Some(p3) = cx.out.iter_mut().find(|f| f.rule == "P3") {
        p3.message.push_str(&super::fill(
            super::rule_text("P3", "over_max"),
            &[("total", display(total))],
        ));
        return;
    }
    // The 三级 分值, or the 一级 labels' when the rows print none (湖北).
    let rows = exact::sum(
        cx.applicable()
            .filter_map(|i| cx.record.indicators[i].weight),
    );
    let labelled = exact::sum(cx.families.weights.values().copied());
    let weights = exact::sum([rows.max(labelled), cx.funds.weight]);
    let cause = if weights > total {
        super::fill(
            cx.text("P10", "cause_weights"),
            &[("weights", display(weights))],
        )
    } else {
        cx.text("P10", "cause_scores").to_string()
    };
    let e = Emit::new("P10")
        .num("recomputed", recomputed)
        .num("total", total)
        .var("cause", cause)
        .fields([Field::TotalScore]);
    cx.emit(e);
}

/// One root cause, one finding: an indicator judged not met (P8) is the
/// lead finding, and what follows from it — its P4 rescoring, the P7
/// "everything full" and a P9 grade change that its rescoring explains —
/// is listed in its message instead of standing as findings of their own.
pub(super) fn group_by_cause(out: &mut Vec<Finding>, review: &Review, profile: &Profile) {
    let leads: Vec<usize> = out
        .iter()
        .filter(|f| f.rule == "P8")
        .filter_map(|f| f.indicator)
        .collect();
    if leads.is_empty() {
        return;
    }
    let texts = |key: &str| super::rule_text("P8", key);
    let mut extra: Vec<(usize, String)> = Vec::new();
    out.retain(|f| match (f.rule, f.indicator) {
        ("P4", Some(i)) if leads.contains(&i) => {
            if let Some(r) = review.indicators[i].recomputed_score {
                let formula = f
                    .message
                    .split_once("按")
                    .and_then(|(_, rest)| rest.split_once("重算"))
                    .map(|(formula, _)| formula.to_string())
                    .unwrap_or_default();
                extra.push((
                    i,
                    super::fill(
                        texts("consequence_formula"),
                        &[("formula", formula), ("recomputed", display(r))],
                    ),
                ));
            }
            false
        }
        ("P9", _) if grade_change_explained(review, &leads) => {
            let grade = |g: Option<crate::review::Grade>| g.map_or("-", |g| g.label()).to_string();
            extra.push((
                leads[0],
                super::fill(
                    texts("consequence_grade"),
                    &[
                        (
                            "recomputed",
                            review.total_recomputed.map(display).unwrap_or_default(),
                        ),
                        ("grade_reported", grade(review.grade_reported)),
                        ("grade_recomputed", grade(review.grade_recomputed)),
                    ],
                ),
            ));
            false
        }
        _ => true,
    });
    // A P7 of its own (a low execution rate) already says every row is full.
    let p7 = out.iter().any(|f| f.rule == "P7");
    if let Some(count) = all_full_count(review).filter(|_| !p7) {
        extra.push((
            leads[0],
            super::fill(
                texts("consequence_all_full"),
                &[("count", count.to_string())],
            ),
        ));
    }
    let _ = profile;
    for f in out.iter_mut().filter(|f| f.rule == "P8") {
        let list: Vec<&str> = extra
            .iter()
            .filter(|(i, _)| Some(*i) == f.indicator)
            .map(|(_, t)| t.as_str())
            .collect();
        let more = if list.is_empty() {
            String::new()
        } else {
            super::fill(texts("consequences"), &[("list", list.join("；"))])
        };
        f.message.push_str(&more);
    }
}

/// How many applicable indicators there are when every one is at full
/// marks (the P7 situation).
fn all_full_count(review: &Review) -> Option<usize> {
    let rows: Vec<&IndicatorReview> = review
        .indicators
        .iter()
        .filter(|r| r.applicable())
        .collect();
    let full = |r: &&IndicatorReview| r.weight.zip(r.score_reported).is_some_and(|(w, s)| s >= w);
    (!rows.is_empty() && rows.iter().all(full)).then_some(rows.len())
}

/// Whether every indicator whose recomputed score differs from the
/// reported one is a lead (P8) row and the budget score agrees: then the
/// grade change is theirs.
fn grade_change_explained(review: &Review, leads: &[usize]) -> bool {
    let budget_agrees = review
        .budget_score_difference
        .is_none_or(|d| d.abs() <= Decimal::new(1, 2));
    budget_agrees
        && review
            .indicators
            .iter()
            .enumerate()
            .all(|(i, r)| leads.contains(&i) || r.difference.is_none_or(|d| d.is_zero()))
}

/// P9: the reported total's grade against the recomputed total's grade.
fn grade(cx: &mut Cx) {
    let r = cx.review;
    let (Some(gr), Some(gc), Some(tr), Some(tc)) = (
        r.grade_reported,
        r.grade_recomputed,
        r.total_reported,
        r.total_recomputed,
    ) else {
        return;
    };
    // A total above the maximum has no grade (P10 or W2 says why).
    if gr == gc || tc > cx.profile.weights.total || tr > cx.profile.weights.total {
        return;
    }
    let e = Emit::new("P9")
        .num("reported", tr)
        .var("grade_reported", gr.label())
        .num("recomputed", tc)
        .var("grade_recomputed", gc.label())
        .fields([Field::TotalScore]);
    cx.emit(e);
}

//! Q1–Q9: how targets and actuals are written (量化, 单位, 方向).

use rust_decimal::Decimal;

use super::{Cx, Emit};
use crate::model::IndicatorColumn;
use crate::review::value::ValueKind;
use crate::review::vocab::{vocabulary, Direction, Level2};
use crate::review::{display, exact};

const TARGET: &[IndicatorColumn] = &[IndicatorColumn::Target];
const BOTH: &[IndicatorColumn] = &[IndicatorColumn::Target, IndicatorColumn::Actual];

pub(super) fn check(cx: &mut Cx) {
    let rows: Vec<usize> = cx.applicable().collect();
    for &i in &rows {
        unquantified(cx, i);
        unit_missing(cx, i);
        units_differ(cx, i);
        text_actual(cx, i);
        copied_actual(cx, i);
        direction(cx, i);
        percent_target(cx, i);
        value_in_name(cx, i);
    }
    share(cx, &rows);
}

/// The standard 二级 label of an indicator (`进度指标` → `时效指标`).
pub(super) fn level2_standard(cx: &Cx, i: usize) -> Option<&'static Level2> {
    cx.labels[i].level2.as_ref()?.standard
}

/// Q1: a 数量 or 成本 indicator whose target is words only.
fn unquantified(cx: &mut Cx, i: usize) {
    if cx.review.indicators[i].target.kind() != ValueKind::Qualitative {
        return;
    }
    let Some(level2) = level2_standard(cx, i).filter(|l| l.quantified) else {
        return;
    };
    let e = Emit::new("Q1")
        .var("level2", level2.label.clone())
        .var("name", cx.name(i))
        .var("target", cx.target_text(i))
        .indicator(i, TARGET);
    cx.emit(e);
}

/// Q3: a numeric target without a unit, or with a nonstandard one.
fn unit_missing(cx: &mut Cx, i: usize) {
    let Some(q) = cx.review.indicators[i].target.quantity() else {
        return;
    };
    let e = if q.unit.is_none() || q.unit_implied {
        Emit::new("Q3")
    } else if let (Some(written), Some(standard)) = (&q.unit_written, &q.unit) {
        Emit::new("Q3")
            .template("message_nonstandard")
            .var("written", written.clone())
            .var("standard", standard.clone())
    } else {
        return;
    };
    let e = e
        .var("name", cx.name(i))
        .var("target", cx.target_text(i))
        .indicator(i, TARGET);
    cx.emit(e);
}

/// Q4: target and actual in units that do not convert.
fn units_differ(cx: &mut Cx, i: usize) {
    let r = &cx.review.indicators[i];
    let (Some(t), Some(a)) = (r.target.quantity(), r.actual.quantity()) else {
        return;
    };
    let (Some(tu), Some(au)) = (&t.unit, &a.unit) else {
        return;
    };
    if a.unit_implied || vocabulary().conversion(au, tu).is_some() {
        return;
    }
    let e = Emit::new("Q4")
        .var("name", cx.name(i))
        .var("target_unit", tu.clone())
        .var("actual_unit", au.clone())
        .indicator(i, BOTH);
    cx.emit(e);
}

/// Q5: words where a quantitative row needs a number; on a qualitative row,
/// words that state no grade (noted, never guessed).
fn text_actual(cx: &mut Cx, i: usize) {
    let r = &cx.review.indicators[i];
    let wordy = matches!(
        r.actual.kind(),
        ValueKind::Qualitative | ValueKind::Unknown | ValueKind::Deadline
    );
    let e = if r.target.kind() == ValueKind::Quantitative && wordy {
        Emit::new("Q5")
    } else if r.actual.kind() == ValueKind::Unknown && r.grade.is_none() && cx.scored() {
        Emit::new("Q5")
            .template("message_unknown")
            .severity(crate::review::Severity::Info)
    } else {
        return;
    };
    let e = e
        .var("name", cx.name(i))
        .var("target", cx.target_text(i))
        .var("actual", cx.actual_text(i))
        .indicator(i, BOTH);
    cx.emit(e);
}

/// Q6: the actual repeats the target with its comparator.
fn copied_actual(cx: &mut Cx, i: usize) {
    let r = &cx.review.indicators[i];
    let copied = r.target.comparator().is_some()
        && r.actual.comparator().is_some()
        && cx.texts[i].target == cx.texts[i].actual;
    if !copied {
        return;
    }
    let e = Emit::new("Q6")
        .var("name", cx.name(i))
        .var("actual", cx.actual_text(i))
        .indicator(i, BOTH);
    cx.emit(e);
}

/// Q7: `≤` on a rate that should rise, `≥` on a cost that should fall.
fn direction(cx: &mut Cx, i: usize) {
    let Some(comparator) = cx.review.indicators[i].target.comparator() else {
        return;
    };
    let expectation = match vocabulary().direction_of(&cx.compared_name(i)) {
        Some(Direction::Positive) if comparator.is_reverse() => "expect_positive",
        Some(Direction::Reverse) if comparator.is_positive() => "expect_reverse",
        _ => return,
    };
    let e = Emit::new("Q7")
        .var("name", cx.name(i))
        .var("expectation", cx.text("Q7", expectation))
        .var("target", cx.target_text(i))
        .indicator(i, &[IndicatorColumn::Target, IndicatorColumn::Name]);
    cx.emit(e);
}

/// Q8: a 满意度 target under the floor, or any percentage above 100.
fn percent_target(cx: &mut Cx, i: usize) {
    let Some(q) = cx.review.indicators[i].target.quantity() else {
        return;
    };
    if q.unit.as_deref() != Some("%") {
        return;
    }
    let floor = cx.profile.thresholds.min_satisfaction_target;
    // A bare fraction on a …率/满意度 name (`0.9`) is 90%, not 0.9%.
    let number = if q.unit_implied && q.number <= Decimal::ONE {
        exact::percent(q.number)
    } else {
        q.number
    };
    let e = if number > Decimal::ONE_HUNDRED {
        Emit::new("Q8").template("message_over")
    } else if vocabulary().is_satisfaction(&cx.compared_name(i)) && number < floor {
        Emit::new("Q8").num("threshold", floor)
    } else {
        return;
    };
    let e = e
        .var("name", cx.name(i))
        .var("target", format!("{}%", display(number)))
        .indicator(i, TARGET);
    cx.emit(e);
}

/// Q9: the value written into the name, the target cell left empty.
fn value_in_name(cx: &mut Cx, i: usize) {
    if cx.review.indicators[i].target.kind() != ValueKind::Empty {
        return;
    }
    let name = cx.compared_name(i);
    let Some(found) = vocabulary().embedded_value.find(&name) else {
        return;
    };
    let value = found.as_str().to_string();
    let e = Emit::new("Q9")
        .var("name", cx.name(i))
        .var("value", value)
        .indicator(i, &[IndicatorColumn::Name, IndicatorColumn::Target]);
    cx.emit(e);
}

/// Q2: too few quantitative indicators.
fn share(cx: &mut Cx, rows: &[usize]) {
    let Some(share) = cx.review.quantitative_share else {
        return;
    };
    let threshold = cx.profile.thresholds.min_quantitative_share;
    if share >= threshold {
        return;
    }
    let quantitative = rows
        .iter()
        .filter(|i| cx.review.indicators[**i].target.kind() == ValueKind::Quantitative)
        .count();
    let percent = |x: Decimal| format!("{}%", display(exact::percent(x)));
    let targets: Vec<usize> = rows.to_vec();
    let mut e = Emit::new("Q2")
        .var("quantitative", quantitative.to_string())
        .var("count", rows.len().to_string())
        .var("share", percent(share))
        .var("threshold", percent(threshold));
    for i in targets {
        e = e.fields([crate::model::Field::Indicator(i, IndicatorColumn::Target)]);
    }
    cx.emit(e);
}

//! W1–W5: 分值 (weights).

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::labels::Labels;
use super::{fill, Cx, Emit};
use crate::model::{Field, IndicatorColumn, Record};
use crate::review::exact;
use crate::review::vocab::Family;
use crate::text::fold;

pub(super) fn check(cx: &mut Cx) {
    standard_split(cx);
    total(cx);
    label_sums(cx);
    concentration(cx);
    missing(cx);
}

/// The indicators of each 一级 family, with the weight the family carries:
/// the weight printed in its label, else the sum of its 三级 分值.
pub(super) struct FamilyWeights {
    pub members: BTreeMap<Family, Vec<usize>>,
    pub weights: BTreeMap<Family, Decimal>,
}

pub(super) fn families(record: &Record, labels: &[Labels]) -> FamilyWeights {
    let mut members: BTreeMap<Family, Vec<usize>> = BTreeMap::new();
    let mut labelled: BTreeMap<Family, Decimal> = BTreeMap::new();
    for (i, labels) in labels.iter().enumerate() {
        // A 一级 label that names no family (`（30分）` alone) leaves it to
        // the 二级 label (`经济效益指标` is a benefit).
        let family = labels.level1.as_ref().and_then(|l| l.family).or_else(|| {
            labels
                .level2
                .as_ref()
                .and_then(|l| l.standard)
                .map(|l| l.family)
        });
        let Some(family) = family else {
            continue;
        };
        members.entry(family).or_default().push(i);
        if let Some(w) = labels.level1.as_ref().and_then(|l| l.weight) {
            labelled.entry(family).or_insert(w);
        }
    }
    let weights = members
        .iter()
        .filter_map(|(family, idx)| {
            let summed = exact::sum_all(idx.iter().map(|i| record.indicators[*i].weight));
            labelled
                .get(family)
                .copied()
                .or(summed)
                .map(|w| (*family, w))
        })
        .collect();
    FamilyWeights { members, weights }
}

/// W1: 产出 50 / 效益 30 / 满意度 10 / 执行率 10 (成本 as its own 一级
/// counts with 产出).
fn standard_split(cx: &mut Cx) {
    let fw = &cx.families;
    let std = &cx.profile.weights;
    let output = match (
        fw.weights.get(&Family::Output),
        fw.weights.get(&Family::Cost),
    ) {
        (Some(o), Some(c)) => Some(exact::sum([*o, *c])),
        (o, c) => o.or(c).copied(),
    };
    let checks = [
        ("output", Family::Output, output, std.output),
        (
            "benefit",
            Family::Benefit,
            fw.weights.get(&Family::Benefit).copied(),
            std.benefit,
        ),
        (
            "satisfaction",
            Family::Satisfaction,
            fw.weights.get(&Family::Satisfaction).copied(),
            std.satisfaction,
        ),
    ];
    let template = cx.text("W1", "deviation");
    let mut deviations = Vec::new();
    let mut fields = Vec::new();
    for (key, family, actual, standard) in checks {
        let Some(actual) = actual.filter(|a| *a != standard) else {
            continue;
        };
        deviations.push(deviation(template, cx.family_label(key), actual, standard));
        if let Some(first) = fw.members.get(&family).and_then(|m| m.first()) {
            fields.push(Field::Indicator(*first, IndicatorColumn::Level1));
        }
    }
    if let Some(w) = cx.record.funds.weight.filter(|w| *w != std.funds) {
        deviations.push(deviation(template, cx.family_label("funds"), w, std.funds));
        fields.push(Field::FundsWeight);
    }
    if deviations.is_empty() || fw.members.is_empty() {
        return;
    }
    let e = Emit::new("W1")
        .var("deviations", deviations.join("，"))
        .fields(fields);
    cx.emit(e);
}

fn deviation(template: &str, family: &str, actual: Decimal, standard: Decimal) -> String {
    use crate::review::display;
    fill(
        template,
        &[
            ("family", family.to_string()),
            ("actual", display(actual)),
            ("standard", display(standard)),
        ],
    )
}

/// Every applicable indicator's 分值, when all of them have one.
fn all_weights(cx: &Cx) -> Option<Vec<(usize, Decimal)>> {
    cx.applicable()
        .map(|i| cx.record.indicators[i].weight.map(|w| (i, w)))
        .collect()
}

/// W2: Σ 三级 分值 + funds 分值 = 100.
fn total(cx: &mut Cx) {
    if !cx.has_weight_column() {
        return;
    }
    let Some(weights) = all_weights(cx) else {
        return;
    };
    if weights.is_empty() {
        return;
    }
    let indicators = exact::sum(
        cx.record
            .indicators
            .iter()
            .zip(&cx.review.indicators)
            .filter(|(_, r)| r.method != crate::review::Method::TotalLine)
            .filter_map(|(i, _)| i.weight),
    );
    let funds = cx.funds.weight;
    let expected = cx.profile.weights.total;
    let sum = exact::sum([indicators, funds]);
    if sum == expected {
        return;
    }
    let mut more = String::new();
    // 110 weights and a reported 100 that is the indicators' scores alone:
    // the form's 总分 left out the budget score.
    let indicator_scores = exact::sum_all(cx.applicable().map(|i| cx.record.indicators[i].score));
    let funds_score = cx.record.funds.score.or(cx.review.budget_score_recomputed);
    if let (Some(reported), Some(scores), Some(fs)) =
        (cx.review.total_reported, indicator_scores, funds_score)
    {
        if indicators == expected && reported == scores && !fs.is_zero() {
            more.push_str(&fill(
                cx.text("W2", "left_out"),
                &[
                    ("reported", crate::review::display(reported)),
                    ("funds_score", crate::review::display(fs)),
                ],
            ));
        }
    }
    if let Some(recomputed) = cx.review.total_recomputed.filter(|t| *t > expected) {
        more.push_str(&fill(
            cx.text("W2", "over_max"),
            &[
                ("recomputed", crate::review::display(recomputed)),
                ("total", crate::review::display(expected)),
            ],
        ));
    }
    let fields = weights
        .iter()
        .map(|(i, _)| Field::Indicator(*i, IndicatorColumn::Weight))
        .chain([Field::FundsWeight]);
    let e = Emit::new("W2")
        .num("indicators", indicators)
        .num("funds", funds)
        .num("sum", sum)
        .num("total", expected)
        .var("more", more)
        .fields(fields);
    cx.emit(e);
}

/// W3: the 三级 分值 under a 一级 or 二级 label that prints its weight.
fn label_sums(cx: &mut Cx) {
    let mut groups: BTreeMap<(u8, String), (Decimal, Vec<usize>)> = BTreeMap::new();
    for (i, (ind, labels)) in cx.record.indicators.iter().zip(&cx.labels).enumerate() {
        let printed = [
            (
                1u8,
                &ind.level1,
                labels.level1.as_ref().and_then(|l| l.weight),
            ),
            (
                2,
                &ind.level2,
                labels.level2.as_ref().and_then(|l| l.weight),
            ),
        ];
        for (level, label, weight) in printed {
            if let (Some(label), Some(w)) = (label, weight) {
                let key = (level, label.clone());
                groups.entry(key).or_insert((w, Vec::new())).1.push(i);
            }
        }
    }
    for ((level, label), (label_weight, members)) in groups {
        let sum = exact::sum_all(members.iter().map(|i| cx.record.indicators[*i].weight));
        let Some(sum) = sum.filter(|s| *s != label_weight) else {
            continue;
        };
        let column = if level == 1 {
            IndicatorColumn::Level1
        } else {
            IndicatorColumn::Level2
        };
        let e = Emit::new("W3")
            .var("label", fold(&label))
            .num("label_weight", label_weight)
            .num("sum", sum)
            .fields(
                members
                    .iter()
                    .map(|i| Field::Indicator(*i, IndicatorColumn::Weight)),
            )
            .fields([Field::Indicator(members[0], column)]);
        cx.emit(e);
    }
}

/// W4: one indicator carrying too large a share of the points.
fn concentration(cx: &mut Cx) {
    let total = cx.profile.weights.total;
    let threshold = cx.profile.thresholds.max_indicator_share;
    if total <= Decimal::ZERO {
        return;
    }
    let heavy: Vec<(usize, Decimal)> = cx
        .applicable()
        .filter_map(|i| cx.record.indicators[i].weight.map(|w| (i, w)))
        .filter(|(_, w)| {
            exact::ratio_of(*w, total, Decimal::ONE).is_none_or(|share| share > threshold)
        })
        .collect();
    for (i, w) in heavy {
        let e = Emit::new("W4")
            .var("name", cx.name(i))
            .num("weight", w)
            .var(
                "share",
                format!(
                    "{}%",
                    crate::review::display(
                        exact::ratio_of(w, total, Decimal::ONE_HUNDRED).unwrap_or(Decimal::MAX)
                    )
                ),
            )
            .var(
                "threshold",
                format!("{}%", crate::review::display(exact::percent(threshold))),
            )
            .indicator(i, &[IndicatorColumn::Weight]);
        cx.emit(e);
    }
}

/// A row with neither 分值 nor 得分 right under a row that has both: the
/// form merged those cells over the two rows, and model.md convention 3 puts
/// the shared value on the first row only. Not a blank weight.
fn shares_merged_weight(cx: &Cx, i: usize) -> bool {
    let rows = &cx.record.indicators;
    let this = &rows[i];
    i > 0
        && this.weight.is_none()
        && this.score.is_none()
        && rows[i - 1].weight.is_some()
        && rows[i - 1].score.is_some()
}

/// A breakdown row of the indicator above it (`其中桃树种植面积`): the
/// points are the parent's, so no 分值 of its own is missing.
fn sub_item(cx: &Cx, i: usize) -> bool {
    let ind = &cx.record.indicators[i];
    ind.weight.is_none()
        && ind.score.is_none()
        && crate::review::vocab::vocabulary().is_sub_item(&cx.texts[i].name)
}

/// W5: a scored row whose 分值 is blank or not positive.
fn missing(cx: &mut Cx) {
    if !cx.has_weight_column() {
        return;
    }
    let rows: Vec<usize> = cx.applicable().collect();
    for i in rows {
        if shares_merged_weight(cx, i) || sub_item(cx, i) {
            continue;
        }
        let e = match cx.record.indicators[i].weight {
            None => Emit::new("W5"),
            Some(w) if w <= Decimal::ZERO => Emit::new("W5")
                .template("message_nonpositive")
                .num("weight", w),
            Some(_) => continue,
        };
        let e = e
            .var("name", cx.name(i))
            .indicator(i, &[IndicatorColumn::Weight]);
        cx.emit(e);
    }
}

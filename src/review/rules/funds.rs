//! F1–F7: the 项目资金 block.

use rust_decimal::Decimal;

use super::{display_tolerance, Cx, Emit};
use crate::model::{Field, FundColumn, FundLine, FundRow};
use crate::review::score::{self, subrows};
use crate::review::{exact, Severity};

/// A column of the funds block: its model key, its rules.toml label key, and
/// how to read it from a row.
type Column = (FundColumn, &'static str, fn(&FundRow) -> Option<Decimal>);

const COLUMNS: [Column; 3] = [
    (FundColumn::Initial, "initial", |r| r.initial),
    (FundColumn::Budget, "budget", |r| r.budget),
    (FundColumn::Spent, "spent", |r| r.spent),
];

const SUBLINES: [FundLine; 3] = [FundLine::Fiscal, FundLine::Carryover, FundLine::Other];

pub(super) fn check(cx: &mut Cx) {
    totals(cx);
    if !cx.scored() {
        return;
    }
    rate(cx);
    budget_score(cx);
    overspent(cx);
    unexplained(cx);
}

fn column_fields(column: FundColumn) -> impl Iterator<Item = Field> {
    std::iter::once(Field::Fund(FundLine::Total, column))
        .chain(SUBLINES.iter().map(move |l| Field::Fund(*l, column)))
}

/// F1 and F2: the total row against the sum of its sub-rows.
fn totals(cx: &mut Cx) {
    let funds = &cx.record.funds;
    let mut empty_total = Vec::new();
    for (column, key, get) in COLUMNS {
        let values: Vec<Decimal> = subrows(funds).iter().filter_map(|r| get(r)).collect();
        let Some(parts) = exact::sum_present(values.iter().copied().map(Some)) else {
            continue;
        };
        let total = get(&funds.total);
        // A total written to fewer places than its parts is display rounding.
        let tolerance = |t: Decimal| {
            values
                .iter()
                .chain([&t])
                .map(|v| display_tolerance(*v))
                .max()
                .unwrap_or_default()
        };
        // Below a total, money may sit in rows the model has no place for
        // (四川: 财政专户管理资金, 单位资金); then only parts above the total
        // are certainly wrong.
        let off = |t: &Decimal| {
            exact::distance(*t, parts) > tolerance(*t) && (parts > *t || standard_breakdown(cx))
        };
        if total.is_none_or(|t| t.is_zero()) && parts > Decimal::ZERO {
            empty_total.push((column, key, parts));
        } else if let Some(total) = total.filter(off) {
            let e = Emit::new("F1")
                .var("column", cx.column_label(key))
                .num("total", total)
                .num("parts", parts)
                .fields(column_fields(column));
            cx.emit(e);
        }
    }
    if empty_total.is_empty() {
        return;
    }
    let columns: Vec<&str> = empty_total
        .iter()
        .map(|(_, k, _)| cx.column_label(k))
        .collect();
    let parts: Vec<String> = empty_total
        .iter()
        .map(|(_, k, p)| format!("{} {}", cx.column_label(k), crate::review::display(*p)))
        .collect();
    let e = Emit::new("F2")
        .var("columns", columns.join("、"))
        .var("parts", parts.join("，"))
        .fields(empty_total.iter().flat_map(|(c, _, _)| column_fields(*c)));
    cx.emit(e);
}

/// Whether the form's funds block has the standard three sub-rows (当年财政拨款,
/// 上年结转, 其他资金), as its provenance shows; a record without provenance
/// is taken to.
fn standard_breakdown(cx: &Cx) -> bool {
    let p = &cx.imported.provenance;
    if p.iter().next().is_none() {
        return true;
    }
    SUBLINES.iter().all(|line| {
        COLUMNS
            .iter()
            .any(|(column, _, _)| p.get(Field::Fund(*line, *column)).is_some())
    })
}

fn percent(fraction: Decimal) -> String {
    format!("{}%", crate::review::display(exact::percent(fraction)))
}

/// F3: the reported 执行率 against 执行数 ÷ 预算数, within display rounding.
fn rate(cx: &mut Cx) {
    let (Some(reported), Some(recomputed)) = (cx.record.funds.rate, cx.funds.rate) else {
        return;
    };
    let reported = score::rate_as_fraction(reported);
    let shown_as_percent = exact::percent(reported);
    let tolerance = display_tolerance(shown_as_percent) / Decimal::ONE_HUNDRED;
    if exact::distance(reported, recomputed) <= tolerance {
        return;
    }
    let e = Emit::new("F3")
        .var("reported", percent(reported))
        .num("spent", cx.funds.spent.unwrap_or_default())
        .num("budget", cx.funds.budget.unwrap_or_default())
        .var("recomputed", percent(recomputed))
        .fields([
            Field::FundsRate,
            Field::Fund(FundLine::Total, FundColumn::Budget),
            Field::Fund(FundLine::Total, FundColumn::Spent),
        ]);
    cx.emit(e);
}

/// F4: the budget score against min(rate, 1) × 分值; a gap within the
/// bureau's rounding is only noted.
fn budget_score(cx: &mut Cx) {
    let (Some(reported), Some(recomputed), Some(rate)) =
        (cx.record.funds.score, cx.funds.score, cx.funds.rate)
    else {
        return;
    };
    let diff = exact::distance(reported, recomputed);
    let t = &cx.profile.thresholds;
    if diff <= t.score_tolerance {
        return;
    }
    let mut e = Emit::new("F4")
        .num("reported", reported)
        .var("rate", percent(rate))
        .num("weight", cx.funds.weight)
        .num("recomputed", recomputed)
        .num("diff", diff)
        .fields([Field::FundsScore, Field::FundsRate, Field::FundsWeight]);
    if diff <= t.funds_rounding {
        e = e.template("message_rounding").severity(Severity::Info);
    }
    cx.emit(e);
}

/// F5: spent more than the budget.
fn overspent(cx: &mut Cx) {
    let (Some(budget), Some(spent), Some(rate)) = (cx.funds.budget, cx.funds.spent, cx.funds.rate)
    else {
        return;
    };
    if spent <= budget {
        return;
    }
    let e = Emit::new("F5")
        .num("spent", spent)
        .num("budget", budget)
        .var("rate", percent(rate))
        .fields([
            Field::Fund(FundLine::Total, FundColumn::Spent),
            Field::Fund(FundLine::Total, FundColumn::Budget),
        ]);
    cx.emit(e);
}

/// F6 (low rate, no reason anywhere) and F7 (budget adjusted, no note). The
/// standard form has no reason cell for the funds block, so any 偏差原因
/// text on the form counts as the explanation.
fn unexplained(cx: &mut Cx) {
    if cx.any_note() {
        return;
    }
    let threshold = cx.profile.thresholds.execution_rate_explain;
    if let Some(rate) = cx.funds.rate.filter(|r| *r < threshold) {
        let e = Emit::new("F6")
            .var("rate", percent(rate))
            .var("threshold", percent(threshold))
            .fields([
                Field::FundsRate,
                Field::Fund(FundLine::Total, FundColumn::Spent),
            ]);
        cx.emit(e);
    }
    let total = &cx.record.funds.total;
    if let (Some(initial), Some(budget)) = (total.initial, total.budget) {
        if initial != budget {
            let e = Emit::new("F7")
                .num("initial", initial)
                .num("budget", budget)
                .fields([
                    Field::Fund(FundLine::Total, FundColumn::Initial),
                    Field::Fund(FundLine::Total, FundColumn::Budget),
                ]);
            cx.emit(e);
        }
    }
}

//! No silent loss: after a sheet is read, the cells inside the form's
//! blocks that no field took, and the indicator-table headers that matched
//! no column, become [`Unread`] entries of the record's source.
//!
//! Only what is inside a block counts: the indicator table's rows that were
//! read as indicators, between its first and last header column, and the
//! funds block's rows down to the first row holding neither an amount nor
//! a line label. In the funds block only amounts count (a 原因 text column
//! holds no figure the model could lose); in the table every value does.

use std::collections::{BTreeMap, HashSet};

use super::extract::Ctx;
use super::funds::Block;
use super::labels::is_one_of;
use super::spec::{FundsColumnKey as FundsCol, TableColumnKey as Col};
use super::table::Found;
use super::values;
use crate::model::{Provenance, Record, Unread, UnreadKind};
use crate::source::{Area, CellRef, Value};

/// One line a person reads for each unread entry of `record`:
/// `未读取的单元格: 项目支出绩效自评表!H12:H17 表头“指标分值权重”`.
///
/// ```
/// use jixiao::model::{Kind, Record, Source, Unread, UnreadKind};
/// let source = Source {
///     file: "a.xlsx".into(),
///     sheet: Some("自评表".into()),
///     mapping: None,
///     unread: vec![Unread { cell: "H12:H17".into(), text: "指标分值权重".into(), kind: UnreadKind::Header }],
/// };
/// let record = Record::new(Kind::Project, source);
/// assert_eq!(
///     jixiao::mapping::unread_lines(&record),
///     ["未读取的单元格: 自评表!H12:H17 表头“指标分值权重”"]
/// );
/// ```
pub fn unread_lines(record: &Record) -> Vec<String> {
    let sheet = record.source.sheet.as_deref();
    record
        .source
        .unread
        .iter()
        .map(|u| {
            let place = sheet.map_or_else(|| u.cell.clone(), |s| format!("{s}!{}", u.cell));
            let kind = match u.kind {
                UnreadKind::Header => "表头",
                UnreadKind::Cell => "",
            };
            format!("未读取的单元格: {place} {kind}“{}”", u.text)
        })
        .collect()
}

/// The unread cells of a sheet read into `prov`, the table first.
pub(crate) fn collect(
    ctx: &Ctx,
    table: Option<&Found>,
    block: Option<&Block>,
    prov: &Provenance,
) -> Vec<Unread> {
    let taken: HashSet<CellRef> = prov.iter().map(|(_, l)| l.cell).collect();
    let mut out = Vec::new();
    match table {
        Some(t) => in_table(ctx, t, &taken, &mut out),
        None => table_not_found(ctx, &mut out),
    }
    if let Some(b) = block {
        in_funds(ctx, b, &taken, &mut out);
    }
    out
}

/// `H12` or `H12:H17`.
fn range(first: CellRef, last: CellRef) -> String {
    if first == last {
        first.to_string()
    } else {
        Area::new(first, last).to_string()
    }
}

/// The last column of the header texts of `row` from `first` on.
fn header_end(ctx: &Ctx, row: u32, first: u32) -> u32 {
    ctx.index
        .row(row)
        .filter(|e| e.at.col >= first)
        .map(|e| ctx.merge_end_col(e.at))
        .max()
        .unwrap_or(first)
}

/// A value a reader would miss: not empty, not a not-applicable mark.
fn holds_value(value: &Value) -> bool {
    match value {
        Value::Text(t) => !values::is_no_value(t),
        Value::Empty | Value::FormulaNoValue(_) | Value::Error(_) => false,
        _ => true,
    }
}

/// Headers of unbound columns and values in them on indicator rows, one
/// entry per column.
fn in_table(ctx: &Ctx, t: &Found, taken: &HashSet<CellRef>, out: &mut Vec<Unread>) {
    let Some(&first) = t.columns.values().min() else {
        return;
    };
    let bound: HashSet<u32> = t.columns.values().copied().collect();
    let spans_bound = |at: CellRef| {
        let end = ctx.merge_end_col(at);
        (at.col..=end).any(|c| bound.contains(&c))
    };
    let ignored = |norm: &str| {
        is_one_of(&ctx.mapping.never_values, norm)
            || ctx
                .mapping
                .table
                .as_ref()
                .is_some_and(|s| is_one_of(&s.ignore, norm))
    };
    let mut last = header_end(ctx, t.header_row, first);
    let mut headers: BTreeMap<u32, (CellRef, String)> = BTreeMap::new();
    // Columns under a header the mapping reads or deliberately skips.
    let mut skip = bound.clone();
    for row in [Some(t.header_row), t.sub_header].into_iter().flatten() {
        last = last.max(header_end(ctx, row, first));
        for e in ctx.index.row(row).filter(|e| e.at.col >= first) {
            if spans_bound(e.at) {
                continue;
            }
            if ignored(e.norm) {
                skip.extend(e.at.col..=ctx.merge_end_col(e.at));
                continue;
            }
            let text = ctx.sheet.raw(e.at).text().trim().to_string();
            headers.entry(e.at.col).or_insert((e.at, text));
        }
    }
    let mut cells: BTreeMap<u32, Vec<CellRef>> = BTreeMap::new();
    for &row in &t.indicator_rows {
        for col in (first..=last).filter(|c| !skip.contains(c)) {
            let at = CellRef::new(row, col);
            if holds_value(ctx.once(at)) && !taken.contains(&at) {
                cells.entry(col).or_default().push(at);
            }
        }
    }
    // A header over an empty column loses nothing: only columns holding
    // values are reported.
    for (col, values) in cells {
        let header = headers.get(&col);
        let (Some(&a), Some(&b)) = (values.first(), values.last()) else {
            continue;
        };
        let cell = range(a, b);
        let (text, kind) = match header {
            Some((_, text)) => (text.clone(), UnreadKind::Header),
            None => (cell_text(ctx, values[0]), UnreadKind::Cell),
        };
        out.push(Unread { cell, text, kind });
    }
}

fn cell_text(ctx: &Ctx, at: CellRef) -> String {
    ctx.sheet.raw(at).text().trim().to_string()
}

/// Whether the cell holds an amount, a rate or a score.
fn is_figure(value: &Value) -> bool {
    match value {
        Value::Number(_) => true,
        Value::Text(_) => matches!(values::rate(value), Ok(Some(_))),
        _ => false,
    }
}

/// Whether `row` repeats the amounts of the line read on `read` (a 合计
/// under 年度资金总额): nothing of it is lost.
fn same_amounts(ctx: &Ctx, b: &Block, read: u32, row: u32) -> bool {
    [FundsCol::Initial, FundsCol::Budget, FundsCol::Spent]
        .iter()
        .filter_map(|k| b.columns.get(k))
        .all(|&col| {
            let amount = |r| {
                values::decimal(ctx.once(CellRef::new(r, col)))
                    .ok()
                    .flatten()
            };
            amount(read) == amount(row)
        })
}

/// The table was not read (too few value columns recognized): the headers
/// of the first row naming the 三级指标 column, from that column on.
fn table_not_found(ctx: &Ctx, out: &mut Vec<Unread>) {
    let Some(spec) = ctx.mapping.table.as_ref() else {
        return;
    };
    let name = ctx
        .index
        .entries
        .iter()
        .find(|e| spec.column_keys.best(e.norm, &[Col::Name]).is_some());
    let Some(name) = name else {
        return;
    };
    for e in ctx
        .index
        .row(name.at.row)
        .filter(|e| e.at.col >= name.at.col)
    {
        out.push(Unread {
            cell: e.at.to_string(),
            text: cell_text(ctx, e.at),
            kind: UnreadKind::Header,
        });
    }
}

/// Figures of the funds block no line took, one entry per row, named by
/// the row's label (`其中：中央财政资金`). On a line the model has, the
/// 分值/执行率/得分 of that line are left out: the model keeps them for
/// the block (the total line), and a line's rate follows from its amounts.
/// Rows the mapping lists under `ignore_rows` are left out too.
fn in_funds(ctx: &Ctx, b: &Block, taken: &HashSet<CellRef>, out: &mut Vec<Unread>) {
    let (Some(&first), Some(spec)) = (b.columns.values().min(), ctx.mapping.funds.as_ref()) else {
        return;
    };
    let last = header_end(ctx, b.header, first);
    let derived: HashSet<u32> = [FundsCol::Weight, FundsCol::Rate, FundsCol::Score]
        .iter()
        .filter_map(|k| b.columns.get(k).copied())
        .collect();
    let mut seen = false;
    for row in b.rows.clone() {
        let label = ctx.index.row(row).find(|e| e.at.col < first);
        let is_line = label.is_some_and(|e| spec.row_keys.best(e.norm, &[]).is_some());
        let ignored = label.is_some_and(|e| is_one_of(&spec.ignore_rows, e.norm));
        let figures: Vec<CellRef> = (first..=last)
            .map(|c| CellRef::new(row, c))
            .filter(|&at| is_figure(ctx.once(at)))
            .collect();
        if figures.is_empty() && !is_line && !ignored {
            if seen {
                break; // the block has ended (goals, 资金管理情况 …)
            }
            continue;
        }
        seen = true;
        let repeats = label
            .and_then(|e| spec.row_keys.best(e.norm, &[]))
            .and_then(|(line, _)| b.lines.get(&line))
            .is_some_and(|&read| read != row && same_amounts(ctx, b, read, row));
        if ignored || repeats {
            continue;
        }
        let unread: Vec<CellRef> = figures
            .into_iter()
            .filter(|at| {
                let line_rate = is_line && derived.contains(&at.col);
                !(taken.contains(at) || line_rate)
            })
            .collect();
        let (Some(&a), Some(&z)) = (unread.first(), unread.last()) else {
            continue;
        };
        let text = match label {
            Some(e) => cell_text(ctx, e.at),
            None => cell_text(ctx, a),
        };
        out.push(Unread {
            cell: range(a, z),
            text,
            kind: UnreadKind::Cell,
        });
    }
}

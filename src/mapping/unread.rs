//! No silent loss: after a sheet is read, the cells inside the form's
//! blocks that no field took, and the indicator-table headers that matched
//! no column, become [`Unread`] entries of the record's source.
//!
//! Only what is inside a block counts: the indicator table's rows that were
//! read as indicators, between its first and last header column, and the
//! funds block's rows down to the first row holding neither an amount nor
//! a line label. In the funds block only amounts count (a 原因 text column
//! holds no figure the model could lose); in the table every value does.

use std::collections::{BTreeMap, BTreeSet};

use super::extract::Ctx;
use super::funds::Block;
use super::labels::is_one_of;
use super::resolve::Locator;
use super::spec::ScalarField;
use super::spec::{FundsColumnKey as FundsCol, TableColumnKey as Col};
use super::table::Found;
use super::values;
use crate::model::{Goals, Provenance, Record, Unread, UnreadKind};
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

/// The unread cells of a sheet read into `prov`, the table first, then the
/// funds block, then the goals block.
pub(crate) fn collect(
    ctx: &Ctx,
    table: Option<&Found>,
    block: Option<&Block>,
    goals: Option<&Goals>,
    prov: &Provenance,
) -> Vec<Unread> {
    let taken = Taken::new(prov.iter().map(|(_, l)| l.cell));
    let mut out = Vec::new();
    match table {
        Some(t) => in_table(ctx, t, &taken, &mut out),
        None => table_not_found(ctx, &mut out),
    }
    if let Some(b) = block {
        in_funds(ctx, b, &taken, &mut out);
    }
    in_goals(
        ctx,
        Blocks {
            table,
            funds: block,
        },
        goals,
        &taken,
        &mut out,
    );
    out
}

/// The blocks read before the goals: a goals label inside one is no goal.
#[derive(Clone, Copy)]
struct Blocks<'a> {
    table: Option<&'a Found>,
    funds: Option<&'a Block>,
}

impl Blocks<'_> {
    fn holds(&self, row: u32) -> bool {
        let in_table = self.table.is_some_and(|t| {
            let last = t.total_row.or(t.indicator_rows.last().copied());
            row >= t.header_row && last.is_some_and(|l| row <= l)
        });
        // From the header to its last line: the rows searched for lines
        // run on to the table, past the goals.
        let in_funds = self.funds.is_some_and(|b| {
            let last = b.lines.values().copied().max().unwrap_or(b.header);
            (b.header..=last).contains(&row)
        });
        in_table || in_funds
    }
}

/// Most rows a goals block spans (numbered lines included).
const MAX_GOAL_ROWS: u32 = 14;

/// Sentences of the goals block when a goal was not taken: a layout the
/// goal labels found but could not read (the text under a sub-label the
/// mapping does not know). The block runs from the first goals label down to the next row
/// holding another label (the indicator table's header, a sign-off note).
/// Labels, not-applicable marks and texts a goal holds (numbered lines
/// joined into it) are not reported.
fn in_goals(
    ctx: &Ctx,
    blocks: Blocks,
    goals: Option<&Goals>,
    taken: &Taken,
    out: &mut Vec<Unread>,
) {
    let labels: Vec<&String> = [ScalarField::GoalsPlanned, ScalarField::GoalsAchieved]
        .iter()
        .filter_map(|k| ctx.mapping.fields.get(k))
        .filter_map(|spec| match &spec.locator {
            Locator::Label { labels, .. } => Some(labels),
            _ => None,
        })
        .flatten()
        .collect();
    let both_read = goals.is_some_and(|g| g.planned.is_some() && g.achieved.is_some());
    if both_read {
        return;
    }
    let is_goal_label = |norm: &str| labels.iter().any(|l| l.as_str() == norm);
    let Some(start) = ctx
        .index
        .entries
        .iter()
        .find(|e| is_goal_label(e.norm) && !blocks.holds(e.at.row))
    else {
        return;
    };
    let read: Vec<&str> = goals
        .into_iter()
        .flat_map(|g| [g.planned.as_deref(), g.achieved.as_deref()])
        .flatten()
        .collect();
    let first = start.at.row;
    for &row in ctx
        .rows
        .iter()
        .filter(|&&r| r >= first && r < first + MAX_GOAL_ROWS)
    {
        let other_label = ctx
            .index
            .row(row)
            .any(|e| ctx.is_known_label(e) && !is_goal_label(e.norm));
        if row > first && (blocks.holds(row) || other_label) {
            break;
        }
        for e in ctx.index.row(row) {
            if taken.contains(&e.at) || ctx.is_known_label(e) {
                continue;
            }
            let text = cell_text(ctx, e.at);
            // Sub-labels and headings the mapping does not know are short
            // and unpunctuated; a goal's text is a sentence.
            let sentence = e.folded.contains([',', '。', ';']) || text.chars().count() > 20;
            if !sentence || read.iter().any(|g| g.contains(text.as_str())) {
                continue;
            }
            out.push(Unread {
                cell: e.at.to_string(),
                text,
                kind: UnreadKind::Cell,
            });
        }
    }
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

/// The last row the block's label (`年度预算申请（万元）` left of the
/// header, merged down over the block's rows) covers; the header row when
/// it is not merged down.
fn block_label_end(ctx: &Ctx, header: u32, first: u32) -> u32 {
    ctx.index
        .row(header)
        .filter(|e| e.at.col < first)
        .filter_map(|e| ctx.sheet.merge_at(e.at))
        .map(|m| m.last.row)
        .max()
        .unwrap_or(header)
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
fn in_table(ctx: &Ctx, t: &Found, taken: &Taken, out: &mut Vec<Unread>) {
    let Some(&first) = t.columns.values().min() else {
        return;
    };
    // Ordered sets: a few columns, looked up for every indicator cell,
    // where hashing each cost more than a tree's few comparisons.
    let bound: BTreeSet<u32> = t.columns.values().copied().collect();
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
/// Figures right of the row label count even left of the first column
/// bound (under a header no column took): they are the block's too.
/// Tables above the block with money headers like its own are reported the
/// same way, per row.
fn in_funds(ctx: &Ctx, b: &Block, taken: &Taken, out: &mut Vec<Unread>) {
    for other in &b.others {
        let table = Block {
            header: other.header,
            columns: other.columns.clone(),
            rows: other.rows.clone(),
            lines: BTreeMap::new(),
            others: Vec::new(),
        };
        in_rows(ctx, &table, taken, out);
    }
    in_rows(ctx, b, taken, out);
}

fn in_rows(ctx: &Ctx, b: &Block, taken: &Taken, out: &mut Vec<Unread>) {
    let (Some(&first), Some(spec)) = (b.columns.values().min(), ctx.mapping.funds.as_ref()) else {
        return;
    };
    let last = header_end(ctx, b.header, first);
    let derived: BTreeSet<u32> = [FundsCol::Weight, FundsCol::Rate, FundsCol::Score]
        .iter()
        .filter_map(|k| b.columns.get(k).copied())
        .collect();
    let under_label = block_label_end(ctx, b.header, first);
    let mut seen = false;
    for row in b.rows.clone() {
        let label = ctx.index.row(row).find(|e| e.at.col < first);
        let is_line = label.is_some_and(|e| spec.row_keys.best(e.norm, &[]).is_some());
        let ignored = label.is_some_and(|e| is_one_of(&spec.ignore_rows, e.norm));
        let start = label.map_or(first, |e| (ctx.merge_end_col(e.at) + 1).min(first));
        let figures: Vec<CellRef> = (start..=last)
            .map(|c| CellRef::new(row, c))
            .filter(|&at| is_figure(ctx.once(at)))
            .collect();
        if figures.is_empty() && !is_line && !ignored {
            // The block has ended (goals, 资金管理情况 …), unless its label
            // still covers the row: a sub-heading (`按收入性质分：`) with
            // breakdown rows under it.
            if seen && row > under_label {
                break;
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

/// The cells some field took: sorted, searched by halving (a form's
/// hundred or so cells; hashing each cost more than the search).
struct Taken(Vec<CellRef>);

impl Taken {
    fn new(cells: impl Iterator<Item = CellRef>) -> Self {
        let mut cells: Vec<CellRef> = cells.collect();
        cells.sort_unstable();
        cells.dedup();
        Taken(cells)
    }

    fn contains(&self, at: &CellRef) -> bool {
        self.0.binary_search(at).is_ok()
    }
}

//! The 项目资金 block: a header row of column labels (年初预算数 …), rows
//! named by labels (年度资金总额 …), money in 万元 or 元.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::extract::Ctx;
use super::labels::bind_best;
use super::resolve::FundsSpec;
use super::spec::{FundsColumnKey as Col, FundsRowKey as Line, MoneyUnit};
use super::table::Found;
use super::values;
use super::ImportError;
use crate::model::{Field, FundColumn, FundLine, FundRow, Provenance, Record};
use crate::source::CellRef;

/// How many rows under its header the block may span.
pub(super) const MAX_ROWS: u32 = 12;

const MONEY: &[(Col, FundColumn)] = &[
    (Col::Initial, FundColumn::Initial),
    (Col::Budget, FundColumn::Budget),
    (Col::Spent, FundColumn::Spent),
];

pub(crate) type Columns = BTreeMap<Col, u32>;

/// Where the block was found, for the report of amounts no line took.
#[derive(Clone, Debug)]
pub(crate) struct Block {
    pub header: u32,
    pub columns: Columns,
    /// The rows under the header that may hold the block's amounts.
    pub rows: std::ops::Range<u32>,
    /// The row of each line found.
    pub lines: BTreeMap<Line, u32>,
    /// Tables above the block with money headers like its own (年度主要任务
    /// with 预算数 / 执行数 per task): their amounts no line takes.
    pub others: Vec<Other>,
}

/// A table with money headers that is not the funds block.
#[derive(Clone, Debug)]
pub(crate) struct Other {
    pub header: u32,
    pub columns: Columns,
    pub rows: std::ops::Range<u32>,
}

/// Reads the funds block into `record.funds`. `table` bounds the search
/// for row labels.
pub(crate) fn read(
    ctx: &Ctx,
    spec: &FundsSpec,
    table: Option<&Found>,
    record: &mut Record,
    prov: &mut Provenance,
) -> Result<Option<Block>, ImportError> {
    let Some((header, columns, others)) = find_header(ctx, spec) else {
        return Ok(None);
    };
    let first_col = columns.values().copied().min().unwrap_or(0);
    let end = table
        .map(|t| t.header_row)
        .filter(|&r| r > header)
        .unwrap_or(u32::MAX)
        .min(header + 1 + MAX_ROWS)
        .min(ctx.sheet.height());
    let mut lines = find_lines(ctx, spec, header + 1..end, first_col);
    if lines.is_empty() && spec.first_row_is_total && header + 1 < ctx.sheet.height() {
        lines.insert(Line::Total, header + 1);
    }
    let yuan = in_yuan(ctx, spec, header);
    for (&line, &row) in &lines {
        let (model_line, slot) = match line {
            Line::Total => (FundLine::Total, &mut record.funds.total),
            Line::Fiscal => (FundLine::Fiscal, &mut record.funds.fiscal),
            Line::Carryover => (FundLine::Carryover, &mut record.funds.carryover),
            Line::Other => (FundLine::Other, &mut record.funds.other),
        };
        read_line(ctx, &columns, row, yuan, model_line, slot, prov)?;
    }
    if let Some(&row) = lines.get(&Line::Total) {
        read_total_extras(ctx, spec, &columns, header, row, record, prov)?;
    }
    Ok(Some(Block {
        header,
        columns,
        rows: header + 1..end,
        lines,
        others,
    }))
}

/// The block's own header: of the rows binding a money column and at least
/// one more column, the first with one of the block's line labels (年度资金总额
/// …) under it before the next such row. Another table above the block
/// (年度主要任务 with 预算数 / 执行数 per task) has headers like the
/// block's but no line under them. With no line under any, the first.
/// The tables before it are returned as [`Other`]s.
pub(super) fn find_header(ctx: &Ctx, spec: &FundsSpec) -> Option<(u32, Columns, Vec<Other>)> {
    let headers: Vec<(u32, Columns)> = ctx
        .rows
        .iter()
        .filter_map(|&row| header_columns(ctx, spec, row).map(|c| (row, c)))
        .collect();
    let below = |i: usize, row: u32| {
        let next = headers.get(i + 1).map_or(u32::MAX, |(r, _)| *r);
        row + 1..next.min(row + 1 + MAX_ROWS).min(ctx.sheet.height())
    };
    let chosen = headers
        .iter()
        .enumerate()
        .position(|(i, (row, columns))| {
            let first_col = columns.values().copied().min().unwrap_or(0);
            !find_lines(ctx, spec, below(i, *row), first_col).is_empty()
        })
        .unwrap_or(0);
    let others = headers[..chosen.min(headers.len())]
        .iter()
        .enumerate()
        .map(|(i, (row, columns))| Other {
            header: *row,
            columns: columns.clone(),
            rows: below(i, *row),
        })
        .collect();
    let (header, columns) = headers.into_iter().nth(chosen)?;
    Some((header, columns, others))
}

/// The funds columns `row` binds, when it binds a money column and at
/// least one more.
fn header_columns(ctx: &Ctx, spec: &FundsSpec, row: u32) -> Option<Columns> {
    let found = ctx.index.row(row).filter_map(|entry| {
        let (key, score) = spec.column_keys.best(entry.norm, &[])?;
        Some((key, score, entry.at.col))
    });
    let columns: Columns = bind_best(found);
    let money = MONEY.iter().any(|(c, _)| columns.contains_key(c));
    (money && columns.len() >= 2).then_some(columns)
}

/// Rows named by the block's row labels, left of the value columns; the
/// first row for a line wins.
pub(super) fn find_lines(
    ctx: &Ctx,
    spec: &FundsSpec,
    rows: std::ops::Range<u32>,
    first_col: u32,
) -> BTreeMap<Line, u32> {
    let mut lines = BTreeMap::new();
    for row in rows.filter(|r| ctx.rows.binary_search(r).is_ok()) {
        let line = ctx
            .index
            .row(row)
            .filter(|e| e.at.col < first_col)
            .find_map(|e| spec.row_keys.best(e.norm, &[]).map(|(k, _)| k));
        if let Some(line) = line {
            lines.entry(line).or_insert(row);
        }
    }
    lines
}

/// Whether the amounts are in 元: by the mapping, or by a marker such as
/// `金额单位：元` / `项目资金（元）` on or above the header row.
pub(super) fn in_yuan(ctx: &Ctx, spec: &FundsSpec, header: u32) -> bool {
    match spec.unit {
        MoneyUnit::Wan => false,
        MoneyUnit::Yuan => true,
        MoneyUnit::Auto => ctx
            .index
            .entries
            .iter()
            .take_while(|e| e.at.row <= header)
            .filter(|e| e.folded.chars().count() <= 24)
            .any(|e| {
                spec.yuan_markers
                    .iter()
                    .any(|m| e.folded.contains(m.as_str()))
            }),
    }
}

fn read_line(
    ctx: &Ctx,
    columns: &Columns,
    row: u32,
    yuan: bool,
    line: FundLine,
    slot: &mut FundRow,
    prov: &mut Provenance,
) -> Result<(), ImportError> {
    for &(key, column) in MONEY {
        let Some(&col) = columns.get(&key) else {
            continue;
        };
        let at = CellRef::new(row, col);
        let field = format!("funds.{}.{}", line_name(line), column_name(column));
        let amount = values::money(ctx.once(at), yuan).map_err(|e| ctx.bad(at, &field, e))?;
        let Some(amount) = amount else {
            continue;
        };
        match column {
            FundColumn::Initial => slot.initial = Some(amount),
            FundColumn::Budget => slot.budget = Some(amount),
            FundColumn::Spent => slot.spent = Some(amount),
        }
        prov.set(Field::Fund(line, column), ctx.loc(at));
    }
    Ok(())
}

/// Weight, rate and score of the 年度资金总额 row; with no weight column,
/// the weight the block label states (`预算执行情况（万元）（20分）`).
fn read_total_extras(
    ctx: &Ctx,
    spec: &FundsSpec,
    columns: &Columns,
    header: u32,
    row: u32,
    record: &mut Record,
    prov: &mut Provenance,
) -> Result<(), ImportError> {
    let cell = |key| columns.get(&key).map(|&c| CellRef::new(row, c));
    if let Some(at) = cell(Col::Weight) {
        record.funds.weight = ctx.decimal(at, "funds weight (分值)")?;
        record
            .funds
            .weight
            .is_some()
            .then(|| prov.set(Field::FundsWeight, ctx.loc(at)));
    }
    if record.funds.weight.is_none() {
        if let Some((weight, at)) = weight_from_label(ctx, spec, columns, header) {
            record.funds.weight = Some(weight);
            prov.set(Field::FundsWeight, ctx.loc(at));
        }
    }
    if let Some(at) = cell(Col::Rate) {
        record.funds.rate =
            values::rate(ctx.once(at)).map_err(|e| ctx.bad(at, "funds rate (执行率)", e))?;
        record
            .funds
            .rate
            .is_some()
            .then(|| prov.set(Field::FundsRate, ctx.loc(at)));
    }
    if let Some(at) = cell(Col::Score) {
        record.funds.score = ctx.decimal(at, "funds score (得分)")?;
        record
            .funds
            .score
            .is_some()
            .then(|| prov.set(Field::FundsScore, ctx.loc(at)));
    }
    Ok(())
}

/// The `（20分）` of the block label: a cell of the header row left of the
/// columns, or any cell carrying one of the block's labels.
fn weight_from_label(
    ctx: &Ctx,
    spec: &FundsSpec,
    columns: &Columns,
    header: u32,
) -> Option<(Decimal, CellRef)> {
    let re = spec.weight_in_label.as_ref()?;
    let first_col = columns.values().copied().min().unwrap_or(0);
    let beside = ctx.index.row(header).filter(|e| e.at.col < first_col);
    let named = ctx.index.find(&spec.block);
    beside.chain(named).find_map(|e| {
        let m = re.captures(e.folded)?.get(1)?;
        Some((m.as_str().parse().ok()?, e.at))
    })
}

fn line_name(line: FundLine) -> &'static str {
    match line {
        FundLine::Total => "total",
        FundLine::Fiscal => "fiscal",
        FundLine::Carryover => "carryover",
        FundLine::Other => "other",
    }
}

fn column_name(column: FundColumn) -> &'static str {
    match column {
        FundColumn::Initial => "initial",
        FundColumn::Budget => "budget",
        FundColumn::Spent => "spent",
    }
}

//! Where a record's values belong on a blank template: the cells the
//! importer would read them from, found with the same labels and headers
//! ([`super::extract`], [`super::funds`], [`super::table`]), with a field's
//! `at` only as the fallback. Filling a template (`jixiao convert --to`)
//! writes there, so what it writes imports back as the same record.

use std::collections::BTreeMap;
use std::ops::Range;

use super::detect;
use super::extract::{self, Ctx};
use super::funds;
use super::labels::{is_one_of, TextCell};
use super::resolve::{Locator, Mapping};
use super::spec::{FundsColumnKey, FundsRowKey, ScalarField, TableColumnKey};
use super::table;
use super::ImportError;
use crate::source::{CellRef, Workbook};

/// Every place a mapping finds on one sheet of a template.
#[derive(Clone, Debug, PartialEq)]
pub struct Places {
    /// The sheet's index in the workbook and its name.
    pub sheet: usize,
    pub sheet_name: String,
    /// Scalar fields (the year, names, goals, a header 总分) by field.
    pub fields: BTreeMap<ScalarField, Slot>,
    pub funds: Option<FundsPlaces>,
    pub table: Option<TablePlaces>,
}

/// Where a scalar goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The value replaces the cell's content.
    Cell(CellRef),
    /// The value goes into the cell's text: `before` + value + `after`
    /// (`（` + `2021` + `年度）` where the blank prints `（    年度）`).
    Inside {
        at: CellRef,
        before: String,
        after: String,
    },
}

impl Slot {
    pub fn cell(&self) -> CellRef {
        match self {
            Slot::Cell(at) | Slot::Inside { at, .. } => *at,
        }
    }
}

/// The funds block: its header row, the column of each value and the row
/// of each line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FundsPlaces {
    pub header: u32,
    pub columns: BTreeMap<FundsColumnKey, u32>,
    pub lines: BTreeMap<FundsRowKey, u32>,
    /// The template's amounts are in 元 (by its mapping or a marker).
    pub yuan: bool,
    /// The block label stating the weight (`预算执行情况（万元）（20分）`),
    /// its text as printed and the number as printed: the importer's
    /// weight when the weight column is empty or missing, rewritten when
    /// there is no column.
    pub weight_label: Option<(CellRef, String, String)>,
}

/// The indicator table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TablePlaces {
    pub header: u32,
    pub columns: BTreeMap<TableColumnKey, u32>,
    /// The template's indicator rows: from the first under the header to
    /// the 总分 row (or the first line under the table, or the sheet's end
    /// when `open_end`).
    pub rows: Range<u32>,
    /// No 总分 row nor any line closes the table: it runs to the sheet's end.
    pub open_end: bool,
    /// The 总分 row and the cell its score goes in.
    pub total: Option<(u32, Option<CellRef>)>,
}

/// Finds where `mapping` puts every field on `workbook`'s first sheet that
/// the mapping selects (by name, or by its anchors).
pub fn place(workbook: &Workbook, mapping: &Mapping) -> Result<Places, ImportError> {
    let plan = detect::plan_with(workbook, mapping)?;
    let (index, _, cells) = plan
        .into_iter()
        .next()
        .expect("plan_with returns at least one sheet or an error");
    let sheet = extract::sheet(workbook, index, mapping)?;
    Ok(place_on(workbook, index, &cells, mapping, sheet))
}

fn place_on(
    workbook: &Workbook,
    index: usize,
    cells: &[TextCell],
    mapping: &Mapping,
    sheet: &crate::source::Sheet,
) -> Places {
    let ctx = Ctx::new(workbook, sheet, cells, mapping);
    let table = mapping
        .table
        .as_ref()
        .and_then(|spec| table_places(&ctx, spec));
    let funds = mapping
        .funds
        .as_ref()
        .and_then(|spec| funds_places(&ctx, spec, table.as_ref().map(|t| t.header)));
    let mut fields = BTreeMap::new();
    for (&key, spec) in &mapping.fields {
        let has_total_row = table
            .as_ref()
            .is_some_and(|t| t.total.is_some_and(|(_, c)| c.is_some()));
        if key == ScalarField::TotalScore && has_total_row {
            continue;
        }
        let slot = match (&spec.locator, key) {
            (Locator::Scan { rows }, ScalarField::Year) => year_slot(&ctx, *rows),
            (Locator::Scan { .. }, _) => None,
            _ => extract::locate(&ctx, spec).map(|(at, _)| Slot::Cell(top_left(&ctx, at))),
        };
        let fallback = || {
            spec.at
                .filter(|&at| free(&ctx, at, funds.as_ref(), table.as_ref()))
                .map(Slot::Cell)
        };
        if let Some(slot) = slot.or_else(fallback) {
            fields.insert(key, slot);
        }
    }
    Places {
        sheet: index,
        sheet_name: sheet.name.clone(),
        fields,
        funds,
        table,
    }
}

/// Whether a field's `at` cell may take its value on this template: it is
/// empty and outside the funds block and the table (another template's
/// canonical cell may lie inside them).
fn free(ctx: &Ctx, at: CellRef, funds: Option<&FundsPlaces>, table: Option<&TablePlaces>) -> bool {
    let at = top_left(ctx, at);
    let in_funds = funds.is_some_and(|f| {
        let last = f.lines.values().copied().max().unwrap_or(f.header);
        (f.header..=last).contains(&at.row)
    });
    let in_table = table.is_some_and(|t| {
        let last = t.total.map_or(t.rows.end, |(row, _)| row);
        (t.header..=last).contains(&at.row) || (t.open_end && at.row >= t.header)
    });
    ctx.sheet.value(at).is_empty() && !in_funds && !in_table
}

fn top_left(ctx: &Ctx, at: CellRef) -> CellRef {
    ctx.sheet.merge_at(at).map_or(at, |m| m.first)
}

/// A blank year in the top rows (`（    年度）`, `____年度项目支出绩效自评表`):
/// the year goes before `年度`, replacing the blanks.
fn year_slot(ctx: &Ctx, rows: u32) -> Option<Slot> {
    let first = ctx.index.entries.first()?.at.row;
    ctx.index
        .entries
        .iter()
        .take_while(|e| e.at.row < first.saturating_add(rows))
        .find_map(|e| {
            let text = ctx.sheet.raw(e.at).text();
            let at = text.find("年度")?;
            let before = text[..at].trim_end_matches([' ', '　', '_', '＿', '\u{a0}']);
            if text.chars().any(|c| c.is_ascii_digit()) {
                return None;
            }
            Some(Slot::Inside {
                at: e.at,
                before: before.to_string(),
                after: text[at..].to_string(),
            })
        })
}

fn funds_places(
    ctx: &Ctx,
    spec: &super::resolve::FundsSpec,
    table_header: Option<u32>,
) -> Option<FundsPlaces> {
    let (header, columns, _) = funds::find_header(ctx, spec)?;
    let first_col = columns.values().copied().min().unwrap_or(0);
    let end = table_header
        .filter(|&r| r > header)
        .unwrap_or(u32::MAX)
        .min(header + 1 + funds::MAX_ROWS)
        .min(ctx.sheet.height());
    let mut lines = funds::find_lines(ctx, spec, header + 1..end, first_col);
    if lines.is_empty() && spec.first_row_is_total {
        lines.insert(FundsRowKey::Total, header + 1);
    }
    let yuan = funds::in_yuan(ctx, spec, header);
    let weight_label = {
        spec.weight_in_label.as_ref().and_then(|re| {
            let beside = ctx.index.row(header).filter(|e| e.at.col < first_col);
            let named = ctx.index.find(&spec.block);
            beside.chain(named).find_map(|e| {
                let number = re.captures(e.folded)?.get(1)?.as_str().to_string();
                let text = ctx.sheet.raw(e.at).text().to_string();
                Some((e.at, text, number))
            })
        })
    };
    Some(FundsPlaces {
        header,
        columns,
        lines,
        yuan,
        weight_label,
    })
}

fn table_places(ctx: &Ctx, spec: &super::resolve::TableSpec) -> Option<TablePlaces> {
    let (header, columns, data_start) = table::find_header(ctx, spec)?;
    let name_col = columns.get(&TableColumnKey::Name).copied()?;
    let level_cols: Vec<u32> = [TableColumnKey::Level1, TableColumnKey::Level2]
        .iter()
        .filter_map(|k| columns.get(k).copied())
        .collect();
    let mut end = None;
    let mut total = None;
    for &row in ctx.rows.iter().filter(|&&r| r >= data_start) {
        let terminator = ctx.index.row(row).find(|e| match e.at.col.cmp(&name_col) {
            std::cmp::Ordering::Less => spec
                .terminator
                .iter()
                .any(|t| e.norm.starts_with(t.as_str())),
            std::cmp::Ordering::Equal => is_one_of(&spec.terminator, e.norm),
            std::cmp::Ordering::Greater => false,
        });
        if let Some(label) = terminator {
            let label_end = ctx.merge_end_col(label.at);
            let cell = columns
                .get(&TableColumnKey::Score)
                .map(|&c| CellRef::new(row, c))
                .or_else(|| {
                    let weight = columns.get(&TableColumnKey::Weight).copied();
                    (label_end + 1..ctx.sheet.width())
                        .find(|&c| Some(c) != weight)
                        .map(|c| CellRef::new(row, c))
                });
            total = Some((row, cell));
            end = Some(row);
            break;
        }
        // A line under the table (填报人：…) starts left of the name column,
        // outside the 一级/二级 columns.
        if ctx
            .index
            .row(row)
            .any(|e| e.at.col < name_col && !level_cols.contains(&e.at.col))
        {
            end = Some(row);
            break;
        }
    }
    let open_end = end.is_none();
    let end = end.unwrap_or_else(|| ctx.sheet.height().max(data_start));
    Some(TablePlaces {
        header,
        columns,
        rows: data_start..end,
        open_end,
        total,
    })
}

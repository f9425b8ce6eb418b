//! Several forms stacked one below another on one sheet (a department that
//! pasted each project's form under the last): one record per form, each
//! cell keeping its real address.

use super::detect::score;
use super::labels::{LabelCells, TextCell};
use super::resolve::Mapping;
use crate::source::{Sheet, Value};
use crate::text::fold_cow;

/// Longest cell that still counts as a label when looking for form starts.
const LABEL_CHARS: usize = 20;

/// The forms stacked on `sheet`, one band of rows each, or `None` when the
/// sheet holds one form. A split is kept only when every band is a whole
/// form for `mapping` on its own, so a form whose first anchor happens to
/// appear twice is never cut in two. `cells` are the sheet's text cells;
/// each band comes with its share of them.
pub(crate) fn bands<'c>(
    sheet: &Sheet,
    cells: &'c [TextCell],
    mapping: &Mapping,
) -> Option<Vec<(Sheet, &'c [TextCell])>> {
    let anchors = mapping.detect.anchors.first()?;
    let starts = rows_with(sheet, cells, |f| anchors.iter().any(|a| a.is_in(f)));
    if starts.len() < 2 {
        return None;
    }
    let terminators = mapping
        .table
        .as_ref()
        .map(|t| {
            rows_with(sheet, cells, |f| {
                t.terminator.iter().any(|t| f.starts_with(t.as_str()))
            })
        })
        .unwrap_or_default();
    let mut bounds = vec![0];
    for pair in starts.windows(2) {
        let (prev, next) = (pair[0], pair[1]);
        // The next form begins after the last 总分 row of this one, so its
        // title and （年度） rows above 项目名称 come with it.
        let end = terminators.iter().rev().find(|r| (prev..next).contains(*r));
        bounds.push(end.map_or(next, |r| r + 1));
    }
    let bands: Vec<(Sheet, &[TextCell])> = bounds
        .iter()
        .enumerate()
        .map(|(i, &start)| {
            let end = bounds.get(i + 1).copied();
            (band(sheet, start, end), TextCell::rows(cells, start, end))
        })
        .collect();
    bands
        .iter()
        .all(|(b, c)| score(b, &LabelCells::new(c), mapping).matches)
        .then_some(bands)
}

/// Rows holding a label-sized cell whose folded text `test` accepts: a
/// text cell among `cells`, or a number, date… of the sheet.
fn rows_with(sheet: &Sheet, cells: &[TextCell], test: impl Fn(&str) -> bool) -> Vec<u32> {
    let accepts = |f: &str| !f.is_empty() && f.chars().count() <= LABEL_CHARS && test(f);
    // Blank text cells, absent from `cells`, fold to "" and never count.
    let texts = cells.iter().filter(|c| accepts(&c.folded)).map(|c| c.at);
    let others = sheet
        .cells()
        .filter(|(_, v)| !matches!(v, Value::Text(_)))
        .filter(|(_, v)| accepts(&fold_cow(v.text())))
        .map(|(at, _)| at);
    let mut rows: Vec<u32> = texts.chain(others).map(|at| at.row).collect();
    rows.sort_unstable();
    rows.dedup();
    rows
}

/// The rows `start..end` of `sheet` as a sheet of their own, at the same
/// addresses.
fn band(sheet: &Sheet, start: u32, end: Option<u32>) -> Sheet {
    let inside = |row: u32| row >= start && end.is_none_or(|e| row < e);
    let cells = sheet
        .cells()
        .filter(|(at, _)| inside(at.row))
        .map(|(at, v)| (at, v.clone()))
        .collect();
    let merges = sheet
        .merges()
        .iter()
        .filter(|m| inside(m.first.row))
        .copied()
        .collect();
    let rows = sheet.hidden_rows.iter().copied().filter(|r| inside(*r));
    Sheet::new(sheet.name.clone(), cells, merges).with_hidden(
        sheet.hidden,
        rows.collect(),
        sheet.hidden_cols.clone(),
    )
}

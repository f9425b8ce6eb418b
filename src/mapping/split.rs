//! Several forms stacked one below another on one sheet (a department that
//! pasted each project's form under the last): one record per form, each
//! cell keeping its real address.

use super::detect::score;
use super::labels::{LabelCells, TextCell};
use super::resolve::Mapping;
use crate::source::{CellRef, Sheet, Value};
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
        let before_next = terminators.partition_point(|&r| r < next);
        let end = before_next
            .checked_sub(1)
            .map(|i| terminators[i])
            .filter(|&r| r >= prev);
        bounds.push(end.map_or(next, |r| r + 1));
    }
    let parts = Parts::new(sheet);
    let mut bands = Vec::with_capacity(bounds.len());
    // Built one at a time and given up at the first band that is not a
    // whole form, so a sheet of stray anchors costs one band, not all.
    for (i, &start) in bounds.iter().enumerate() {
        let end = bounds.get(i + 1).copied();
        let band = (parts.band(start, end), TextCell::rows(cells, start, end));
        if !score(&band.0, &LabelCells::new(band.1), mapping).matches {
            return None;
        }
        bands.push(band);
    }
    Some(bands)
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

/// A sheet's cells and merges ordered by row once, so each band takes its
/// share by binary search instead of filtering the whole sheet: many
/// bands cost time linear in the sheet, not bands × sheet.
struct Parts<'s> {
    sheet: &'s Sheet,
    /// Row-major, as [`Sheet::cells`] yields them.
    cells: Vec<(CellRef, &'s Value)>,
    /// Indices into `sheet.merges()`, by first row, then file order.
    merges: Vec<usize>,
}

impl<'s> Parts<'s> {
    fn new(sheet: &'s Sheet) -> Self {
        let mut merges: Vec<usize> = (0..sheet.merges().len()).collect();
        merges.sort_by_key(|&i| sheet.merges()[i].first.row);
        Parts {
            sheet,
            cells: sheet.cells().collect(),
            merges,
        }
    }

    /// The rows `start..end` of the sheet as a sheet of their own, at the
    /// same addresses, with merges starting in those rows in file order.
    fn band(&self, start: u32, end: Option<u32>) -> Sheet {
        let sheet = self.sheet;
        let cells = in_rows(&self.cells, start, end, |(at, _)| at.row)
            .iter()
            .map(|&(at, v)| (at, v.clone()))
            .collect();
        let first_row = |&i: &usize| sheet.merges()[i].first.row;
        let mut picked = in_rows(&self.merges, start, end, first_row).to_vec();
        picked.sort_unstable();
        let merges = picked.iter().map(|&i| sheet.merges()[i]).collect();
        let hidden = in_rows(&sheet.hidden_rows, start, end, |&r| r);
        let mut band = Sheet::new(sheet.name.clone(), cells, merges).with_hidden(
            sheet.hidden,
            hidden.to_vec(),
            Vec::new(),
        );
        band.hidden_cols = sheet.hidden_cols.clone();
        band
    }
}

/// The items of `sorted`, ascending by `row`, in rows `start..end`.
fn in_rows<T>(sorted: &[T], start: u32, end: Option<u32>, row: impl Fn(&T) -> u32) -> &[T] {
    let from = sorted.partition_point(|t| row(t) < start);
    let to = end.map_or(sorted.len(), |e| sorted.partition_point(|t| row(t) < e));
    &sorted[from..to.max(from)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Area;

    /// What a band held before bands took slices: every cell, merge and
    /// hidden row of the sheet filtered by row.
    fn filtered(sheet: &Sheet, start: u32, end: Option<u32>) -> Sheet {
        let inside = |row: u32| row >= start && end.is_none_or(|e| row < e);
        let cells = sheet.cells().filter(|(at, _)| inside(at.row));
        let merges = sheet.merges().iter().filter(|m| inside(m.first.row));
        let rows = sheet.hidden_rows.iter().copied().filter(|r| inside(*r));
        Sheet::new(
            sheet.name.clone(),
            cells.map(|(at, v)| (at, v.clone())).collect(),
            merges.copied().collect(),
        )
        .with_hidden(sheet.hidden, rows.collect(), sheet.hidden_cols.to_vec())
    }

    fn same(a: &Sheet, b: &Sheet) -> bool {
        a.cells().eq(b.cells())
            && a.merges() == b.merges()
            && (a.hidden_rows == b.hidden_rows && a.hidden_cols == b.hidden_cols)
    }

    #[test]
    fn bands_are_the_rows_they_name() {
        let cells = (0..400u32)
            .filter(|i| i % 7 != 3)
            .map(|i| (CellRef::new(i / 4, i % 4), Value::Text(format!("{i}"))))
            .collect();
        // Out of row order, as files list them.
        let merges: Vec<Area> = ["A90:B91", "C3:D3", "A1:D1", "B40:B60", "A39:A39"]
            .iter()
            .map(|m| m.parse().unwrap())
            .collect();
        let sheet =
            Sheet::new("s".into(), cells, merges).with_hidden(false, vec![2, 39, 40, 95], vec![1]);
        let parts = Parts::new(&sheet);
        for (start, end) in [
            (0, Some(3)),
            (3, Some(40)),
            (39, Some(39)),
            (40, Some(2)),
            (40, None),
            (0, None),
            (200, None),
        ] {
            let band = parts.band(start, end);
            assert!(
                same(&band, &filtered(&sheet, start, end)),
                "{start}..{end:?}"
            );
        }
    }

    #[test]
    fn many_bands_cost_linear_time() {
        let rows = 50_000;
        let cells = (0..rows).map(|r| (CellRef::new(r, 0), Value::Text("x".into())));
        let merges = (0..rows).map(|r| Area::new(CellRef::new(r, 1), CellRef::new(r, 2)));
        let sheet = Sheet::new("s".into(), cells.collect(), merges.collect());
        let started = std::time::Instant::now();
        let parts = Parts::new(&sheet);
        let held: usize = (0..rows)
            .map(|r| parts.band(r, Some(r + 1)).cell_count())
            .sum();
        assert_eq!(held, rows as usize);
        assert!(started.elapsed().as_secs() < 2, "{:?}", started.elapsed());
    }
}

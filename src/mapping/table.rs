//! The repeating 绩效指标 table: a header row found by its labels, columns
//! bound by header text, one indicator per 三级指标 row.

use std::collections::BTreeMap;

use super::extract::Ctx;
use super::labels::{bind_best, is_one_of};
use super::resolve::TableSpec;
use super::spec::TableColumnKey as Col;
use super::values;
use super::ImportError;
use crate::model::{Field, Indicator, IndicatorColumn, Provenance, Record};
use crate::source::CellRef;

/// Where the table was found, for the funds block to stop before it and
/// for the report of cells no column took.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    pub header_row: u32,
    /// The row of a split target's sub-header (`指标性质 | 指标值 | 度量单位`).
    pub sub_header: Option<u32>,
    /// The 总分 row, when the table ends with one.
    pub total_row: Option<u32>,
    /// The columns bound, by key.
    pub columns: Columns,
    /// The rows read as indicators.
    pub indicator_rows: Vec<u32>,
}

/// Columns that count towards recognizing a header row (beside the name).
const VALUE_COLUMNS: &[Col] = &[
    Col::Target,
    Col::TargetValue,
    Col::Actual,
    Col::Weight,
    Col::Score,
];

/// Columns of a split target, found on the row under the header.
const SPLIT: &[Col] = &[Col::TargetComparator, Col::TargetValue, Col::TargetUnit];

pub(crate) type Columns = BTreeMap<Col, u32>;

/// Reads the indicator table into `record.indicators` and, from its 总分
/// row, `record.total_score`.
pub(crate) fn read(
    ctx: &Ctx,
    spec: &TableSpec,
    record: &mut Record,
    prov: &mut Provenance,
) -> Result<Option<Found>, ImportError> {
    let Some((header_row, columns, data_start)) = find_header(ctx, spec) else {
        return Ok(None);
    };
    let mut rows = Rows {
        ctx,
        spec,
        columns,
        level1: None,
        level2: None,
    };
    let mut total_row = None;
    let mut indicator_rows = Vec::new();
    for &row in ctx.rows.iter().filter(|&&r| r >= data_start) {
        if let Some(label_end) = rows.terminator(row) {
            rows.total(row, label_end, record, prov)?;
            total_row = Some(row);
            break;
        }
        if let Some((indicator, cells)) = rows.indicator(row)? {
            let i = record.indicators.len();
            for (column, at) in cells {
                prov.set(Field::Indicator(i, column), ctx.loc(at));
            }
            record.indicators.push(indicator);
            indicator_rows.push(row);
        }
    }
    Ok(Some(Found {
        header_row,
        sub_header: (data_start > header_row + 1).then_some(header_row + 1),
        total_row,
        columns: rows.columns,
        indicator_rows,
    }))
}

/// The first row binding the name column and at least two value columns;
/// a split target's sub-header may sit on the next row.
pub(super) fn find_header(ctx: &Ctx, spec: &TableSpec) -> Option<(u32, Columns, u32)> {
    ctx.rows.iter().find_map(|&row| {
        let mut columns = bind(ctx, spec, row, &[]);
        let values = VALUE_COLUMNS
            .iter()
            .filter(|c| columns.contains_key(c))
            .count();
        if !columns.contains_key(&Col::Name) || values < 2 {
            return None;
        }
        let sub = bind(ctx, spec, row + 1, SPLIT);
        if sub.is_empty() {
            return Some((row, columns, row + 1));
        }
        // The parent header (年度指标值 merged over the split) gives way.
        if let Some(&target) = columns.get(&Col::Target) {
            if sub
                .values()
                .any(|&c| ctx.merge_end_col(CellRef::new(row, target)) >= c)
            {
                columns.remove(&Col::Target);
            }
        }
        columns.extend(sub);
        Some((row, columns, row + 2))
    })
}

/// Binds header texts of `row` to columns: the best-matching cell for a
/// key wins, the first on a tie. `only` restricts the keys (empty: all).
fn bind(ctx: &Ctx, spec: &TableSpec, row: u32, only: &[Col]) -> Columns {
    let found = ctx.index.row(row).filter_map(|entry| {
        let (key, score) = spec.column_keys.best(entry.norm, only)?;
        Some((key, score, entry.at.col))
    });
    bind_best(found)
}

/// Walks the data rows, carrying merged 一级/二级 labels down.
struct Rows<'c, 'a> {
    ctx: &'c Ctx<'a>,
    spec: &'c TableSpec,
    columns: Columns,
    level1: Option<(String, CellRef)>,
    level2: Option<(String, CellRef)>,
}

type Cells = Vec<(IndicatorColumn, CellRef)>;

impl Rows<'_, '_> {
    fn at(&self, row: u32, col: Col) -> Option<CellRef> {
        self.columns.get(&col).map(|&c| CellRef::new(row, c))
    }

    fn text(&self, row: u32, col: Col) -> Option<(String, CellRef)> {
        let at = self.at(row, col)?;
        values::text(self.ctx.once(at)).map(|t| (t, at))
    }

    /// A label a merge carries down (一级/二级): visible from every row.
    fn merged_text(&self, row: u32, col: Col) -> Option<(String, CellRef)> {
        let at = self.at(row, col)?;
        let first = self.ctx.sheet.merge_at(at).map_or(at, |m| m.first);
        values::text(self.ctx.sheet.raw(first)).map(|t| (t, first))
    }

    /// If `row` is the 总分 row, the last column of its label. Left of the
    /// 三级指标 column a label may go on (`总分：100分`); in that column it
    /// must be exact, so an indicator named `合计成本` is not an end. Right
    /// of it, an exact label on a row with no indicator name of its own
    /// (`其他需要说明事项 | 无 | 总分 | 100 | 96 | 优`).
    fn terminator(&self, row: u32) -> Option<u32> {
        let name_col = self.columns.get(&Col::Name).copied().unwrap_or(u32::MAX);
        let unnamed = || {
            self.at(row, Col::Name)
                .is_none_or(|at| values::text(self.ctx.once(at)).is_none())
        };
        let ends = |e: &&super::labels::Entry| {
            let terms = &self.spec.terminator;
            match e.at.col.cmp(&name_col) {
                std::cmp::Ordering::Less => terms.iter().any(|t| e.norm.starts_with(t.as_str())),
                // An indicator named 总分 under merged 一级/二级 labels is
                // not the end.
                std::cmp::Ordering::Equal => is_one_of(terms, e.norm) && !self.under_levels(row),
                std::cmp::Ordering::Greater => is_one_of(terms, e.norm) && unnamed(),
            }
        };
        self.ctx
            .index
            .row(row)
            .find(ends)
            .map(|e| self.ctx.merge_end_col(e.at))
    }

    /// Whether an 一级 or 二级 label merged down from an earlier row covers
    /// `row`.
    fn under_levels(&self, row: u32) -> bool {
        [Col::Level1, Col::Level2]
            .iter()
            .filter_map(|&c| self.at(row, c))
            .any(|at| {
                self.ctx
                    .sheet
                    .merge_at(at)
                    .is_some_and(|m| m.first.row < row)
            })
    }

    /// The 得分 of the 总分 row; where that cell holds no number, the last
    /// number right of the label: the points come before the score
    /// (`总分 | 100 | 98.89` shifted one column left of 分值/得分, even
    /// when the shift puts the score under 分值). A lone number in the 分值
    /// column is the 100 the points add up to, not the total
    /// (`总分（100分）| 100 | 自评等级 | 优`).
    fn total(
        &self,
        row: u32,
        label_end: u32,
        record: &mut Record,
        prov: &mut Provenance,
    ) -> Result<(), ImportError> {
        if let Some(at) = self.at(row, Col::Score) {
            if let Ok(Some(total)) = values::decimal(self.ctx.once(at)) {
                record.total_score = Some(total);
                prov.set(Field::TotalScore, self.ctx.loc(at));
                return Ok(());
            }
        }
        let number_at = |col: u32| {
            let at = CellRef::new(row, col);
            values::decimal(self.ctx.once(at))
                .ok()
                .flatten()
                .map(|d| (d, at))
        };
        let right = label_end + 1;
        let last = (right..self.ctx.sheet.width())
            .rev()
            .find_map(number_at)
            .filter(|(_, at)| {
                self.columns.get(&Col::Weight) != Some(&at.col)
                    || (right..at.col).any(|c| number_at(c).is_some())
            });
        if let Some((total, at)) = last {
            record.total_score = Some(total);
            prov.set(Field::TotalScore, self.ctx.loc(at));
        }
        Ok(())
    }

    fn carry_levels(&mut self, row: u32) {
        match self.merged_text(row, Col::Level1) {
            Some(l1) if self.level1.as_ref() != Some(&l1) => {
                self.level1 = Some(l1);
                self.level2 = None;
            }
            _ => {}
        }
        if let Some(l2) = self.merged_text(row, Col::Level2) {
            self.level2 = Some(l2);
        }
    }

    /// Whether the name, [`crate::text::fold`]ed, only stands in for one.
    fn is_placeholder(&self, folded: &str) -> bool {
        self.spec.placeholder.iter().any(|p| p.is_match(folded))
    }

    /// The split target's cells joined (`≥` `95` `%` → `≥95%`), or the
    /// single target cell.
    fn target(&self, row: u32) -> Option<(String, CellRef)> {
        if let Some(t) = self.text(row, Col::Target) {
            return Some(t);
        }
        let parts: Vec<(String, CellRef)> =
            SPLIT.iter().filter_map(|&c| self.text(row, c)).collect();
        let first = parts.first()?.1;
        Some((parts.into_iter().map(|(t, _)| t).collect(), first))
    }

    fn decimal(
        &self,
        row: u32,
        col: Col,
        field: &str,
    ) -> Result<Option<(rust_decimal::Decimal, CellRef)>, ImportError> {
        let Some(at) = self.at(row, col) else {
            return Ok(None);
        };
        Ok(self.ctx.decimal(at, field)?.map(|d| (d, at)))
    }

    /// Whether `row`, with no indicator name of its own, holds a printed
    /// note or sign-off prompt (`填报人：`, `填报日期：2023年3月20日`): a
    /// line under the table. A named row stays an indicator (and text in
    /// its 得分 an error).
    fn is_sign_off(&self, row: u32) -> bool {
        let mapping = self.ctx.mapping;
        let named = self
            .at(row, Col::Name)
            .is_some_and(|at| values::text(self.ctx.once(at)).is_some());
        !named
            && self.ctx.index.row(row).any(|e| {
                let label = e.folded.split(':').next().unwrap_or_default();
                is_one_of(&mapping.notes, mapping.norm.norm_folded(label))
            })
    }

    /// Whether the text in the name column is merged across every value
    /// column of the table, so the row can hold no value: a paragraph under
    /// the table (`四、部门自评结论 | 本部门年度目标全面完成…`), not an
    /// indicator.
    fn name_covers_values(&self, row: u32) -> bool {
        let Some(at) = self.at(row, Col::Name) else {
            return false;
        };
        let end = self.ctx.merge_end_col(at);
        let mut values = VALUE_COLUMNS
            .iter()
            .filter_map(|c| self.columns.get(c))
            .peekable();
        values.peek().is_some()
            && values.all(|&c| c > at.col && c <= end)
            && values::text(self.ctx.once(at)).is_some()
    }

    /// The indicator on `row`, or `None` for a blank, placeholder, header
    /// or sign-off row.
    fn indicator(&mut self, row: u32) -> Result<Option<(Indicator, Cells)>, ImportError> {
        if self.is_sign_off(row) || self.name_covers_values(row) {
            return Ok(None);
        }
        self.carry_levels(row);
        let name = self.text(row, Col::Name);
        let folded_name = name.as_ref().map(|(n, at)| self.ctx.folded(*at, n));
        if let Some(folded) = &folded_name {
            let norm = self.ctx.mapping.norm.norm_folded(folded);
            if self
                .spec
                .columns
                .get(&Col::Name)
                .is_some_and(|l| is_one_of(l, norm))
            {
                return Ok(None); // a repeated header row
            }
        }
        let target = self.target(row);
        let actual = self.text(row, Col::Actual);
        let real_name = folded_name.is_some_and(|f| !self.is_placeholder(&f));
        let numbers = (
            self.decimal(row, Col::Weight, "indicator weight (分值)"),
            self.decimal(row, Col::Score, "indicator score (得分)"),
        );
        let (weight, score) = match numbers {
            (Ok(weight), Ok(score)) => (weight, score),
            // Text where a number belongs, on a row without a real 三级 name,
            // is a line under the table (填报人：… 填报日期：), not a bad value.
            _ if !real_name => return Ok(None),
            (Err(e), _) | (_, Err(e)) => return Err(e),
        };
        // A placeholder row marked `/` (not applicable) holds no values.
        let shown = |v: &Option<(String, CellRef)>| {
            v.as_ref().is_some_and(|(t, _)| !values::is_no_value(t))
        };
        let has_values = shown(&target) || shown(&actual) || weight.is_some() || score.is_some();
        if !real_name && !has_values {
            return Ok(None);
        }
        let note = self.text(row, Col::Note);
        let mut cells = Cells::new();
        let mut take = |v: Option<(String, CellRef)>, c: IndicatorColumn| {
            v.map(|(t, at)| {
                cells.push((c, at));
                t
            })
        };
        let mut indicator = Indicator {
            level1: take(self.level1.clone(), IndicatorColumn::Level1),
            level2: take(self.level2.clone(), IndicatorColumn::Level2),
            name: take(name, IndicatorColumn::Name),
            target: take(target, IndicatorColumn::Target),
            actual: take(actual, IndicatorColumn::Actual),
            note: take(note, IndicatorColumn::Note),
            ..Indicator::default()
        };
        if let Some((w, at)) = weight {
            indicator.weight = Some(w);
            cells.push((IndicatorColumn::Weight, at));
        }
        if let Some((s, at)) = score {
            indicator.score = Some(s);
            cells.push((IndicatorColumn::Score, at));
        }
        Ok(Some((indicator, cells)))
    }
}

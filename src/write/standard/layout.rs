//! Where every value of a record goes on the standard form: a pure function
//! from a record to placed cells, so the grid can be tested without Excel.
//!
//! The grid is domain.md §1.1 (columns A–I): title, （年度）, 项目名称,
//! 主管部门/实施单位, the funds block (5 rows), the goals block (2 rows),
//! the indicator table and the 总分 row.

use rust_decimal::Decimal;

use super::labels::FormLabels;
use crate::model::{
    Field, FundColumn, FundLine, FundRow, Goals, Indicator, IndicatorColumn, Kind, Record,
};
use crate::source::CellRef;

/// Number of columns of the form (A–I).
pub const COLUMNS: u16 = 9;
const LAST_COL: u16 = COLUMNS - 1;

/// A rectangle of cells, 0-based, corners inclusive; one cell when the
/// corners coincide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub row: u32,
    pub col: u16,
    pub last_row: u32,
    pub last_col: u16,
}

impl Span {
    pub fn cell(row: u32, col: u16) -> Self {
        Span::new(row, col, row, col)
    }

    pub fn new(row: u32, col: u16, last_row: u32, last_col: u16) -> Self {
        Span {
            row,
            col,
            last_row,
            last_col,
        }
    }

    pub fn is_single(&self) -> bool {
        self.row == self.last_row && self.col == self.last_col
    }
}

/// What a cell holds: text stays text and decimals stay numbers, as in the
/// record.
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    Blank,
    Text(String),
    Number(Decimal),
}

impl Content {
    fn text(value: Option<&str>) -> Self {
        value.map_or(Content::Blank, |s| Content::Text(s.to_string()))
    }

    fn number(value: Option<Decimal>) -> Self {
        value.map_or(Content::Blank, Content::Number)
    }
}

/// The visual role of a cell; `render` turns it into fonts, borders and
/// number formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Style {
    Title,
    Year,
    /// A printed label of the template (项目名称, 年度资金总额 …).
    Label,
    /// A column header of the funds block or the indicator table.
    Header,
    /// Free text a department wrote, left-aligned and wrapped.
    Text,
    /// Short text a department wrote, centred (indicator levels, values).
    TextCenter,
    Money,
    Rate,
    Points,
}

/// One cell or merged range of the form.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    pub span: Span,
    pub content: Content,
    pub style: Style,
}

/// The whole form: every cell from the 项目名称 row to the 总分 row is placed
/// exactly once, so borders are complete.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    pub cells: Vec<Placed>,
    /// 0-based row of the indicator table's header (绩效指标).
    pub indicator_header_row: u32,
    /// 0-based row of 总分, the last row of the form.
    pub total_row: u32,
}

impl Layout {
    fn put(&mut self, span: Span, content: Content, style: Style) {
        self.cells.push(Placed {
            span,
            content,
            style,
        });
    }

    fn label(&mut self, span: Span, text: &str) {
        self.put(span, Content::Text(text.to_string()), Style::Label);
    }

    fn header(&mut self, span: Span, text: &str) {
        self.put(span, Content::Text(text.to_string()), Style::Header);
    }
}

/// Row (0-based) of the indicator table's header: row 12 of the form.
const INDICATOR_HEADER_ROW: u32 = 11;

/// Lays `record` out on the standard form. The goals block is always there,
/// empty when the record has none, as on the printed template.
pub fn layout(record: &Record, labels: &FormLabels) -> Layout {
    let mut out = Layout::default();
    heading(&mut out, record, labels);
    funds(&mut out, record, labels);
    let none = Goals::default();
    goals_block(&mut out, 9, record.goals.as_ref().unwrap_or(&none), labels);
    let row = INDICATOR_HEADER_ROW;
    out.indicator_header_row = row;
    let last = indicator_table(&mut out, row, &record.indicators, labels);
    total(&mut out, last + 1, record.total_score, labels);
    out.total_row = last + 1;
    out
}

/// The cell of the standard form that shows `field` of a record of `kind`
/// with `indicators` indicators; the same places [`layout`] writes to.
pub fn field_cell(field: Field, kind: Kind, indicators: usize) -> CellRef {
    let at = |row: u32, col: u16| CellRef::new(row, u32::from(col));
    let first_indicator = INDICATOR_HEADER_ROW + 1;
    match field {
        Field::Year => at(1, 0),
        Field::Project => at(2, 1),
        Field::Department if kind == Kind::Department => at(2, 1),
        Field::Department => at(3, 1),
        Field::Unit => at(3, 6),
        Field::Fund(line, column) => at(5 + fund_line(line), 2 + fund_column(column)),
        Field::FundsWeight => at(5, 5),
        Field::FundsRate => at(5, 6),
        Field::FundsScore => at(5, 7),
        Field::GoalsPlanned => at(10, 1),
        Field::GoalsAchieved => at(10, 5),
        Field::Indicator(i, column) => at(first_indicator + i as u32, indicator_column(column)),
        Field::TotalScore => at(first_indicator + indicators as u32, 7),
    }
}

fn fund_line(line: FundLine) -> u32 {
    match line {
        FundLine::Total => 0,
        FundLine::Fiscal => 1,
        FundLine::Carryover => 2,
        FundLine::Other => 3,
    }
}

fn fund_column(column: FundColumn) -> u16 {
    match column {
        FundColumn::Initial => 0,
        FundColumn::Budget => 1,
        FundColumn::Spent => 2,
    }
}

fn indicator_column(column: IndicatorColumn) -> u16 {
    match column {
        IndicatorColumn::Level1 => 1,
        IndicatorColumn::Level2 => 2,
        IndicatorColumn::Name => 3,
        IndicatorColumn::Target => 4,
        IndicatorColumn::Actual => 5,
        IndicatorColumn::Weight => 6,
        IndicatorColumn::Score => 7,
        IndicatorColumn::Note => 8,
    }
}

fn heading(out: &mut Layout, record: &Record, labels: &FormLabels) {
    let year = match record.year {
        Some(y) => labels.year.replace("{year}", &y.to_string()),
        None => labels.year_unknown.clone(),
    };
    let title = match record.kind {
        Kind::Project => &labels.title,
        Kind::Department => &labels.title_department,
        Kind::Target => &labels.title_target,
    };
    let full = |row| Span::new(row, 0, row, LAST_COL);
    out.put(full(0), Content::Text(title.clone()), Style::Title);
    out.put(full(1), Content::Text(year), Style::Year);
    let text = |value: Option<&String>| Content::text(value.map(String::as_str));
    let (name_label, name) = match record.kind {
        Kind::Department => (&labels.department_name, &record.department),
        _ => (&labels.project, &record.project),
    };
    out.label(Span::cell(2, 0), name_label);
    out.put(
        Span::new(2, 1, 2, LAST_COL),
        text(name.as_ref()),
        Style::Text,
    );
    let [left, right] = match record.kind {
        // The sign-off line is filled in by hand on paper.
        Kind::Department => [
            (&labels.department_seal, None),
            (&labels.department_date, None),
        ],
        _ => [
            (&labels.department, record.department.as_ref()),
            (&labels.unit, record.unit.as_ref()),
        ],
    };
    out.label(Span::cell(3, 0), left.0);
    out.put(Span::new(3, 1, 3, 4), text(left.1), Style::Text);
    out.label(Span::cell(3, 5), right.0);
    out.put(Span::new(3, 6, 3, LAST_COL), text(right.1), Style::Text);
}

/// Rows 5–9: the block label merged down, a header row, then 年度资金总额
/// and its three breakdown rows. 得分 is merged over H:I on every row.
fn funds(out: &mut Layout, record: &Record, labels: &FormLabels) {
    let block = match record.kind {
        Kind::Department => &labels.funds_department,
        _ => &labels.funds,
    };
    out.label(Span::new(4, 0, 8, 0), block);
    out.put(Span::cell(4, 1), Content::Blank, Style::Header);
    for (i, text) in labels.funds_columns.iter().enumerate() {
        out.header(score_span(4, 2 + i as u16), text);
    }
    let f = &record.funds;
    fund_row(out, 5, &labels.fund_total, &f.total);
    out.put(Span::cell(5, 5), Content::number(f.weight), Style::Points);
    out.put(Span::cell(5, 6), Content::number(f.rate), Style::Rate);
    out.put(score_span(5, 7), Content::number(f.score), Style::Points);
    let breakdown = [
        (&labels.fund_fiscal, &f.fiscal),
        (&labels.fund_carryover, &f.carryover),
        (&labels.fund_other, &f.other),
    ];
    for (row, (label, values)) in (6..).zip(breakdown) {
        fund_row(out, row, label, values);
        let dash = || Content::Text(labels.no_points.clone());
        out.put(Span::cell(row, 5), dash(), Style::TextCenter);
        out.put(Span::cell(row, 6), Content::Blank, Style::Rate);
        out.put(score_span(row, 7), dash(), Style::TextCenter);
    }
}

/// The 得分 column (H) of the funds block also covers the spare column I.
fn score_span(row: u32, col: u16) -> Span {
    if col == 7 {
        Span::new(row, 7, row, LAST_COL)
    } else {
        Span::cell(row, col)
    }
}

fn fund_row(out: &mut Layout, row: u32, label: &str, values: &FundRow) {
    out.label(Span::cell(row, 1), label);
    let money = [values.initial, values.budget, values.spent];
    for (col, value) in (2..).zip(money) {
        out.put(Span::cell(row, col), Content::number(value), Style::Money);
    }
}

fn goals_block(out: &mut Layout, row: u32, goals: &Goals, labels: &FormLabels) {
    out.label(Span::new(row, 0, row + 1, 0), &labels.goals);
    out.header(Span::new(row, 1, row, 4), &labels.goals_planned);
    out.header(Span::new(row, 5, row, LAST_COL), &labels.goals_achieved);
    let planned = Content::text(goals.planned.as_deref());
    out.put(Span::new(row + 1, 1, row + 1, 4), planned, Style::Text);
    let achieved = Content::text(goals.achieved.as_deref());
    out.put(
        Span::new(row + 1, 5, row + 1, LAST_COL),
        achieved,
        Style::Text,
    );
}

/// The header row at `row`, then one row per indicator with 一级 and 二级
/// merged over runs of equal labels. Returns the last row used.
fn indicator_table(
    out: &mut Layout,
    row: u32,
    indicators: &[Indicator],
    labels: &FormLabels,
) -> u32 {
    let last = row + indicators.len() as u32;
    out.label(Span::new(row, 0, last, 0), &labels.indicators);
    for (col, text) in (1..).zip(&labels.indicator_columns) {
        out.header(Span::cell(row, col), text);
    }
    let first = row + 1;
    for run in runs(indicators, |i| i.level1.as_deref()) {
        let level1 = Content::text(indicators[run.start].level1.as_deref());
        out.put(column_span(first, &run, 1), level1, Style::TextCenter);
        let group = &indicators[run.clone()];
        for sub in runs(group, |i| i.level2.as_deref()) {
            let level2 = Content::text(group[sub.start].level2.as_deref());
            let sub = run.start + sub.start..run.start + sub.end;
            out.put(column_span(first, &sub, 2), level2, Style::TextCenter);
        }
    }
    for (r, ind) in (first..).zip(indicators) {
        indicator_row(out, r, ind);
    }
    last
}

fn indicator_row(out: &mut Layout, row: u32, ind: &Indicator) {
    let cells = [
        (3, Content::text(ind.name.as_deref()), Style::Text),
        (4, Content::text(ind.target.as_deref()), Style::TextCenter),
        (5, Content::text(ind.actual.as_deref()), Style::TextCenter),
        (6, Content::number(ind.weight), Style::Points),
        (7, Content::number(ind.score), Style::Points),
        (8, Content::text(ind.note.as_deref()), Style::Text),
    ];
    for (col, content, style) in cells {
        out.put(Span::cell(row, col), content, style);
    }
}

/// The rows of indicators `run` (indices) in column `col`, first indicator
/// at sheet row `first`.
fn column_span(first: u32, run: &std::ops::Range<usize>, col: u16) -> Span {
    Span::new(
        first + run.start as u32,
        col,
        first + run.end as u32 - 1,
        col,
    )
}

/// Splits `items` into maximal runs sharing the same present key; a missing
/// key is a run of its own, so an empty cell never joins its neighbour.
fn runs<T>(items: &[T], key: impl Fn(&T) -> Option<&str>) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let k = key(item);
        match out.last_mut() {
            Some(run) if k.is_some() && key(&items[run.start]) == k => run.end = i + 1,
            _ => out.push(i..i + 1),
        }
    }
    out
}

fn total(out: &mut Layout, row: u32, score: Option<Decimal>, labels: &FormLabels) {
    out.label(Span::new(row, 0, row, 5), &labels.total);
    let points = match labels.total_points.parse::<Decimal>() {
        Ok(d) => Content::Number(d),
        Err(_) => Content::Text(labels.total_points.clone()),
    };
    out.put(Span::cell(row, 6), points, Style::Points);
    out.put(Span::cell(row, 7), Content::number(score), Style::Points);
    out.put(Span::cell(row, 8), Content::Blank, Style::Text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Source;
    use crate::write::standard::labels::labels;

    fn indicator(level1: Option<&str>, level2: Option<&str>) -> Indicator {
        Indicator {
            level1: level1.map(str::to_string),
            level2: level2.map(str::to_string),
            name: Some("指标".into()),
            ..Indicator::default()
        }
    }

    /// How many placed cells cover each cell of the form's table.
    fn coverage(layout: &Layout) -> Vec<Vec<u32>> {
        let mut seen = vec![vec![0; COLUMNS as usize]; layout.total_row as usize + 1];
        for p in &layout.cells {
            for row in p.span.row..=p.span.last_row {
                for col in p.span.col..=p.span.last_col {
                    seen[row as usize][col as usize] += 1;
                }
            }
        }
        seen
    }

    #[test]
    fn every_cell_is_placed_exactly_once() {
        let mut record = Record::new(Kind::Project, Source::default());
        record.indicators = vec![
            indicator(Some("产出"), Some("数量")),
            indicator(Some("产出"), Some("数量")),
            indicator(Some("产出"), None),
            indicator(None, None),
            indicator(Some("效益"), Some("数量")),
            indicator(Some("产出"), Some("数量")),
        ];
        for indicators in [record.indicators.clone(), Vec::new()] {
            record.indicators = indicators;
            let layout = layout(&record, &labels().form);
            assert_eq!(layout.total_row, 12 + record.indicators.len() as u32);
            for (row, cols) in coverage(&layout).iter().enumerate() {
                assert!(cols.iter().all(|&n| n == 1), "row {}: {cols:?}", row + 1);
            }
        }
    }

    /// A record whose every field holds a value of its own.
    fn distinct_record() -> Record {
        let mut n = 0;
        let mut next = || {
            n += 1;
            Some(Decimal::from(n))
        };
        let mut record = Record::new(Kind::Project, Source::default());
        record.year = Some(2021);
        record.project = Some("项目".into());
        record.department = Some("部门".into());
        record.unit = Some("单位".into());
        let f = &mut record.funds;
        for row in [&mut f.total, &mut f.fiscal, &mut f.carryover, &mut f.other] {
            *row = FundRow {
                initial: next(),
                budget: next(),
                spent: next(),
            };
        }
        (f.weight, f.rate, f.score) = (next(), next(), next());
        record.goals = Some(Goals {
            planned: Some("目标".into()),
            achieved: Some("完成".into()),
        });
        record.indicators = (0..3)
            .map(|i| Indicator {
                level1: Some(format!("一级{i}")),
                level2: Some(format!("二级{i}")),
                name: Some(format!("三级{i}")),
                target: Some(format!("目标{i}")),
                actual: Some(format!("实际{i}")),
                weight: next(),
                score: next(),
                note: Some(format!("说明{i}")),
            })
            .collect();
        record.total_score = next();
        record
    }

    /// What `field` of `record` holds, as the form shows it.
    fn expected(record: &Record, field: Field) -> Content {
        let f = &record.funds;
        let lines = [&f.total, &f.fiscal, &f.carryover, &f.other];
        match field {
            Field::Year => Content::Text("（2021年度）".into()),
            Field::Project => Content::text(record.project.as_deref()),
            Field::Department => Content::text(record.department.as_deref()),
            Field::Unit => Content::text(record.unit.as_deref()),
            Field::Fund(line, col) => {
                let row = lines[fund_line(line) as usize];
                Content::number([row.initial, row.budget, row.spent][fund_column(col) as usize])
            }
            Field::FundsWeight => Content::number(f.weight),
            Field::FundsRate => Content::number(f.rate),
            Field::FundsScore => Content::number(f.score),
            Field::GoalsPlanned => Content::Text("目标".into()),
            Field::GoalsAchieved => Content::Text("完成".into()),
            Field::Indicator(i, col) => {
                let ind = &record.indicators[i];
                let texts = [
                    &ind.level1,
                    &ind.level2,
                    &ind.name,
                    &ind.target,
                    &ind.actual,
                ];
                match indicator_column(col) {
                    6 => Content::number(ind.weight),
                    7 => Content::number(ind.score),
                    8 => Content::text(ind.note.as_deref()),
                    c => Content::text(texts[c as usize - 1].as_deref()),
                }
            }
            Field::TotalScore => Content::number(record.total_score),
        }
    }

    #[test]
    fn field_cells_point_at_what_the_layout_wrote() {
        for kind in [Kind::Project, Kind::Department] {
            let mut record = distinct_record();
            record.kind = kind;
            if kind == Kind::Department {
                (record.project, record.unit) = (None, None);
            }
            check_field_cells(&record);
        }
    }

    fn check_field_cells(record: &Record) {
        use FundColumn::*;
        use FundLine::*;
        use IndicatorColumn::*;
        let layout = layout(record, &labels().form);
        let mut fields = vec![
            Field::Year,
            Field::Department,
            Field::FundsWeight,
            Field::FundsRate,
            Field::FundsScore,
            Field::GoalsPlanned,
            Field::GoalsAchieved,
            Field::TotalScore,
        ];
        if record.kind == Kind::Project {
            fields.extend([Field::Project, Field::Unit]);
        }
        for line in [Total, Fiscal, Carryover, Other] {
            fields.extend([Initial, Budget, Spent].map(|c| Field::Fund(line, c)));
        }
        for i in 0..record.indicators.len() {
            let columns = [Level1, Level2, Name, Target, Actual, Weight, Score, Note];
            fields.extend(columns.map(|c| Field::Indicator(i, c)));
        }
        for field in fields {
            let at = field_cell(field, record.kind, record.indicators.len());
            let placed = layout
                .cells
                .iter()
                .find(|p| p.span.row == at.row && u32::from(p.span.col) == at.col)
                .unwrap_or_else(|| panic!("{field:?}: nothing placed at {at}"));
            assert_eq!(
                placed.content,
                expected(record, field),
                "{:?} {field:?} at {at}",
                record.kind
            );
        }
    }

    #[test]
    fn runs_break_on_a_change_or_a_missing_label() {
        let keys = [Some("a"), Some("a"), None, None, Some("a"), Some("b")];
        assert_eq!(runs(&keys, |k| *k), vec![0..2, 2..3, 3..4, 4..5, 5..6]);
        assert!(runs(&[] as &[Option<&str>], |k| *k).is_empty());
    }
}

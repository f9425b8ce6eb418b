//! The columns of every sheet, each declared once: header, look, value and
//! total. Adding a column is one line here; the header can never drift
//! from its values. Technical columns (来源文件, 工作表) come last and are
//! left off the printed page.

use rust_decimal::Decimal;

use super::table::{column, Column, Rows, Value};
use super::LABELS;
use crate::model::{Indicator, Record};
use crate::outcome::roster::Issue;
use crate::outcome::{Figures, Reviewed, Tally};
use crate::review::{Finding, Grade, IndicatorReview, ParsedValue};

/// Headers that conditional formats and the chart find their columns by.
pub const GRADE_REPORTED: &str = "自评\n等级";
pub const GRADE_RECOMPUTED: &str = "复核\n等级";
pub const DIFFERENCE: &str = "差异";
pub const SEVERITY: &str = "严重程度";
pub const STATUS: &str = "状态";
pub const RATE: &str = "执行率";
pub const AVERAGE_REVIEW: &str = "平均复核得分";

/// The rows of sheets made of [`RecordRow`]s.
pub struct Records;

impl Rows for Records {
    type Row<'a> = RecordRow<'a>;
}

/// One counted record (汇总 and 部门整体).
pub struct RecordRow<'a> {
    pub number: usize,
    pub file: &'a str,
    pub r: &'a Reviewed,
    pub f: &'a Figures,
}

impl RecordRow<'_> {
    fn record(&self) -> &Record {
        &self.r.imported.record
    }
}

fn grade(g: Option<Grade>) -> Value<'static> {
    Value::from(g.map(|g| g.label()).unwrap_or(""))
}

pub static RECORDS: [Column<Records>; 23] = [
    column!("序号", Count, |r| Value::Count(r.number), Label),
    column!("年度", Text, |r| Value::from(
        r.record().year.map(|y| y.to_string()).unwrap_or_default()
    )),
    column!("主管部门", Wrap 16, |r| Value::text(
        &r.record().department
    )),
    column!("实施单位", Wrap 16, |r| Value::text(&r.record().unit)),
    column!("项目名称", Wrap 20, |r| Value::text(&r.record().project)),
    column!(
        "年初预算数\n（万元）",
        Money,
        |r| Value::Number(r.f.funds.initial),
        Sum(|t| &t.initial)
    ),
    column!(
        "全年预算数\n（万元）",
        Money,
        |r| Value::Number(r.f.funds.budget),
        Sum(|t| &t.budget)
    ),
    column!(
        "全年执行数\n（万元）",
        Money,
        |r| Value::Number(r.f.funds.spent),
        Sum(|t| &t.spent)
    ),
    column!("执行率", Rate, |r| Value::Number(r.f.rate), Rate),
    column!("执行得分\n（填报）", Score, |r| Value::Number(
        r.r.review.budget_score_reported.or(r.record().funds.score)
    )),
    column!("执行得分\n（复核）", Score, |r| Value::Number(
        r.r.review.budget_score_recomputed
    )),
    column!("自评总分", Score, |r| Value::Number(
        r.r.review.total_reported.or(r.record().total_score)
    )),
    column!("复核得分", Score, |r| Value::Number(
        r.r.review.total_recomputed
    )),
    column!(DIFFERENCE, Score, |r| Value::Number(r.f.difference)),
    column!(GRADE_REPORTED, Text, |r| grade(r.r.review.grade_reported)),
    column!(GRADE_RECOMPUTED, Text, |r| grade(
        r.r.review.grade_recomputed
    )),
    column!(
        "指标\n个数",
        Count,
        |r| Value::Count(r.record().indicators.len()),
        Count(|t| t.indicators)
    ),
    column!(
        "错误\n问题",
        Count,
        |r| Value::Count(r.f.errors),
        Count(|t| t.errors)
    ),
    column!(
        "警告\n问题",
        Count,
        |r| Value::Count(r.f.warnings),
        Count(|t| t.warnings)
    ),
    column!("资金\n说明", Wrap 16, |r| Value::from(if r.f.from_subrows {
        LABELS.words.from_subrows.as_str()
    } else {
        ""
    })),
    column!("未读\n单元格", Count, |r| Value::Count(
        r.record().source.unread.len()
    )),
    column!(technical "来源文件", Text, |r| Value::from(r.file)),
    column!(technical "工作表", Text, |r| Value::text(&r.record().source.sheet)),
];

/// The rows of sheets made of [`IndicatorRow`]s.
pub struct Indicators;

impl Rows for Indicators {
    type Row<'a> = IndicatorRow<'a>;
}

/// One indicator of a counted record.
pub struct IndicatorRow<'a> {
    pub number: usize,
    pub r: &'a Reviewed,
    pub indicator: &'a Indicator,
    /// The indicator's position in its record.
    pub index: usize,
    pub target: Target,
    /// The rules that fired on this indicator.
    pub rules: String,
}

/// The review's parsed view of a target: comparator, number, unit.
#[derive(Default)]
pub struct Target {
    comparator: &'static str,
    number: Option<Decimal>,
    unit: String,
}

impl Target {
    pub fn of(review: Option<&IndicatorReview>) -> Self {
        match review.map(|r| &r.target) {
            Some(ParsedValue::Quantitative(q)) => Target {
                comparator: q.comparator.map(|c| c.symbol()).unwrap_or(""),
                number: Some(q.number),
                unit: q.unit.clone().unwrap_or_default(),
            },
            _ => Target::default(),
        }
    }
}

pub static INDICATORS: [Column<Indicators>; 14] = [
    column!("序号", Count, |r| Value::Count(r.number)),
    column!("项目名称", Wrap 20, |r| Value::text(
        &r.r.imported.record.project
    )),
    column!("一级指标", Text, |r| Value::text(&r.indicator.level1)),
    column!("二级指标", Text, |r| Value::text(&r.indicator.level2)),
    column!("三级指标", Wrap 24, |r| Value::text(&r.indicator.name)),
    column!("年度指标值", Wrap 16, |r| Value::text(
        &r.indicator.target
    )),
    column!("实际完成值", Wrap 16, |r| Value::text(
        &r.indicator.actual
    )),
    column!("比较符", Text, |r| Value::from(r.target.comparator)),
    column!("指标数值", Score, |r| Value::Number(r.target.number)),
    column!("计量单位", Text, |r| Value::from(
        r.target.unit.as_str()
    )),
    column!("分值", Score, |r| Value::Number(r.indicator.weight)),
    column!("得分", Score, |r| Value::Number(r.indicator.score)),
    column!("复核得分", Score, |r| Value::Number(
        r.r.review
            .indicators
            .get(r.index)
            .and_then(|i| i.recomputed_score)
    )),
    column!("问题编号", Text, |r| Value::from(r.rules.as_str())),
];

/// The rows of sheets made of [`FindingRow`]s.
pub struct Findings;

impl Rows for Findings {
    type Row<'a> = FindingRow<'a>;
}

/// One finding of a counted record.
pub struct FindingRow<'a> {
    pub number: usize,
    pub r: &'a Reviewed,
    pub file: &'a str,
    pub finding: &'a Finding,
}

impl FindingRow<'_> {
    fn sheet(&self) -> &str {
        self.finding
            .cells
            .first()
            .and_then(|l| l.sheet.as_deref())
            .or(self.r.imported.record.source.sheet.as_deref())
            .unwrap_or("")
    }

    fn cells(&self) -> String {
        let cells: Vec<String> = self
            .finding
            .cells
            .iter()
            .map(|l| l.cell.to_string())
            .collect();
        cells.join(", ")
    }
}

pub static FINDINGS: [Column<Findings>; 8] = [
    column!("序号", Count, |r| Value::Count(r.number)),
    column!("项目名称", Wrap 20, |r| Value::text(
        &r.r.imported.record.project
    )),
    column!("单元格", Wrap 14, |r| Value::from(r.cells())),
    column!("编号", Text, |r| Value::from(r.finding.rule)),
    column!(SEVERITY, Text, |r| Value::from(
        LABELS.words.severity(r.finding.severity)
    )),
    column!("说明", Wrap 50, |r| Value::from(r.finding.message.as_str())),
    column!(technical "来源文件", Text, |r| Value::from(r.file)),
    column!(technical "工作表", Text, |r| Value::from(r.sheet())),
];

/// The rows of sheets made of [`FileRow`]s.
pub struct Files;

impl Rows for Files {
    type Row<'a> = FileRow<'a>;
}

/// One input file.
pub struct FileRow<'a> {
    pub file: &'a str,
    pub status: &'a str,
    pub mappings: String,
    pub records: usize,
    pub counted: usize,
    pub unread: usize,
    /// Why it failed, or which records were not counted.
    pub note: String,
}

pub static FILES: [Column<Files>; 7] = [
    column!("来源文件", Text, |r| Value::from(r.file)),
    column!(STATUS, Text, |r| Value::from(r.status)),
    column!("映射", Text, |r| Value::from(r.mappings.as_str())),
    column!("表数", Count, |r| Value::Count(r.records)),
    column!("计入表数", Count, |r| Value::Count(r.counted)),
    column!("未读单元格", Count, |r| Value::Count(r.unread)),
    column!("说明", Wrap 44, |r| Value::from(r.note.as_str())),
];

/// The rows of sheets made of [`DepartmentRow`]s.
pub struct Departments;

impl Rows for Departments {
    type Row<'a> = DepartmentRow<'a>;
}

/// One 主管部门's tally (部门汇总), or the total.
pub struct DepartmentRow<'a> {
    pub name: &'a str,
    pub t: &'a Tally,
}

pub static DEPARTMENTS: [Column<Departments>; 19] = [
    column!("主管部门", Wrap 20, |r| Value::from(r.name)),
    column!("项目数", Count, |r| Value::Count(r.t.projects)),
    column!("年初预算数\n（万元）", Money, |r| Value::Number(
        r.t.initial.get()
    )),
    column!("全年预算数\n（万元）", Money, |r| Value::Number(
        r.t.budget.get()
    )),
    column!("全年执行数\n（万元）", Money, |r| Value::Number(
        r.t.spent.get()
    )),
    column!(RATE, Rate, |r| Value::Number(r.t.rate())),
    column!("执行率低于\n90%项目数", Count, |r| Value::Count(
        r.t.low_rate
    )),
    column!("平均自评总分", Score, |r| Value::Number(
        r.t.average_self()
    )),
    column!(AVERAGE_REVIEW, Score, |r| Value::Number(
        r.t.average_review()
    )),
    column!("自评优", Count, |r| Value::Count(r.t.grades_reported[0])),
    column!("自评良", Count, |r| Value::Count(r.t.grades_reported[1])),
    column!("自评中", Count, |r| Value::Count(r.t.grades_reported[2])),
    column!("自评差", Count, |r| Value::Count(r.t.grades_reported[3])),
    column!("复核优", Count, |r| Value::Count(
        r.t.grades_recomputed[0]
    )),
    column!("复核良", Count, |r| Value::Count(
        r.t.grades_recomputed[1]
    )),
    column!("复核中", Count, |r| Value::Count(
        r.t.grades_recomputed[2]
    )),
    column!("复核差", Count, |r| Value::Count(
        r.t.grades_recomputed[3]
    )),
    column!("问题数\n（错误）", Count, |r| Value::Count(
        r.t.errors
    )),
    column!("问题数\n（警告）", Count, |r| Value::Count(
        r.t.warnings
    )),
];

/// The rows of 名单核对.
pub struct Roster;

impl Rows for Roster {
    type Row<'a> = Issue;
}

fn issue_kind(issue: &Issue) -> &'static str {
    let words = &LABELS.words;
    match issue {
        Issue::Missing(_) => &words.missing,
        Issue::Duplicate { .. } => &words.duplicate,
        Issue::Unlisted(_) => &words.unlisted,
    }
}

pub static ROSTER: [Column<Roster>; 5] = [
    column!("核对结果", Text, |i| Value::from(issue_kind(i))),
    column!("主管部门", Text, |i| match i {
        Issue::Missing(e) => Value::from(e.department.as_str()),
        Issue::Duplicate { department, .. } => Value::text(department),
        Issue::Unlisted(s) => Value::text(&s.department),
    }),
    column!("项目名称", Text, |i| match i {
        Issue::Missing(e) => Value::text(&e.project),
        Issue::Duplicate { project, .. } => Value::from(project.as_str()),
        Issue::Unlisted(s) => Value::text(&s.project),
    }),
    column!("实施单位", Text, |i| match i {
        Issue::Missing(e) => Value::text(&e.unit),
        Issue::Duplicate { unit, .. } => Value::text(unit),
        Issue::Unlisted(s) => Value::text(&s.unit),
    }),
    column!("来源", Wrap, |i| match i {
        Issue::Missing(_) => Value::from(""),
        Issue::Duplicate { sources, .. } => Value::from(sources.join("；")),
        Issue::Unlisted(s) => Value::from(s.source.as_str()),
    }),
];

/// The position of the column headed `label` (for conditional formats
/// and the chart, which name columns by position).
pub fn position<F: Rows>(columns: &[Column<F>], label: &str) -> u16 {
    let found = columns.iter().position(|c| c.label == label);
    debug_assert!(found.is_some(), "no column {label:?}");
    found.unwrap_or_default() as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_looked_up_by_header_exist() {
        let found = |labels: &[&str], all: &[&str]| labels.iter().all(|l| all.contains(l));
        let records: Vec<&str> = RECORDS.iter().map(|c| c.label).collect();
        assert!(found(
            &[GRADE_REPORTED, GRADE_RECOMPUTED, DIFFERENCE],
            &records
        ));
        let findings: Vec<&str> = FINDINGS.iter().map(|c| c.label).collect();
        assert!(found(&[SEVERITY], &findings));
        let files: Vec<&str> = FILES.iter().map(|c| c.label).collect();
        assert!(found(&[STATUS], &files));
        let departments: Vec<&str> = DEPARTMENTS.iter().map(|c| c.label).collect();
        assert!(found(&[RATE, AVERAGE_REVIEW], &departments));
        // Technical columns come last: the printed ones are a prefix.
        for printed in [
            RECORDS.iter().map(|c| c.printed).collect::<Vec<_>>(),
            FINDINGS.iter().map(|c| c.printed).collect(),
        ] {
            assert!(printed.windows(2).all(|w| w[0] || !w[1]));
        }
    }
}

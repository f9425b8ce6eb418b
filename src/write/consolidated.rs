//! The consolidated workbook for the bureau (汇总, 指标明细, 部门汇总, 问题清单,
//! 导入情况, and 名单核对 with a roster).
//!
//! Outcomes arrive one file at a time from the batch and their rows are
//! written at once to streamed sheets ([`super::sheet_stream`]), so memory
//! does not grow with the number of forms; only per-department tallies and
//! the identities needed for reconciliation are kept until the end.

mod labels;
mod stats;
mod table;

pub use labels::{GRADES, LABELS};
pub use stats::{Figures, RuleCount, Stats, Tally, BIG_DIFFERENCE, LOW_RATE};

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use rust_xlsxwriter::{
    Chart, ChartType, Color, ConditionalFormatCell, ConditionalFormatCellRule,
    ConditionalFormatText, ConditionalFormatTextRule, Format, Workbook, Worksheet, XlsxError,
};

use self::table::{Done, Formats, Style, Table};
use super::package::{self, Splice};
use super::WriteError;
use crate::batch::roster::{self, Issue, Roster, Seen};
use crate::batch::{FileOutcome, Reviewed};
use crate::model::{Indicator, Record};
use crate::review::{IndicatorReview, ParsedValue};

/// Fill colours of the grades 优 / 良 / 中 / 差, in band order.
const GRADE_COLOURS: [u32; 4] = [0xC6EFCE, 0xDDEBF7, 0xFFEB9C, 0xFFC7CE];
const ALERT_COLOUR: u32 = 0xFFC7CE;

/// Writes the consolidated workbook as outcomes arrive.
pub struct Consolidated {
    /// The output as the user named it, for error messages.
    path: PathBuf,
    /// Owns the formats the streamed rows refer to; the sheets are pushed
    /// into it in sheet order at the end.
    workbook: Workbook,
    records: Table,
    indicators: Table,
    findings: Table,
    files: Table,
    stats: Stats,
    seen: Vec<Seen>,
}

impl Consolidated {
    /// Starts a workbook that will be saved for `path`.
    pub fn new(path: &Path) -> Result<Self, WriteError> {
        Self::start(path).map_err(|e| xlsx_error(path, e))
    }

    fn start(path: &Path) -> Result<Self, XlsxError> {
        let (sheets, headers) = (&LABELS.sheets, &LABELS.headers);
        // Worksheets are created detached so that sheet order is decided at
        // the end, when the small 部门汇总 sheet is built.
        let mut workbook = Workbook::new();
        super::atomic::mark(&mut workbook, super::atomic::Made::Consolidated);
        let formats = Formats::register(&mut workbook);
        let table = |name: &str, header: &[String]| Table::streamed(name, header, formats);
        let records = table(&sheets.records, &headers.records)?;
        let indicators = table(&sheets.indicators, &headers.indicators)?;
        let findings = table(&sheets.findings, &headers.findings)?;
        let files = table(&sheets.files, &headers.files)?;
        Ok(Consolidated {
            path: path.to_path_buf(),
            workbook,
            records,
            indicators,
            findings,
            files,
            stats: Stats::default(),
            seen: Vec::new(),
        })
    }

    /// Adds one file's outcome: its 导入情况 row and, for each record, its
    /// rows in 汇总, 指标明细 and 问题清单.
    pub fn add(&mut self, outcome: &FileOutcome) -> Result<(), WriteError> {
        self.add_outcome(outcome)
            .map_err(|e| xlsx_error(&self.path, e))
    }

    fn add_outcome(&mut self, outcome: &FileOutcome) -> Result<(), XlsxError> {
        self.stats.files += 1;
        let file = outcome.path.display().to_string();
        self.file_row(&file, outcome)?;
        if let Some(error) = outcome.error() {
            self.stats
                .failed
                .push((outcome.path.clone(), error.to_string()));
        }
        for reviewed in outcome.records() {
            self.record(&file, reviewed)?;
        }
        Ok(())
    }

    fn file_row(&mut self, file: &str, outcome: &FileOutcome) -> Result<(), XlsxError> {
        let (words, t) = (&LABELS.words, &mut self.files);
        let mut mappings: Vec<&str> = outcome
            .records()
            .iter()
            .filter_map(|r| r.imported.record.source.mapping.as_deref())
            .collect();
        mappings.sort_unstable();
        mappings.dedup();
        let status = match outcome.error() {
            None => &words.imported,
            Some(_) => &words.failed,
        };
        t.text(file, Style::Text)?;
        t.text(status, Style::Text)?;
        t.text(&mappings.join("、"), Style::Text)?;
        t.count(outcome.records().len(), Style::Count)?;
        t.text(outcome.error().unwrap_or(""), Style::Text)?;
        t.end_row();
        Ok(())
    }

    fn record(&mut self, file: &str, r: &Reviewed) -> Result<(), XlsxError> {
        let record = &r.imported.record;
        let figures = Figures::of(r);
        let number = self.stats.total.projects + 1;
        self.record_row(number, file, r, &figures)?;
        for (i, indicator) in record.indicators.iter().enumerate() {
            self.indicator_row(number, r, i, indicator)?;
        }
        self.finding_rows(number, file, r)?;
        let department = record
            .department
            .as_deref()
            .unwrap_or(&LABELS.words.no_department);
        self.stats.add(department, r, &figures);
        self.seen.push(Seen {
            department: record.department.clone(),
            project: record.project.clone(),
            unit: record.unit.clone(),
            source: source_name(file, record),
        });
        Ok(())
    }

    fn record_row(
        &mut self,
        number: usize,
        file: &str,
        r: &Reviewed,
        f: &Figures,
    ) -> Result<(), XlsxError> {
        let (record, review) = (&r.imported.record, &r.review);
        let t = &mut self.records;
        let total = &record.funds.total;
        let grade = |g: Option<crate::review::Grade>| g.map(|g| g.label()).unwrap_or("");
        t.count(number, Style::Count)?;
        t.text(
            &record.year.map(|y| y.to_string()).unwrap_or_default(),
            Style::Text,
        )?;
        t.text(opt(&record.department), Style::Text)?;
        t.text(opt(&record.unit), Style::Text)?;
        t.text(opt(&record.project), Style::Text)?;
        t.decimal(total.initial, Style::Money)?;
        t.decimal(total.budget, Style::Money)?;
        t.decimal(total.spent, Style::Money)?;
        t.decimal(f.rate, Style::Rate)?;
        t.decimal(
            review.budget_score_reported.or(record.funds.score),
            Style::Score,
        )?;
        t.decimal(review.budget_score_recomputed, Style::Score)?;
        t.decimal(review.total_reported.or(record.total_score), Style::Score)?;
        t.decimal(review.total_recomputed, Style::Score)?;
        t.decimal(f.difference, Style::Score)?;
        t.text(grade(review.grade_reported), Style::Text)?;
        t.text(grade(review.grade_recomputed), Style::Text)?;
        t.count(record.indicators.len(), Style::Count)?;
        t.count(f.errors, Style::Count)?;
        t.count(f.warnings, Style::Count)?;
        t.text(file, Style::Text)?;
        t.text(opt(&record.source.sheet), Style::Text)?;
        t.end_row();
        Ok(())
    }

    fn indicator_row(
        &mut self,
        number: usize,
        r: &Reviewed,
        index: usize,
        indicator: &Indicator,
    ) -> Result<(), XlsxError> {
        let t = &mut self.indicators;
        let review = r.review.indicators.get(index);
        let parsed = parsed_target(review);
        let rules: Vec<&str> = r
            .review
            .findings
            .iter()
            .filter(|f| f.indicator == Some(index))
            .map(|f| f.rule)
            .collect();
        t.count(number, Style::Count)?;
        t.text(opt(&r.imported.record.project), Style::Text)?;
        t.text(opt(&indicator.level1), Style::Text)?;
        t.text(opt(&indicator.level2), Style::Text)?;
        t.text(opt(&indicator.name), Style::Text)?;
        t.text(opt(&indicator.target), Style::Text)?;
        t.text(opt(&indicator.actual), Style::Text)?;
        t.text(&parsed.comparator, Style::Text)?;
        t.decimal(parsed.number, Style::Score)?;
        t.text(&parsed.unit, Style::Text)?;
        t.decimal(indicator.weight, Style::Score)?;
        t.decimal(indicator.score, Style::Score)?;
        t.decimal(review.and_then(|i| i.recomputed_score), Style::Score)?;
        t.text(&rules.join(", "), Style::Text)?;
        t.end_row();
        Ok(())
    }

    fn finding_rows(&mut self, number: usize, file: &str, r: &Reviewed) -> Result<(), XlsxError> {
        let record = &r.imported.record;
        let t = &mut self.findings;
        for finding in &r.review.findings {
            let sheet = finding
                .cells
                .first()
                .and_then(|l| l.sheet.as_deref())
                .or(record.source.sheet.as_deref())
                .unwrap_or("");
            let cells: Vec<String> = finding.cells.iter().map(|l| l.cell.to_string()).collect();
            t.count(number, Style::Count)?;
            t.text(opt(&record.project), Style::Text)?;
            t.text(file, Style::Text)?;
            t.text(sheet, Style::Text)?;
            t.text(&cells.join(", "), Style::Text)?;
            t.text(finding.rule, Style::Text)?;
            t.text(LABELS.words.severity(finding.severity), Style::Text)?;
            t.text(&finding.message, Style::Wrap)?;
            t.end_row();
        }
        Ok(())
    }

    /// Writes the totals row, the 部门汇总 sheet (and 名单核对 with a roster)
    /// and saves the workbook to `save_to` (normally a temporary file beside
    /// the output). Returns the tallies for the written summary.
    pub fn finish(self, save_to: &Path, roster: Option<&Roster>) -> Result<Stats, WriteError> {
        let path = self.path.clone();
        self.save(save_to, roster).map_err(|e| xlsx_error(&path, e))
    }

    fn save(mut self, save_to: &Path, roster: Option<&Roster>) -> Result<Stats, XlsxError> {
        self.totals_row()?;
        grade_formats(&mut self.records, &[14, 15])?;
        difference_format(&mut self.records, 13)?;
        alert_format(&mut self.findings, 6, &LABELS.words.error)?;
        alert_format(&mut self.files, 1, &LABELS.words.failed)?;
        let mut sheets = vec![
            self.records.finish()?,
            self.indicators.finish()?,
            Table::finish(departments_sheet(&self.stats)?)?,
            self.findings.finish()?,
            self.files.finish()?,
        ];
        if let Some(roster) = roster {
            let issues = roster::reconcile(roster, &self.seen);
            let headers = &LABELS.headers.roster;
            let mut table = Table::new(Worksheet::new(), &LABELS.sheets.roster, headers)?;
            roster_rows(&mut table, &issues)?;
            sheets.push(table.finish()?);
            self.stats.roster = Some(issues);
        }
        package(self.workbook, sheets, save_to)?;
        Ok(self.stats)
    }

    fn totals_row(&mut self) -> Result<(), XlsxError> {
        let (t, total) = (&mut self.records, &self.stats.total);
        t.close_data();
        t.text(&LABELS.words.total, Style::TotalText)?;
        for _ in 1..5 {
            t.text("", Style::TotalText)?;
        }
        t.decimal(Some(total.initial), Style::TotalMoney)?;
        t.decimal(Some(total.budget), Style::TotalMoney)?;
        t.decimal(Some(total.spent), Style::TotalMoney)?;
        t.decimal(total.rate(), Style::TotalRate)?;
        for _ in 9..16 {
            t.text("", Style::TotalText)?;
        }
        t.count(total.indicators, Style::TotalCount)?;
        t.count(total.errors, Style::TotalCount)?;
        t.count(total.warnings, Style::TotalCount)?;
        t.text("", Style::TotalText)?;
        t.text("", Style::TotalText)?;
        t.end_row();
        Ok(())
    }
}

/// Lays the sheets out with rust_xlsxwriter and saves the package with the
/// streamed rows spliced in.
fn package(mut workbook: Workbook, sheets: Vec<Done>, save_to: &Path) -> Result<(), XlsxError> {
    let mut splices = Vec::new();
    for (i, done) in sheets.into_iter().enumerate() {
        workbook.push_worksheet(done.sheet);
        if let Some((rows, last)) = done.rows {
            // rust_xlsxwriter names worksheet parts by position.
            let part = format!("xl/worksheets/sheet{}.xml", i + 1);
            splices.push(Splice { part, rows, last });
        }
    }
    workbook.set_zip_compression_level(package::LEVEL);
    let base = workbook.save_to_buffer()?;
    let out = BufWriter::with_capacity(1 << 16, File::create(save_to)?);
    package::write(&base, splices, out)?;
    Ok(())
}

fn xlsx_error(path: &Path, e: XlsxError) -> WriteError {
    WriteError::Xlsx {
        path: path.to_path_buf(),
        detail: e.to_string(),
    }
}

fn opt(text: &Option<String>) -> &str {
    text.as_deref().unwrap_or("")
}

/// `file` or `file!sheet`, how a record is named in reconciliation.
fn source_name(file: &str, record: &Record) -> String {
    match &record.source.sheet {
        Some(sheet) => format!("{file}!{sheet}"),
        None => file.to_string(),
    }
}

/// The review's parsed view of a target: comparator, number, unit.
#[derive(Default)]
struct ParsedTarget {
    comparator: String,
    number: Option<Decimal>,
    unit: String,
}

fn parsed_target(review: Option<&IndicatorReview>) -> ParsedTarget {
    match review.map(|r| &r.target) {
        Some(ParsedValue::Quantitative(q)) => ParsedTarget {
            comparator: q.comparator.map(|c| c.symbol()).unwrap_or("").to_string(),
            number: Some(q.number),
            unit: q.unit.clone().unwrap_or_default(),
        },
        _ => ParsedTarget::default(),
    }
}

/// Colours 优/良/中/差 in the given columns of every data row.
fn grade_formats(t: &mut Table, columns: &[u16]) -> Result<(), XlsxError> {
    let last = t.data_last();
    for (grade, colour) in GRADES.iter().zip(GRADE_COLOURS) {
        let rule = ConditionalFormatText::new()
            .set_rule(ConditionalFormatTextRule::Contains(grade.label().into()))
            .set_format(Format::new().set_background_color(Color::RGB(colour)));
        for &col in columns {
            t.worksheet()
                .add_conditional_format(1, col, last, col, &rule)?;
        }
    }
    Ok(())
}

/// Marks |自评 − 复核| ≥ [`BIG_DIFFERENCE`].
fn difference_format(t: &mut Table, col: u16) -> Result<(), XlsxError> {
    let limit = super::nearest_f64(BIG_DIFFERENCE);
    let rule = ConditionalFormatCell::new()
        .set_rule(ConditionalFormatCellRule::NotBetween(
            -limit + 0.000001,
            limit - 0.000001,
        ))
        .set_format(Format::new().set_background_color(Color::RGB(ALERT_COLOUR)));
    let last = t.data_last();
    t.worksheet()
        .add_conditional_format(1, col, last, col, &rule)?;
    Ok(())
}

/// Highlights cells of `col` holding `word` (失败, 错误).
fn alert_format(t: &mut Table, col: u16, word: &str) -> Result<(), XlsxError> {
    let rule = ConditionalFormatText::new()
        .set_rule(ConditionalFormatTextRule::Contains(word.into()))
        .set_format(Format::new().set_background_color(Color::RGB(ALERT_COLOUR)));
    let last = t.data_last();
    t.worksheet()
        .add_conditional_format(1, col, last, col, &rule)?;
    Ok(())
}

/// 部门汇总: one row per 主管部门, a totals row and a chart.
fn departments_sheet(stats: &Stats) -> Result<Table, XlsxError> {
    let headers = &LABELS.headers.departments;
    let mut t = Table::new(Worksheet::new(), &LABELS.sheets.departments, headers)?;
    for (department, tally) in &stats.departments {
        department_row(&mut t, department, tally, false)?;
    }
    t.close_data();
    let rows = stats.departments.len() as u32;
    department_row(&mut t, &LABELS.words.total, &stats.total, true)?;
    if rows > 0 {
        let chart = department_chart(rows);
        t.worksheet().insert_chart(rows + 3, 0, &chart)?;
    }
    Ok(t)
}

fn department_row(t: &mut Table, name: &str, tally: &Tally, total: bool) -> Result<(), XlsxError> {
    let pick = |body: Style| if total { body.total() } else { body };
    let (text, money, count) = (pick(Style::Text), pick(Style::Money), pick(Style::Count));
    let score = pick(Style::Score);
    t.text(name, text)?;
    t.count(tally.projects, count)?;
    t.decimal(Some(tally.initial), money)?;
    t.decimal(Some(tally.budget), money)?;
    t.decimal(Some(tally.spent), money)?;
    t.decimal(tally.rate(), pick(Style::Rate))?;
    t.count(tally.low_rate, count)?;
    t.decimal(tally.average_self(), score)?;
    t.decimal(tally.average_review(), score)?;
    for n in tally.grades_reported.iter().chain(&tally.grades_recomputed) {
        t.count(*n, count)?;
    }
    t.count(tally.errors, count)?;
    t.count(tally.warnings, count)?;
    t.end_row();
    Ok(())
}

/// 执行率 as columns and the average 复核得分 as a line on a second axis,
/// per department. Column indices follow `headers.departments`.
fn department_chart(rows: u32) -> Chart {
    let (sheet, words) = (&LABELS.sheets.departments, &LABELS.words);
    let mut chart = Chart::new(ChartType::Column);
    chart
        .add_series()
        .set_name(words.chart_rate.as_str())
        .set_categories((sheet.as_str(), 1, 0, rows, 0))
        .set_values((sheet.as_str(), 1, 5, rows, 5));
    chart.title().set_name(words.chart_title.as_str());
    // Both axes start at zero so that bar heights and the line compare
    // honestly; scores are out of 100.
    chart.y_axis().set_num_format("0%").set_min(0);
    let mut line = Chart::new(ChartType::Line);
    line.add_series()
        .set_name(words.chart_score.as_str())
        .set_categories((sheet.as_str(), 1, 0, rows, 0))
        .set_values((sheet.as_str(), 1, 8, rows, 8))
        .set_secondary_axis(true);
    chart.combine(&line);
    chart.y2_axis().set_min(0).set_max(100);
    chart.set_width(760).set_height(380);
    chart
}

fn roster_rows(t: &mut Table, issues: &[Issue]) -> Result<(), XlsxError> {
    let words = &LABELS.words;
    for issue in issues {
        let (kind, department, project, unit, sources) = match issue {
            Issue::Missing(e) => (
                &words.missing,
                e.department.as_str(),
                opt(&e.project),
                opt(&e.unit),
                String::new(),
            ),
            Issue::Duplicate {
                department,
                project,
                unit,
                sources,
            } => (
                &words.duplicate,
                opt(department),
                project.as_str(),
                opt(unit),
                sources.join("；"),
            ),
            Issue::Unlisted(s) => (
                &words.unlisted,
                opt(&s.department),
                opt(&s.project),
                opt(&s.unit),
                s.source.clone(),
            ),
        };
        t.text(kind, Style::Text)?;
        t.text(department, Style::Text)?;
        t.text(project, Style::Text)?;
        t.text(unit, Style::Text)?;
        t.text(&sources, Style::Wrap)?;
        t.end_row();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_and_every_sheet_has_headers() {
        let h = &LABELS.headers;
        assert_eq!(h.records.len(), 21);
        assert_eq!(h.records[13], "差异");
        assert_eq!(h.records[14], "自评等级");
        assert_eq!(h.records[15], "复核等级");
        assert_eq!(h.departments[5], "执行率");
        assert_eq!(h.departments[8], "平均复核得分");
        assert_eq!(h.findings[6], "严重程度");
        assert_eq!(h.files[1], "状态");
    }
}

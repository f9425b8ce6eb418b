//! The consolidated workbook for the bureau (汇总, 部门整体, 指标明细,
//! 部门汇总, 问题清单, 导入情况, and 名单核对 with a roster).
//!
//! The writer renders what the batch gives it: each file's outcome with the
//! verdict on each record (counted under a number, or a duplicate), and at
//! the end the statistics (tallies, department order, reconciliation). Rows
//! are written at once to streamed sheets ([`super::sheet_stream`]), so
//! memory does not grow with the number of forms. A sheet that reaches the
//! row limit continues on `指标明细（2）`, `（3）`… with the same header, filter
//! and print settings.

mod columns;
mod labels;
pub(crate) mod table;

pub use labels::{explain, fill, LABELS};

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{
    Chart, ChartType, Color, ConditionalFormatCell, ConditionalFormatCellRule,
    ConditionalFormatText, ConditionalFormatTextRule, Format, RowNum, Workbook, XlsxError,
};

use self::columns::{
    position, DepartmentRow, FileRow, Files, FindingRow, Findings, IndicatorRow, Indicators,
    RecordRow, Records, Target, DEPARTMENTS, FILES, FINDINGS, INDICATORS, RECORDS, ROSTER,
};
use self::table::{Column, Done, Formats, Rows, Table, Title, HEADER_ROW};
use super::package::{self, Splice};
use super::WriteError;
use crate::model::Kind;
use crate::outcome::{
    Figures, FileOutcome, Reviewed, Skip, Stats, Verdict, BIG_DIFFERENCE, GRADES,
};

/// Excel's rows per sheet: a longer table continues on another sheet.
pub const SHEET_ROWS: RowNum = crate::source::MAX_ROWS;

/// Fill colours of the grades 优 / 良 / 中 / 差, in band order.
const GRADE_COLOURS: [u32; 4] = [0xC6EFCE, 0xDDEBF7, 0xFFEB9C, 0xFFC7CE];
const ALERT_COLOUR: u32 = 0xFFC7CE;

/// A streamed sheet and its continuations.
struct Chain<F: Rows> {
    name: String,
    columns: &'static [Column<F>],
    formats: Formats,
    limit: RowNum,
    full: Vec<Table>,
    current: Table,
}

impl<F: Rows> Chain<F> {
    fn new(
        name: &str,
        columns: &'static [Column<F>],
        formats: Formats,
        limit: RowNum,
    ) -> Result<Self, XlsxError> {
        Ok(Chain {
            name: name.to_string(),
            columns,
            formats,
            // At least one body row and the two totals rows fit a sheet.
            limit: limit.max(HEADER_ROW + 4),
            full: Vec::new(),
            current: Table::streamed(name, columns, formats)?,
        })
    }

    /// Room for `rows` more rows, on a new sheet if this one is full.
    fn room(&mut self, rows: RowNum) -> Result<&mut Table, XlsxError> {
        if self.current.rows() + rows > self.limit {
            let n = (self.full.len() + 2).to_string();
            let name = fill(&LABELS.words.continued, &[("sheet", &self.name), ("n", &n)]);
            let next = Table::streamed(&name, self.columns, self.formats)?;
            self.full.push(std::mem::replace(&mut self.current, next));
        }
        Ok(&mut self.current)
    }

    fn row(&mut self, r: &F::Row<'_>) -> Result<(), XlsxError> {
        let columns = self.columns;
        self.room(1)?.row(columns, r)
    }

    /// Every part, decorated, with its title.
    fn finish(
        self,
        title: &Title,
        mut decorate: impl FnMut(&mut Table) -> Result<(), XlsxError>,
    ) -> Result<Vec<Done>, XlsxError> {
        let mut parts = self.full;
        parts.push(self.current);
        parts
            .into_iter()
            .map(|mut t| {
                decorate(&mut t)?;
                t.finish(title)
            })
            .collect()
    }
}

/// Writes the consolidated workbook as outcomes arrive.
pub struct Consolidated {
    /// The output as the user named it, for error messages.
    path: PathBuf,
    /// Owns the formats the streamed rows refer to; the sheets are pushed
    /// into it in sheet order at the end.
    workbook: Workbook,
    formats: Formats,
    limit: RowNum,
    records: Chain<Records>,
    /// Department-wide forms, from the first one on.
    whole: Option<Chain<Records>>,
    indicators: Chain<Indicators>,
    findings: Chain<Findings>,
    files: Chain<Files>,
}

impl Consolidated {
    /// Starts a workbook that will be saved for `path`, each sheet holding
    /// at most `limit` rows ([`SHEET_ROWS`] but in tests).
    pub fn new(path: &Path, limit: RowNum) -> Result<Self, WriteError> {
        Self::start(path, limit).map_err(|e| xlsx_error(path, e))
    }

    fn start(path: &Path, limit: RowNum) -> Result<Self, XlsxError> {
        let sheets = &LABELS.sheets;
        // Worksheets are created detached so that sheet order is decided at
        // the end, when the small 部门汇总 sheet is built.
        let mut workbook = Workbook::new();
        super::atomic::mark(&mut workbook, super::atomic::Made::Consolidated);
        let formats = Formats::register(&mut workbook);
        Ok(Consolidated {
            path: path.to_path_buf(),
            workbook,
            formats,
            limit,
            records: Chain::new(&sheets.records, &RECORDS, formats, limit)?,
            whole: None,
            indicators: Chain::new(&sheets.indicators, &INDICATORS, formats, limit)?,
            findings: Chain::new(&sheets.findings, &FINDINGS, formats, limit)?,
            files: Chain::new(&sheets.files, &FILES, formats, limit)?,
        })
    }

    /// Adds one file's outcome with the batch's verdict on each of its
    /// records: its 导入情况 row and, for each counted record, its rows in
    /// 汇总 (or 部门整体), 指标明细 and 问题清单.
    pub fn add(&mut self, outcome: &FileOutcome, verdicts: &[Verdict]) -> Result<(), WriteError> {
        self.add_outcome(outcome, verdicts)
            .map_err(|e| xlsx_error(&self.path, e))
    }

    fn add_outcome(
        &mut self,
        outcome: &FileOutcome,
        verdicts: &[Verdict],
    ) -> Result<(), XlsxError> {
        let file = outcome.path.display().to_string();
        self.file_row(&file, outcome, verdicts)?;
        for (r, verdict) in outcome.records().iter().zip(verdicts) {
            if let Verdict::Counted { number, figures } = verdict {
                self.record(*number, &file, r, figures)?;
            }
        }
        Ok(())
    }

    fn file_row(
        &mut self,
        file: &str,
        outcome: &FileOutcome,
        verdicts: &[Verdict],
    ) -> Result<(), XlsxError> {
        let words = &LABELS.words;
        let records = outcome.records();
        let mut mappings: Vec<&str> = records
            .iter()
            .filter_map(|r| r.imported.record.source.mapping.as_deref())
            .collect();
        mappings.sort_unstable();
        mappings.dedup();
        let kept: Vec<String> = verdicts
            .iter()
            .filter_map(|v| match v {
                Verdict::Duplicate { kept } => Some(beside(&outcome.path, kept)),
                Verdict::Counted { .. } => None,
            })
            .collect();
        let counted = verdicts.len() - kept.len();
        let (status, note) = match (outcome.error(), kept.first()) {
            _ if outcome.skipped().is_some() => (skipped(outcome.skipped()), String::new()),
            (Some(error), _) => (&words.failed, explain(&outcome.path, error)),
            (None, Some(first)) if counted == 0 => (
                &words.duplicate_file,
                fill(&words.duplicate_note, &[("kept", first)]),
            ),
            (None, Some(first)) => (
                &words.imported,
                fill(
                    &words.partly_duplicate,
                    &[("n", &kept.len().to_string()), ("kept", first)],
                ),
            ),
            (None, None) => (&words.imported, String::new()),
        };
        self.files.row(&FileRow {
            file,
            status,
            mappings: mappings.join("、"),
            records: records.len(),
            counted,
            unread: records
                .iter()
                .map(|r| r.imported.record.source.unread.len())
                .sum(),
            note,
        })
    }

    fn record(
        &mut self,
        number: usize,
        file: &str,
        r: &Reviewed,
        f: &Figures,
    ) -> Result<(), XlsxError> {
        let record = &r.imported.record;
        let row = RecordRow { number, file, r, f };
        if record.kind == Kind::Department {
            let whole = match &mut self.whole {
                Some(chain) => chain,
                None => self.whole.insert(Chain::new(
                    &LABELS.sheets.whole,
                    &RECORDS,
                    self.formats,
                    self.limit,
                )?),
            };
            whole.row(&row)?;
        } else {
            self.records.row(&row)?;
        }
        for (index, indicator) in record.indicators.iter().enumerate() {
            let rules: Vec<&str> = r
                .review
                .findings
                .iter()
                .filter(|f| f.indicator == Some(index))
                .map(|f| f.rule)
                .collect();
            self.indicators.row(&IndicatorRow {
                number,
                r,
                indicator,
                index,
                target: Target::of(r.review.indicators.get(index)),
                rules: rules.join(", "),
            })?;
        }
        for finding in &r.review.findings {
            self.findings.row(&FindingRow {
                number,
                r,
                file,
                finding,
            })?;
        }
        Ok(())
    }

    /// Writes the totals rows, the 部门汇总 sheet (and 名单核对 with a
    /// roster) and saves the workbook to `save_to` (normally a temporary
    /// file beside the output). `region` (`XX市`) heads every sheet's title.
    pub fn finish(
        self,
        save_to: &Path,
        stats: &Stats,
        region: Option<&str>,
    ) -> Result<(), WriteError> {
        let path = self.path.clone();
        self.save(save_to, stats, region)
            .map_err(|e| xlsx_error(&path, e))
    }

    fn save(
        mut self,
        save_to: &Path,
        stats: &Stats,
        region: Option<&str>,
    ) -> Result<(), XlsxError> {
        let words = &LABELS.words;
        let totals = [words.total.as_str(), words.covered.as_str()];
        self.records
            .room(2)?
            .totals(&RECORDS, &stats.total, totals)?;
        if let Some(whole) = &mut self.whole {
            whole.room(2)?.totals(&RECORDS, &stats.whole, totals)?;
        }
        let titles = Titles::new(stats, region);
        let record_look = |t: &mut Table| {
            grade_formats(
                t,
                &[
                    position(&RECORDS, columns::GRADE_REPORTED),
                    position(&RECORDS, columns::GRADE_RECOMPUTED),
                ],
            )?;
            difference_format(t, position(&RECORDS, columns::DIFFERENCE))
        };
        let mut sheets = self
            .records
            .finish(&titles.of(&LABELS.sheets.records, true), record_look)?;
        if let Some(whole) = self.whole {
            sheets.extend(whole.finish(&titles.of(&LABELS.sheets.whole, true), record_look)?);
        }
        sheets.extend(
            self.indicators
                .finish(&titles.of(&LABELS.sheets.indicators, false), |_| Ok(()))?,
        );
        sheets
            .push(departments_sheet(stats)?.finish(&titles.of(&LABELS.sheets.departments, true))?);
        let severity = position(&FINDINGS, columns::SEVERITY);
        sheets.extend(
            self.findings
                .finish(&titles.of(&LABELS.sheets.findings, false), |t| {
                    alert_format(t, severity, &words.error)
                })?,
        );
        let status = position(&FILES, columns::STATUS);
        sheets.extend(
            self.files
                .finish(&titles.of(&LABELS.sheets.files, false), |t| {
                    alert_format(t, status, &words.failed)?;
                    alert_format(t, status, &words.duplicate_file)
                })?,
        );
        if let Some(issues) = &stats.roster {
            let mut table = Table::new(&LABELS.sheets.roster, &ROSTER)?;
            for issue in issues {
                table.row(&ROSTER, issue)?;
            }
            sheets.push(table.finish(&titles.of(&LABELS.sheets.roster, false))?);
        }
        package(self.workbook, sheets, save_to)
    }
}

/// The title block's words: the workbook's title from the years of the
/// forms, and the date of making.
struct Titles {
    title: String,
    date: String,
}

impl Titles {
    fn new(stats: &Stats, region: Option<&str>) -> Self {
        let [(_, region), (_, year)] = title_values(stats, region);
        let today = chrono_free_today();
        Titles {
            title: fill(&LABELS.words.title, &[("region", &region), ("year", &year)]),
            date: fill(&LABELS.words.date, &[("date", &today)]),
        }
    }

    fn of(&self, sheet: &str, money: bool) -> Title<'_> {
        let title = if sheet == LABELS.sheets.records {
            self.title.clone()
        } else {
            fill(
                &LABELS.words.sheet_title,
                &[("title", &self.title), ("sheet", sheet)],
            )
        };
        Title {
            title,
            unit: money.then_some(LABELS.words.unit.as_str()),
            date: &self.date,
        }
    }
}

/// The values that head a title, `{region}` and `{year}`: the region as
/// the `region` words make it (`XX市 `, empty without one) and the years of
/// the forms (`2023年度`, `2019—2023年度`, empty without a year). The
/// workbook's titles and the written summary's share them.
///
/// ```
/// use jixiao::outcome::Stats;
/// use jixiao::write::consolidated::title_values;
/// let [(_, region), (_, year)] = title_values(&Stats::default(), Some("XX市"));
/// assert_eq!((region.as_str(), year.as_str()), ("XX市 ", ""));
/// let [(_, region), _] = title_values(&Stats::default(), Some("  "));
/// assert_eq!(region, "");
/// ```
pub fn title_values(stats: &Stats, region: Option<&str>) -> [(&'static str, String); 2] {
    let region = match region.map(str::trim) {
        Some(name) if !name.is_empty() => fill(&LABELS.words.region, &[("region", name)]),
        _ => String::new(),
    };
    let year = match stats.year_span() {
        Some((first, last)) if first == last => format!("{first}年度"),
        Some((first, last)) => format!("{first}—{last}年度"),
        None => String::new(),
    };
    [("region", region), ("year", year)]
}

/// Today's date (UTC) as `2024年3月5日`, from the system clock.
fn chrono_free_today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    let (y, m, d) = civil_from_days(days);
    format!("{y}年{m}月{d}日")
}

/// Howard Hinnant's days-to-civil: the proleptic Gregorian date of a day
/// count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
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

/// `other` as a clerk finds it from `path`: its file name when both are in
/// one folder, else its whole path.
fn beside(path: &Path, other: &Path) -> String {
    match other.file_name() {
        Some(name) if path.parent() == other.parent() => name.to_string_lossy().into_owned(),
        _ => other.display().to_string(),
    }
}

/// The 导入情况 status of a file left out (the web page shows the same
/// words).
pub(crate) fn skipped(skip: Option<&Skip>) -> &'static String {
    let words = &LABELS.words;
    match skip {
        Some(Skip::WrittenByJixiao) => &words.written_by_jixiao,
        Some(Skip::UnchangedOutput) => &words.unchanged_output,
        _ => &words.not_spreadsheet,
    }
}

fn xlsx_error(path: &Path, e: XlsxError) -> WriteError {
    WriteError::Xlsx {
        path: path.to_path_buf(),
        detail: e.to_string(),
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
                .add_conditional_format(HEADER_ROW + 1, col, last, col, &rule)?;
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
        .add_conditional_format(HEADER_ROW + 1, col, last, col, &rule)?;
    Ok(())
}

/// Highlights cells of `col` holding `word` (失败, 错误).
fn alert_format(t: &mut Table, col: u16, word: &str) -> Result<(), XlsxError> {
    let rule = ConditionalFormatText::new()
        .set_rule(ConditionalFormatTextRule::Contains(word.into()))
        .set_format(Format::new().set_background_color(Color::RGB(ALERT_COLOUR)));
    let last = t.data_last();
    t.worksheet()
        .add_conditional_format(HEADER_ROW + 1, col, last, col, &rule)?;
    Ok(())
}

/// 部门汇总: one row per 主管部门 in the batch's order, a totals row and a
/// chart.
fn departments_sheet(stats: &Stats) -> Result<Table, XlsxError> {
    let mut t = Table::new(&LABELS.sheets.departments, &DEPARTMENTS)?;
    let departments = stats.departments_in_order();
    for (name, tally) in &departments {
        t.row(&DEPARTMENTS, &DepartmentRow { name, t: tally })?;
    }
    let total = DepartmentRow {
        name: &LABELS.words.total,
        t: &stats.total,
    };
    t.total_row(&DEPARTMENTS, &total)?;
    let rows = departments.len() as u32;
    if rows > 0 {
        let chart = department_chart(rows);
        t.worksheet()
            .insert_chart(HEADER_ROW + rows + 3, 0, &chart)?;
        // The chart is 380 pixels high: 19 default rows, and a margin.
        t.print_below(3 + 20);
    }
    Ok(t)
}

/// 执行率 as columns and the average 复核得分 as a line on a second axis,
/// per department.
fn department_chart(rows: u32) -> Chart {
    let (sheet, words) = (&LABELS.sheets.departments, &LABELS.words);
    let (first, last) = (HEADER_ROW + 1, HEADER_ROW + rows);
    let rate = position(&DEPARTMENTS, columns::RATE);
    let score = position(&DEPARTMENTS, columns::AVERAGE_REVIEW);
    let mut chart = Chart::new(ChartType::Column);
    chart
        .add_series()
        .set_name(words.chart_rate.as_str())
        .set_categories((sheet.as_str(), first, 0, last, 0))
        .set_values((sheet.as_str(), first, rate, last, rate));
    chart.title().set_name(words.chart_title.as_str());
    // Both axes start at zero so that bar heights and the line compare
    // honestly; scores are out of 100.
    chart.y_axis().set_num_format("0%").set_min(0);
    let mut line = Chart::new(ChartType::Line);
    line.add_series()
        .set_name(words.chart_score.as_str())
        .set_categories((sheet.as_str(), first, 0, last, 0))
        .set_values((sheet.as_str(), first, score, last, score))
        .set_secondary_axis(true);
    chart.combine(&line);
    chart.y2_axis().set_min(0).set_max(100);
    chart.set_width(760).set_height(380);
    chart
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }
}

//! The `复核` sheet of `convert --with-review`: what the form reports beside
//! what jixiao recomputes (an empty cell says why in its 说明), each
//! indicator's scores, and every finding with the source cells it points at.
//!
//! Printed A4 landscape, one page wide. The sheet is paged here, by the row
//! heights the text needs: a table that runs onto another page starts it
//! with its column header again, and a section title never stays alone at
//! the foot of a page (it moves to the next page with its table).

use rust_decimal::{Decimal, RoundingStrategy};
use rust_xlsxwriter::{Workbook, XlsxError};

use super::labels::ReviewLabels;
use super::layout::{Content, Placed, Span, Style};
use super::render;
use std::collections::HashMap;

use super::layout::field_cell;
use crate::model::{Field, Kind, Location, Provenance, Record};
use crate::review::{Finding, Grade, Review, Severity};

/// One grid for the three tables: 序号/规则, 一级/级别, then wider columns
/// the tables merge as each needs (the findings' cells take C:D, their
/// message E:H; the indicators' 一级 B:C).
const WIDTHS: [f64; 8] = [7.0, 8.0, 16.0, 20.0, 34.0, 10.0, 10.0, 11.0];
const LAST_COL: u16 = WIDTHS.len() as u16 - 1;
/// Points of rows one A4 landscape page holds at the print set-up's margins
/// (523 pt), less room for the footer and LibreOffice's/Excel's rounding.
const PAGE_HEIGHT: f64 = 505.0;

/// Appends the review sheet to `workbook`.
pub fn add(
    workbook: &mut Workbook,
    record: &Record,
    review: &Review,
    trace: Option<&Provenance>,
    labels: &ReviewLabels,
) -> Result<(), XlsxError> {
    let mut t = Table::default();
    t.full_row(Style::Title, &labels.title);
    t.used += TITLE_HEIGHT - render::MIN_ROW_HEIGHT;
    t.full_row(Style::Year, record.project.as_deref().unwrap_or_default());
    t.full_row(Style::Text, &source_line(record, labels));
    summary(&mut t, record, review, labels);
    t.gap();
    indicators(&mut t, record, review, labels);
    t.gap();
    let cells = CellNames::new(record, trace, labels);
    findings(&mut t, &review.findings, &cells, labels);
    let sheet = workbook.add_worksheet();
    sheet.set_name(&labels.sheet)?;
    render::put_all(sheet, &t.cells)?;
    render::size(sheet, &t.cells, &WIDTHS, &[(0, TITLE_HEIGHT)])?;
    render::print_setup(sheet);
    sheet.set_page_breaks(&t.breaks)?;
    Ok(())
}

const TITLE_HEIGHT: f64 = 36.0;

/// The department's file and sheet, named once for every cell below.
fn source_line(record: &Record, labels: &ReviewLabels) -> String {
    let file = std::path::Path::new(&record.source.file)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sheet = record.source.sheet.as_deref().unwrap_or("-");
    labels
        .source
        .replace("{file}", &file)
        .replace("{sheet}", sheet)
}

/// A row as it is about to be placed: each cell over its columns.
type Row = Vec<(u16, u16, Content, Style)>;

/// Cells placed row by row, paged as they go.
#[derive(Default)]
struct Table {
    cells: Vec<Placed>,
    row: u32,
    /// Points of the current page already used.
    used: f64,
    /// Rows that start a new page.
    breaks: Vec<u32>,
    /// The column header of the table being written, repeated on a new page.
    header: Option<Row>,
}

impl Table {
    /// The height `row` needs, as the sheet will size it.
    fn height(row: &Row) -> f64 {
        let placed: Vec<Placed> = row
            .iter()
            .map(|(col, last, content, style)| Placed {
                span: Span::new(0, *col, 0, *last),
                content: content.clone(),
                style: *style,
            })
            .collect();
        render::row_heights(&placed, &WIDTHS)
            .values()
            .copied()
            .fold(render::MIN_ROW_HEIGHT, f64::max)
    }

    fn new_page(&mut self) {
        self.breaks.push(self.row);
        self.used = 0.0;
    }

    /// Places a row, first starting a new page (with the table's header
    /// again) when it would not fit on this one.
    fn place(&mut self, row: Row) {
        self.place_keeping(row, 0.0);
    }

    /// As [`Table::place`], keeping `following` points of what comes next
    /// (a note under the table) on the same page as this row.
    fn place_keeping(&mut self, row: Row, following: f64) {
        let h = Self::height(&row) + following;
        if self.used > 0.0 && self.used + h > PAGE_HEIGHT {
            self.new_page();
            if let Some(header) = self.header.clone() {
                self.place_here(header);
            }
        }
        self.place_here(row);
    }

    fn place_here(&mut self, row: Row) {
        self.used += Self::height(&row);
        for (col, last, content, style) in row {
            self.put(col, last, content, style);
        }
        self.row += 1;
    }

    /// A section title: kept on the page of its table's header and first
    /// row (`following` points), never left alone at the foot of a page.
    fn section(&mut self, style: Style, text: &str, following: f64) {
        self.header = None;
        let row: Row = vec![(0, LAST_COL, Content::Text(text.to_string()), style)];
        if self.used > 0.0 && self.used + Self::height(&row) + following > PAGE_HEIGHT {
            self.new_page();
        }
        self.place(row);
    }

    /// A table's column header, repeated on every page the table runs onto.
    fn header(&mut self, row: Row) {
        self.header = Some(row.clone());
        self.place(row);
    }

    /// An empty row between sections (none at the top of a page).
    fn gap(&mut self) {
        self.header = None;
        if self.used > 0.0 {
            self.row += 1;
            self.used += render::MIN_ROW_HEIGHT;
        }
    }

    fn put(&mut self, col: u16, last_col: u16, content: Content, style: Style) {
        let span = Span::new(self.row, col, self.row, last_col);
        self.cells.push(Placed {
            span,
            content,
            style,
        });
    }

    fn full_row(&mut self, style: Style, text: &str) {
        self.place(vec![(0, LAST_COL, Content::Text(text.to_string()), style)]);
    }

    /// A row of cells, each over its columns.
    fn cells(&mut self, cells: Row) {
        self.place(cells);
    }
}

fn text(value: Option<&str>) -> Content {
    value.map_or(Content::Blank, |s| Content::Text(s.to_string()))
}

fn number(value: Option<Decimal>) -> Content {
    value.map_or(Content::Blank, Content::Number)
}

/// A figure jixiao computed, rounded half away from zero to `places` as it
/// is displayed (a rate's 4 places are 2 in percent); the form's own figures
/// are never rounded.
fn computed(value: Option<Decimal>, places: u32) -> Option<Decimal> {
    value.map(|d| d.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero))
}

/// A value, or the blank mark when there is none.
fn shown(value: Option<Decimal>, labels: &ReviewLabels) -> Content {
    value.map_or_else(|| Content::Text(labels.blank.clone()), Content::Number)
}

fn summary(t: &mut Table, record: &Record, review: &Review, labels: &ReviewLabels) {
    let h = &labels.summary_columns;
    let header = |s: &String| Content::Text(s.clone());
    t.header(vec![
        (0, 2, header(&h[0]), Style::Header),
        (3, 3, header(&h[1]), Style::Header),
        (4, 4, header(&h[2]), Style::Header),
        (5, LAST_COL, header(&h[3]), Style::Header),
    ]);
    let total_blank = if review.unscored {
        &labels.blank_unscored
    } else if review.total_recomputed.is_none() && review.findings.iter().any(over_max) {
        &labels.blank_over_max
    } else {
        &labels.blank_no_total
    };
    let funds_reported = record.funds.score;
    let total_reported = review.total_reported.or(record.total_score);
    let rows = [
        (
            &labels.rate,
            record.funds.rate,
            computed(review.rate_recomputed, 4),
            Style::Rate,
            &labels.blank_funds,
        ),
        (
            &labels.budget_score,
            funds_reported,
            computed(review.budget_score_recomputed, 2),
            Style::Points,
            &labels.blank_funds,
        ),
        (
            &labels.total,
            total_reported,
            computed(review.total_recomputed, 2),
            Style::Points,
            total_blank,
        ),
    ];
    for (label, reported, recomputed, style, why) in rows {
        let note = explain(reported, recomputed, why, labels, style == Style::Rate);
        t.cells(vec![
            (0, 2, Content::Text(label.clone()), Style::Label),
            (3, 3, shown(reported, labels), style),
            (4, 4, shown(recomputed, labels), style),
            (5, LAST_COL, Content::Text(note), Style::Text),
        ]);
    }
    let grade = |g: Option<Grade>| {
        Content::Text(match g {
            Some(g) => g.label().to_string(),
            None => labels.blank.clone(),
        })
    };
    let grade_note = match (review.grade_reported, review.grade_recomputed) {
        (_, None) => total_blank.clone(),
        (None, Some(_)) => labels.blank_reported.clone(),
        _ => String::new(),
    };
    t.cells(vec![
        (0, 2, Content::Text(labels.grade.clone()), Style::Label),
        (3, 3, grade(review.grade_reported), Style::TextCenter),
        (4, 4, grade(review.grade_recomputed), Style::TextCenter),
        (5, LAST_COL, Content::Text(grade_note), Style::Text),
    ]);
}

fn over_max(f: &Finding) -> bool {
    matches!(f.rule, "P10" | "W2")
}

/// The 说明 of a summary row: why a cell is empty, or how far apart the two
/// figures are.
fn explain(
    reported: Option<Decimal>,
    recomputed: Option<Decimal>,
    why_recomputed: &str,
    labels: &ReviewLabels,
    rate: bool,
) -> String {
    let mut note = String::new();
    if reported.is_none() {
        note.push_str(&labels.blank_reported);
    }
    match (reported, recomputed) {
        (_, None) => note.push_str(why_recomputed),
        (Some(r), Some(c)) if !rate => {
            let diff = r - c;
            if diff.abs() >= Decimal::new(1, 2) {
                let diff = crate::write::numbers::points(diff.abs());
                note.push_str(&labels.differs.replace("{diff}", &diff));
            }
        }
        _ => {}
    }
    note
}

fn indicators(t: &mut Table, record: &Record, review: &Review, labels: &ReviewLabels) {
    let h = &labels.indicator_columns;
    let header = |i: usize| Content::Text(h[i].clone());
    let columns: Row = vec![
        (0, 0, header(0), Style::Header),
        (1, 2, header(1), Style::Header),
        (3, 3, header(2), Style::Header),
        (4, 4, header(3), Style::Header),
        (5, 5, header(4), Style::Header),
        (6, 6, header(5), Style::Header),
        (7, 7, header(6), Style::Header),
    ];
    let following = Table::height(&columns) * 2.0;
    t.section(Style::Header, &labels.indicator_title, following);
    t.header(columns);
    let blank = review
        .indicators
        .iter()
        .any(|r| r.applicable() && r.recomputed_score.is_none());
    let note: Row = vec![(
        0,
        LAST_COL,
        Content::Text(labels.indicator_blank_note.clone()),
        Style::Text,
    )];
    let note_height = if blank { Table::height(&note) } else { 0.0 };
    let last = record.indicators.len().saturating_sub(1);
    for (i, ind) in record.indicators.iter().enumerate() {
        let r = review.indicators.get(i);
        let recomputed = r.and_then(|r| r.recomputed_score);
        let following = if i == last { note_height } else { 0.0 };
        t.place_keeping(
            vec![
                (
                    0,
                    0,
                    Content::Number(Decimal::from(i + 1)),
                    Style::TextCenter,
                ),
                (1, 2, text(ind.level1.as_deref()), Style::TextCenter),
                (3, 3, text(ind.level2.as_deref()), Style::TextCenter),
                (4, 4, text(ind.name.as_deref()), Style::Text),
                (5, 5, number(ind.weight), Style::Points),
                (6, 6, number(ind.score), Style::Points),
                (7, 7, number(computed(recomputed, 2)), Style::Points),
            ],
            following,
        );
    }
    if blank {
        t.header = None;
        t.place(note);
    }
}

/// Names a finding's cells: where they are on the department's sheet
/// (named once, above) and, when the record's provenance is known, on this
/// standard form.
struct CellNames<'a> {
    fields: HashMap<&'a Location, Field>,
    kind: Kind,
    indicators: usize,
    template: &'a str,
}

impl<'a> CellNames<'a> {
    fn new(record: &Record, trace: Option<&'a Provenance>, labels: &'a ReviewLabels) -> Self {
        // A merged source cell (一级指标 over many rows) is the provenance of
        // several fields: name the first, the top of the merged run here too.
        let mut fields = HashMap::new();
        for (field, at) in trace.into_iter().flat_map(Provenance::iter) {
            fields.entry(at).or_insert(*field);
        }
        CellNames {
            fields,
            kind: record.kind,
            indicators: record.indicators.len(),
            template: &labels.cell_in_form,
        }
    }

    fn name(&self, at: &Location) -> String {
        let source = at.cell.to_string();
        match self.fields.get(at) {
            Some(field) => {
                let cell = field_cell(*field, self.kind, self.indicators).to_string();
                // The same address on both sheets is named once.
                if cell == source {
                    source
                } else {
                    fill(self.template, &source, &cell)
                }
            }
            None => source,
        }
    }
}

/// `template` with `{source}` and `{cell}` filled in.
fn fill(template: &str, source: &str, cell: &str) -> String {
    template.replace("{cell}", cell).replace("{source}", source)
}

fn findings(t: &mut Table, findings: &[Finding], cells: &CellNames, labels: &ReviewLabels) {
    if findings.is_empty() {
        t.section(
            Style::Header,
            &labels.findings_title,
            render::MIN_ROW_HEIGHT,
        );
        t.full_row(Style::Text, &labels.no_findings);
        return;
    }
    let h = &labels.findings_columns;
    let header = |i: usize| Content::Text(h[i].clone());
    let columns: Row = vec![
        (0, 0, header(0), Style::Header),
        (1, 1, header(1), Style::Header),
        (2, 3, header(2), Style::Header),
        (4, LAST_COL, header(3), Style::Header),
    ];
    let following = Table::height(&columns) + 2.0 * render::MIN_ROW_HEIGHT;
    t.section(Style::Header, &labels.findings_title, following);
    t.header(columns);
    // Errors first, as a reviewer reads them; the rule order within each.
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| f.severity);
    for f in sorted {
        let names: Vec<String> = f.cells.iter().map(|c| cells.name(c)).collect();
        t.cells(vec![
            (0, 0, Content::Text(f.rule.to_string()), Style::TextCenter),
            (
                1,
                1,
                Content::Text(severity(f.severity, labels).to_string()),
                Style::TextCenter,
            ),
            (2, 3, Content::Text(names.join("、")), Style::Text),
            (4, LAST_COL, Content::Text(f.message.clone()), Style::Text),
        ]);
    }
}

fn severity(s: Severity, labels: &ReviewLabels) -> &str {
    match s {
        Severity::Error => &labels.severity_error,
        Severity::Warning => &labels.severity_warning,
        Severity::Info => &labels.severity_info,
    }
}

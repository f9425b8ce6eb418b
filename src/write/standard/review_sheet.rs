//! The `复核` sheet of `convert --with-review`: what the form reports beside
//! what jixiao recomputes, each indicator's scores, and every finding with
//! the source cells it points at.

use rust_decimal::{Decimal, RoundingStrategy};
use rust_xlsxwriter::{Workbook, XlsxError};

use super::labels::ReviewLabels;
use super::layout::{Content, Placed, Span, Style};
use super::render;
use std::collections::HashMap;

use super::layout::field_cell;
use crate::model::{Field, Kind, Location, Provenance, Record};
use crate::review::{Finding, Grade, Review, Severity};

const WIDTHS: [f64; 7] = [16.0, 20.0, 20.0, 30.0, 12.0, 12.0, 12.0];
const LAST_COL: u16 = WIDTHS.len() as u16 - 1;

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
    t.full_row(Style::Year, record.project.as_deref().unwrap_or_default());
    summary(&mut t, record, review, labels);
    t.row += 1;
    indicators(&mut t, record, review, labels);
    t.row += 1;
    let cells = CellNames::new(record, trace, labels);
    findings(&mut t, &review.findings, &cells, labels);
    let sheet = workbook.add_worksheet();
    sheet.set_name(&labels.sheet)?;
    render::put_all(sheet, &t.cells)?;
    render::size(sheet, &t.cells, &WIDTHS, &[(0, 36.0)])?;
    render::print_setup(sheet);
    Ok(())
}

/// Cells placed row by row.
#[derive(Default)]
struct Table {
    cells: Vec<Placed>,
    row: u32,
}

impl Table {
    fn put(&mut self, col: u16, last_col: u16, content: Content, style: Style) {
        let span = Span::new(self.row, col, self.row, last_col);
        self.cells.push(Placed {
            span,
            content,
            style,
        });
    }

    fn full_row(&mut self, style: Style, text: &str) {
        self.put(0, LAST_COL, Content::Text(text.to_string()), style);
        self.row += 1;
    }

    /// A header row; with `stretch` the last header spans to the sheet's
    /// last column, over the wide text below it.
    fn headers(&mut self, texts: &[String], stretch: bool) {
        for (col, text) in (0..).zip(texts) {
            let last = if stretch && col + 1 == texts.len() as u16 {
                LAST_COL
            } else {
                col
            };
            self.put(col, last, Content::Text(text.clone()), Style::Header);
        }
        self.row += 1;
    }
}

fn number(value: Option<Decimal>) -> Content {
    value.map_or(Content::Blank, Content::Number)
}

/// A figure jixiao computed, rounded half away from zero to `places` as it
/// is displayed (a rate's 4 places are 2 in percent); the form's own figures
/// are never rounded.
fn computed(value: Option<Decimal>, places: u32) -> Content {
    let round =
        |d: Decimal| d.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    number(value.map(round))
}

fn text(value: Option<&str>) -> Content {
    value.map_or(Content::Blank, |s| Content::Text(s.to_string()))
}

fn summary(t: &mut Table, record: &Record, review: &Review, labels: &ReviewLabels) {
    t.headers(&labels.summary_columns, false);
    let grade = |g: Option<Grade>| text(g.map(Grade::label));
    let rows = [
        (
            &labels.rate,
            number(record.funds.rate),
            computed(review.rate_recomputed, 4),
            Style::Rate,
        ),
        (
            &labels.budget_score,
            number(review.budget_score_reported.or(record.funds.score)),
            computed(review.budget_score_recomputed, 2),
            Style::Points,
        ),
        (
            &labels.total,
            number(review.total_reported.or(record.total_score)),
            computed(review.total_recomputed, 2),
            Style::Points,
        ),
        (
            &labels.grade,
            grade(review.grade_reported),
            grade(review.grade_recomputed),
            Style::TextCenter,
        ),
    ];
    for (label, reported, recomputed, style) in rows {
        t.put(0, 0, Content::Text(label.clone()), Style::Label);
        t.put(1, 1, reported, style);
        t.put(2, 2, recomputed, style);
        t.row += 1;
    }
}

fn indicators(t: &mut Table, record: &Record, review: &Review, labels: &ReviewLabels) {
    t.full_row(Style::Header, &labels.indicator_title);
    t.headers(&labels.indicator_columns, false);
    for (i, ind) in record.indicators.iter().enumerate() {
        let recomputed = review.indicators.get(i).and_then(|r| r.recomputed_score);
        let cells = [
            (Content::Number(Decimal::from(i + 1)), Style::Points),
            (text(ind.level1.as_deref()), Style::TextCenter),
            (text(ind.level2.as_deref()), Style::TextCenter),
            (text(ind.name.as_deref()), Style::Text),
            (number(ind.weight), Style::Points),
            (number(ind.score), Style::Points),
            (computed(recomputed, 2), Style::Points),
        ];
        for (col, (content, style)) in (0..).zip(cells) {
            t.put(col, col, content, style);
        }
        t.row += 1;
    }
}

/// Names a finding's cells: where they are in the department's workbook
/// and, when the record's provenance is known, on this standard form.
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
        let source = at.to_string();
        match self.fields.get(at) {
            Some(field) => {
                let cell = field_cell(*field, self.kind, self.indicators).to_string();
                fill(self.template, &source, &cell)
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
    t.full_row(Style::Header, &labels.findings_title);
    if findings.is_empty() {
        t.put(
            0,
            LAST_COL,
            Content::Text(labels.no_findings.clone()),
            Style::Text,
        );
        return;
    }
    t.headers(&labels.findings_columns, true);
    // Errors first, as a reviewer reads them; the rule order within each.
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| f.severity);
    for f in sorted {
        let cells: Vec<String> = f.cells.iter().map(|c| cells.name(c)).collect();
        t.put(0, 0, Content::Text(f.rule.to_string()), Style::TextCenter);
        t.put(
            1,
            1,
            Content::Text(severity(f.severity, labels).to_string()),
            Style::TextCenter,
        );
        t.put(2, 2, Content::Text(cells.join("、")), Style::TextCenter);
        t.put(3, LAST_COL, Content::Text(f.message.clone()), Style::Text);
        t.row += 1;
    }
}

fn severity(s: Severity, labels: &ReviewLabels) -> &str {
    match s {
        Severity::Error => &labels.severity_error,
        Severity::Warning => &labels.severity_warning,
        Severity::Info => &labels.severity_info,
    }
}

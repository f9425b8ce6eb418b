//! OpenDocument spreadsheets, read straight from `content.xml`: values,
//! merges (`number-columns-spanned`/`-rows-spanned`), hidden rows, columns and
//! sheets, with repeated rows and columns expanded only where they hold
//! values (so a trailing run of a million empty rows costs nothing).

use std::collections::HashSet;
use std::io::{Cursor, Read};
use std::ops::Range;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::grid::{self, MAX_CELL_CHARS, MAX_COLS, MAX_ROWS};
use super::xml::{attr, attr_u32, push_text};
use super::{Area, CellRef, Ctx, Sheet, SourceError, Value};

pub fn read(ctx: &Ctx, bytes: &[u8]) -> Result<Vec<Sheet>, SourceError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ctx.corrupt("ods", e))?;
    let mut content = Vec::new();
    zip.by_name("content.xml")
        .map_err(|e| ctx.corrupt("ods", e))?
        .read_to_end(&mut content)
        .map_err(|e| ctx.corrupt("ods", format!("content.xml: {e}")))?;
    Parser::new(ctx).run(&content)
}

/// The cell being read.
#[derive(Default)]
struct PendingCell {
    value: Option<Value>,
    kind: Option<String>,
    text: String,
    paragraphs: usize,
    /// Spaces added by `<text:s>` so far, capped at Excel's limit on a
    /// cell's text ([`MAX_CELL_CHARS`]): `<text:s text:c="1024"/>` turns 22
    /// bytes into 1024 spaces, and no cell a person could type holds more,
    /// so a million of them cannot swell one cell to a gigabyte.
    spaces: usize,
    repeat: u32,
}

struct Parser<'c, 'a> {
    ctx: &'c Ctx<'a>,
    sheets: Vec<Sheet>,
    hidden_styles: HashSet<String>,
    style: Option<String>,
    table: Option<Table>,
    cell: Option<PendingCell>,
    /// Depth inside an annotation (a comment), whose text is not the cell's.
    annotation: usize,
    budget: u64,
    /// Hidden lines kept over all sheets, bounded like cells.
    hidden_spent: u64,
}

#[derive(Default)]
struct Table {
    name: String,
    hidden: bool,
    cells: Vec<(CellRef, Value)>,
    merges: Vec<Area>,
    hidden_lines: Hidden,
    row: u32,
    col: u32,
    next_column: u32,
    row_repeat: u32,
    row_cells: Vec<(u32, Value)>,
    /// Bytes of text in `row_cells`, charged once per repeat of the row.
    row_text: u64,
}

impl<'c, 'a> Parser<'c, 'a> {
    fn new(ctx: &'c Ctx<'a>) -> Self {
        Parser {
            ctx,
            sheets: Vec::new(),
            hidden_styles: HashSet::new(),
            style: None,
            table: None,
            cell: None,
            annotation: 0,
            budget: 0,
            hidden_spent: 0,
        }
    }

    fn run(mut self, content: &[u8]) -> Result<Vec<Sheet>, SourceError> {
        let mut reader = Reader::from_reader(content);
        let mut buf = Vec::new();
        loop {
            let event = reader.read_event_into(&mut buf).map_err(|e| {
                let at = reader.buffer_position();
                self.ctx
                    .corrupt("ods", format!("content.xml at byte {at}: {e}"))
            })?;
            match &event {
                Event::Eof => break,
                Event::Start(e) => self.start(e, false)?,
                Event::Empty(e) => self.start(e, true)?,
                Event::End(e) => self.end(e.local_name().as_ref())?,
                Event::DocType(_) => {
                    return Err(self.ctx.corrupt("ods", "content.xml declares a DOCTYPE"))
                }
                other => {
                    if let (Some(cell), 0) = (self.cell.as_mut(), self.annotation) {
                        push_text(other, &mut cell.text);
                    }
                }
            }
            buf.clear();
        }
        Ok(self.sheets)
    }

    fn start(&mut self, e: &BytesStart, empty: bool) -> Result<(), SourceError> {
        match e.local_name().as_ref() {
            "style" => self.style = attr(e, "name"),
            "table-properties" if attr(e, "display").as_deref() == Some("false") => {
                if let Some(s) = self.style.clone() {
                    self.hidden_styles.insert(s);
                }
            }
            "table" => {
                let hidden = attr(e, "style-name").is_some_and(|s| self.hidden_styles.contains(&s));
                self.table = Some(Table {
                    name: attr(e, "name").unwrap_or_default(),
                    hidden,
                    ..Table::default()
                });
                if empty {
                    self.end("table")?;
                }
            }
            "table-column" => self.column(e),
            "table-row" => {
                self.row_start(e);
                if empty {
                    self.end("table-row")?;
                }
            }
            "table-cell" | "covered-table-cell" => {
                self.cell_start(e);
                if empty {
                    self.end("table-cell")?;
                }
            }
            "annotation" if !empty => self.annotation += 1,
            _ if self.annotation > 0 => {}
            name => {
                if let Some(cell) = self.cell.as_mut() {
                    text_markup(cell, name, e);
                }
            }
        }
        Ok(())
    }

    fn end(&mut self, name: &str) -> Result<(), SourceError> {
        match name {
            "annotation" => self.annotation = self.annotation.saturating_sub(1),
            "table-cell" | "covered-table-cell" => self.cell_end()?,
            "table-row" => self.row_end()?,
            "table" => {
                if let Some(t) = self.table.take() {
                    let sheet = Sheet::new(t.name, t.cells, t.merges);
                    let spent = &mut self.hidden_spent;
                    let sheet = t.hidden_lines.apply(self.ctx, sheet, t.hidden, spent)?;
                    self.sheets.push(sheet);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn column(&mut self, e: &BytesStart) {
        let Some(t) = self.table.as_mut() else { return };
        let repeat = attr_u32(e, "number-columns-repeated", 1).max(1);
        let first = t.next_column;
        let last = first.saturating_add(repeat).min(MAX_COLS);
        if attr(e, "visibility").is_some_and(|v| v != "visible") {
            t.hidden_lines.cols(first..last);
        }
        t.next_column = last;
    }

    fn row_start(&mut self, e: &BytesStart) {
        let Some(t) = self.table.as_mut() else { return };
        t.row_repeat = attr_u32(e, "number-rows-repeated", 1).max(1);
        t.col = 0;
        t.row_cells.clear();
        t.row_text = 0;
        if attr(e, "visibility").is_some_and(|v| v != "visible") {
            let last = t.row.saturating_add(t.row_repeat).min(MAX_ROWS);
            t.hidden_lines.rows(t.row..last);
        }
    }

    /// Emits the row's cells once per repetition.
    fn row_end(&mut self) -> Result<(), SourceError> {
        let Some(t) = self.table.as_mut() else {
            return Ok(());
        };
        let repeat = t.row_repeat.max(1);
        if !t.row_cells.is_empty() {
            let copies = u64::from(repeat.min(MAX_ROWS.saturating_sub(t.row)));
            self.budget += copies * t.row_cells.len() as u64;
            self.ctx.check_cell_count(self.budget)?;
            // The first copy was charged cell by cell.
            self.ctx
                .charge_text(copies.saturating_sub(1).saturating_mul(t.row_text))?;
            for k in 0..copies as u32 {
                for (c, v) in &t.row_cells {
                    t.cells.push((CellRef::new(t.row + k, *c), v.clone()));
                }
            }
        }
        t.row = t.row.saturating_add(repeat).min(MAX_ROWS);
        t.row_repeat = 1;
        Ok(())
    }

    fn cell_start(&mut self, e: &BytesStart) {
        let Some(t) = self.table.as_mut() else { return };
        let across = attr_u32(e, "number-columns-spanned", 1);
        let down = attr_u32(e, "number-rows-spanned", 1);
        if across > 1 || down > 1 {
            let first = CellRef::new(t.row, t.col);
            let last = CellRef::new(
                t.row.saturating_add(down - 1).min(MAX_ROWS - 1),
                t.col.saturating_add(across - 1).min(MAX_COLS - 1),
            );
            t.merges.push(Area::new(first, last));
        }
        // LibreOffice marks a formula's error result only in its own
        // `calcext:value-type`; the office type then says "string".
        let calc_type = e
            .attributes()
            .flatten()
            .find(|a| a.key.as_ref() == "calcext:value-type")
            .map(|a| a.value.into_owned());
        let is_error = calc_type.as_deref() == Some("error");
        self.cell = Some(PendingCell {
            value: if is_error { None } else { typed_value(e) },
            kind: if is_error {
                Some("error".into())
            } else {
                attr(e, "value-type")
            },
            repeat: attr_u32(e, "number-columns-repeated", 1).max(1),
            ..PendingCell::default()
        });
    }

    fn cell_end(&mut self) -> Result<(), SourceError> {
        let (Some(t), Some(cell)) = (self.table.as_mut(), self.cell.take()) else {
            return Ok(());
        };
        let repeat = cell.repeat;
        let value = match (cell.value, cell.kind.as_deref()) {
            (Some(v), _) => v,
            (None, Some("error")) => Value::Error(cell.text),
            (None, _) if cell.text.is_empty() => Value::Empty,
            (None, _) => Value::Text(cell.text),
        };
        if value != Value::Empty {
            let last = t.col.saturating_add(repeat).min(MAX_COLS);
            // Charged before cloning: one long text repeated across 16,384
            // columns (and again down repeated rows) is gigabytes.
            let copies = u64::from(last - t.col);
            t.row_text += copies * value.text_len() as u64;
            self.ctx.charge_value(&value, copies)?;
            for c in t.col..last {
                t.row_cells.push((c, value.clone()));
            }
        }
        t.col = t.col.saturating_add(repeat).min(MAX_COLS);
        Ok(())
    }
}

/// Hidden rows and columns of the sheet being read, as runs of lines: one
/// element may hide a million repeated lines, so runs are expanded only when
/// the sheet is done, and only where they can matter.
#[derive(Default)]
pub(super) struct Hidden {
    rows: Vec<Range<u32>>,
    cols: Vec<Range<u32>>,
}

impl Hidden {
    pub fn rows(&mut self, lines: Range<u32>) {
        add_run(&mut self.rows, lines);
    }

    pub fn cols(&mut self, lines: Range<u32>) {
        add_run(&mut self.cols, lines);
    }

    /// `sheet` with its hidden lines: those inside its used area, and the
    /// first line of each hidden run past it (so a hidden empty column next
    /// to the data still shows), never the million empty lines a "hide all
    /// unused rows" repeat covers. `spent` counts the kept lines over the
    /// workbook against the cell budget, so many sheets cannot add up.
    pub fn apply(
        self,
        ctx: &Ctx,
        sheet: Sheet,
        hidden: bool,
        spent: &mut u64,
    ) -> Result<Sheet, SourceError> {
        let end = |line: u32| line.saturating_add(1);
        let (rows_end, cols_end) = sheet
            .used_area()
            .map_or((0, 0), |a| (end(a.last.row), end(a.last.col)));
        let rows = clipped(self.rows, rows_end);
        let cols = clipped(self.cols, cols_end);
        let count =
            |runs: &[Range<u32>]| runs.iter().map(|r| u64::from(r.end - r.start)).sum::<u64>();
        *spent += count(&rows) + count(&cols);
        let limit = ctx.limits.max_cells;
        if *spent > limit {
            return Err(ctx.too_large(format!(
                "more than {limit} hidden rows and columns inside the used area (limit)"
            )));
        }
        let lines = |runs: Vec<Range<u32>>| runs.into_iter().flatten().collect();
        Ok(sheet.with_hidden(hidden, lines(rows), lines(cols)))
    }
}

/// Appends a run, joining it to the last one when they touch (sheets list
/// lines in order, so a file's runs mostly join).
fn add_run(runs: &mut Vec<Range<u32>>, lines: Range<u32>) {
    if lines.is_empty() {
        return;
    }
    match runs.last_mut() {
        Some(last) if last.start <= lines.start && lines.start <= last.end => {
            last.end = last.end.max(lines.end);
        }
        _ => runs.push(lines),
    }
}

/// The union of `runs`, ascending, each cut to the lines before `end` but
/// for its first.
fn clipped(mut runs: Vec<Range<u32>>, end: u32) -> Vec<Range<u32>> {
    runs.sort_unstable_by_key(|r| r.start);
    let mut union = Vec::new();
    for r in runs {
        add_run(&mut union, r);
    }
    // A run is never empty, so `start + 1` cannot overflow.
    union
        .into_iter()
        .map(|r| r.start..r.end.min(end.max(r.start + 1)))
        .collect()
}

/// Paragraph breaks and spacing elements inside a cell's text.
fn text_markup(cell: &mut PendingCell, name: &str, e: &BytesStart) {
    match name {
        "p" => {
            if cell.paragraphs > 0 {
                cell.text.push('\n');
            }
            cell.paragraphs += 1;
        }
        "s" => {
            let room = MAX_CELL_CHARS.saturating_sub(cell.spaces);
            let n = (attr_u32(e, "c", 1) as usize).min(room);
            cell.spaces += n;
            cell.text.extend(std::iter::repeat_n(' ', n));
        }
        "ta" => cell.text.push('\t'),
        "line-break" => cell.text.push('\n'),
        _ => {}
    }
}

/// The value a cell's attributes carry, or `None` when it is its text.
fn typed_value(e: &BytesStart) -> Option<Value> {
    let kind = attr(e, "value-type");
    let formula = attr(e, "formula");
    match kind.as_deref() {
        Some("float" | "percentage" | "currency") => {
            let v = attr(e, "value")?;
            v.trim()
                .parse::<f64>()
                .ok()
                .map(|f| Value::Number(grid::number_text(f)))
        }
        Some("date") => attr(e, "date-value").map(|d| Value::Date(iso_date(&d))),
        Some("time") => attr(e, "time-value").map(|t| Value::Date(iso_duration(&t))),
        Some("boolean") => attr(e, "boolean-value").map(|b| Value::Bool(b == "true")),
        None => formula.map(Value::FormulaNoValue),
        _ => None,
    }
}

/// `2021-03-05T00:00:00` → `2021-03-05`; `…T10:30:00.5` → `2021-03-05 10:30:00`.
fn iso_date(d: &str) -> String {
    match d.split_once('T') {
        Some((day, time)) => {
            let time = time.split('.').next().unwrap_or(time);
            if time.trim_start_matches(['0', ':']).is_empty() {
                day.to_string()
            } else {
                format!("{day} {time}")
            }
        }
        None => d.to_string(),
    }
}

/// `PT12H30M00S` → `12:30:00`.
fn iso_duration(t: &str) -> String {
    let body = t.trim_start_matches("PT");
    let mut parts = [0u64; 3];
    let mut num = String::new();
    for ch in body.chars() {
        match ch {
            'H' | 'M' | 'S' => {
                let i = match ch {
                    'H' => 0,
                    'M' => 1,
                    _ => 2,
                };
                let whole = num.split('.').next().unwrap_or("0");
                parts[i] = whole.parse().unwrap_or(0);
                num.clear();
            }
            c => num.push(c),
        }
    }
    format!("{:02}:{:02}:{:02}", parts[0], parts[1], parts[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_forms() {
        assert_eq!(iso_date("2021-03-05T00:00:00"), "2021-03-05");
        assert_eq!(iso_date("2021-03-05T10:30:00.5"), "2021-03-05 10:30:00");
        assert_eq!(iso_duration("PT12H30M05S"), "12:30:05");
    }

    fn parse(limits: &crate::source::Limits, body: &str) -> Result<Vec<Sheet>, SourceError> {
        let ctx = Ctx::new(std::path::Path::new("t.ods"), limits);
        let content = format!("<office:spreadsheet>{body}</office:spreadsheet>");
        Parser::new(&ctx).run(content.as_bytes())
    }

    fn assert_too_large(result: Result<Vec<Sheet>, SourceError>) {
        match result {
            Err(e @ SourceError::TooLarge { .. }) => assert!(e.to_string().contains("t.ods")),
            Err(e) => panic!("not TooLarge: {e}"),
            Ok(_) => panic!("read"),
        }
    }

    const X: &str =
        r#"<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>"#;

    #[test]
    fn repeated_hidden_rows_cost_only_the_used_area() {
        let limits = crate::source::Limits::default();
        let hide = |n: u32| {
            format!(
                r#"<table:table-row table:visibility="collapse" table:number-rows-repeated="{n}"><table:table-cell/></table:table-row>"#
            )
        };
        let empty = format!(
            r#"<table:table table:name="E">{}</table:table>"#,
            hide(MAX_ROWS)
        );
        let used = format!(
            r#"<table:table table:name="U"><table:table-row table:visibility="collapse" table:number-rows-repeated="3">{X}</table:table-row>{}<table:table-column table:visibility="collapse" table:number-columns-repeated="16384"/></table:table>"#,
            hide(MAX_ROWS)
        );
        let sheets = parse(&limits, &format!("{}{used}", empty.repeat(50))).unwrap();
        assert_eq!(sheets.len(), 51);
        assert_eq!(sheets[0].hidden_rows, vec![0]);
        // Rows 1-3 and the million after them join into one run, cut at
        // the last row used.
        assert_eq!(sheets[50].hidden_rows, vec![0, 1, 2]);
        assert_eq!(*sheets[50].hidden_cols, [0]);
        // Lines inside the used area still count against the budget.
        let tight = crate::source::Limits {
            max_cells: 100,
            ..crate::source::Limits::default()
        };
        let far = format!(
            r#"<table:table table:name="F">{}<table:table-row>{X}</table:table-row></table:table>"#,
            hide(1000)
        );
        assert_too_large(parse(&tight, &far));
    }

    #[test]
    fn spacing_elements_expand_to_at_most_one_excel_cell() {
        let limits = crate::source::Limits::default();
        let spaces = r#"<text:s text:c="1024"/>"#.repeat(100);
        let body = format!(
            r#"<table:table table:name="T"><table:table-row><table:table-cell office:value-type="string"><text:p>a{spaces}</text:p></table:table-cell></table:table-row></table:table>"#
        );
        let sheets = parse(&limits, &body).unwrap();
        let text = sheets[0].raw(CellRef::new(0, 0)).text().to_string();
        assert_eq!(text.len(), 1 + MAX_CELL_CHARS);
    }

    #[test]
    fn repeated_text_is_charged_before_it_is_cloned() {
        let limits = crate::source::Limits {
            max_text_bytes: 10_000,
            ..crate::source::Limits::default()
        };
        let long = "x".repeat(100);
        let across = format!(
            r#"<table:table table:name="T"><table:table-row><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>{long}</text:p></table:table-cell></table:table-row></table:table>"#
        );
        assert_too_large(parse(&limits, &across));
        let down = format!(
            r#"<table:table table:name="T"><table:table-row table:number-rows-repeated="200"><table:table-cell table:number-columns-repeated="2" office:value-type="string"><text:p>{long}</text:p></table:table-cell></table:table-row></table:table>"#
        );
        assert_too_large(parse(&limits, &down));
        let fits = down.replace("200", "40");
        assert_eq!(parse(&limits, &fits).unwrap()[0].cell_count(), 80);
    }
}

//! SpreadsheetML 2003 (`<?mso-application progid="Excel.Sheet"?>`), the XML
//! that finance systems often save under an `.xls` name: `ss:Index` places
//! rows and cells, `ss:MergeAcross`/`ss:MergeDown` make merges.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::grid::{MAX_COLS, MAX_ROWS};
use super::ods::Hidden;
use super::xml::{attr, attr_u32, push_text};
use super::{decode, grid, Area, CellRef, Ctx, Sheet, SourceError, Value};

pub fn read(ctx: &Ctx, bytes: &[u8]) -> Result<Vec<Sheet>, SourceError> {
    let (text, _) = decode::decode(bytes, declared_encoding(bytes).as_deref());
    let mut reader = Reader::from_str(&text);
    let mut state = State::default();
    loop {
        let event = reader.read_event().map_err(|e| {
            let at = reader.buffer_position();
            ctx.corrupt("SpreadsheetML", format!("at byte {at}: {e}"))
        })?;
        match &event {
            Event::Eof => break,
            Event::DocType(_) => {
                return Err(ctx.corrupt("SpreadsheetML", "declares a DOCTYPE (entity bomb?)"))
            }
            Event::Start(e) => state.start(e, false),
            Event::Empty(e) => state.start(e, true),
            Event::End(e) => state.end(ctx, e.local_name().as_ref())?,
            other => state.text(other),
        }
        ctx.check_cell_count(state.budget)?;
        ctx.charge_text(std::mem::take(&mut state.text_len))?;
    }
    Ok(state.sheets)
}

/// The `encoding="…"` of the XML declaration.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = decode::head_text(bytes, 200);
    let decl = head.split("?>").next()?;
    let at = decl.find("encoding=")? + "encoding=".len();
    let quoted = &decl[at..];
    let quote = quoted.chars().next()?;
    quoted[1..].split(quote).next().map(str::to_string)
}

#[derive(Default)]
struct State {
    sheets: Vec<Sheet>,
    sheet: Option<Building>,
    cell: Option<(CellRef, Option<String>, Option<String>)>,
    text: String,
    in_data: bool,
    in_visible: bool,
    budget: u64,
    /// Bytes of text in cells made since the reader last charged them.
    text_len: u64,
    /// Hidden lines kept over all sheets, bounded like cells.
    hidden_spent: u64,
}

#[derive(Default)]
struct Building {
    name: String,
    hidden: bool,
    cells: Vec<(CellRef, Value)>,
    merges: Vec<Area>,
    hidden_lines: Hidden,
    row: u32,
    col: u32,
    next_column: u32,
}

fn flag(e: &BytesStart, name: &str) -> bool {
    attr(e, name).is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// A 1-based `ss:Index`, as 0-based and at most the last of `count` lines,
/// if present.
fn index(e: &BytesStart, count: u32) -> Option<u32> {
    attr_u32(e, "Index", 0)
        .checked_sub(1)
        .map(|i| i.min(count - 1))
}

/// The end (exclusive) of the lines from `first` to `first + span`, within
/// the sheet's `count` lines.
fn span_end(first: u32, span: u32, count: u32) -> u32 {
    first.saturating_add(span).saturating_add(1).min(count)
}

/// Indices and spans are clamped to Excel's sheet, so a row or column index
/// past it lands on the edge; a position that runs past the edge holds
/// nothing.
fn on_sheet(at: CellRef) -> bool {
    at.row < MAX_ROWS && at.col < MAX_COLS
}

impl State {
    fn start(&mut self, e: &BytesStart, empty: bool) {
        match e.local_name().as_ref() {
            "Worksheet" => {
                self.sheet = Some(Building {
                    name: attr(e, "Name").unwrap_or_default(),
                    ..Building::default()
                })
            }
            "Column" => self.column(e),
            "Row" => self.row(e, empty),
            "Cell" => self.cell_start(e, empty),
            "Data" if !empty => {
                self.in_data = true;
                if let Some(cell) = self.cell.as_mut() {
                    cell.1 = attr(e, "Type");
                }
            }
            "Visible" if !empty => {
                self.in_visible = true;
                self.text.clear();
            }
            _ => {}
        }
    }

    fn end(&mut self, ctx: &Ctx, name: &str) -> Result<(), SourceError> {
        match name {
            "Worksheet" => {
                if let Some(b) = self.sheet.take() {
                    let sheet = Sheet::new(b.name, b.cells, b.merges);
                    let spent = &mut self.hidden_spent;
                    let sheet = b.hidden_lines.apply(ctx, sheet, b.hidden, spent)?;
                    self.sheets.push(sheet);
                }
            }
            "Row" => {
                if let Some(s) = self.sheet.as_mut() {
                    s.row = s.row.saturating_add(1).min(MAX_ROWS);
                }
            }
            "Cell" => self.cell_end(),
            "Data" => self.in_data = false,
            "Visible" => {
                self.in_visible = false;
                if let Some(s) = self.sheet.as_mut() {
                    s.hidden |= self.text.trim().starts_with("SheetHidden")
                        || self.text.trim().starts_with("SheetVeryHidden");
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn text(&mut self, event: &Event) {
        if self.in_data || self.in_visible {
            push_text(event, &mut self.text);
        }
    }

    fn column(&mut self, e: &BytesStart) {
        let Some(s) = self.sheet.as_mut() else { return };
        let first = index(e, MAX_COLS).unwrap_or(s.next_column);
        let end = span_end(first, attr_u32(e, "Span", 0), MAX_COLS);
        if flag(e, "Hidden") {
            s.hidden_lines.cols(first..end);
        }
        s.next_column = end;
    }

    fn row(&mut self, e: &BytesStart, empty: bool) {
        let Some(s) = self.sheet.as_mut() else { return };
        if let Some(i) = index(e, MAX_ROWS) {
            s.row = i;
        }
        s.col = 0;
        let end = span_end(s.row, attr_u32(e, "Span", 0), MAX_ROWS);
        if flag(e, "Hidden") {
            s.hidden_lines.rows(s.row..end);
        }
        // The spanned rows share this element; the next one starts after.
        s.row = if empty {
            end
        } else {
            end.saturating_sub(1).max(s.row)
        };
    }

    fn cell_start(&mut self, e: &BytesStart, empty: bool) {
        let Some(s) = self.sheet.as_mut() else { return };
        if let Some(i) = index(e, MAX_COLS) {
            s.col = i;
        }
        let at = CellRef::new(s.row, s.col);
        let across = attr_u32(e, "MergeAcross", 0);
        let down = attr_u32(e, "MergeDown", 0);
        if (across > 0 || down > 0) && on_sheet(at) {
            let bottom = span_end(at.row, down, MAX_ROWS) - 1;
            let right = span_end(at.col, across, MAX_COLS) - 1;
            s.merges.push(Area::new(at, CellRef::new(bottom, right)));
        }
        s.col = span_end(s.col, across, MAX_COLS);
        self.text.clear();
        self.cell = Some((at, None, attr(e, "Formula")));
        if empty {
            self.cell_end();
        }
    }

    fn cell_end(&mut self) {
        let (Some(s), Some((at, kind, formula))) = (self.sheet.as_mut(), self.cell.take()) else {
            return;
        };
        let text = std::mem::take(&mut self.text);
        let value = match kind.as_deref() {
            Some("Number") => match text.trim().parse::<f64>() {
                Ok(f) => Value::Number(grid::number_text(f)),
                Err(_) => Value::Text(text),
            },
            Some("DateTime") => Value::Date(date_time(&text)),
            Some("Boolean") => Value::Bool(text.trim() == "1" || text.trim() == "true"),
            Some("Error") => Value::Error(text),
            _ if kind.is_none() && formula.is_some() => {
                Value::FormulaNoValue(formula.unwrap_or_default())
            }
            _ if text.is_empty() => Value::Empty,
            _ => Value::Text(text),
        };
        // A cell pushed past the sheet's edge is not on the sheet.
        if value != Value::Empty && on_sheet(at) {
            self.budget += 1;
            self.text_len += value.text_len() as u64;
            s.cells.push((at, value));
        }
    }
}

/// `2021-03-05T00:00:00.000` → `2021-03-05`, keeping a real time part.
fn date_time(s: &str) -> String {
    let s = s.trim();
    match s.split_once('T') {
        Some((day, time)) => {
            let time = time.split('.').next().unwrap_or("");
            if time.is_empty() || time.trim_start_matches(['0', ':']).is_empty() {
                day.to_string()
            } else {
                format!("{day} {time}")
            }
        }
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_gb2312_is_honoured() {
        let xml = r#"<?xml version="1.0" encoding="gb2312"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
<Worksheet ss:Name="表"><Table><Row><Cell><Data ss:Type="String">绩效目标</Data></Cell></Row></Table></Worksheet>
</Workbook>"#;
        let bytes = encoding_rs::GBK.encode(xml).0.into_owned();
        assert_eq!(declared_encoding(&bytes).as_deref(), Some("gb2312"));
        let limits = crate::source::Limits::default();
        let ctx = Ctx::new(std::path::Path::new("t.xls"), &limits);
        let sheets = read(&ctx, &bytes).unwrap();
        assert_eq!(sheets[0].name, "表");
        assert_eq!(sheets[0].raw(CellRef::new(0, 0)).text(), "绩效目标");
    }

    #[test]
    fn dates_keep_only_a_real_time() {
        assert_eq!(date_time("2021-03-05T00:00:00.000"), "2021-03-05");
        assert_eq!(date_time("2021-03-05T08:30:00.000"), "2021-03-05 08:30:00");
    }

    fn read_body(limits: &crate::source::Limits, table: &str) -> Result<Vec<Sheet>, SourceError> {
        let xml = format!(
            r#"<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S"><Table>{table}</Table></Worksheet></Workbook>"#
        );
        let ctx = Ctx::new(std::path::Path::new("t.xml"), limits);
        read(&ctx, xml.as_bytes())
    }

    const B2: &str =
        r#"<Row ss:Index="2"><Cell ss:Index="2"><Data ss:Type="String">x</Data></Cell></Row>"#;

    #[test]
    fn hidden_spans_are_clamped_to_the_sheet_and_its_used_area() {
        let limits = crate::source::Limits::default();
        let cols = r#"<Column ss:Hidden="1" ss:Span="16384"/>"#.repeat(1000);
        let rows = r#"<Row ss:Index="1" ss:Hidden="1" ss:Span="1048576"/>"#.repeat(1000);
        let far = r#"<Row ss:Index="99999999"><Cell ss:Index="99999999"><Data ss:Type="String">edge</Data></Cell><Cell><Data ss:Type="String">off</Data></Cell></Row>"#;
        let sheets = read_body(&limits, &format!("{cols}{rows}{B2}")).unwrap();
        assert_eq!(sheets[0].hidden_rows, vec![0, 1]);
        assert_eq!(*sheets[0].hidden_cols, [0, 1]);
        let sheets = read_body(&limits, far).unwrap();
        let edge = CellRef::new(MAX_ROWS - 1, MAX_COLS - 1);
        assert_eq!(sheets[0].raw(edge).text(), "edge");
        assert_eq!(
            sheets[0].cell_count(),
            1,
            "a cell past column XFD is dropped"
        );
    }

    #[test]
    fn hidden_lines_inside_the_used_area_are_budgeted() {
        let limits = crate::source::Limits {
            max_cells: 100,
            ..crate::source::Limits::default()
        };
        let table = r#"<Row ss:Hidden="1" ss:Span="500"/><Row ss:Index="600"><Cell><Data ss:Type="String">x</Data></Cell></Row>"#;
        let err = read_body(&limits, table).unwrap_err();
        assert!(matches!(err, SourceError::TooLarge { .. }), "{err}");
        assert!(err.to_string().contains("t.xml"), "{err}");
    }
}

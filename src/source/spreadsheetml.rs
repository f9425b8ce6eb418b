//! SpreadsheetML 2003 (`<?mso-application progid="Excel.Sheet"?>`), the XML
//! that finance systems often save under an `.xls` name: `ss:Index` places
//! rows and cells, `ss:MergeAcross`/`ss:MergeDown` make merges.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::xml::{attr, attr_u32, push_text};
use super::{decode, grid, Area, CellRef, Ctx, Sheet, SourceError, Value};

const MAX_INDEX: u32 = 1_048_576;

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
            Event::End(e) => state.end(e.local_name().as_ref()),
            other => state.text(other),
        }
        ctx.check_cell_count(state.budget)?;
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
}

#[derive(Default)]
struct Building {
    name: String,
    hidden: bool,
    cells: Vec<(CellRef, Value)>,
    merges: Vec<Area>,
    hidden_rows: Vec<u32>,
    hidden_cols: Vec<u32>,
    row: u32,
    col: u32,
    next_column: u32,
}

fn flag(e: &BytesStart, name: &str) -> bool {
    attr(e, name).is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// A 1-based `ss:Index`, as 0-based, if present.
fn index(e: &BytesStart) -> Option<u32> {
    attr_u32(e, "Index", 0)
        .checked_sub(1)
        .map(|i| i.min(MAX_INDEX))
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

    fn end(&mut self, name: &str) {
        match name {
            "Worksheet" => {
                if let Some(b) = self.sheet.take() {
                    let sheet = Sheet::new(b.name, b.cells, b.merges);
                    self.sheets
                        .push(sheet.with_hidden(b.hidden, b.hidden_rows, b.hidden_cols));
                }
            }
            "Row" => {
                if let Some(s) = self.sheet.as_mut() {
                    s.row = (s.row + 1).min(MAX_INDEX);
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
    }

    fn text(&mut self, event: &Event) {
        if self.in_data || self.in_visible {
            push_text(event, &mut self.text);
        }
    }

    fn column(&mut self, e: &BytesStart) {
        let Some(s) = self.sheet.as_mut() else { return };
        let first = index(e).unwrap_or(s.next_column);
        let span = attr_u32(e, "Span", 0).min(16_384);
        if flag(e, "Hidden") {
            s.hidden_cols.extend(first..=first + span);
        }
        s.next_column = first + span + 1;
    }

    fn row(&mut self, e: &BytesStart, empty: bool) {
        let Some(s) = self.sheet.as_mut() else { return };
        if let Some(i) = index(e) {
            s.row = i;
        }
        s.col = 0;
        let span = attr_u32(e, "Span", 0).min(MAX_INDEX);
        if flag(e, "Hidden") {
            s.hidden_rows
                .extend(s.row..=s.row.saturating_add(span).min(MAX_INDEX));
        }
        s.row = s.row.saturating_add(span).min(MAX_INDEX);
        if empty {
            s.row = (s.row + 1).min(MAX_INDEX);
        }
    }

    fn cell_start(&mut self, e: &BytesStart, empty: bool) {
        let Some(s) = self.sheet.as_mut() else { return };
        if let Some(i) = index(e) {
            s.col = i.min(16_383);
        }
        let at = CellRef::new(s.row, s.col);
        let across = attr_u32(e, "MergeAcross", 0).min(16_383);
        let down = attr_u32(e, "MergeDown", 0).min(MAX_INDEX);
        if across > 0 || down > 0 {
            let last = CellRef::new(s.row.saturating_add(down), s.col.saturating_add(across));
            s.merges.push(Area::new(at, last));
        }
        s.col = s.col.saturating_add(across + 1);
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
        if value != Value::Empty {
            self.budget += 1;
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
        let ctx = Ctx {
            path: std::path::Path::new("t.xls"),
            limits: &limits,
        };
        let sheets = read(&ctx, &bytes).unwrap();
        assert_eq!(sheets[0].name, "表");
        assert_eq!(sheets[0].raw(CellRef::new(0, 0)).text(), "绩效目标");
    }

    #[test]
    fn dates_keep_only_a_real_time() {
        assert_eq!(date_time("2021-03-05T00:00:00.000"), "2021-03-05");
        assert_eq!(date_time("2021-03-05T08:30:00.000"), "2021-03-05 08:30:00");
    }
}

//! xlsb and xls through calamine (xlsx has its own one-pass reader): xlsb
//! cells are streamed straight into the sparse grid, and
//! every call runs under `catch_unwind` so a parser panic on a corrupt file
//! becomes an error naming the file.

use std::io::Cursor;

use calamine::{
    Data, DataRef, ExcelDateTime, Reader, SheetType, SheetVisible, Xls, XlsError, XlsOptions, Xlsb,
    XlsbError,
};

use super::biff::Plan;
use super::isolate::guarded;
use super::{grid, Area, CellRef, Ctx, Sheet, SourceError, Value};

/// Worksheets to read: chart, dialog and macro sheets are skipped.
fn worksheets(meta: &[calamine::Sheet]) -> Vec<(usize, String, bool)> {
    meta.iter()
        .enumerate()
        .filter(|(_, s)| s.typ == SheetType::WorkSheet)
        .map(|(i, s)| (i, s.name.clone(), s.visible != SheetVisible::Visible))
        .collect()
}

fn in_sheet(sheet: Option<&str>, e: impl std::fmt::Display) -> String {
    match sheet {
        Some(name) => format!("sheet {name:?}: {e}"),
        None => e.to_string(),
    }
}

pub fn read_xlsb(ctx: &Ctx, bytes: &[u8]) -> Result<Vec<Sheet>, SourceError> {
    let error = |sheet: Option<&str>, e: XlsbError| match e {
        XlsbError::Password => ctx.encrypted(),
        e => ctx.corrupt("xlsb", in_sheet(sheet, e)),
    };
    guarded(ctx, "xlsb", || {
        let mut wb = Xlsb::new(Cursor::new(bytes)).map_err(|e| error(None, e))?;
        let mut sheets = Vec::new();
        let mut budget = 0u64;
        for (_, name, hidden) in worksheets(wb.sheets_metadata()) {
            let err = |e| error(Some(&name), e);
            let mut reader = wb.worksheet_cells_reader(&name).map_err(err)?;
            let mut cells = Vec::new();
            while let Some(cell) = reader.next_cell().map_err(err)? {
                let value = convert(cell.get_value());
                if value != Value::Empty {
                    budget += 1;
                    ctx.check_cell_count(budget)?;
                    let (r, c) = cell.get_position();
                    cells.push((CellRef::new(r, c), value));
                }
            }
            drop(reader);
            let mut sheet = Sheet::new(name, cells, Vec::new());
            sheet.hidden = hidden;
            sheets.push(sheet);
        }
        Ok(sheets)
    })
}

pub fn read_xls(ctx: &Ctx, bytes: &[u8], plan: &Plan) -> Result<Vec<Sheet>, SourceError> {
    let error = |sheet: Option<&str>, e: XlsError| match e {
        XlsError::Password => ctx.encrypted(),
        e => ctx.corrupt("xls", in_sheet(sheet, e)),
    };
    guarded(ctx, "xls", || {
        let mut options = XlsOptions::default();
        options.force_codepage = plan.force_codepage;
        let mut wb =
            Xls::new_with_options(Cursor::new(bytes), options).map_err(|e| error(None, e))?;
        let mut sheets = Vec::new();
        for (index, name, hidden) in worksheets(wb.sheets_metadata()) {
            let err = |e| error(Some(&name), e);
            let range = wb.worksheet_range(&name).map_err(err)?;
            let merges = wb.merge_cells_by_sheet_name(&name).map_err(err)?;
            let (r0, c0) = range.start().unwrap_or((0, 0));
            let cells = range
                .used_cells()
                .map(|(r, c, v)| (CellRef::new(r0 + r as u32, c0 + c as u32), data(v)))
                .collect();
            let mut sheet = Sheet::new(name, cells, merges.iter().map(area).collect());
            sheet.hidden = hidden;
            if let Some(p) = plan.sheets.get(index) {
                sheet.set_hidden_lines(p.hidden_rows.clone(), p.hidden_cols.clone());
            }
            sheets.push(sheet);
        }
        Ok(sheets)
    })
}

pub(super) fn area(d: &calamine::Dimensions) -> Area {
    Area::new(
        CellRef::new(d.start.0, d.start.1),
        CellRef::new(d.end.0, d.end.1),
    )
}

fn data(v: &Data) -> Value {
    match v {
        Data::Int(i) => Value::Number(i.to_string()),
        Data::Float(f) => Value::Number(grid::number_text(*f)),
        Data::String(s) => Value::Text(s.clone()),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(d) => date(d),
        Data::DateTimeIso(s) => Value::Date(s.replacen('T', " ", 1)),
        Data::DurationIso(s) => Value::Text(s.clone()),
        Data::Error(e) => Value::Error(e.to_string()),
        Data::Empty => Value::Empty,
    }
}

pub(super) fn convert(v: &DataRef) -> Value {
    match v {
        DataRef::Int(i) => Value::Number(i.to_string()),
        DataRef::Float(f) => Value::Number(grid::number_text(*f)),
        DataRef::String(s) => Value::Text(s.clone()),
        DataRef::SharedString(s) => Value::Text((*s).to_string()),
        DataRef::Bool(b) => Value::Bool(*b),
        DataRef::DateTime(d) => date(d),
        DataRef::DateTimeIso(s) => Value::Date(s.replacen('T', " ", 1)),
        DataRef::DurationIso(s) => Value::Text(s.clone()),
        DataRef::Error(e) => Value::Error(e.to_string()),
        DataRef::Empty => Value::Empty,
    }
}

/// A date-formatted serial as `YYYY-MM-DD`, with ` HH:MM:SS` when it has a
/// time part; a bare time (serial below 1) as `HH:MM:SS`. Durations stay
/// numbers of days.
pub(super) fn date(d: &ExcelDateTime) -> Value {
    let serial = d.as_f64();
    if d.is_duration() || !serial.is_finite() || serial < 0.0 {
        return Value::Number(grid::number_text(serial));
    }
    let (y, mo, da, h, mi, s, _) = d.to_ymd_hms_milli();
    let time = format!("{h:02}:{mi:02}:{s:02}");
    Value::Date(if serial < 1.0 {
        time
    } else if (h, mi, s) == (0, 0, 0) {
        format!("{y:04}-{mo:02}-{da:02}")
    } else {
        format!("{y:04}-{mo:02}-{da:02} {time}")
    })
}

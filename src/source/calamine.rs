//! xlsb and xls through calamine (xlsx has its own one-pass reader): xlsb
//! cells are streamed straight into the sparse grid, and
//! every call runs under `catch_unwind` so a parser panic on a corrupt file
//! becomes an error naming the file.

use std::io::{Cursor, Read, Seek};

use calamine::{
    Data, DataRef, ExcelDateTime, Reader, SheetType, SheetVisible, Xls, XlsError, XlsOptions, Xlsb,
    XlsbError,
};

use zip::read::ZipFile;
use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive};

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
    check_xlsb_strings(ctx, bytes)?;
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
                    ctx.charge_value(&value, 1)?;
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

/// The xlsb part calamine reads its shared strings from: by this name, not
/// through relationships.
const XLSB_STRINGS: &str = "xl/sharedStrings.bin";
/// BrtSSTItem, one shared string (MS-XLSB 2.4.727).
const BRT_SST_ITEM: u16 = 0x13;

/// calamine's `Xlsb::new` builds the whole shared string table, a `String`
/// per item, before any cell is counted: 36 M empty items, 7 bytes each,
/// cost gigabytes. So count the items first, on the stored copy the zip
/// guard made (no inflating, no copy), and refuse a table with more strings
/// than the workbook may have cells.
fn check_xlsb_strings(ctx: &Ctx, zip_bytes: &[u8]) -> Result<(), SourceError> {
    let corrupt = |e: ZipError| ctx.corrupt("xlsb", format!("{XLSB_STRINGS}: {e}"));
    let mut zip = ZipArchive::new(Cursor::new(zip_bytes)).map_err(corrupt)?;
    let indices: Vec<usize> = zip
        .file_names_raw()
        .enumerate()
        .filter(|(_, name)| is_strings_part(name))
        .map(|(i, _)| i)
        .collect();
    let max = ctx.limits.max_cells;
    for i in indices {
        let entry = zip.by_index_raw(i).map_err(corrupt)?;
        let part = stored_data(zip_bytes, &entry).ok_or_else(|| {
            ctx.corrupt(
                "xlsb",
                format!("{XLSB_STRINGS}: not stored as the guard left it"),
            )
        })?;
        if count_records(part, BRT_SST_ITEM, max) > max {
            return Err(ctx.too_large(format!(
                "{XLSB_STRINGS}: more than {max} shared strings (limit)"
            )));
        }
    }
    Ok(())
}

/// Whether calamine would take the entry `name` for the shared strings: it
/// finds parts ignoring ASCII case and reading `\` as `/`.
fn is_strings_part(name: &[u8]) -> bool {
    let wanted = XLSB_STRINGS.as_bytes();
    let same = |(&a, &b): (&u8, &u8)| a.eq_ignore_ascii_case(&b) || (a == b'\\' && b == b'/');
    name.len() == wanted.len() && name.iter().zip(wanted).all(same)
}

/// An entry's bytes inside a zip whose entries are stored uncompressed.
fn stored_data<'a, R: Read + Seek>(zip: &'a [u8], entry: &ZipFile<R>) -> Option<&'a [u8]> {
    if entry.compression() != CompressionMethod::Stored {
        return None;
    }
    let start = usize::try_from(entry.data_start()?).ok()?;
    let len = usize::try_from(entry.compressed_size()).ok()?;
    zip.get(start..start.checked_add(len)?)
}

/// How many records of type `wanted` an xlsb part holds, counting stops
/// once past `stop_after`. A record is its type (1–2 bytes, 7 bits each),
/// its size (1–4 bytes, 7 bits each) and that many bytes of payload; a
/// record cut short ends the count, as it ends calamine's reading.
fn count_records(part: &[u8], wanted: u16, stop_after: u64) -> u64 {
    let (mut at, mut count) = (0usize, 0u64);
    while count <= stop_after {
        let Some((typ, after_type)) = varint(part, at, 2) else {
            break;
        };
        let Some((size, payload)) = varint(part, after_type, 4) else {
            break;
        };
        match payload.checked_add(size as usize) {
            Some(next) if next <= part.len() => at = next,
            _ => break,
        }
        // Types are 14 bits at most, so this never truncates.
        if typ as u16 == wanted {
            count += 1;
        }
    }
    count
}

/// A little-endian base-128 number of at most `max_bytes` bytes starting at
/// `at`, and the offset after it; `None` when the part ends first.
fn varint(part: &[u8], at: usize, max_bytes: usize) -> Option<(u32, usize)> {
    let mut value = 0u32;
    for i in 0..max_bytes {
        let b = *part.get(at + i)?;
        value |= u32::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 || i + 1 == max_bytes {
            return Some((value, at + i + 1));
        }
    }
    None
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

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::Path;

    use zip::write::SimpleFileOptions;
    use zip::ZipWriter;

    use super::*;
    use crate::source::Limits;

    /// A shared string table of `items` empty strings (BrtBeginSst claiming
    /// them, BrtSSTItem each, BrtEndSst), as the hostile file has it.
    fn sst(items: u32) -> Vec<u8> {
        let mut out = vec![0x9F, 0x01, 0x08];
        out.extend(items.to_le_bytes());
        out.extend(items.to_le_bytes());
        for _ in 0..items {
            out.extend([0x13, 0x05, 0, 0, 0, 0, 0]);
        }
        out.extend([0xA0, 0x01, 0x00]);
        out
    }

    /// A zip with every entry stored, as the zip guard hands xlsb over.
    fn stored_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
        for (name, data) in entries {
            zip.start_file(*name, stored).expect("start entry");
            zip.write_all(data).expect("write entry");
        }
        zip.finish().expect("finish zip").into_inner()
    }

    #[test]
    fn xlsb_shared_strings_past_the_cell_limit_are_refused() {
        let limits = Limits {
            max_cells: 10,
            ..Limits::default()
        };
        let ctx = Ctx::new(Path::new("hostile.xlsb"), &limits);
        let workbook: &[u8] = b"\x83\x01\x00";
        let at_limit = stored_zip(&[
            ("xl/workbook.bin", workbook),
            ("xl/sharedStrings.bin", &sst(10)),
        ]);
        assert!(check_xlsb_strings(&ctx, &at_limit).is_ok());
        let past = stored_zip(&[
            ("xl/workbook.bin", workbook),
            ("XL\\SharedStrings.bin", &sst(11)),
        ]);
        let err = read_xlsb(&ctx, &past).map(|_| ()).unwrap_err();
        assert!(matches!(err, SourceError::TooLarge { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "hostile.xlsb: too large: xl/sharedStrings.bin: more than 10 shared strings (limit)"
        );
    }

    #[test]
    fn xlsb_records_are_counted_without_trusting_sizes() {
        // Two-byte type (0x9F 0x01 = 159), then items.
        assert_eq!(count_records(&sst(3), BRT_SST_ITEM, 100), 3);
        // Counting stops just past the bound.
        assert_eq!(count_records(&sst(50), BRT_SST_ITEM, 5), 6);
        // A size running past the part ends the count; so does a cut varint.
        assert_eq!(count_records(&[0x13, 0x05, 0, 0], BRT_SST_ITEM, 100), 0);
        assert_eq!(
            count_records(&[0x13, 0x00, 0x13, 0xFF], BRT_SST_ITEM, 100),
            1
        );
        assert_eq!(
            count_records(&[0x13, 0xFF, 0xFF, 0xFF, 0xFF], BRT_SST_ITEM, 100),
            0
        );
        assert_eq!(count_records(&[], BRT_SST_ITEM, 100), 0);
        // Multi-byte sizes: 0x80 0x01 is 128.
        let mut long = vec![0x13, 0x80, 0x01];
        long.extend([0u8; 128]);
        long.extend([0x13, 0x00]);
        assert_eq!(count_records(&long, BRT_SST_ITEM, 100), 2);
    }
}

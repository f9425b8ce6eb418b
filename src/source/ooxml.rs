//! Hidden rows and columns of xlsx worksheets, which calamine does not
//! report. Only parts the zip guard saw mention `hidden="1"` are parsed, so
//! the common case costs nothing.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::events::Event;
use quick_xml::Reader;

use super::xml::{attr, attr_u32};
use super::{Ctx, Sheet, SourceError};

const MAX_COL: u32 = 16_384;

/// Marks hidden rows and columns on `sheets` (matched by name).
pub fn mark_hidden(
    ctx: &Ctx,
    bytes: &[u8],
    parts: &[String],
    sheets: &mut [Sheet],
) -> Result<(), SourceError> {
    if parts.is_empty() {
        return Ok(());
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ctx.corrupt("xlsx", e))?;
    let mut read = |name: &str| -> Option<String> {
        let mut s = String::new();
        zip.by_name(name).ok()?.read_to_string(&mut s).ok()?;
        Some(s)
    };
    let (Some(workbook), Some(rels)) =
        (read("xl/workbook.xml"), read("xl/_rels/workbook.xml.rels"))
    else {
        return Ok(());
    };
    let targets = relationships(&rels);
    for (name, id) in sheet_ids(&workbook) {
        let Some(target) = targets.get(&id) else {
            continue;
        };
        let path = match target.strip_prefix('/') {
            Some(abs) => abs.to_string(),
            None => format!("xl/{target}"),
        };
        if !parts.iter().any(|p| p.eq_ignore_ascii_case(&path)) {
            continue;
        }
        let Some(xml) = read(&path) else { continue };
        if let Some(sheet) = sheets.iter_mut().find(|s| s.name == name) {
            let (rows, cols) = hidden_lines(&xml);
            sheet.set_hidden_lines(rows, cols);
        }
    }
    Ok(())
}

/// Start and empty elements of an XML text, in order.
fn elements(xml: &str, mut visit: impl FnMut(&quick_xml::events::BytesStart)) {
    let mut reader = Reader::from_str(xml);
    while let Ok(event) = reader.read_event() {
        match event {
            Event::Start(e) | Event::Empty(e) => visit(&e),
            Event::Eof => break,
            _ => {}
        }
    }
}

/// Sheet names and relationship ids from `xl/workbook.xml`.
fn sheet_ids(workbook: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    elements(workbook, |e| {
        if e.local_name().as_ref() == "sheet" {
            if let (Some(name), Some(id)) = (attr(e, "name"), attr(e, "id")) {
                out.push((name, id));
            }
        }
    });
    out
}

fn relationships(rels: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    elements(rels, |e| {
        if e.local_name().as_ref() == "Relationship" {
            if let (Some(id), Some(target)) = (attr(e, "Id"), attr(e, "Target")) {
                out.insert(id, target);
            }
        }
    });
    out
}

fn is_hidden(e: &quick_xml::events::BytesStart) -> bool {
    attr(e, "hidden").is_some_and(|v| v == "1" || v == "true")
}

/// 0-based hidden rows and columns of a worksheet part.
fn hidden_lines(xml: &str) -> (Vec<u32>, Vec<u32>) {
    let (mut rows, mut cols) = (Vec::new(), Vec::new());
    elements(xml, |e| match e.local_name().as_ref() {
        "row" if is_hidden(e) => {
            if let Some(r) = attr_u32(e, "r", 0).checked_sub(1) {
                rows.push(r);
            }
        }
        "col" if is_hidden(e) => {
            let min = attr_u32(e, "min", 1).clamp(1, MAX_COL);
            let max = attr_u32(e, "max", min).clamp(min, MAX_COL);
            cols.extend(min - 1..max);
        }
        _ => {}
    });
    (rows, cols)
}

//! The entry points of the fuzz targets (`fuzz/`), here so that a plain
//! `cargo test` replays the kept corpus through exactly the same code
//! (`tests/it/fuzz_corpus.rs`). Each takes arbitrary bytes and must return,
//! never panic, hang or allocate without bound.

use std::io::{Cursor, Write};
use std::path::Path;

use crate::source::{read_bytes, Limits, Workbook};

/// Limits of the targets: the defaults, with files kept small so that a
/// run explores formats rather than sizes.
fn limits() -> Limits {
    Limits {
        max_file_bytes: 1 << 20,
        ..Limits::default()
    }
}

fn read(data: &[u8]) -> Option<Workbook> {
    read_bytes(Path::new("fuzz"), data, &limits()).ok()
}

/// Any bytes as a file: the format is sniffed as `jixiao` does.
pub fn open(data: &[u8]) {
    if let Some(book) = read(data) {
        for sheet in &book.sheets {
            // What `inspect` and the mapping stage touch on every sheet.
            let _ = (sheet.used_area(), sheet.cell_count(), sheet.text_len());
        }
    }
}

/// The parts of an xlsx whose zip is well formed: the input, split at
/// `0xFF` bytes, is the sheet, the shared strings, the styles and the
/// workbook XML, in that order (missing parts get a minimal default), so
/// that mutations reach the XML readers instead of failing the zip's CRC.
pub fn xlsx_parts(data: &[u8]) {
    const WORKBOOK: &[u8] = br#"<workbook xmlns:r="r"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    const RELS: &[u8] = br#"<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="x/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="x/styles" Target="styles.xml"/></Relationships>"#;
    let mut parts = data.split(|&b| b == 0xFF);
    let mut next = |default: &'static [u8]| parts.next().unwrap_or(default).to_vec();
    let sheet = next(b"<worksheet><sheetData/></worksheet>");
    let strings = next(b"<sst/>");
    let styles = next(b"<styleSheet/>");
    let workbook = next(WORKBOOK);
    let entries = [
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", RELS.to_vec()),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/sharedStrings.xml", strings),
        ("xl/styles.xml", styles),
    ];
    if let Some(zip) = stored_zip(&entries) {
        open(&zip);
    }
}

/// `entries` as a zip, stored.
fn stored_zip(entries: &[(&str, Vec<u8>)]) -> Option<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in entries {
        zip.start_file(*name, stored).ok()?;
        zip.write_all(data).ok()?;
    }
    Some(zip.finish().ok()?.into_inner())
}

/// Any bytes read as a file, then every sheet through the mapping stage
/// and the review, as `jixiao check` does.
pub fn map_grid(data: &[u8]) {
    let Some(book) = read(data) else { return };
    let Ok(records) = crate::mapping::import(&book, None) else {
        return;
    };
    let profile = crate::review::Profile::default();
    for imported in &records {
        let _ = crate::review::review(imported, &profile);
    }
}

/// A target's entry point.
pub type Target = fn(&[u8]);

/// The targets by name, as `fuzz/fuzz_targets` and the corpus folders
/// name them.
pub const TARGETS: &[(&str, Target)] = &[
    ("open_any", open),
    ("xlsx_parts", xlsx_parts),
    ("map_grid", map_grid),
];

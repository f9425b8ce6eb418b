//! The `source` stage: read any spreadsheet a bureau receives into one exact
//! grid per worksheet, with absolute A1 coordinates and merged ranges.

mod grid;

pub use grid::{Area, CellRef, Sheet, Value};

use std::path::{Path, PathBuf};

/// The container a workbook was read from, chosen by content, not extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
    Csv,
    Html,
    SpreadsheetMl,
}

/// Every worksheet of one file, in workbook order.
#[derive(Clone, Debug)]
pub struct Workbook {
    pub path: PathBuf,
    pub format: Format,
    pub sheets: Vec<Sheet>,
}

/// Why a file could not be read. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: cannot open: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: unsupported format: {what}")]
    Unsupported { path: PathBuf, what: String },
    #[error("{path}: 受密码保护 / password protected: cannot read an encrypted workbook")]
    Encrypted { path: PathBuf },
    #[error("{path}: corrupt {format}: {detail}")]
    Corrupt {
        path: PathBuf,
        format: &'static str,
        detail: String,
    },
    #[error("{path}: too large: {detail}")]
    TooLarge { path: PathBuf, detail: String },
    #[error("{path}: no sheet {wanted}")]
    NoSuchSheet { path: PathBuf, wanted: String },
}

/// Reads every worksheet of the file at `path`.
pub fn open(path: &Path) -> Result<Workbook, SourceError> {
    // Placeholder reader (xlsx only, through calamine) until the full source
    // stage lands; the public API above is the contract.
    use calamine::{open_workbook_auto, Data, Reader};
    let corrupt = |detail: String| SourceError::Corrupt {
        path: path.to_path_buf(),
        format: "workbook",
        detail,
    };
    let mut wb = open_workbook_auto(path).map_err(|e| corrupt(e.to_string()))?;
    let names = wb.sheet_names().to_vec();
    let mut sheets = Vec::new();
    for name in names {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| corrupt(e.to_string()))?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut cells = Vec::new();
        for (r, c, v) in range.used_cells() {
            let value = match v {
                Data::Empty => Value::Empty,
                Data::String(s) => Value::Text(s.clone()),
                Data::Float(f) => Value::Number(grid::number_text(*f)),
                Data::Int(i) => Value::Number(i.to_string()),
                Data::Bool(b) => Value::Bool(*b),
                Data::Error(e) => Value::Error(format!("{e}")),
                Data::DateTime(d) => Value::Number(grid::number_text(d.as_f64())),
                Data::DateTimeIso(s) | Data::DurationIso(s) => Value::Date(s.clone()),
            };
            cells.push((CellRef::new(r0 + r as u32, c0 + c as u32), value));
        }
        let merges = match &mut wb {
            calamine::Sheets::Xlsx(x) => x
                .merge_cells_by_sheet_name(&name)
                .unwrap_or_default()
                .into_iter()
                .map(|d| {
                    Area::new(
                        CellRef::new(d.start.0, d.start.1),
                        CellRef::new(d.end.0, d.end.1),
                    )
                })
                .collect(),
            _ => Vec::new(),
        };
        sheets.push(Sheet::new(name, cells, merges));
    }
    Ok(Workbook {
        path: path.to_path_buf(),
        format: Format::Xlsx,
        sheets,
    })
}

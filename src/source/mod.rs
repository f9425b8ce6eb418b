//! The `source` stage: read any spreadsheet a bureau receives into one exact
//! grid per worksheet, with absolute A1 coordinates and merged ranges.
//!
//! The format is chosen by content ([`sniff`]), never by extension. Binary
//! containers are checked by [`guard`] before a parser sees them, so a looping
//! OLE chain, a zip bomb or an XML entity bomb is refused up front, and every
//! call into calamine runs under `catch_unwind`.

mod biff;
mod calamine;
mod csv;
mod decode;
mod grid;
mod guard;
mod html;
mod isolate;
mod ods;
mod ole;
pub(crate) mod scan;
mod sniff;
mod spreadsheetml;
mod xlsx;
mod xml;

pub use grid::{
    number_text, Area, BadAddress, CellRef, Sheet, Value, MAX_CELL_CHARS, MAX_COLS, MAX_ROWS,
};
pub use sniff::{sniff, Kind as Sniffed};

use std::fmt;
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

impl Format {
    /// A short human name, as used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Xlsb => "xlsb",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Csv => "csv",
            Format::Html => "html table",
            Format::SpreadsheetMl => "SpreadsheetML 2003",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every worksheet of one file, in workbook order.
#[derive(Clone, Debug)]
pub struct Workbook {
    pub path: PathBuf,
    pub format: Format,
    pub sheets: Vec<Sheet>,
}

impl Workbook {
    /// The sheet named `wanted`, or at 1-based position `wanted` when it is a
    /// number and no sheet has that name.
    pub fn sheet(&self, wanted: &str) -> Result<&Sheet, SourceError> {
        let by_name = self.sheets.iter().find(|s| s.name == wanted);
        let by_trimmed = || self.sheets.iter().find(|s| s.name.trim() == wanted.trim());
        let by_index = || {
            let n: usize = wanted.trim().parse().ok()?;
            self.sheets.get(n.checked_sub(1)?)
        };
        by_name
            .or_else(by_trimmed)
            .or_else(by_index)
            .ok_or_else(|| SourceError::NoSuchSheet {
                path: self.path.clone(),
                wanted: format!(
                    "{wanted:?} (sheets: {})",
                    self.sheets
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
    }
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

/// Bounds on what one file may cost. A file past a bound is refused with
/// [`SourceError::TooLarge`] before the memory is spent.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Size of the file on disk.
    pub max_file_bytes: u64,
    /// Non-empty cells over all sheets. Each costs about 40 bytes beside
    /// its text, more while a sheet is built; a real form has a few
    /// thousand.
    pub max_cells: u64,
    /// Cells of the rectangles a reader that stores sheets densely
    /// (calamine's `.xls` reader) would allocate, over all sheets.
    pub max_dense_cells: u64,
    /// Declared uncompressed bytes of all zip entries together.
    pub max_unpacked_bytes: u64,
    /// Declared compression ratio of one large zip entry.
    pub max_ratio: u64,
    /// Merged ranges over all sheets. A form has a few hundred; each range
    /// is kept and indexed, and the `.xls` reader holds them all before any
    /// later check could run, so a file of nothing but merges must not be
    /// free.
    pub max_merges: u64,
    /// Bytes of text (UTF-8) in all cells together, counted as each cell is
    /// made: one shared string, repeat or DIMENSIONS-free `.xls` label used
    /// by many cells is a copy per cell, so a tiny file can ask for
    /// gigabytes. The largest real form holds under 1 MB.
    pub max_text_bytes: u64,
}

impl Default for Limits {
    /// Sized so one file stays well under 1 GiB of memory (a few hundred
    /// MB at worst) while a real form, a few thousand cells, is far inside.
    fn default() -> Self {
        Limits {
            max_file_bytes: 64 << 20,
            max_cells: 1_000_000,
            max_dense_cells: 2_000_000,
            max_unpacked_bytes: 256 << 20,
            max_ratio: 250,
            max_merges: 1_000_000,
            max_text_bytes: 16 << 20,
        }
    }
}

/// Reads every worksheet of the file at `path` with the default [`Limits`].
///
/// ```
/// use jixiao::source::{self, CellRef};
///
/// let workbook = source::open(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/rendashi-daibiao-2023.xlsx").as_ref())?;
/// let sheet = &workbook.sheets[0];
/// assert_eq!(sheet.name, "自评表");
/// // Cells by A1 address (0-based row and column): B3 holds 项目名称's value.
/// assert_eq!(sheet.value(CellRef::new(2, 1)).text(), "市人大代表活动经费");
/// assert!(!sheet.merges().is_empty());
/// # Ok::<(), source::SourceError>(())
/// ```
pub fn open(path: &Path) -> Result<Workbook, SourceError> {
    open_with(path, &Limits::default())
}

/// Reads every worksheet of the file at `path` within `limits`.
pub fn open_with(path: &Path, limits: &Limits) -> Result<Workbook, SourceError> {
    read_bytes(path, &read_file(path, limits)?, limits)
}

/// The bytes of the file at `path`, within `limits` (its size; a pipe or
/// device is refused before it is opened), for [`read_bytes`]: a caller
/// that must look at a file before reading it as a workbook reads it once.
///
/// ```
/// use jixiao::source::{read_file, Limits};
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/rendashi-daibiao-2023.xlsx");
/// let bytes = read_file(path.as_ref(), &Limits::default()).unwrap();
/// assert!(bytes.starts_with(b"PK"));
/// ```
pub fn read_file(path: &Path, limits: &Limits) -> Result<Vec<u8>, SourceError> {
    read_bounded(&Ctx::new(path, limits))
}

/// Reads a workbook from `bytes` within `limits`, as [`open_with`] reads a
/// file's content; `path` only names it in errors and in the result (the
/// fuzz targets and the corpus replay test call this).
///
/// ```
/// use std::path::Path;
/// use jixiao::source::{read_bytes, Limits};
/// let book = read_bytes(Path::new("a.csv"), "项目名称,校舍维修\n".as_bytes(), &Limits::default())
///     .unwrap();
/// assert_eq!(book.sheets[0].cell_count(), 2);
/// assert!(read_bytes(Path::new("b.xlsx"), b"PK\x03\x04", &Limits::default()).is_err());
/// ```
pub fn read_bytes(path: &Path, bytes: &[u8], limits: &Limits) -> Result<Workbook, SourceError> {
    let ctx = Ctx::new(path, limits);
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(ctx.too_large(format!(
            "{} bytes (limit {})",
            bytes.len(),
            limits.max_file_bytes
        )));
    }
    // Our own readers are written not to panic; this is the safety net.
    let (format, sheets) = isolate::guarded(&ctx, "workbook", || read_any(&ctx, bytes))?;
    ctx.check_cells(&sheets)?;
    Ok(Workbook {
        path: path.to_path_buf(),
        format,
        sheets,
    })
}

/// Reads a workbook already in memory (a built-in template); `path` names
/// it in errors.
pub fn open_bytes(path: &Path, bytes: &[u8]) -> Result<Workbook, SourceError> {
    read_bytes(path, bytes, &Limits::default())
}

fn read_any(ctx: &Ctx, bytes: &[u8]) -> Result<(Format, Vec<Sheet>), SourceError> {
    Ok(match sniff::sniff(bytes) {
        sniff::Kind::Zip => read_zip(ctx, bytes)?,
        sniff::Kind::Ole => read_ole(ctx, bytes)?,
        sniff::Kind::SpreadsheetMl => (Format::SpreadsheetMl, spreadsheetml::read(ctx, bytes)?),
        sniff::Kind::Html => (Format::Html, html::read(ctx, bytes)?),
        sniff::Kind::Text => (Format::Csv, vec![csv::read(ctx, bytes)?]),
        sniff::Kind::Unsupported(what) => return Err(ctx.unsupported(what)),
    })
}

/// What every reader needs to name the file in errors and stay in bounds.
pub(crate) struct Ctx<'a> {
    pub path: &'a Path,
    pub limits: &'a Limits,
    /// Text bytes charged so far ([`Ctx::charge_text`]).
    text: std::sync::atomic::AtomicU64,
}

impl<'a> Ctx<'a> {
    pub fn new(path: &'a Path, limits: &'a Limits) -> Self {
        Ctx {
            path,
            limits,
            text: Default::default(),
        }
    }

    /// Charges `bytes` of cell text to the file's budget, before the text is
    /// copied into cells; fails once the file's cells would hold more than
    /// [`Limits::max_text_bytes`].
    pub fn charge_text(&self, bytes: u64) -> Result<(), SourceError> {
        use std::sync::atomic::Ordering;
        let before = self.text.fetch_add(bytes, Ordering::Relaxed);
        let max = self.limits.max_text_bytes;
        match before.saturating_add(bytes) > max {
            true => Err(self.too_large(format!(
                "the cells hold more than {max} bytes of text (limit; a real form holds \
                 under 1 MB)"
            ))),
            false => Ok(()),
        }
    }

    /// Charges a value's text ([`Value::text_len`]) `copies` times.
    pub fn charge_value(&self, value: &Value, copies: u64) -> Result<(), SourceError> {
        match value.text_len() {
            0 => Ok(()),
            len => self.charge_text((len as u64).saturating_mul(copies)),
        }
    }

    pub fn corrupt(&self, format: &'static str, detail: impl fmt::Display) -> SourceError {
        SourceError::Corrupt {
            path: self.path.to_path_buf(),
            format,
            detail: one_line(detail),
        }
    }

    pub fn unsupported(&self, what: impl fmt::Display) -> SourceError {
        SourceError::Unsupported {
            path: self.path.to_path_buf(),
            what: one_line(what),
        }
    }

    pub fn too_large(&self, detail: impl fmt::Display) -> SourceError {
        SourceError::TooLarge {
            path: self.path.to_path_buf(),
            detail: one_line(detail),
        }
    }

    pub fn encrypted(&self) -> SourceError {
        SourceError::Encrypted {
            path: self.path.to_path_buf(),
        }
    }

    /// Fails once `count` cells exceed the workbook's cell budget.
    pub fn check_cell_count(&self, count: u64) -> Result<(), SourceError> {
        if count > self.limits.max_cells {
            return Err(
                self.too_large(format!("more than {} cells (limit)", self.limits.max_cells))
            );
        }
        Ok(())
    }

    /// Fails once `count` merged ranges exceed the workbook's budget.
    pub fn check_merge_count(&self, count: u64) -> Result<(), SourceError> {
        if count > self.limits.max_merges {
            return Err(self.too_large(format!(
                "more than {} merged ranges (limit)",
                self.limits.max_merges
            )));
        }
        Ok(())
    }

    /// The whole workbook against the limits, whatever each reader
    /// charged on the way: no reader can hand on more than they allow.
    fn check_cells(&self, sheets: &[Sheet]) -> Result<(), SourceError> {
        self.check_cell_count(sheets.iter().map(|s| s.cell_count() as u64).sum())?;
        self.check_merge_count(sheets.iter().map(|s| s.merges().len() as u64).sum())?;
        let text: u64 = sheets.iter().map(Sheet::text_len).sum();
        let max = self.limits.max_text_bytes;
        if text > max {
            return Err(
                self.too_large(format!("the cells hold {text} bytes of text (limit {max})"))
            );
        }
        Ok(())
    }
}

/// Error details quote parser messages, which may quote the file: keep them
/// to one short line whatever the file holds.
fn one_line(detail: impl fmt::Display) -> String {
    const MAX_CHARS: usize = 240;
    let text = detail.to_string();
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_CHARS)
        .collect();
    if text.chars().count() > MAX_CHARS {
        out.push('…');
    }
    out
}

fn read_bounded(ctx: &Ctx) -> Result<Vec<u8>, SourceError> {
    use std::io::Read;
    let io = |source| SourceError::Io {
        path: ctx.path.to_path_buf(),
        source,
    };
    // Looked at before opening: opening a pipe blocks until a writer comes,
    // and a device such as /dev/zero never ends.
    let meta = std::fs::metadata(ctx.path).map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::other("is a directory")));
    }
    if !meta.is_file() {
        return Err(ctx.unsupported("not a regular file (a pipe, socket or device)"));
    }
    let max = ctx.limits.max_file_bytes;
    let too_large = |len: u64| ctx.too_large(format!("{len} bytes (limit {max})"));
    if meta.len() > max {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    let file = std::fs::File::open(ctx.path).map_err(io)?;
    // A file that grows while it is read is still read only to the limit.
    file.take(max + 1).read_to_end(&mut bytes).map_err(io)?;
    match bytes.len() as u64 {
        len if len > max => Err(too_large(len)),
        _ => Ok(bytes),
    }
}

fn read_zip(ctx: &Ctx, bytes: &[u8]) -> Result<(Format, Vec<Sheet>), SourceError> {
    use guard::{Content, ZipKind};
    let info = guard::check_zip(ctx, bytes)?;
    match (info.kind, &info.content) {
        (ZipKind::Xlsx, Content::Parts(parts)) => Ok((Format::Xlsx, xlsx::read(ctx, parts)?)),
        (ZipKind::Xlsb, Content::Stored(zip)) => Ok((Format::Xlsb, calamine::read_xlsb(ctx, zip)?)),
        (ZipKind::Ods, Content::Stored(zip)) => Ok((Format::Ods, ods::read(ctx, zip)?)),
        (kind, _) => Err(ctx.corrupt("zip", format!("internal: {kind:?} content mismatch"))),
    }
}

fn read_ole(ctx: &Ctx, bytes: &[u8]) -> Result<(Format, Vec<Sheet>), SourceError> {
    let container = ole::Container::parse(bytes).map_err(|e| ctx.corrupt("OLE container", e))?;
    if container.has_stream("EncryptionInfo") || container.has_stream("EncryptedPackage") {
        return Err(ctx.encrypted());
    }
    let stream = ["Workbook", "Book", "WORKBOOK", "BOOK"]
        .iter()
        .find_map(|name| container.stream(name))
        .ok_or_else(|| {
            ctx.unsupported(format!(
                "an OLE container without a Workbook stream (not an Excel file; streams: {})",
                container.stream_names().join(", ")
            ))
        })?;
    let data = container
        .read(stream)
        .map_err(|e| ctx.corrupt("OLE container", e))?;
    let plan = biff::scan(ctx, &data)?;
    Ok((Format::Xls, calamine::read_xls(ctx, bytes, &plan)?))
}

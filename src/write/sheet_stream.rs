//! The body rows of a big worksheet, written as SpreadsheetML and deflated
//! while the batch runs.
//!
//! rust_xlsxwriter's constant-memory sheets keep memory flat, but they spend
//! most of consolidation's writing time: every cell goes through its generic
//! cell store, the XML is spilled uncompressed to a temporary file, and the
//! whole of it is read back and deflated on one thread when the workbook is
//! saved. Here the rows are appended as XML to a small buffer, and each
//! filled buffer is deflated at once into an anonymous temporary file; the
//! save then only splices the finished stream into the package
//! ([`super::package`]). The cells are exactly the ones rust_xlsxwriter
//! writes in constant-memory mode (inline strings, the same escapes).

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Write};

use flate2::{Compress, Compression, FlushCompress};
use rust_decimal::Decimal;
use rust_xlsxwriter::{ColNum, RowNum, XlsxError};

use crate::source::{CellRef, MAX_CELL_CHARS, MAX_COLS, MAX_ROWS};
/// XML gathered before it is deflated.
const CHUNK: usize = 128 * 1024;

/// Rows of cells for one worksheet's `<sheetData>`, deflated as they come.
pub struct SheetStream {
    xml: Vec<u8>,
    deflated: Deflated,
    /// The row being written (0-based), once started.
    row: Option<RowNum>,
    /// Where in `xml` the current row's start tag closes, for its height.
    row_tag_end: usize,
    /// The last row and column that hold a cell, for `<dimension>`.
    last: Option<(RowNum, ColNum)>,
}

/// The finished stream: raw deflate blocks ending byte-aligned without a
/// final block, so more blocks may follow (see [`super::package`]).
pub struct Finished {
    pub file: File,
    pub compressed: u64,
    /// Length of the XML.
    pub len: u64,
    /// CRC-32 of the XML, for the zip entry.
    pub crc: crc32fast::Hasher,
    pub last: Option<(RowNum, ColNum)>,
}

impl SheetStream {
    pub fn new() -> Result<Self, XlsxError> {
        Ok(SheetStream {
            xml: Vec::with_capacity(CHUNK + 4096),
            deflated: Deflated::new(tempfile::tempfile()?),
            row: None,
            row_tag_end: 0,
            last: None,
        })
    }

    /// Starts row `row`, ending the one before; rows must ascend.
    pub fn start_row(&mut self, row: RowNum) -> Result<(), XlsxError> {
        if row >= MAX_ROWS || self.row.is_some_and(|r| r >= row) {
            return Err(XlsxError::RowColumnLimitError);
        }
        self.end_row()?;
        self.xml.extend_from_slice(b"<row r=\"");
        push_number(&mut self.xml, u64::from(row) + 1);
        self.xml.push(b'"');
        self.row_tag_end = self.xml.len();
        self.xml.push(b'>');
        self.row = Some(row);
        Ok(())
    }

    /// Sets the current row's height in points (rows whose wrapped text
    /// needs more than one line); no-op before any row.
    pub fn height(&mut self, points: f64) {
        if self.row.is_none() {
            return;
        }
        let attribute = format!(" ht=\"{points}\" customHeight=\"1\"");
        let at = self.row_tag_end;
        self.xml.splice(at..at, attribute.bytes());
    }

    /// Starts row `row` unless it is the current one.
    pub fn ensure_row(&mut self, row: RowNum) -> Result<(), XlsxError> {
        match self.row {
            Some(current) if current == row => Ok(()),
            _ => self.start_row(row),
        }
    }

    /// A text cell; `xf` is the workbook's format index (0 for none).
    pub fn text(&mut self, col: ColNum, text: &str, xf: u32) -> Result<(), XlsxError> {
        if text.len() > MAX_CELL_CHARS && utf16_len(text) > MAX_CELL_CHARS {
            return Err(XlsxError::MaxStringLengthExceeded);
        }
        self.open_cell(col, xf)?;
        let preserve = |c: char| matches!(c, '\t' | '\n' | ' ');
        self.xml
            .extend_from_slice(if text.starts_with(preserve) || text.ends_with(preserve) {
                b" t=\"inlineStr\"><is><t xml:space=\"preserve\">"
            } else {
                b" t=\"inlineStr\"><is><t>"
            });
        push_escaped(&mut self.xml, text);
        self.xml.extend_from_slice(b"</t></is></c>");
        Ok(())
    }

    /// A number cell holding `value` as written: the decimal text is a valid
    /// `xsd:double` and reads back as the nearest double.
    pub fn number(&mut self, col: ColNum, value: Decimal, xf: u32) -> Result<(), XlsxError> {
        self.open_cell(col, xf)?;
        self.xml.extend_from_slice(b"><v>");
        // Display never uses an exponent, and writing into a Vec cannot fail.
        let _ = write!(self.xml, "{value}");
        self.xml.extend_from_slice(b"</v></c>");
        Ok(())
    }

    /// An empty cell that still shows its format (borders of a totals row).
    pub fn blank(&mut self, col: ColNum, xf: u32) -> Result<(), XlsxError> {
        self.open_cell(col, xf)?;
        self.xml.extend_from_slice(b"/>");
        Ok(())
    }

    /// Writes `<c r=".." s=".."` (unclosed) in the current row.
    fn open_cell(&mut self, col: ColNum, xf: u32) -> Result<(), XlsxError> {
        // Rows are 0-based here, 1-based in the XML.
        let Some(row) = self.row.filter(|_| u32::from(col) < MAX_COLS) else {
            return Err(XlsxError::RowColumnLimitError);
        };
        self.xml.extend_from_slice(b"<c r=\"");
        push_cell_ref(&mut self.xml, col, row);
        self.xml.push(b'"');
        if xf > 0 {
            self.xml.extend_from_slice(b" s=\"");
            push_number(&mut self.xml, u64::from(xf));
            self.xml.push(b'"');
        }
        let (last_row, last_col) = self.last.unwrap_or((0, 0));
        self.last = Some((last_row.max(row), last_col.max(col)));
        Ok(())
    }

    fn end_row(&mut self) -> Result<(), XlsxError> {
        if self.row.is_some() {
            self.xml.extend_from_slice(b"</row>");
            if self.xml.len() >= CHUNK {
                self.deflated.add(&self.xml, FlushCompress::None)?;
                self.xml.clear();
            }
        }
        Ok(())
    }

    /// Ends the last row and flushes the deflate stream to a byte boundary.
    pub fn finish(mut self) -> Result<Finished, XlsxError> {
        self.end_row()?;
        self.deflated.add(&self.xml, FlushCompress::Sync)?;
        let Deflated {
            mut file,
            compress,
            crc,
            ..
        } = self.deflated;
        file.flush()?;
        Ok(Finished {
            file,
            compressed: compress.total_out(),
            len: compress.total_in(),
            crc,
            last: self.last,
        })
    }
}

/// A raw deflate stream into a file, with the CRC of what went in.
struct Deflated {
    file: File,
    compress: Compress,
    crc: crc32fast::Hasher,
    out: Vec<u8>,
}

impl Deflated {
    fn new(file: File) -> Self {
        Deflated {
            file,
            compress: Compress::new(Compression::new(u32::from(super::package::LEVEL)), false),
            crc: crc32fast::Hasher::new(),
            out: Vec::with_capacity(CHUNK),
        }
    }

    fn add(&mut self, input: &[u8], flush: FlushCompress) -> io::Result<()> {
        self.crc.update(input);
        deflate_into(
            &mut self.compress,
            input,
            flush,
            &mut self.out,
            &mut self.file,
        )
    }
}

/// Deflates all of `input` with `flush` through `buf` into `sink`.
pub fn deflate_into(
    compress: &mut Compress,
    mut input: &[u8],
    flush: FlushCompress,
    buf: &mut Vec<u8>,
    sink: &mut impl Write,
) -> io::Result<()> {
    loop {
        buf.clear();
        let before = compress.total_in();
        compress
            .compress_vec(input, buf, flush)
            .map_err(io::Error::other)?;
        // total_in grows by at most input.len(), which is a usize.
        let taken = usize::try_from(compress.total_in() - before).unwrap_or(input.len());
        input = &input[taken.min(input.len())..];
        sink.write_all(buf)?;
        // A buffer left with room means the compressor had nothing more.
        if input.is_empty() && buf.len() < buf.capacity() {
            return Ok(());
        }
    }
}

/// `text` cut to what an Excel cell holds, ending in `…` when cut. The
/// whole text stays in the record (and in `--jsonl`); a cell that
/// rust_xlsxwriter or Excel refuses would stop the whole batch instead.
pub fn fit_cell(text: &str) -> Cow<'_, str> {
    if text.len() <= MAX_CELL_CHARS || utf16_len(text) <= MAX_CELL_CHARS {
        return Cow::Borrowed(text);
    }
    let mut units = 0;
    let end = text
        .char_indices()
        .find(|(_, c)| {
            units += c.len_utf16();
            units > MAX_CELL_CHARS - 1
        })
        .map_or(text.len(), |(i, _)| i);
    Cow::Owned(format!("{}…", &text[..end]))
}

fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// Bytes that may need an escape: XML's `& < >`, `_` (Excel's `_xHHHH_`),
/// control characters and the lead byte of U+FFFE/U+FFFF.
const fn special_bytes() -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b != b'\t' as usize && b != b'\n' as usize;
        b += 1;
    }
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'_' as usize] = true;
    table[0xEF] = true;
    table
}

static SPECIAL: [bool; 256] = special_bytes();

/// Appends `text` escaped as rust_xlsxwriter (and Excel) escape cell text:
/// XML's three, control characters as `_xHHHH_`, and a literal `_xHHHH_`
/// protected as `_x005F_xHHHH_` so that Excel does not decode it.
pub(crate) fn push_escaped(xml: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut done = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !SPECIAL[b as usize] {
            continue;
        }
        let escape: Option<&[u8]> = match b {
            b'&' => Some(b"&amp;"),
            b'<' => Some(b"&lt;"),
            b'>' => Some(b"&gt;"),
            b'_' if is_excel_escape(&bytes[i..]) => Some(b"_x005F"),
            0xEF => match bytes.get(i + 1..i + 3) {
                Some([0xBF, 0xBE]) => Some(b"_xFFFE_"),
                Some([0xBF, 0xBF]) => Some(b"_xFFFF_"),
                _ => None,
            },
            b'_' => None,
            control => {
                xml.extend_from_slice(&bytes[done..i]);
                let _ = write!(xml, "_x{control:04X}_");
                done = i + 1;
                continue;
            }
        };
        let Some(escape) = escape else { continue };
        xml.extend_from_slice(&bytes[done..i]);
        xml.extend_from_slice(escape);
        // `_x005F` goes before the underscore; the others replace their
        // character (one byte, or three for U+FFFE/U+FFFF).
        done = match b {
            b'_' => i,
            0xEF => i + 3,
            _ => i + 1,
        };
    }
    xml.extend_from_slice(&bytes[done..]);
}

/// Whether `rest` starts with `_xHHHH_`.
fn is_excel_escape(rest: &[u8]) -> bool {
    matches!(rest, [b'_', b'x', a, b, c, d, b'_', ..]
        if [a, b, c, d].iter().all(|h| h.is_ascii_hexdigit()))
}

/// Appends the cell's A1 reference (`row` and `col` 0-based).
pub fn push_cell_ref(xml: &mut Vec<u8>, col: ColNum, row: RowNum) {
    xml.extend_from_slice(CellRef::column_letters(u32::from(col)).as_bytes());
    push_number(xml, u64::from(row) + 1);
}

fn push_number(xml: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let (mut n, mut i) = (n, digits.len());
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    xml.extend_from_slice(&digits[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Seek};
    use std::str::FromStr;

    fn escaped(text: &str) -> String {
        let mut xml = Vec::new();
        push_escaped(&mut xml, text);
        String::from_utf8(xml).unwrap()
    }

    #[test]
    fn escapes_match_rust_xlsxwriter() {
        assert_eq!(escaped("a&b<c>d"), "a&amp;b&lt;c&gt;d");
        assert_eq!(escaped("一\u{1}二\r"), "一_x0001_二_x000D_");
        assert_eq!(escaped("tab\tnew\nline"), "tab\tnew\nline");
        assert_eq!(escaped("_x0041_ and _xZZ_"), "_x005F_x0041_ and _xZZ_");
        assert_eq!(escaped("x\u{FFFE}y\u{FFFF}ｚ"), "x_xFFFE_y_xFFFF_ｚ");
        assert_eq!(escaped("项目_名称"), "项目_名称");
    }

    #[test]
    fn cells_are_addressed_like_excel() {
        let name = |(c, r)| {
            let mut v = Vec::new();
            push_cell_ref(&mut v, c, r);
            String::from_utf8(v).unwrap()
        };
        assert_eq!(
            [
                (0, 0),
                (25, 9),
                (26, 99),
                (701, 0),
                (702, 0),
                (16383, 1_048_575)
            ]
            .map(name),
            ["A1", "Z10", "AA100", "ZZ1", "AAA1", "XFD1048576"]
        );
    }

    #[test]
    fn rows_inflate_to_the_cells_written() {
        let mut s = SheetStream::new().unwrap();
        s.start_row(1).unwrap();
        s.number(0, Decimal::from_str("12.50").unwrap(), 3).unwrap();
        s.text(1, " 前后空格 ", 0).unwrap();
        s.start_row(2).unwrap();
        s.blank(27, 7).unwrap();
        let mut done = s.finish().unwrap();
        assert_eq!(done.last, Some((2, 27)));
        let mut deflated = Vec::new();
        done.file.rewind().unwrap();
        done.file.read_to_end(&mut deflated).unwrap();
        assert_eq!(deflated.len() as u64, done.compressed);
        // A sync-flushed stream inflates completely without a final block.
        let mut inflate = flate2::Decompress::new(false);
        let mut xml = Vec::with_capacity(1 << 16);
        inflate
            .decompress_vec(&deflated, &mut xml, flate2::FlushDecompress::Sync)
            .unwrap();
        assert_eq!(
            String::from_utf8(xml.clone()).unwrap(),
            "<row r=\"2\"><c r=\"A2\" s=\"3\"><v>12.50</v></c>\
             <c r=\"B2\" t=\"inlineStr\"><is><t xml:space=\"preserve\"> 前后空格 </t></is></c></row>\
             <row r=\"3\"><c r=\"AB3\" s=\"7\"/></row>"
        );
        assert_eq!(done.crc.clone().finalize(), crc32fast::hash(&xml));
    }

    #[test]
    fn limits_are_errors_not_broken_sheets() {
        let mut s = SheetStream::new().unwrap();
        assert!(s.text(0, "no row yet", 0).is_err());
        s.start_row(5).unwrap();
        assert!(s.start_row(5).is_err(), "rows ascend");
        assert!(s.start_row(MAX_ROWS).is_err());
        assert!(s.blank(MAX_COLS as ColNum, 0).is_err());
        assert!(s.text(0, &"长".repeat(MAX_CELL_CHARS + 1), 0).is_err());
        s.text(0, &"长".repeat(MAX_CELL_CHARS), 0).unwrap();
    }

    #[test]
    fn long_text_is_cut_to_what_a_cell_holds() {
        let fits = "长".repeat(MAX_CELL_CHARS);
        assert!(matches!(fit_cell(&fits), Cow::Borrowed(_)));
        let long = format!("{fits}😀");
        let cut = fit_cell(&long);
        assert_eq!(utf16_len(&cut), MAX_CELL_CHARS);
        assert!(cut.ends_with("长…"));
        // A surrogate pair is never split.
        let emoji = "😀".repeat(MAX_CELL_CHARS);
        let cut = fit_cell(&emoji);
        assert!(utf16_len(&cut) <= MAX_CELL_CHARS && cut.ends_with("😀…"));
    }
}

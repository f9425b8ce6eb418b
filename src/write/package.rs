//! Saves a workbook whose big sheets' rows were streamed
//! ([`super::sheet_stream`]).
//!
//! rust_xlsxwriter lays out the whole workbook — styles, charts, filters,
//! conditional formats, and each streamed sheet with its title and header
//! rows only. Its package is then copied entry by entry, compressed bytes
//! untouched, and each streamed sheet's rows are spliced in after those
//! rows. A deflate stream may be made of independently compressed pieces
//! as long as every piece but the last ends byte-aligned without a final
//! block, so
//! the sheet entry is: the deflated head of rust_xlsxwriter's XML, the
//! streamed rows as they are, the deflated rest; its CRC is combined from
//! the three.

use std::io::{self, Cursor, Read, Seek, Write};

use flate2::{Compress, Compression, FlushCompress};
use rust_xlsxwriter::{ColNum, RowNum};
use zip::{CompressionMethod, ZipArchive};

use super::sheet_stream::{deflate_into, push_cell_ref, Finished};

/// zlib level of every part (1 fastest … 9 smallest): the workbook is
/// written once and read many times, and fast deflate costs it only a few
/// percent in size. rust_xlsxwriter's parts, the streamed rows and the
/// spliced heads and tails all use it.
pub const LEVEL: u8 = 1;

/// Method numbers of a zip entry.
const STORED: u16 = 0;
const DEFLATED: u16 = 8;
/// 1980-01-01 00:00 in MS-DOS form: rust_xlsxwriter's stamp for every part.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

/// A worksheet part of the package and the rows that belong after its
/// title and header rows.
pub struct Splice {
    /// The part's name, e.g. `xl/worksheets/sheet2.xml`.
    pub part: String,
    pub rows: Finished,
    /// The sheet's last row and column, header included.
    pub last: (RowNum, ColNum),
}

/// Writes the package `base` to `out` with each splice's rows in place.
pub fn write(base: &[u8], mut splices: Vec<Splice>, out: impl Write) -> io::Result<()> {
    let mut archive = ZipArchive::new(Cursor::new(base)).map_err(io::Error::other)?;
    let mut zip = ZipOut::new(out);
    for i in 0..archive.len() {
        let name = match archive.name_for_index(i) {
            Some(name) => name.map_err(io::Error::other)?.into_owned(),
            None => continue,
        };
        match splices.iter().position(|s| s.part == name) {
            Some(k) => {
                let mut xml = Vec::new();
                let mut entry = archive.by_index(i).map_err(io::Error::other)?;
                entry.read_to_end(&mut xml)?;
                splice(&mut zip, &name, &xml, splices.swap_remove(k))?;
            }
            None => {
                let mut entry = archive.by_index_raw(i).map_err(io::Error::other)?;
                let method = match entry.compression() {
                    CompressionMethod::Stored => STORED,
                    CompressionMethod::Deflated => DEFLATED,
                    other => return Err(internal(format!("{name} is compressed by {other}"))),
                };
                let (crc, size) = (entry.crc32(), entry.size());
                let mut raw = Vec::new();
                entry.read_to_end(&mut raw)?;
                zip.entry(&name, method, crc, size, raw.len() as u64)?;
                zip.write(&raw)?;
            }
        }
    }
    if let Some(missing) = splices.first() {
        return Err(internal(format!("no part {} in the package", missing.part)));
    }
    zip.finish()
}

/// Writes one worksheet entry: `xml`'s head, the streamed rows, its rest.
fn splice(zip: &mut ZipOut<impl Write>, name: &str, xml: &[u8], s: Splice) -> io::Result<()> {
    let rows = s.rows;
    let at = end_of_rows(xml).ok_or_else(|| {
        internal(format!(
            "{name}: the sheet has no rows before the streamed ones"
        ))
    })?;
    let head = with_dimension(&xml[..at], s.last);
    let (head_deflated, mut crc) = deflate(&head, FlushCompress::Sync)?;
    let (tail_deflated, tail_crc) = deflate(&xml[at..], FlushCompress::Finish)?;
    crc.combine(&rows.crc);
    crc.combine(&tail_crc);
    let size = (head.len() + xml.len() - at) as u64 + rows.len;
    let compressed = (head_deflated.len() + tail_deflated.len()) as u64 + rows.compressed;
    zip.entry(name, DEFLATED, crc.finalize(), size, compressed)?;
    zip.write(&head_deflated)?;
    let mut file = rows.file;
    file.rewind()?;
    let copied = io::copy(&mut file, &mut zip.out)?;
    if copied != rows.compressed {
        return Err(internal(format!("{name}: streamed rows were cut short")));
    }
    zip.offset += copied;
    zip.write(&tail_deflated)
}

/// Where the rows rust_xlsxwriter wrote (title and header) end: the
/// streamed rows, all below them, go there.
fn end_of_rows(xml: &[u8]) -> Option<usize> {
    let data = memchr::memmem::find(xml, b"<sheetData>")?;
    let end = data + memchr::memmem::find(&xml[data..], b"</sheetData>")?;
    xml[..end].ends_with(b"</row>").then_some(end)
}

/// `head` with `<dimension>` naming `A1` to `last`.
fn with_dimension(head: &[u8], (row, col): (RowNum, ColNum)) -> Vec<u8> {
    const REF: &[u8] = b"<dimension ref=\"";
    let span = memchr::memmem::find(head, REF).and_then(|at| {
        let start = at + REF.len();
        Some((start, start + memchr::memchr(b'"', &head[start..])?))
    });
    let Some((start, end)) = span else {
        return head.to_vec();
    };
    let mut out = Vec::with_capacity(head.len() + 8);
    out.extend_from_slice(&head[..start]);
    out.extend_from_slice(b"A1:");
    push_cell_ref(&mut out, col, row);
    out.extend_from_slice(&head[end..]);
    out
}

/// `bytes` deflated as a whole with `flush`, and their CRC.
fn deflate(bytes: &[u8], flush: FlushCompress) -> io::Result<(Vec<u8>, crc32fast::Hasher)> {
    let mut compress = Compress::new(Compression::new(u32::from(LEVEL)), false);
    let (mut buf, mut out) = (Vec::with_capacity(bytes.len() / 4 + 64), Vec::new());
    deflate_into(&mut compress, bytes, flush, &mut buf, &mut out)?;
    let mut crc = crc32fast::Hasher::new();
    crc.update(bytes);
    Ok((out, crc))
}

fn internal(message: String) -> io::Error {
    io::Error::other(format!(
        "internal error while saving the workbook: {message}"
    ))
}

/// A zip file written front to back: local headers and data, then the
/// central directory. Without ZIP64, so sizes stop at 4 GiB.
struct ZipOut<W> {
    out: W,
    offset: u64,
    central: Vec<u8>,
    entries: u16,
}

impl<W: Write> ZipOut<W> {
    fn new(out: W) -> Self {
        ZipOut {
            out,
            offset: 0,
            central: Vec::new(),
            entries: 0,
        }
    }

    /// Starts an entry whose data follows through [`Self::write`].
    fn entry(
        &mut self,
        name: &str,
        method: u16,
        crc: u32,
        size: u64,
        compressed: u64,
    ) -> io::Result<()> {
        let (size, compressed, offset) = (fits(size)?, fits(compressed)?, fits(self.offset)?);
        let name_len = u16::try_from(name.len()).map_err(|_| too_big())?;
        self.entries = self.entries.checked_add(1).ok_or_else(too_big)?;
        // Fields shared by the local header and the central record, from
        // "version needed" to the name's length.
        let mut common = Vec::with_capacity(26);
        for half in [20, 0, method, DOS_TIME, DOS_DATE] {
            common.extend_from_slice(&half.to_le_bytes());
        }
        for word in [crc, compressed, size] {
            common.extend_from_slice(&word.to_le_bytes());
        }
        common.extend_from_slice(&name_len.to_le_bytes());
        let mut local = Vec::with_capacity(30 + name.len());
        local.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        local.extend_from_slice(&common);
        local.extend_from_slice(&0u16.to_le_bytes()); // extra field length
        local.extend_from_slice(name.as_bytes());
        let c = &mut self.central;
        c.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        c.extend_from_slice(&20u16.to_le_bytes()); // version made by
        c.extend_from_slice(&common);
        // extra, comment, disk, internal and external attributes
        c.extend_from_slice(&[0; 2 + 2 + 2 + 2 + 4]);
        c.extend_from_slice(&offset.to_le_bytes());
        c.extend_from_slice(name.as_bytes());
        self.write(&local)
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    /// Writes the central directory and its end record.
    fn finish(mut self) -> io::Result<()> {
        let (start, size) = (fits(self.offset)?, fits(self.central.len() as u64)?);
        let central = std::mem::take(&mut self.central);
        self.write(&central)?;
        let mut end = Vec::with_capacity(22);
        end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        end.extend_from_slice(&[0; 4]); // this disk, the directory's disk
        end.extend_from_slice(&self.entries.to_le_bytes());
        end.extend_from_slice(&self.entries.to_le_bytes());
        end.extend_from_slice(&size.to_le_bytes());
        end.extend_from_slice(&start.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes()); // comment length
        self.write(&end)?;
        self.out.flush()
    }
}

fn fits(n: u64) -> io::Result<u32> {
    u32::try_from(n).map_err(|_| too_big())
}

fn too_big() -> io::Error {
    io::Error::other("the workbook would exceed 4 GiB, the zip format's limit without ZIP64")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::sheet_stream::SheetStream;
    use calamine::{Data, Reader, Xlsx};
    use rust_decimal::Decimal;

    /// A one-sheet workbook whose header row comes from rust_xlsxwriter and
    /// whose 300 body rows (several deflate chunks) were streamed.
    fn spliced() -> Vec<u8> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "序号").unwrap();
        sheet.write_string(0, 1, "说明").unwrap();
        let base = workbook.save_to_buffer().unwrap();
        let mut rows = SheetStream::new().unwrap();
        let long = "长文本".repeat(200);
        for r in 1..=300u32 {
            rows.start_row(r).unwrap();
            rows.number(0, Decimal::from(r), 0).unwrap();
            rows.text(1, &long, 0).unwrap();
        }
        let splice = Splice {
            part: "xl/worksheets/sheet1.xml".into(),
            rows: rows.finish().unwrap(),
            last: (300, 1),
        };
        let mut out = Vec::new();
        write(&base, vec![splice], &mut out).unwrap();
        out
    }

    #[test]
    fn spliced_rows_read_back_with_a_valid_crc_and_extent() {
        let bytes = spliced();
        // Reading an entry to its end checks its CRC and size.
        let mut zip = ZipArchive::new(Cursor::new(&bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert!(xml.contains(r#"<dimension ref="A1:B301"/>"#));
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(range.get_size(), (301, 2));
        assert_eq!(range.get((0, 1)), Some(&Data::String("说明".into())));
        assert_eq!(range.get((300, 0)), Some(&Data::Float(300.0)));
    }

    #[test]
    fn a_part_missing_from_the_package_is_an_error() {
        let base = rust_xlsxwriter::Workbook::new().save_to_buffer().unwrap();
        let splice = Splice {
            part: "xl/worksheets/sheet9.xml".into(),
            rows: SheetStream::new().unwrap().finish().unwrap(),
            last: (0, 0),
        };
        let err = write(&base, vec![splice], Vec::new()).unwrap_err();
        assert!(err.to_string().contains("sheet9.xml"), "{err}");
    }
}

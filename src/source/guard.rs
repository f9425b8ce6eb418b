//! Checks on a zip container before calamine or the ODS reader opens it: the
//! workbook part is there, entry sizes and ratios are sane, every entry's
//! real size matches its declaration and its CRC is right, and no XML part
//! declares a DOCTYPE (the carrier of entity-expansion bombs).

use std::io::{Cursor, Read};

use zip::result::ZipError;
use zip::ZipArchive;

use super::{Ctx, SourceError};

/// Which spreadsheet a zip holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZipKind {
    Xlsx,
    Xlsb,
    Ods,
}

const MAX_ENTRIES: usize = 10_000;
/// Entries below this size may have any ratio (tiny repetitive XML).
const RATIO_FLOOR: u64 = 1 << 20;
/// How much of each XML part is searched for a DOCTYPE: it must come before
/// the root element.
const PROLOG: usize = 4096;
const ODS_MIME: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";

/// What the checks learned about a zip container.
#[derive(Debug)]
pub struct ZipInfo {
    pub kind: ZipKind,
    /// XML parts that mark something `hidden="1"` (rows or columns to read
    /// separately, since calamine does not report them).
    pub with_hidden: Vec<String>,
}

/// Classifies and checks a zip container.
pub fn check_zip(ctx: &Ctx, bytes: &[u8]) -> Result<ZipInfo, SourceError> {
    let corrupt = |e: ZipError| ctx.corrupt("zip", e);
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    if zip.len() > MAX_ENTRIES {
        return Err(ctx.too_large(format!("{} zip entries (limit {MAX_ENTRIES})", zip.len())));
    }
    let names: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .map(Into::into)
        .collect();
    let kind = classify(ctx, &names)?;
    let mut total = 0u64;
    let mut with_hidden = Vec::new();
    for i in 0..zip.len() {
        let entry = check_entry(ctx, &mut zip, i)?;
        total += entry.size;
        if entry.hidden {
            with_hidden.push(names.get(i).cloned().unwrap_or_default());
        }
        if total > ctx.limits.max_unpacked_bytes {
            return Err(ctx.too_large(format!(
                "zip unpacks to more than {} bytes",
                ctx.limits.max_unpacked_bytes
            )));
        }
    }
    if kind == ZipKind::Ods {
        check_ods(ctx, &mut zip)?;
    }
    Ok(ZipInfo { kind, with_hidden })
}

struct EntryFacts {
    size: u64,
    hidden: bool,
}

fn classify(ctx: &Ctx, names: &[String]) -> Result<ZipKind, SourceError> {
    let has = |part: &str| names.iter().any(|n| n.eq_ignore_ascii_case(part));
    let under = |dir: &str| names.iter().any(|n| n.starts_with(dir));
    if has("xl/workbook.xml") {
        Ok(ZipKind::Xlsx)
    } else if has("xl/workbook.bin") {
        Ok(ZipKind::Xlsb)
    } else if has("content.xml") && has("mimetype") {
        Ok(ZipKind::Ods)
    } else if under("Index/") || has("Index.zip") {
        Err(ctx.unsupported("an Apple Numbers document; export it as .xlsx"))
    } else if under("word/") {
        Err(ctx.unsupported("a Word document, not a workbook"))
    } else if under("ppt/") {
        Err(ctx.unsupported("a PowerPoint document, not a workbook"))
    } else if has("content.xml") {
        Err(ctx.unsupported("an OpenDocument file that is not a spreadsheet"))
    } else {
        Err(ctx.corrupt(
            "zip",
            "no workbook part (xl/workbook.xml, xl/workbook.bin or content.xml)",
        ))
    }
}

/// Reads one entry through, bounded by its declared size (which also makes
/// the zip reader verify the CRC), and checks XML parts for a DOCTYPE.
fn check_entry(
    ctx: &Ctx,
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    index: usize,
) -> Result<EntryFacts, SourceError> {
    let mut entry = match zip.by_index(index) {
        Ok(e) => e,
        Err(ZipError::UnsupportedArchive(m)) if m == ZipError::PASSWORD_REQUIRED => {
            return Err(ctx.encrypted())
        }
        Err(e) => return Err(ctx.corrupt("zip", e)),
    };
    let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
    let size = entry.size();
    let ratio = size / entry.compressed_size().max(1);
    if size > RATIO_FLOOR && ratio > ctx.limits.max_ratio {
        return Err(ctx.too_large(format!(
            "zip entry {name} expands {ratio}× (limit {}×)",
            ctx.limits.max_ratio
        )));
    }
    let bad = |what: String| ctx.corrupt("zip", format!("entry {name}: {what}"));
    let mut head = Vec::with_capacity(PROLOG.min(size as usize));
    let mut limited = (&mut entry).take(size + 1);
    (&mut limited)
        .take(PROLOG as u64)
        .read_to_end(&mut head)
        .map_err(|e| bad(e.to_string()))?;
    let mut hidden = mentions_hidden(&head);
    let rest = scan_rest(&mut limited, &head, &mut hidden).map_err(|e| bad(e.to_string()))?;
    if head.len() as u64 + rest != size {
        return Err(bad(format!(
            "holds {} bytes, declares {size}",
            head.len() as u64 + rest
        )));
    }
    if is_xml(&name) && declares_doctype(&head) {
        return Err(bad(
            "declares a DOCTYPE/ENTITY (XML entity-expansion bomb?)".to_string(),
        ));
    }
    Ok(EntryFacts { size, hidden })
}

const HIDDEN: [&[u8]; 2] = [b" hidden=\"1\"", b" hidden=\"true\""];

fn mentions_hidden(chunk: &[u8]) -> bool {
    HIDDEN
        .iter()
        .any(|needle| memchr::memmem::find(chunk, needle).is_some())
}

/// Reads the rest of an entry, noting a `hidden="1"` on the way (also one
/// split across two reads). Returns the bytes read.
fn scan_rest(reader: &mut impl Read, head: &[u8], hidden: &mut bool) -> std::io::Result<u64> {
    const KEEP: usize = 16;
    let mut buf = vec![0u8; 64 * 1024];
    let mut carry = head[head.len().saturating_sub(KEEP)..].to_vec();
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf[carry.len()..])?;
        if n == 0 {
            return Ok(total);
        }
        total += n as u64;
        buf[..carry.len()].copy_from_slice(&carry);
        let filled = carry.len() + n;
        if !*hidden {
            *hidden = mentions_hidden(&buf[..filled]);
        }
        carry = buf[filled.saturating_sub(KEEP)..filled].to_vec();
    }
}

fn is_xml(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".xml") || lower.ends_with(".rels") || lower.ends_with(".vml")
}

fn declares_doctype(head: &[u8]) -> bool {
    let finder = |needle: &[u8]| {
        head.windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    finder(b"<!DOCTYPE") || finder(b"<!ENTITY")
}

/// An ODS must say it is a spreadsheet and must not be encrypted.
fn check_ods(ctx: &Ctx, zip: &mut ZipArchive<Cursor<&[u8]>>) -> Result<(), SourceError> {
    let mut mime = Vec::new();
    if let Ok(mut f) = zip.by_name("mimetype") {
        let _ = f.by_ref().take(128).read_to_end(&mut mime);
    }
    if !mime.starts_with(ODS_MIME) {
        return Err(ctx.unsupported(format!(
            "an OpenDocument file of type {:?}, not a spreadsheet",
            String::from_utf8_lossy(&mime)
        )));
    }
    let mut manifest = Vec::new();
    if let Ok(f) = zip.by_name("META-INF/manifest.xml") {
        let _ = f.take(1 << 20).read_to_end(&mut manifest);
    }
    if memchr::memmem::find(&manifest, b"encryption-data").is_some() {
        return Err(ctx.encrypted());
    }
    Ok(())
}

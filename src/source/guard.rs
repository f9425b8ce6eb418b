//! Checks on a zip container before any reader opens it: the
//! workbook part is there, entry sizes and ratios are sane, every entry's
//! real size matches its declaration and its CRC is right, and no XML part
//! declares a DOCTYPE (the carrier of entity-expansion bombs).

use std::cell::RefCell;
use std::io::{Cursor, Read, Write};

use libdeflater::{DecompressionError, Decompressor};
use zip::result::ZipError;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::xlsx::Parts;
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

/// What the checks learned about a zip container, and its checked content,
/// inflated once so that no parser inflates it again.
pub struct ZipInfo {
    pub kind: ZipKind,
    pub content: Content,
}

pub enum Content {
    /// The parts an xlsx reader needs, inflated.
    Parts(Parts),
    /// The same archive with every entry stored uncompressed, for readers
    /// that take a zip (calamine's xlsb, the ODS reader).
    Stored(Vec<u8>),
}

/// Classifies and checks a zip container, unpacking it once.
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
    check_names(ctx, &zip, &names)?;
    let kind = classify(ctx, &names)?;
    let mut total = 0u64;
    let mut content = Unpacked::for_kind(kind, bytes.len());
    let mut data = Vec::new();
    for i in 0..zip.len() {
        let Some(name) = unpack_entry(ctx, kind, bytes, &mut zip, i, &mut data)? else {
            continue;
        };
        total += data.len() as u64;
        if total > ctx.limits.max_unpacked_bytes {
            return Err(ctx.too_large(format!(
                "zip unpacks to more than {} bytes",
                ctx.limits.max_unpacked_bytes
            )));
        }
        content
            .add(name.as_str(), std::mem::take(&mut data))
            .map_err(|e| ctx.corrupt("zip", format!("entry {name}: {e}")))?;
    }
    if kind == ZipKind::Ods {
        check_ods(ctx, &mut zip)?;
    }
    let content = content.finish().map_err(corrupt)?;
    Ok(ZipInfo { kind, content })
}

/// Where checked entries go: the xlsx reader's parts, or a stored zip for
/// the readers that take one.
enum Unpacked {
    Parts(Parts),
    Stored(Box<ZipWriter<Cursor<Vec<u8>>>>),
}

impl Unpacked {
    fn for_kind(kind: ZipKind, packed_len: usize) -> Self {
        match kind {
            ZipKind::Xlsx => Unpacked::Parts(Parts::default()),
            ZipKind::Xlsb | ZipKind::Ods => {
                let buffer = Vec::with_capacity(packed_len * 8);
                Unpacked::Stored(Box::new(ZipWriter::new(Cursor::new(buffer))))
            }
        }
    }

    fn add(&mut self, name: &str, data: Vec<u8>) -> Result<(), ZipError> {
        match self {
            Unpacked::Parts(parts) => parts.push(name.to_string(), data),
            Unpacked::Stored(zip) => {
                let stored = SimpleFileOptions::default()
                    .compression_method(CompressionMethod::Stored)
                    .large_file(false);
                zip.start_file(name, stored)?;
                zip.write_all(&data)?;
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<Content, ZipError> {
        Ok(match self {
            Unpacked::Parts(parts) => Content::Parts(parts),
            Unpacked::Stored(zip) => Content::Stored(zip.finish()?.into_inner()),
        })
    }
}

/// Refuses a package in which two entries have one name, exactly or but
/// for ASCII case or `\` for `/`: Excel, LibreOffice, calamine and this
/// reader each pick one of them their own way, so a department could show
/// reviewers one sheet and have another counted.
fn check_names(
    ctx: &Ctx,
    zip: &ZipArchive<Cursor<&[u8]>>,
    names: &[String],
) -> Result<(), SourceError> {
    if zip.has_duplicate_names() {
        return Err(ctx.corrupt(
            "zip",
            "two entries have the same name; which one a reader takes is undefined",
        ));
    }
    let mut seen = std::collections::HashMap::with_capacity(names.len());
    for name in names {
        let key = name.to_ascii_lowercase().replace('\\', "/");
        if let Some(first) = seen.insert(key, name) {
            return Err(ctx.corrupt(
                "zip",
                format!(
                    "entries {first} and {name} differ only in case; which one a reader takes is undefined"
                ),
            ));
        }
    }
    Ok(())
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

/// Inflates one entry into `data`, which must come to exactly its declared
/// size and CRC, and checks an XML part for a DOCTYPE. Returns the entry's
/// name, or `None` for a directory or a part no parser reads (only its
/// declared sizes are checked).
fn unpack_entry(
    ctx: &Ctx,
    kind: ZipKind,
    bytes: &[u8],
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    index: usize,
    data: &mut Vec<u8>,
) -> Result<Option<String>, SourceError> {
    let entry = zip.by_index_raw(index).map_err(|e| ctx.corrupt("zip", e))?;
    if entry.encrypted() {
        return Err(ctx.encrypted());
    }
    let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
    let size = entry.size();
    let unread = entry.is_dir() || !parsed(kind, &name);
    let ratio = size / entry.compressed_size().max(1);
    if size > RATIO_FLOOR && ratio > ctx.limits.max_ratio {
        return Err(ctx.too_large(format!(
            "zip entry {name} expands {ratio}× (limit {}×)",
            ctx.limits.max_ratio
        )));
    }
    if size > ctx.limits.max_unpacked_bytes {
        return Err(ctx.too_large(format!("zip entry {name} declares {size} bytes")));
    }
    if unread {
        return Ok(None);
    }
    let bad = |what: String| ctx.corrupt("zip", format!("entry {name}: {what}"));
    let packed = entry
        .data_start()
        .and_then(|start| {
            let start = usize::try_from(start).ok()?;
            bytes.get(start..start.checked_add(usize::try_from(entry.compressed_size()).ok()?)?)
        })
        .ok_or_else(|| bad("its data lies outside the file".to_string()))?;
    match entry.compression() {
        CompressionMethod::Stored => {
            data.clear();
            data.extend_from_slice(packed);
        }
        CompressionMethod::Deflated => inflate(packed, size as usize, data).map_err(bad)?,
        other => return Err(bad(format!("compression method {other} is not supported"))),
    }
    if data.len() as u64 != size {
        return Err(bad(format!("holds {} bytes, declares {size}", data.len())));
    }
    if crc32fast::hash(data) != entry.crc32() {
        return Err(bad("its CRC does not match (damaged?)".to_string()));
    }
    if is_xml(&name) {
        to_utf8(data).map_err(bad)?;
    }
    if is_xml(&name) && declares_doctype(&data[..data.len().min(PROLOG)]) {
        return Err(bad(
            "declares a DOCTYPE/ENTITY (XML entity-expansion bomb?)".to_string(),
        ));
    }
    Ok(Some(name))
}

thread_local! {
    /// One decompressor per thread. An entry's size is declared, so it is
    /// inflated whole into a buffer of that size, which libdeflate does about
    /// twice as fast as a streaming inflater.
    static INFLATER: RefCell<Decompressor> = RefCell::new(Decompressor::new());
}

/// Inflates a raw deflate stream into `out`, with room for one byte past
/// `size` so that a stream longer than declared shows without being
/// inflated whole.
fn inflate(packed: &[u8], size: usize, out: &mut Vec<u8>) -> Result<(), String> {
    out.clear();
    out.resize(size.saturating_add(1), 0);
    match INFLATER.with_borrow_mut(|inflater| inflater.deflate_decompress(packed, out)) {
        Ok(len) => {
            out.truncate(len);
            Ok(())
        }
        Err(DecompressionError::InsufficientSpace) => Err(format!(
            "it inflates to more than the {size} bytes it declares"
        )),
        Err(DecompressionError::BadData) => Err("bad deflate data".to_string()),
    }
}

/// Parts of an xlsx/xlsb that no reader opens for cell values: inflating
/// them would only cost time.
const UNREAD: [&str; 12] = [
    "docProps/",
    "xl/theme/",
    "xl/media/",
    "xl/printerSettings/",
    "xl/drawings/",
    "xl/charts/",
    "xl/embeddings/",
    "xl/externalLinks/",
    "customXml/",
    "xl/activeX/",
    "_rels/",
    "[Content_Types].xml",
];

/// Whether the reader of `kind` opens the part `name`. The xlsx reader
/// follows only the workbook's relationships, not the sheets' own.
fn parsed(kind: ZipKind, name: &str) -> bool {
    let unread = || UNREAD.iter().any(|p| name.starts_with(p));
    match kind {
        ZipKind::Ods => name == "content.xml",
        ZipKind::Xlsx => {
            let sheet_rels = name.contains("/_rels/") && !name.starts_with("xl/_rels/");
            !unread() && !sheet_rels
        }
        ZipKind::Xlsb => !unread(),
    }
}

fn is_xml(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".xml") || lower.ends_with(".rels") || lower.ends_with(".vml")
}

/// Re-encodes an XML part in UTF-16 (which OPC allows) or in another
/// declared encoding as UTF-8, the one the readers parse, declaring it so:
/// read as UTF-8, such a part would look empty. An encoding that cannot be
/// decoded is refused, never read as nothing.
fn to_utf8(data: &mut Vec<u8>) -> Result<(), String> {
    use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};
    let (encoding, skip) = match data.as_slice() {
        [0xEF, 0xBB, 0xBF, ..] => return Ok(()),
        [0xFF, 0xFE, ..] => (UTF_16LE, 2),
        [0xFE, 0xFF, ..] => (UTF_16BE, 2),
        [b'<', 0, ..] => (UTF_16LE, 0),
        [0, b'<', ..] => (UTF_16BE, 0),
        _ => match declared_encoding(data) {
            None => return Ok(()),
            Some(label) => match Encoding::for_label(label.as_bytes()) {
                Some(enc) if enc == UTF_8 => return Ok(()),
                // A UTF-16 label on bytes without UTF-16's shape: the
                // label is wrong, the bytes are read as they are.
                Some(enc) if enc == UTF_16LE || enc == UTF_16BE => return Ok(()),
                Some(enc) => (enc, 0),
                None => return Err(format!("declares an unknown encoding {label:?}")),
            },
        },
    };
    let (text, malformed) = encoding.decode_without_bom_handling(&data[skip..]);
    if malformed {
        return Err(format!("is not valid {}", encoding.name()));
    }
    let text = match declared_encoding(text.as_bytes()) {
        Some(label) => text.replacen(&label, "UTF-8", 1),
        None => text.into_owned(),
    };
    *data = text.into_bytes();
    Ok(())
}

/// The `encoding="…"` of an XML declaration at the start of `data`.
fn declared_encoding(data: &[u8]) -> Option<String> {
    let head = &data[..data.len().min(200)];
    let decl = head.strip_prefix(b"<?xml")?;
    let decl = &decl[..memchr::memmem::find(decl, b"?>")?];
    let at = memchr::memmem::find(decl, b"encoding")? + "encoding".len();
    let rest = std::str::from_utf8(&decl[at..]).ok()?;
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    let label = rest[1..].split(quote).next()?;
    Some(label.to_string())
}

fn declares_doctype(head: &[u8]) -> bool {
    // Every part of every workbook passes here: jump from one `<!` to the
    // next rather than looking at every byte.
    let starts = |at: &[u8], needle: &[u8]| {
        at.get(..needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
    };
    memchr::memmem::find_iter(head, b"<!")
        .map(|i| &head[i..])
        .any(|at| starts(at, b"<!DOCTYPE") || starts(at, b"<!ENTITY"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_parts_in_other_encodings_become_utf8() {
        let text = r#"<?xml version="1.0" encoding="UTF-16"?><t>项目</t>"#;
        let mut le: Vec<u8> = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        to_utf8(&mut le).unwrap();
        assert_eq!(le, text.replace("UTF-16", "UTF-8").as_bytes());
        let mut be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        to_utf8(&mut be).unwrap();
        assert_eq!(be, text.replace("UTF-16", "UTF-8").as_bytes());
        let gbk_text = r#"<?xml version="1.0" encoding="GBK"?><t>项目</t>"#;
        let mut gbk = encoding_rs::GBK.encode(gbk_text).0.into_owned();
        to_utf8(&mut gbk).unwrap();
        assert_eq!(gbk, gbk_text.replace("GBK", "UTF-8").as_bytes());
        let mut unknown = br#"<?xml version="1.0" encoding="x-nope"?><t/>"#.to_vec();
        assert!(to_utf8(&mut unknown).is_err());
        let mut plain = br#"<?xml version="1.0" encoding="utf-8"?><t/>"#.to_vec();
        let before = plain.clone();
        to_utf8(&mut plain).unwrap();
        assert_eq!(plain, before);
    }

    #[test]
    fn doctype_and_entity_declarations_are_found_in_any_case() {
        assert!(declares_doctype(
            b"<?xml?><!DOCTYPE lolz [<!ENTITY a \"x\">]>"
        ));
        assert!(declares_doctype(b"<?xml?>\n<!doctype x>"));
        assert!(declares_doctype(b"<x/><!ENTITY b 'y'>"));
        assert!(!declares_doctype(
            b"<?xml?><!-- a comment --><sst count=\"1\"/>"
        ));
        assert!(!declares_doctype(
            b"<worksheet><c>&lt;!DOCTYPE</c></worksheet>"
        ));
        assert!(!declares_doctype(b"<!DOCTYP"));
    }
}

//! Which reader a file needs, decided from its first bytes.

/// The kind of content at the start of a file.
#[derive(Debug, PartialEq, Eq)]
pub enum Kind {
    /// A zip container: xlsx, xlsm, xlsb, ods (or something else zipped).
    Zip,
    /// An OLE/CFB compound file: xls, or an encrypted OOXML package.
    Ole,
    /// SpreadsheetML 2003 XML.
    SpreadsheetMl,
    /// An HTML page (finance systems' "xls" exports).
    Html,
    /// Delimited text.
    Text,
    /// Recognised, but not something jixiao reads.
    Unsupported(&'static str),
}

const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Known binary signatures that are not spreadsheets jixiao reads.
const FOREIGN: &[(&[u8], &str)] = &[
    (b"%PDF", "a PDF document; export the form as .xlsx"),
    (
        &[0x09, 0x00, 0x04, 0x00],
        "an Excel 2.x (BIFF2) worksheet; re-save it as .xlsx",
    ),
    (
        &[0x09, 0x02, 0x06, 0x00],
        "an Excel 3.0 (BIFF3) worksheet; re-save it as .xlsx",
    ),
    (
        &[0x09, 0x04, 0x06, 0x00],
        "an Excel 4.0 (BIFF4) worksheet; re-save it as .xlsx",
    ),
    (
        &[0x09, 0x08],
        "a bare BIFF stream outside an OLE container; re-save it as .xlsx",
    ),
    (&[0x1F, 0x8B], "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (&[0x37, 0x7A, 0xBC, 0xAF], "a 7-Zip archive"),
    (&[0x89, b'P', b'N', b'G'], "a PNG image"),
    (&[0xFF, 0xD8, 0xFF], "a JPEG image"),
    (b"{\\rtf", "an RTF document"),
];

/// Classifies a file by its content.
pub fn sniff(bytes: &[u8]) -> Kind {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Kind::Zip;
    }
    if bytes.starts_with(OLE_MAGIC) {
        return Kind::Ole;
    }
    if let Some((_, what)) = FOREIGN.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return Kind::Unsupported(what);
    }
    if bytes.is_empty() {
        return Kind::Unsupported("an empty file");
    }
    let head = crate::source::decode::head_text(bytes, 4096).to_ascii_lowercase();
    let head = head.trim_start();
    if head.starts_with("<?xml") || head.starts_with("<workbook") {
        if head.contains("excel.sheet")
            || head.contains("urn:schemas-microsoft-com:office:spreadsheet")
        {
            return Kind::SpreadsheetMl;
        }
        if head.contains("<html") || head.contains("<table") {
            return Kind::Html;
        }
        return Kind::Unsupported("an XML document that is not SpreadsheetML 2003");
    }
    if head.starts_with('<')
        && (head.contains("<html") || head.contains("<table") || head.contains("<!doctype html"))
    {
        return Kind::Html;
    }
    if looks_binary(bytes) {
        return Kind::Unsupported("binary data that is no known spreadsheet format");
    }
    Kind::Text
}

/// NUL bytes outside UTF-16 text, or many control bytes, mean binary.
fn looks_binary(bytes: &[u8]) -> bool {
    if crate::source::decode::utf16_bom(bytes).is_some() {
        return false;
    }
    let head = &bytes[..bytes.len().min(8192)];
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A))
        .count();
    head.contains(&0) || controls * 20 > head.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_content_not_name() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Kind::Zip);
        assert_eq!(sniff(OLE_MAGIC), Kind::Ole);
        assert_eq!(sniff(b"a,b\n1,2\n"), Kind::Text);
        assert_eq!(sniff(b"\xEF\xBB\xBF<html><table>"), Kind::Html);
        assert_eq!(
            sniff(b"<?xml version=\"1.0\"?>\n<?mso-application progid=\"Excel.Sheet\"?>"),
            Kind::SpreadsheetMl
        );
        assert!(matches!(
            sniff(&[0x09, 0x04, 0x06, 0x00, 0, 0]),
            Kind::Unsupported(_)
        ));
        assert!(matches!(sniff(&[0, 1, 2, 3, 0, 0]), Kind::Unsupported(_)));
    }
}

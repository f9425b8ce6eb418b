//! The template's package: which part holds a sheet, and the filled copy,
//! every part not edited copied compressed bytes and all.

use std::collections::BTreeMap;
use std::io::{self, Cursor, Read, Seek, Write};

use regex::Regex;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::refs::Shift;
use crate::source::scan;
use crate::write::atomic;

/// The parts of a template package jixiao reads or edits.
pub struct Package<'a> {
    bytes: &'a [u8],
}

/// A part replaced by new bytes, or dropped.
pub enum Edit {
    Replace(Vec<u8>),
    Drop,
}

impl<'a> Package<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Package { bytes }
    }

    fn archive(&self) -> io::Result<ZipArchive<Cursor<&'a [u8]>>> {
        ZipArchive::new(Cursor::new(self.bytes)).map_err(io::Error::other)
    }

    /// The uncompressed bytes of part `name`, `None` when absent.
    pub fn part(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        let mut archive = self.archive()?;
        let Ok(mut entry) = archive.by_name(name) else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut out)?;
        Ok(Some(out))
    }

    /// The worksheet part of the sheet named `sheet`
    /// (`xl/worksheets/sheet1.xml`).
    pub fn sheet_part(&self, sheet: &str) -> io::Result<Option<String>> {
        let workbook = self.part("xl/workbook.xml")?.unwrap_or_default();
        let rels = self.part("xl/_rels/workbook.xml.rels")?.unwrap_or_default();
        let workbook = String::from_utf8_lossy(&workbook);
        let sheet_re = Regex::new(r"<(?:\w+:)?sheet\b[^>]*>").expect("valid");
        let id = sheet_re.find_iter(&workbook).find_map(|m| {
            let tag = m.as_str();
            let name = attr(tag, "name")?;
            (name == sheet).then(|| attr(tag, "r:id"))?
        });
        let Some(id) = id else { return Ok(None) };
        Ok(target_of(&String::from_utf8_lossy(&rels), &id, "xl/"))
    }

    /// The parts a worksheet part relates to (drawings, comments, tables),
    /// by relationship type ending (`/drawing`).
    pub fn related(&self, part: &str) -> io::Result<Vec<(String, String)>> {
        let (dir, file) = part.rsplit_once('/').unwrap_or(("", part));
        let rels = self.part(&format!("{dir}/_rels/{file}.rels"))?;
        let Some(rels) = rels else {
            return Ok(Vec::new());
        };
        let rels = String::from_utf8_lossy(&rels);
        let re = Regex::new(r"<(?:\w+:)?Relationship\b[^>]*>").expect("valid");
        Ok(re
            .find_iter(&rels)
            .filter_map(|m| {
                let tag = m.as_str();
                let kind = attr(tag, "Type")?;
                let target = attr(tag, "Target")?;
                if attr(tag, "TargetMode").as_deref() == Some("External") {
                    return None;
                }
                let kind = kind.rsplit('/').next()?.to_string();
                Some((kind, resolve(&format!("{dir}/"), &target)))
            })
            .collect())
    }

    /// The package with `edits` applied, written to `out`.
    pub fn write(&self, edits: &BTreeMap<String, Edit>, out: impl Write + Seek) -> io::Result<()> {
        let mut archive = self.archive()?;
        let mut zip = ZipWriter::new(out);
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(i64::from(crate::write::package::LEVEL)));
        for i in 0..archive.len() {
            let name = archive
                .name_for_index(i)
                .map(|n| n.map(|n| n.into_owned()))
                .transpose()
                .map_err(io::Error::other)?
                .unwrap_or_default();
            match edits.get(&name) {
                Some(Edit::Drop) => {}
                Some(Edit::Replace(bytes)) => {
                    zip.start_file(name.as_str(), options)
                        .map_err(io::Error::other)?;
                    zip.write_all(bytes)?;
                }
                None => {
                    let entry = archive.by_index_raw(i).map_err(io::Error::other)?;
                    zip.raw_copy_file(entry).map_err(io::Error::other)?;
                }
            }
        }
        // Parts the template did not have (the marker's), at the end.
        let names: Vec<String> = (0..archive.len())
            .filter_map(|i| {
                archive
                    .name_for_index(i)
                    .and_then(|n| n.ok())
                    .map(|n| n.into_owned())
            })
            .collect();
        for (name, edit) in edits {
            if let (Edit::Replace(bytes), false) = (edit, names.contains(name)) {
                zip.start_file(name.as_str(), options)
                    .map_err(io::Error::other)?;
                zip.write_all(bytes)?;
            }
        }
        zip.finish().map_err(io::Error::other)?;
        Ok(())
    }

    /// The edits that mark the package as written by jixiao: the custom
    /// document property [`atomic::MARKER`] = `value` (the marker the
    /// output guard recognizes), added to the template's own custom
    /// properties or in a new part.
    pub fn marker_edits(&self, value: &str, edits: &mut BTreeMap<String, Edit>) -> io::Result<()> {
        const PART: &str = "docProps/custom.xml";
        const FMTID: &str = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}";
        let marker = atomic::MARKER;
        let property = |pid: u32| {
            format!(
                "<property fmtid=\"{FMTID}\" pid=\"{pid}\" name=\"{marker}\"><vt:lpwstr>{value}</vt:lpwstr></property>"
            )
        };
        if let Some(xml) = self.part(PART)? {
            let text = String::from_utf8_lossy(&xml).into_owned();
            let own = Regex::new(&format!(
                r#"(?s)<property\b[^>]*name="{marker}"[^>]*>.*?</property>"#
            ))
            .expect("valid");
            let pid = Regex::new(r#"pid="(\d+)""#).expect("valid");
            let new = match own.find(&text) {
                Some(m) => {
                    let id = pid
                        .captures(m.as_str())
                        .and_then(|c| c[1].parse().ok())
                        .unwrap_or(2);
                    text.replacen(m.as_str(), &property(id), 1)
                }
                None => {
                    let next = pid
                        .captures_iter(&text)
                        .filter_map(|c| c[1].parse::<u32>().ok())
                        .max()
                        .map_or(2, |p| p + 1);
                    text.replacen(
                        "</Properties>",
                        &format!("{}</Properties>", property(next)),
                        1,
                    )
                }
            };
            edits.insert(PART.into(), Edit::Replace(new.into_bytes()));
            return Ok(());
        }
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Properties \
             xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties\" \
             xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">{}</Properties>",
            property(2)
        );
        edits.insert(PART.into(), Edit::Replace(xml.into_bytes()));
        let add = |part: &str,
                   before: &str,
                   element: &str,
                   edits: &mut BTreeMap<String, Edit>|
         -> io::Result<()> {
            let current = match edits.get(part) {
                Some(Edit::Replace(b)) => Some(b.clone()),
                _ => self.part(part)?,
            };
            if let Some(xml) = current {
                let text = String::from_utf8_lossy(&xml);
                let new = text.replacen(before, &format!("{element}{before}"), 1);
                edits.insert(part.into(), Edit::Replace(new.into_bytes()));
            }
            Ok(())
        };
        add(
            "[Content_Types].xml",
            "</Types>",
            "<Override PartName=\"/docProps/custom.xml\" \
             ContentType=\"application/vnd.openxmlformats-officedocument.custom-properties+xml\"/>",
            edits,
        )?;
        add(
            "_rels/.rels",
            "</Relationships>",
            "<Relationship Id=\"rIdJixiaoCustom\" \
             Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties\" \
             Target=\"docProps/custom.xml\"/>",
            edits,
        )
    }
}

/// The value of attribute `key` in a start tag, references resolved.
fn attr(tag: &str, key: &str) -> Option<String> {
    let needle = format!(" {key}=\"");
    let start = tag.find(&needle)? + needle.len();
    let len = tag[start..].find('"')?;
    scan::text(&tag.as_bytes()[start..start + len])
        .ok()
        .map(|t| t.into_owned())
}

/// The target part of relationship `id`, resolved against `base`.
fn target_of(rels: &str, id: &str, base: &str) -> Option<String> {
    let re = Regex::new(r"<(?:\w+:)?Relationship\b[^>]*>").expect("valid");
    let found = re.find_iter(rels).find_map(|m| {
        let tag = m.as_str();
        if attr(tag, "Id")? != id {
            return None;
        }
        Some(resolve(base, &attr(tag, "Target")?))
    });
    found
}

/// A relationship target as a part name: absolute (`/xl/…`) or relative
/// to `base` (`../drawings/drawing1.xml`).
fn resolve(base: &str, target: &str) -> String {
    if let Some(absolute) = target.strip_prefix('/') {
        return absolute.to_string();
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for piece in target.split('/') {
        match piece {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// `workbook.xml` with full recalculation on load (so Excel, WPS and
/// LibreOffice recompute the template's formulas) and, when rows moved,
/// the defined names (print area, print titles) on `sheet` moved too.
pub fn workbook_xml(xml: &[u8], recalc: bool, shift: Option<(Shift, &str)>) -> Vec<u8> {
    let mut text = String::from_utf8_lossy(xml).into_owned();
    if let Some((shift, sheet)) = shift {
        let re = Regex::new(r"(?s)(<(?:\w+:)?definedName\b[^>]*>)(.*?)(</(?:\w+:)?definedName>)")
            .expect("valid");
        text = re
            .replace_all(&text, |c: &regex::Captures| {
                let inner = scan::text(c[2].as_bytes())
                    .map(|t| t.into_owned())
                    .unwrap_or_else(|_| c[2].to_string());
                let moved = shift.formula(&inner, sheet, false);
                if moved == inner {
                    return c[0].to_string();
                }
                format!("{}{}{}", &c[1], escape(&moved), &c[3])
            })
            .into_owned();
    }
    if recalc {
        text = with_full_calc(&text);
    }
    text.into_bytes()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn with_full_calc(text: &str) -> String {
    let re = Regex::new(r"<((?:\w+:)?calcPr)\b([^>]*?)(/?)>").expect("valid");
    if let Some(c) = re.captures(text) {
        if c[2].contains("fullCalcOnLoad=\"1\"") {
            return text.to_string();
        }
        let attrs = Regex::new(r#"\s*fullCalcOnLoad="[^"]*""#)
            .expect("valid")
            .replace_all(&c[2], "")
            .into_owned();
        let new = format!("<{}{} fullCalcOnLoad=\"1\"{}>", &c[1], attrs, &c[3]);
        return text.replacen(&c[0], &new, 1);
    }
    // calcPr follows definedNames (or sheets) in the workbook's schema.
    let prefix = Regex::new(r"<(\w+:)?workbook\b")
        .expect("valid")
        .captures(text)
        .and_then(|c| c.get(1).map(|m| m.as_str().to_string()))
        .unwrap_or_default();
    let element = format!("<{prefix}calcPr fullCalcOnLoad=\"1\"/>");
    for anchor in [
        format!("</{prefix}definedNames>"),
        format!("</{prefix}sheets>"),
    ] {
        if let Some(at) = text.find(&anchor) {
            let at = at + anchor.len();
            return format!("{}{}{}", &text[..at], element, &text[at..]);
        }
    }
    text.to_string()
}

/// `[Content_Types].xml` or a `.rels` part without the entries naming
/// `part` (a dropped calcChain).
pub fn without_reference(xml: &[u8], part: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(xml);
    let file = part.rsplit('/').next().unwrap_or(part);
    let re = Regex::new(r"<(?:\w+:)?(?:Override|Relationship)\b[^>]*/>").expect("valid");
    re.replace_all(&text, |c: &regex::Captures| {
        let tag = &c[0];
        let names = attr(tag, "PartName").or_else(|| attr(tag, "Target"));
        match names {
            Some(n)
                if n.trim_start_matches('/') == part
                    || n.ends_with(&format!("/{file}"))
                    || n == file =>
            {
                String::new()
            }
            _ => tag.to_string(),
        }
    })
    .into_owned()
    .into_bytes()
}

/// A drawing part with every anchor at or below the shift moved.
pub fn drawing_xml(xml: &[u8], shift: Shift) -> Vec<u8> {
    let text = String::from_utf8_lossy(xml);
    let re = Regex::new(r"<((?:\w+:)?row)>(\d+)</(?:\w+:)?row>").expect("valid");
    re.replace_all(&text, |c: &regex::Captures| {
        let row: u32 = c[2].parse().unwrap_or(0);
        let moved = shift.formula(&format!("A{}", row + 1), "", true);
        let moved: u32 = moved.trim_start_matches('A').parse().unwrap_or(row + 1);
        format!("<{}>{}</{}>", &c[1], moved - 1, &c[1])
    })
    .into_owned()
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_resolve_like_paths() {
        assert_eq!(
            resolve("xl/", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve("xl/worksheets/", "../drawings/drawing1.xml"),
            "xl/drawings/drawing1.xml"
        );
        assert_eq!(
            resolve("xl/", "/xl/worksheets/s.xml"),
            "xl/worksheets/s.xml"
        );
    }

    #[test]
    fn full_calc_is_set_once() {
        let wb = r#"<workbook><sheets><sheet name="a" r:id="rId1"/></sheets><calcPr calcId="191029"/></workbook>"#;
        let out = String::from_utf8(workbook_xml(wb.as_bytes(), true, None)).unwrap();
        assert!(
            out.contains(r#"<calcPr calcId="191029" fullCalcOnLoad="1"/>"#),
            "{out}"
        );
        let bare = r#"<workbook><sheets><sheet name="a" r:id="rId1"/></sheets></workbook>"#;
        let out = String::from_utf8(workbook_xml(bare.as_bytes(), true, None)).unwrap();
        assert!(
            out.contains(r#"</sheets><calcPr fullCalcOnLoad="1"/></workbook>"#),
            "{out}"
        );
    }

    #[test]
    fn print_areas_follow_inserted_rows() {
        let wb = r#"<definedNames><definedName name="_xlnm.Print_Area" localSheetId="0">'自评表'!$A$1:$K$21</definedName></definedNames>"#;
        let shift = Shift { at: 15, by: 2 };
        let out =
            String::from_utf8(workbook_xml(wb.as_bytes(), false, Some((shift, "自评表")))).unwrap();
        assert!(out.contains("'自评表'!$A$1:$K$23"), "{out}");
    }
}

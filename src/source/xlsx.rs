//! xlsx and xlsm worksheets read straight from the parts the zip guard has
//! already inflated, in one pass per sheet: cells, merged ranges and hidden
//! rows and columns together.
//!
//! calamine reads the same files, but through its zip reader, with a second
//! full parse of every sheet for the merges and a full style model we do not
//! use; reading consolidation batches that cost more than everything else.
//! Values follow calamine's conventions exactly (shared and inline strings,
//! `_xHHHH_` escapes, date formats, errors, formulas without a cached value),
//! and `xlsx_tests.rs` beside this file checks that both give the same grid
//! for every xlsx fixture.

use std::borrow::Cow;
use std::collections::HashMap;

use calamine::{ExcelDateTime, ExcelDateTimeType};

use super::calamine::date;
use super::grid::{self, MAX_COLS};
use super::scan::{self, Scanner, Tag, Token, XmlError};
use super::{Area, CellRef, Ctx, Sheet, SourceError, Value};

/// The inflated parts of a package, looked up by name as zip tools do:
/// case-insensitively.
#[derive(Default)]
pub struct Parts {
    entries: Vec<(String, Vec<u8>)>,
}

impl Parts {
    pub fn push(&mut self, name: String, data: Vec<u8>) {
        self.entries.push((name, data));
    }

    fn get(&self, name: &str) -> Option<&[u8]> {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, d)| d.as_slice())
    }
}

/// How a cell's number is shown: as a number, a date or a duration.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Shown {
    Number,
    Date,
    Duration,
}

/// What the workbook parts say that every sheet needs.
struct Book {
    strings: Vec<String>,
    styles: Vec<Shown>,
    is_1904: bool,
}

/// One worksheet entry of `xl/workbook.xml`.
struct Entry {
    name: String,
    hidden: bool,
    part: String,
}

pub fn read(ctx: &Ctx, parts: &Parts) -> Result<Vec<Sheet>, SourceError> {
    const WORKBOOK: &str = "xl/workbook.xml";
    const RELS: &str = "xl/_rels/workbook.xml.rels";
    let workbook = parts
        .get(WORKBOOK)
        .ok_or_else(|| ctx.corrupt("xlsx", "no xl/workbook.xml"))?;
    let rels = match parts.get(RELS) {
        Some(xml) => relationships(xml).map_err(|e| e.into_source(ctx, RELS))?,
        None => HashMap::new(),
    };
    let (entries, is_1904) =
        sheet_entries(workbook, &rels).map_err(|e| e.into_source(ctx, WORKBOOK))?;
    // Shared strings and styles are found by relationship type, as Excel
    // does, whatever their part names.
    let related = |kind: &str| {
        rels.values()
            .find(|r| r.kind.ends_with(kind))
            .and_then(|r| Some((r.path.as_str(), parts.get(&r.path)?)))
    };
    let book = Book {
        strings: match related("/sharedStrings") {
            Some((name, xml)) => {
                shared_strings(xml, ctx.limits.max_cells).map_err(|e| e.into_source(ctx, name))?
            }
            None => Vec::new(),
        },
        styles: match related("/styles") {
            Some((name, xml)) => styles(xml).map_err(|e| e.into_source(ctx, name))?,
            None => Vec::new(),
        },
        is_1904,
    };
    let mut budget = Budget::default();
    let mut sheets = Vec::with_capacity(entries.len());
    for entry in entries {
        let in_sheet = |e: Bad| e.into_source(ctx, &format!("sheet {:?}", entry.name));
        let xml = parts
            .get(&entry.part)
            .ok_or_else(|| in_sheet(Bad::Part(format!("no part {}", entry.part))))?;
        let read = read_sheet(ctx, &book, xml, &mut budget).map_err(in_sheet)?;
        let sheet = Sheet::new(entry.name, read.cells, read.merges);
        sheets.push(sheet.with_hidden(entry.hidden, read.hidden_rows, read.hidden_cols));
    }
    Ok(sheets)
}

/// Why a part could not be read: a message for the user (the part is
/// corrupt, or past a bound), or an error that already names the file (the
/// cell budget).
enum Bad {
    Part(String),
    Large(String),
    Source(SourceError),
}

impl Bad {
    fn into_source(self, ctx: &Ctx, part: &str) -> SourceError {
        match self {
            Bad::Source(e) => e,
            Bad::Part(e) => ctx.corrupt("xlsx", format!("{part}: {e}")),
            Bad::Large(e) => ctx.too_large(format!("{part}: {e}")),
        }
    }
}

/// What the sheets of one workbook have cost so far, against [`Limits`].
///
/// [`Limits`]: super::Limits
#[derive(Default)]
struct Budget {
    cells: u64,
    merges: u64,
    xml_bytes: u64,
}

impl Budget {
    fn add_cell(&mut self, ctx: &Ctx) -> Parsed<()> {
        self.cells += 1;
        ctx.check_cell_count(self.cells).map_err(Bad::Source)
    }

    fn add_merge(&mut self, ctx: &Ctx) -> Parsed<()> {
        self.merges += 1;
        let max = ctx.limits.max_merges;
        match self.merges > max {
            true => Err(Bad::Large(format!(
                "more than {max} merged ranges in the workbook (limit)"
            ))),
            false => Ok(()),
        }
    }

    /// Distinct parts already keep this under the unpacked size; counted
    /// anyway so that no way of naming parts can make us parse more XML
    /// than the zip guard let through.
    fn add_xml(&mut self, ctx: &Ctx, len: usize) -> Parsed<()> {
        self.xml_bytes += len as u64;
        let max = ctx.limits.max_unpacked_bytes;
        match self.xml_bytes > max {
            true => Err(Bad::Large(format!(
                "the worksheets come to more than {max} bytes of XML (limit)"
            ))),
            false => Ok(()),
        }
    }
}

impl From<XmlError> for Bad {
    fn from(e: XmlError) -> Self {
        Bad::Part(e.to_string())
    }
}

type Parsed<T> = Result<T, Bad>;

struct Relationship {
    kind: String,
    path: String,
}

/// `Id` → (type, part path) from the workbook's relationships.
fn relationships(xml: &[u8]) -> Parsed<HashMap<String, Relationship>> {
    let mut out = HashMap::new();
    each_element(xml, |e| {
        if e.local() == b"Relationship" {
            if let (Some(id), Some(target)) = (e.attr(b"Id"), e.attr(b"Target")) {
                let kind = e.attr(b"Type").unwrap_or_default();
                out.insert(
                    id,
                    Relationship {
                        kind,
                        path: part_path(&target),
                    },
                );
            }
        }
    })?;
    Ok(out)
}

/// A relationship target as a part name: absolute targets drop their
/// slash; relative ones are relative to `xl/`.
fn part_path(target: &str) -> String {
    match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{}", target.trim_start_matches("./")),
    }
}

/// The worksheets of `xl/workbook.xml` in order (chart, dialog and macro
/// sheets are skipped), each with a part of its own, and whether dates
/// count from 1904.
fn sheet_entries(xml: &[u8], rels: &HashMap<String, Relationship>) -> Parsed<(Vec<Entry>, bool)> {
    let mut entries = Vec::new();
    let mut is_1904 = false;
    each_element(xml, |e| match e.local() {
        b"workbookPr" => {
            is_1904 = e.attr(b"date1904").is_some_and(|v| is_true(&v));
        }
        b"sheet" => {
            let (Some(name), Some(id)) = (e.attr(b"name"), e.attr(b"id")) else {
                return;
            };
            let Some(rel) = rels.get(&id) else { return };
            if !rel.kind.ends_with("/worksheet") {
                return;
            }
            let hidden = e.attr(b"state").is_some_and(|s| s != "visible");
            entries.push(Entry {
                name,
                hidden,
                part: rel.path.clone(),
            });
        }
        _ => {}
    })?;
    distinct_parts(&entries)?;
    Ok((entries, is_1904))
}

/// Refuses two entries naming one part: that part would be parsed once per
/// entry, so a small file listing one part thousands of times would cost
/// thousands of parses. Excel never shares a part between sheets.
/// Part names compare as [`Parts`] looks them up: ignoring ASCII case.
fn distinct_parts(entries: &[Entry]) -> Parsed<()> {
    let mut seen: HashMap<String, &str> = HashMap::with_capacity(entries.len());
    for entry in entries {
        if let Some(first) = seen.insert(entry.part.to_ascii_lowercase(), &entry.name) {
            return Err(Bad::Part(format!(
                "sheets {first:?} and {:?} both use part {}",
                entry.name, entry.part
            )));
        }
    }
    Ok(())
}

/// Calls `visit` on every start and empty element.
fn each_element(xml: &[u8], mut visit: impl FnMut(&Tag)) -> Parsed<()> {
    let mut reader = Scanner::new(xml);
    loop {
        match reader.next()? {
            Token::Start(e) | Token::Empty(e) => visit(&e),
            Token::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// The shared string table, one entry per `<si>`, at most `max` of them.
/// An empty `<si/>` is five bytes of XML but a whole `String` in memory, so
/// the table is bounded by count, not only by the part's size; a real table
/// holds no more strings than the workbook has cells, hence the cell limit.
fn shared_strings(xml: &[u8], max: u64) -> Parsed<Vec<String>> {
    let mut reader = Scanner::new(xml);
    let mut out = Vec::new();
    loop {
        let item = match reader.next()? {
            Token::Start(e) if e.local() == b"si" => rich_text(&mut reader)?,
            Token::Empty(e) if e.local() == b"si" => String::new(),
            Token::Eof => return Ok(out),
            _ => continue,
        };
        if out.len() as u64 >= max {
            return Err(Bad::Large(format!(
                "more than {max} shared strings (limit)"
            )));
        }
        out.push(item);
    }
}

/// The text of a string item (`<si>` or `<is>`) up to its end tag: its
/// `<t>` runs joined, phonetic runs (`<rPh>`) skipped, each run trimmed of
/// ASCII whitespace unless it preserves space, `_xHHHH_` escapes decoded.
fn rich_text(reader: &mut Scanner) -> Parsed<String> {
    let mut out = String::new();
    let mut phonetic = false;
    loop {
        match reader.next()? {
            Token::Start(e) => match e.local() {
                b"rPh" => phonetic = true,
                b"t" if !phonetic => {
                    let preserve = matches!(e.raw(b"space"), Ok(Some(b"preserve")));
                    let run = text_until(reader)?;
                    let run = if preserve {
                        &run
                    } else {
                        run.trim_matches([' ', '\t', '\r', '\n'])
                    };
                    out.push_str(&unescape_excel(run));
                }
                _ => {}
            },
            Token::End(b"rPh") => phonetic = false,
            Token::End(b"si" | b"is") => return Ok(out),
            Token::Eof => return Err(reader.unclosed().into()),
            _ => {}
        }
    }
}

/// The character data of the element just opened (its children's too),
/// up to its end tag, references resolved. Borrowed from the part when it
/// is one plain run, as almost every value is.
fn text_until<'a>(reader: &mut Scanner<'a>) -> Parsed<Cow<'a, str>> {
    let (mut out, mut depth) = (Cow::Borrowed(""), 0usize);
    loop {
        let run = match reader.next()? {
            Token::End(_) if depth == 0 => return Ok(out),
            Token::End(_) => {
                depth -= 1;
                continue;
            }
            Token::Start(_) => {
                depth += 1;
                continue;
            }
            Token::Eof => return Err(reader.unclosed().into()),
            Token::Text(t) => scan::text(t)?,
            Token::CData(t) => scan::literal(t)?,
            Token::Empty(_) => continue,
        };
        match out.is_empty() {
            true => out = run,
            false => out.to_mut().push_str(&run),
        }
    }
}

/// Decodes Excel's `_xHHHH_` escapes (UTF-16 code units, surrogate pairs
/// as two escapes); an unpaired surrogate becomes U+FFFD.
fn unescape_excel(text: &str) -> Cow<'_, str> {
    if !text.contains("_x") {
        return text.into();
    }
    let units = |at: usize| -> Option<u16> {
        let b = text.as_bytes().get(at..at + 7)?;
        if b[0] != b'_' || b[1] != b'x' || b[6] != b'_' {
            return None;
        }
        let hex = std::str::from_utf8(&b[2..6]).ok()?;
        if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u16::from_str_radix(hex, 16).ok()
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let Some(unit) = units(i) else {
            let c = text[i..].chars().next().unwrap_or('\u{FFFD}');
            out.push(c);
            i += c.len_utf8().max(1);
            continue;
        };
        i += 7;
        let c = match unit {
            0xD800..=0xDBFF => match units(i) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    i += 7;
                    let point =
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    char::from_u32(point)
                }
                _ => None,
            },
            _ => char::from_u32(u32::from(unit)),
        };
        out.push(c.unwrap_or('\u{FFFD}'));
    }
    out.into()
}

/// How each cell style (`cellXfs` entry) shows numbers.
fn styles(xml: &[u8]) -> Parsed<Vec<Shown>> {
    let mut reader = Scanner::new(xml);
    let mut custom: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    let mut in_cell_xfs = false;
    loop {
        match reader.next()? {
            Token::Start(e) | Token::Empty(e) => match e.local() {
                b"numFmt" => {
                    if let (Some(id), Some(code)) = (e.attr(b"numFmtId"), e.attr(b"formatCode")) {
                        custom.insert(id, code);
                    }
                }
                b"cellXfs" => in_cell_xfs = true,
                b"xf" if in_cell_xfs => out.push(match e.attr(b"numFmtId") {
                    None => Shown::Number,
                    Some(id) => match custom.get(&id) {
                        Some(code) => custom_format(code),
                        None => builtin_format(&id),
                    },
                }),
                _ => {}
            },
            Token::End(b"cellXfs") => in_cell_xfs = false,
            Token::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// Built-in number formats that show dates or times (ECMA-376 18.8.30, and
/// the East Asian ones, which vary by locale but are all dates or times).
fn builtin_format(id: &str) -> Shown {
    match id.parse::<u16>() {
        Ok(14..=22 | 27..=36 | 45 | 47 | 50..=58) => Shown::Date,
        Ok(46) => Shown::Duration,
        _ => Shown::Number,
    }
}

/// Whether a custom format code shows a date, a time or a duration: a
/// date or time letter outside quotes, escapes and brackets, or an elapsed
/// `[h]`/`[m]`/`[s]` bracket (calamine's rule, ported from openpyxl).
fn custom_format(code: &str) -> Shown {
    let (mut escaped, mut quoted, mut ampm) = (false, false, false);
    let (mut brackets, mut prev, mut elapsed) = (0u8, ' ', false);
    for c in code.chars() {
        match (c, escaped, quoted, ampm, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => quoted = false,
            (_, _, true, _, _) => {}
            ('"', ..) => quoted = true,
            (';', ..) => return Shown::Number,
            ('[', ..) => brackets = brackets.saturating_add(1),
            (']', .., 1) if elapsed => return Shown::Duration,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ampm = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return Shown::Date,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return Shown::Date
            }
            _ => {
                if !(elapsed && c.eq_ignore_ascii_case(&prev)) {
                    elapsed = prev == '[' && matches!(c, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = c;
    }
    Shown::Number
}

/// What one pass over a worksheet part collects.
#[derive(Default)]
struct SheetRead {
    cells: Vec<(CellRef, Value)>,
    merges: Vec<Area>,
    hidden_rows: Vec<u32>,
    hidden_cols: Vec<u32>,
}

/// A cell's attributes: type (`t`) and style (`s`).
struct CellHead {
    at: CellRef,
    kind: Option<CellType>,
    style: Option<usize>,
}

/// The cell types of the `t` attribute.
#[derive(Clone, Debug, PartialEq)]
enum CellType {
    Number,
    Shared,
    Bool,
    Date,
    Error,
    Formula,
    Inline,
    Unknown(String),
}

impl CellType {
    fn parse(t: &[u8]) -> Self {
        match t {
            b"n" => CellType::Number,
            b"s" => CellType::Shared,
            b"b" => CellType::Bool,
            b"d" => CellType::Date,
            b"e" => CellType::Error,
            b"str" => CellType::Formula,
            b"inlineStr" | b"is" => CellType::Inline,
            other => CellType::Unknown(String::from_utf8_lossy(other).into_owned()),
        }
    }
}

fn read_sheet(ctx: &Ctx, book: &Book, xml: &[u8], budget: &mut Budget) -> Parsed<SheetRead> {
    budget.add_xml(ctx, xml.len())?;
    let mut reader = Scanner::new(xml);
    let mut out = SheetRead::default();
    let (mut row, mut col) = (0u32, 0u32);
    let mut hidden_cols = Vec::new();
    loop {
        let (e, empty) = match reader.next()? {
            Token::Start(e) => (e, false),
            Token::Empty(e) => (e, true),
            Token::End(b"row") => {
                (row, col) = (row.saturating_add(1), 0);
                continue;
            }
            Token::Eof => break,
            _ => continue,
        };
        match e.local() {
            b"row" => {
                let hidden;
                (row, hidden) = row_head(&e, row)?;
                col = 0;
                if hidden {
                    out.hidden_rows.push(row);
                }
                // An empty `<row/>` has no end tag to move past it.
                if empty {
                    row = row.saturating_add(1);
                }
            }
            b"c" => {
                let head = cell_head(&e, row, col)?;
                col = head.at.col.saturating_add(1);
                if empty {
                    continue;
                }
                let value = cell_value(&mut reader, book, &head)?;
                if value != Value::Empty {
                    budget.add_cell(ctx)?;
                    ctx.charge_value(&value, 1).map_err(Bad::Source)?;
                    out.cells.push((head.at, value));
                }
            }
            b"col" if is_hidden(&e) => {
                let number = |name, default| {
                    e.attr(name)
                        .and_then(|v| v.trim().parse::<u32>().ok())
                        .unwrap_or(default)
                };
                let min = number(b"min", 1).clamp(1, MAX_COLS);
                let max = number(b"max", min).clamp(min, MAX_COLS);
                hidden_cols.push(min - 1..max);
            }
            b"mergeCell" => {
                if let Some(range) = e.attr(b"ref") {
                    budget.add_merge(ctx)?;
                    out.merges.push(area(&range)?);
                }
            }
            _ => {}
        }
    }
    out.hidden_cols = columns(hidden_cols);
    Ok(out)
}

/// The columns of possibly overlapping ranges, each once: however many
/// `<col>` elements repeat a range, a sheet has at most [`MAX_COLS`] columns.
fn columns(mut ranges: Vec<std::ops::Range<u32>>) -> Vec<u32> {
    ranges.sort_unstable_by_key(|r| r.start);
    let (mut out, mut next) = (Vec::new(), 0);
    for r in ranges {
        out.extend(r.start.max(next)..r.end);
        next = next.max(r.end);
    }
    out
}

/// A row's number (its `r`, or the current one) and whether it is hidden.
fn row_head(e: &Tag, row: u32) -> Parsed<(u32, bool)> {
    let (mut row, mut hidden) = (row, false);
    for a in e.attrs() {
        let (key, value) = a?;
        match key {
            b"r" => row = address(value)?.0,
            b"hidden" => hidden = is_true(value),
            _ => {}
        }
    }
    Ok((row, hidden))
}

fn is_true(v: impl AsRef<[u8]>) -> bool {
    matches!(v.as_ref(), b"1" | b"true")
}

fn is_hidden(e: &Tag) -> bool {
    e.attr(b"hidden").is_some_and(is_true)
}

/// A cell's address (its `r`, or the next column of the current row), type
/// and style.
fn cell_head(e: &Tag, row: u32, col: u32) -> Parsed<CellHead> {
    let mut head = CellHead {
        at: CellRef::new(row, col),
        kind: None,
        style: None,
    };
    for a in e.attrs() {
        let (key, value) = a?;
        match key {
            b"r" => {
                let (r, c) = address(value)?;
                head.at = CellRef::new(r, c.unwrap_or(col));
            }
            b"t" => head.kind = Some(CellType::parse(value)),
            b"s" => head.style = ascii(value).trim().parse().ok(),
            _ => {}
        }
    }
    Ok(head)
}

/// The cell's children up to `</c>`: its formula, value or inline string.
fn cell_value<'a>(reader: &mut Scanner<'a>, book: &Book, head: &CellHead) -> Parsed<Value> {
    let (mut value, mut formula) = (Value::Empty, None);
    loop {
        let (e, empty) = match reader.next()? {
            Token::Start(e) => (e, false),
            Token::Empty(e) => (e, true),
            Token::End(_) => break,
            Token::Eof => return Err(reader.unclosed().into()),
            _ => continue,
        };
        let text = |reader: &mut Scanner<'a>| match empty {
            true => Ok(Cow::Borrowed("")),
            false => text_until(reader),
        };
        match e.local() {
            b"f" => formula = Some(formula_text(&e, text(reader)?.into_owned())),
            b"v" if head.kind == Some(CellType::Inline) => {
                text(reader)?;
            }
            b"v" => value = typed_value(book, head, &text(reader)?)?,
            b"is" if !empty => value = Value::Text(rich_text(reader)?),
            _ if !empty => reader.skip_element()?,
            _ => {}
        }
    }
    // A formula with no saved value is flagged, not left silently empty; an
    // empty cached string is an empty cell.
    Ok(match (value, formula) {
        (Value::Empty, Some(f)) => Value::FormulaNoValue(f),
        (Value::Text(s), _) if s.is_empty() => Value::Empty,
        (value, _) => value,
    })
}

/// A formula's text; a cell sharing another's formula names the group.
fn formula_text(e: &Tag, text: String) -> String {
    let shared = e.attr(b"t").is_some_and(|t| t == "shared");
    match e.attr(b"si") {
        Some(index) if shared && e.attr(b"ref").is_none() => {
            format!("(shared formula #{})", index.trim())
        }
        _ => text,
    }
}

/// A `<v>` read by the cell's type.
fn typed_value(book: &Book, head: &CellHead, v: &str) -> Parsed<Value> {
    Ok(match &head.kind {
        Some(CellType::Shared) if v.is_empty() => Value::Empty,
        Some(CellType::Shared) => {
            let string = v
                .trim()
                .parse::<usize>()
                .ok()
                .and_then(|i| book.strings.get(i));
            let string = string.ok_or_else(|| {
                Bad::Part(format!("cell {}: shared string {v:?} not found", head.at))
            })?;
            Value::Text(string.clone())
        }
        Some(CellType::Bool) => match v.trim() {
            "" => Value::Empty,
            "0" => Value::Bool(false),
            "1" => Value::Bool(true),
            t if t.eq_ignore_ascii_case("false") => Value::Bool(false),
            t if t.eq_ignore_ascii_case("true") => Value::Bool(true),
            _ => return Err(Bad::Part(format!("cell {}: boolean {v:?}", head.at))),
        },
        Some(CellType::Date) => Value::Date(v.replacen('T', " ", 1)),
        Some(CellType::Error) => Value::Error(v.to_string()),
        Some(CellType::Formula) => Value::Text(unescape_excel(v).into_owned()),
        Some(CellType::Number) | None => number(book, head, v)?,
        Some(CellType::Inline) => Value::Empty,
        Some(CellType::Unknown(t)) => {
            return Err(Bad::Part(format!("cell {}: unknown type t={t:?}", head.at)))
        }
    })
}

/// A number, shown as a date when its style says so; untyped text that is
/// not a number stays text.
fn number(book: &Book, head: &CellHead, v: &str) -> Parsed<Value> {
    if v.is_empty() {
        return Ok(Value::Empty);
    }
    let Ok(n) = v.parse::<f64>() else {
        return match head.kind {
            None => Ok(Value::Text(v.to_string())),
            Some(_) => Err(Bad::Part(format!("cell {}: number {v:?}", head.at))),
        };
    };
    let shown = match head.style {
        Some(s) => book.styles.get(s).copied().unwrap_or(Shown::Number),
        None => Shown::Number,
    };
    let kind = match shown {
        Shown::Number => return Ok(Value::Number(grid::number_text_as_written(v, n))),
        Shown::Date => ExcelDateTimeType::DateTime,
        Shown::Duration => ExcelDateTimeType::TimeDelta,
    };
    Ok(date(&ExcelDateTime::new(n, kind, book.is_1904)))
}

/// `A1` → 0-based (row, column); a row-only reference has no column.
fn address(text: &[u8]) -> Parsed<(u32, Option<u32>)> {
    let bad = || Bad::Part(format!("bad cell address {:?}", ascii(text)));
    let text = text.trim_ascii();
    let split = text.iter().position(u8::is_ascii_digit).ok_or_else(bad)?;
    let (letters, digits) = text.split_at(split);
    let mut col: u32 = 0;
    for &c in letters {
        if !c.is_ascii_alphabetic() {
            return Err(bad());
        }
        let digit = u32::from(c.to_ascii_uppercase() - b'A') + 1;
        col = col
            .checked_mul(26)
            .and_then(|n| n.checked_add(digit))
            .ok_or_else(bad)?;
    }
    let row: u32 = ascii(digits).parse().map_err(|_| bad())?;
    let row = row.checked_sub(1).ok_or_else(bad)?;
    Ok((row, col.checked_sub(1)))
}

/// An attribute value as text; one that is not UTF-8 reads as nothing.
fn ascii(value: &[u8]) -> &str {
    std::str::from_utf8(value).unwrap_or_default()
}

/// `A1:B2` (or a single cell) as an area.
fn area(text: &str) -> Parsed<Area> {
    let corner = |t: &str| -> Parsed<CellRef> {
        match address(t.as_bytes())? {
            (r, Some(c)) => Ok(CellRef::new(r, c)),
            (_, None) => Err(Bad::Part(format!("bad range {text:?}"))),
        }
    };
    let (a, b) = text.split_once(':').unwrap_or((text, text));
    Ok(Area::new(corner(a)?, corner(b)?))
}

#[cfg(test)]
#[path = "xlsx_tests.rs"]
mod tests;

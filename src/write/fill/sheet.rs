//! A worksheet part edited in place: its rows are split out of the XML so
//! cells can be written and rows inserted or removed, and every byte of a
//! row that was not touched is written back as it was read.

use std::borrow::Cow;

use regex::bytes::{Captures, Regex};

use super::refs::{self, Shift};
use crate::source::{Area, CellRef};

/// Why a worksheet part cannot be edited.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SheetError(pub String);

fn bad(what: impl Into<String>) -> SheetError {
    SheetError(what.into())
}

/// What a cell is set to.
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    /// Text, written inline (the shared-string table stays untouched).
    Text(String),
    /// A number as exact decimal text.
    Number(String),
    /// Nothing: the cell keeps its style only.
    Blank,
}

/// One worksheet part.
pub struct SheetXml<'a> {
    /// Everything before `<sheetData>`.
    head: Cow<'a, [u8]>,
    rows: Vec<Row<'a>>,
    /// Everything after `</sheetData>`.
    tail: Cow<'a, [u8]>,
    /// Merged ranges, read from the tail, written back when changed.
    merges: Vec<Area>,
    merges_changed: bool,
}

struct Row<'a> {
    /// 0-based.
    index: u32,
    /// The start tag without its `<row` and closing `>` / `/>`: the attributes.
    attrs: Cow<'a, str>,
    cells: Vec<Cell<'a>>,
    /// The row's bytes as read, while it is unchanged.
    raw: Option<&'a [u8]>,
}

struct Cell<'a> {
    col: u32,
    raw: Cow<'a, [u8]>,
}

impl<'a> SheetXml<'a> {
    pub fn parse(xml: &'a [u8]) -> Result<Self, SheetError> {
        let open = find(xml, b"<sheetData")
            .ok_or_else(|| bad("the sheet has no <sheetData> (a chart sheet?)"))?;
        let open_end = tag_end(xml, open).ok_or_else(|| bad("<sheetData> is not closed"))?;
        let self_closing = xml[open_end - 1] == b'/';
        let (body, tail_start) = if self_closing {
            (&xml[open_end + 1..open_end + 1], open_end + 1)
        } else {
            let close = find_from(xml, open_end, b"</sheetData>")
                .ok_or_else(|| bad("</sheetData> is missing"))?;
            (&xml[open_end + 1..close], close + b"</sheetData>".len())
        };
        let rows = parse_rows(body)?;
        let tail = &xml[tail_start..];
        let merges = merges_of(tail);
        Ok(SheetXml {
            head: Cow::Borrowed(&xml[..open]),
            rows,
            tail: Cow::Borrowed(tail),
            merges,
            merges_changed: false,
        })
    }

    /// Whether the part holds any formula.
    pub fn has_formulas(&self) -> bool {
        self.rows
            .iter()
            .any(|r| r.cells.iter().any(|c| find(&c.raw, b"<f").is_some()))
    }

    pub fn remove_merges(&mut self, doomed: impl Fn(&Area) -> bool) {
        let before = self.merges.len();
        self.merges.retain(|m| !doomed(m));
        self.merges_changed |= self.merges.len() != before;
    }

    pub fn add_merge(&mut self, area: Area) {
        if area.first != area.last && !self.merges.contains(&area) {
            self.merges.push(area);
            self.merges_changed = true;
        }
    }

    /// Whether the cell holds a formula.
    pub fn is_formula(&self, at: CellRef) -> bool {
        self.cell(at).is_some_and(|c| formula_of(&c.raw).is_some())
    }

    fn cell(&self, at: CellRef) -> Option<&Cell<'a>> {
        let row = self.rows.binary_search_by_key(&at.row, |r| r.index).ok()?;
        let cells = &self.rows[row].cells;
        let i = cells.binary_search_by_key(&at.col, |c| c.col).ok()?;
        Some(&cells[i])
    }

    /// Whether the cell holds a value (or a formula).
    pub fn has_value(&self, at: CellRef) -> bool {
        self.cell(at).is_some_and(|c| {
            find(&c.raw, b"<v").is_some()
                || find(&c.raw, b"<is").is_some()
                || formula_of(&c.raw).is_some()
        })
    }

    /// The last row holding a cell (0-based).
    pub fn last_row(&self) -> Option<u32> {
        self.rows
            .iter()
            .rev()
            .find(|r| !r.cells.is_empty())
            .map(|r| r.index)
    }

    /// The style index (`s`) of a cell, if it has one.
    pub fn style(&self, at: CellRef) -> Option<u32> {
        let cell = self.cell(at)?;
        attr(start_tag(&cell.raw), "s")?.parse().ok()
    }

    /// Sets a cell, keeping its style and any formula (whose cached value
    /// becomes `content`).
    pub fn set(&mut self, at: CellRef, content: &Content) {
        let row = self.row_mut(at.row);
        row.raw = None;
        let i = match row.cells.binary_search_by_key(&at.col, |c| c.col) {
            Ok(i) => i,
            Err(i) => {
                let style = row_style(&row.attrs);
                row.cells.insert(
                    i,
                    Cell {
                        col: at.col,
                        raw: Cow::Owned(empty_cell(at, style.as_deref())),
                    },
                );
                i
            }
        };
        let cell = &mut row.cells[i];
        cell.raw = Cow::Owned(cell_xml(at, &cell.raw, content));
    }

    fn row_mut(&mut self, index: u32) -> &mut Row<'a> {
        let i = match self.rows.binary_search_by_key(&index, |r| r.index) {
            Ok(i) => i,
            Err(i) => {
                self.rows.insert(
                    i,
                    Row {
                        index,
                        attrs: Cow::Owned(format!(" r=\"{}\"", index + 1)),
                        cells: Vec::new(),
                        raw: None,
                    },
                );
                i
            }
        };
        &mut self.rows[i]
    }

    /// Moves everything at or below `shift.at` (cells, formulas, merges,
    /// validations, conditional formats, breaks) by `shift.by` rows;
    /// removed rows go. `sheet` is this sheet's name, for qualified
    /// references.
    pub fn shift(&mut self, shift: Shift, sheet: &str) {
        if shift.by < 0 {
            let gone = shift.at..shift.at + shift.by.unsigned_abs() as u32;
            self.rows.retain(|r| !gone.contains(&r.index));
            self.merges
                .retain(|m| !(gone.contains(&m.first.row) && gone.contains(&m.last.row)));
        }
        for row in &mut self.rows {
            let moved = row.index >= shift.at;
            if moved {
                row.index = (i64::from(row.index) + shift.by) as u32;
                row.attrs = Cow::Owned(set_attr(&row.attrs, "r", &(row.index + 1).to_string()));
                row.raw = None;
            }
            for cell in &mut row.cells {
                let mut raw = cell.raw.to_vec();
                let mut changed = false;
                if moved {
                    let at = CellRef::new(row.index, cell.col);
                    raw = with_cell_ref(&raw, at);
                    changed = true;
                }
                if let Some(f) = shifted_formula(&raw, shift, sheet) {
                    raw = f;
                    changed = true;
                }
                if changed && raw != cell.raw.as_ref() {
                    cell.raw = Cow::Owned(raw);
                    row.raw = None;
                }
            }
        }
        let area = |a: Area| {
            let text = format!("{}:{}", a.first, a.last);
            let moved = shift.formula(&text, sheet, true);
            parse_area(&moved).unwrap_or(a)
        };
        let merges: Vec<Area> = self.merges.iter().map(|&m| area(m)).collect();
        if merges != self.merges {
            self.merges = merges;
            self.merges_changed = true;
        }
        self.tail = Cow::Owned(shift_tail(&self.tail, shift, sheet));
    }

    /// Inserts `count` rows at `at`, each a copy of row `model` (taken
    /// after the shift): its height and style, its cells' styles, its
    /// formulas moved to the new row, its merges within the row.
    pub fn insert_rows(&mut self, at: u32, count: u32, model: u32, sheet: &str) {
        if count == 0 {
            return;
        }
        self.shift(
            Shift {
                at,
                by: i64::from(count),
            },
            sheet,
        );
        let model_row = if model >= at { model + count } else { model };
        let template = self.rows.iter().find(|r| r.index == model_row).map(|r| {
            (
                r.attrs.to_string(),
                r.cells
                    .iter()
                    .map(|c| (c.col, c.raw.to_vec()))
                    .collect::<Vec<_>>(),
            )
        });
        let row_merges: Vec<Area> = self
            .merges
            .iter()
            .copied()
            .filter(|m| m.first.row == model_row && m.last.row == model_row)
            .collect();
        for k in 0..count {
            let index = at + k;
            let delta = i64::from(index) - i64::from(model_row);
            let (attrs, cells) = match &template {
                Some((attrs, cells)) => {
                    let cells = cells
                        .iter()
                        .map(|(col, raw)| Cell {
                            col: *col,
                            raw: Cow::Owned(copied_cell(raw, CellRef::new(index, *col), delta)),
                        })
                        .collect();
                    (set_attr(attrs, "r", &(index + 1).to_string()), cells)
                }
                None => (format!(" r=\"{}\"", index + 1), Vec::new()),
            };
            let pos = self.rows.partition_point(|r| r.index < index);
            self.rows.insert(
                pos,
                Row {
                    index,
                    attrs: Cow::Owned(attrs),
                    cells,
                    raw: None,
                },
            );
            for m in &row_merges {
                self.add_merge(Area::new(
                    CellRef::new(index, m.first.col),
                    CellRef::new(index, m.last.col),
                ));
            }
        }
    }

    /// The part's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.head.len() + self.tail.len() + 4096);
        out.extend_from_slice(&with_dimension(&self.head, self.extent()));
        out.extend_from_slice(b"<sheetData>");
        for row in &self.rows {
            match row.raw {
                Some(raw) => out.extend_from_slice(raw),
                None => {
                    out.extend_from_slice(b"<row");
                    out.extend_from_slice(row.attrs.as_bytes());
                    if row.cells.is_empty() {
                        out.extend_from_slice(b"/>");
                        continue;
                    }
                    out.push(b'>');
                    for cell in &row.cells {
                        out.extend_from_slice(&cell.raw);
                    }
                    out.extend_from_slice(b"</row>");
                }
            }
        }
        out.extend_from_slice(b"</sheetData>");
        if self.merges_changed {
            out.extend_from_slice(&with_merges(&self.tail, &self.merges));
        } else {
            out.extend_from_slice(&self.tail);
        }
        out
    }

    /// The last row and column holding a cell (0-based).
    fn extent(&self) -> Option<CellRef> {
        let row = self.rows.iter().rev().find(|r| !r.cells.is_empty())?.index;
        let col = self
            .rows
            .iter()
            .filter_map(|r| r.cells.last().map(|c| c.col))
            .max()?;
        let merged = self
            .merges
            .iter()
            .map(|m| m.last)
            .fold(CellRef::new(row, col), |a, b| {
                CellRef::new(a.row.max(b.row), a.col.max(b.col))
            });
        Some(merged)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

fn find_from(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    find(&hay[from..], needle).map(|i| i + from)
}

/// The index of the `>` closing the tag that starts at `start` (quotes
/// respected).
fn tag_end(xml: &[u8], start: usize) -> Option<usize> {
    let mut quote = None;
    for (i, &c) in xml.iter().enumerate().skip(start) {
        match (quote, c) {
            (None, b'"' | b'\'') => quote = Some(c),
            (Some(q), _) if q == c => quote = None,
            (None, b'>') => return Some(i),
            _ => {}
        }
    }
    None
}

fn parse_rows(body: &[u8]) -> Result<Vec<Row<'_>>, SheetError> {
    let mut rows: Vec<Row> = Vec::new();
    let mut i = 0;
    while let Some(start) = find_from(body, i, b"<") {
        if body[start..].starts_with(b"</") {
            return Err(bad("unexpected end tag in <sheetData>"));
        }
        if !body[start..].starts_with(b"<row") {
            return Err(bad(
                "an element other than <row> in <sheetData> (a prefixed namespace?)",
            ));
        }
        let end = tag_end(body, start).ok_or_else(|| bad("a <row> tag is not closed"))?;
        let empty = body[end - 1] == b'/';
        let attrs_end = if empty { end - 1 } else { end };
        let attrs = std::str::from_utf8(&body[start + 4..attrs_end])
            .map_err(|_| bad("a <row> tag is not UTF-8"))?;
        let index = match attr(attrs, "r") {
            Some(r) => r
                .parse::<u32>()
                .ok()
                .and_then(|r| r.checked_sub(1))
                .ok_or_else(|| bad(format!("bad row number {r:?}")))?,
            None => rows.last().map_or(0, |r| r.index + 1),
        };
        let (cells, row_end) = if empty {
            (Vec::new(), end + 1)
        } else {
            let close =
                find_from(body, end, b"</row>").ok_or_else(|| bad("a <row> is not closed"))?;
            (
                parse_cells(&body[end + 1..close], index)?,
                close + b"</row>".len(),
            )
        };
        let complete =
            attr(attrs, "r").is_some() && cells.iter().all(|c| matches!(c.raw, Cow::Borrowed(_)));
        rows.push(Row {
            index,
            attrs: Cow::Borrowed(attrs),
            cells,
            raw: complete.then_some(&body[start..row_end]),
        });
        i = row_end;
    }
    if rows.windows(2).any(|w| w[0].index >= w[1].index) {
        return Err(bad("rows are not in order"));
    }
    Ok(rows)
}

fn parse_cells(body: &[u8], row: u32) -> Result<Vec<Cell<'_>>, SheetError> {
    let mut cells: Vec<Cell> = Vec::new();
    let mut i = 0;
    while let Some(start) = find_from(body, i, b"<") {
        if !body[start..].starts_with(b"<c")
            || !matches!(
                body.get(start + 2),
                Some(b' ' | b'>' | b'/' | b'\t' | b'\n' | b'\r')
            )
        {
            return Err(bad("an element other than <c> in a <row>"));
        }
        let end = tag_end(body, start).ok_or_else(|| bad("a <c> tag is not closed"))?;
        let cell_end = if body[end - 1] == b'/' {
            end + 1
        } else {
            find_from(body, end, b"</c>").ok_or_else(|| bad("a <c> is not closed"))? + 4
        };
        let raw = &body[start..cell_end];
        let tag = std::str::from_utf8(start_tag(raw)).map_err(|_| bad("a <c> tag is not UTF-8"))?;
        let (col, raw) = match attr(tag, "r") {
            Some(r) => {
                let at: CellRef = r
                    .parse()
                    .map_err(|_| bad(format!("bad cell reference {r:?}")))?;
                (at.col, Cow::Borrowed(raw))
            }
            None => {
                let col = cells.last().map_or(0, |c| c.col + 1);
                (col, Cow::Owned(with_cell_ref(raw, CellRef::new(row, col))))
            }
        };
        if cells.last().is_some_and(|c| c.col >= col) {
            return Err(bad("cells are not in order"));
        }
        cells.push(Cell { col, raw });
        i = cell_end;
    }
    Ok(cells)
}

/// The start tag of an element's bytes (without `<` … `>`).
fn start_tag(raw: &[u8]) -> &[u8] {
    let end = tag_end(raw, 0).unwrap_or(raw.len());
    let end = if end > 0 && raw[end - 1] == b'/' {
        end - 1
    } else {
        end
    };
    raw.get(2.min(end)..end).unwrap_or_default()
}

/// The value of attribute `name` in a tag's attribute text.
fn attr<'t>(attrs: impl AsRef<[u8]> + 't, name: &str) -> Option<String> {
    let attrs = attrs.as_ref();
    let mut i = 0;
    while i < attrs.len() {
        let rest = &attrs[i..];
        let eq = memchr::memchr(b'=', rest)?;
        let key = rest[..eq].trim_ascii();
        let after = rest[eq + 1..].trim_ascii_start();
        let quote = *after.first()?;
        let value_start = rest.len() - after.len() + 1;
        let len = memchr::memchr(quote, &rest[value_start..])?;
        if key == name.as_bytes() {
            return std::str::from_utf8(&rest[value_start..value_start + len])
                .ok()
                .map(str::to_string);
        }
        i += value_start + len + 1;
    }
    None
}

/// `attrs` with attribute `name` set to `value` (added when absent).
fn set_attr(attrs: &str, name: &str, value: &str) -> String {
    let needle = format!(" {name}=\"");
    match attrs.find(&needle) {
        Some(at) => {
            let start = at + needle.len();
            let end = attrs[start..].find('"').map_or(attrs.len(), |e| start + e);
            format!("{}{}{}", &attrs[..start], value, &attrs[end..])
        }
        None => format!(" {name}=\"{value}\"{attrs}"),
    }
}

/// `attrs` without attribute `name`.
fn drop_attr(attrs: &str, name: &str) -> String {
    let needle = format!(" {name}=\"");
    match attrs.find(&needle) {
        Some(at) => {
            let start = at + needle.len();
            let end = attrs[start..]
                .find('"')
                .map_or(attrs.len(), |e| start + e + 1);
            format!("{}{}", &attrs[..at], &attrs[end..])
        }
        None => attrs.to_string(),
    }
}

/// A row's default cell style, when it sets one.
fn row_style(attrs: &str) -> Option<String> {
    (attr(attrs, "customFormat").as_deref() == Some("1"))
        .then(|| attr(attrs, "s"))
        .flatten()
}

fn empty_cell(at: CellRef, style: Option<&str>) -> Vec<u8> {
    match style {
        Some(s) => format!("<c r=\"{at}\" s=\"{s}\"/>").into_bytes(),
        None => format!("<c r=\"{at}\"/>").into_bytes(),
    }
}

/// The cell's `<f>` element, if any.
fn formula_of(raw: &[u8]) -> Option<&[u8]> {
    let start = find(raw, b"<f")?;
    if !matches!(raw.get(start + 2), Some(b' ' | b'>' | b'/')) {
        return None;
    }
    let end = tag_end(raw, start)?;
    if raw[end - 1] == b'/' {
        return Some(&raw[start..=end]);
    }
    let close = find_from(raw, end, b"</f>")?;
    Some(&raw[start..close + 4])
}

/// A cell's XML holding `content`, with `old`'s attributes (style …) and
/// formula.
fn cell_xml(at: CellRef, old: &[u8], content: &Content) -> Vec<u8> {
    let tag = String::from_utf8_lossy(start_tag(old)).into_owned();
    let mut attrs = drop_attr(&drop_attr(&tag, "t"), "r");
    attrs = set_attr(&attrs, "r", &at.to_string());
    let formula = formula_of(old);
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"<c");
    out.extend_from_slice(attrs.trim_end().as_bytes());
    match (content, formula) {
        (Content::Blank, None) => {
            out.extend_from_slice(b"/>");
            return out;
        }
        (Content::Text(_), Some(_)) => out.extend_from_slice(b" t=\"str\""),
        (Content::Text(_), None) => out.extend_from_slice(b" t=\"inlineStr\""),
        _ => {}
    }
    out.push(b'>');
    if let Some(f) = formula {
        out.extend_from_slice(f);
    }
    match (content, formula) {
        (Content::Text(t), None) => {
            out.extend_from_slice(b"<is><t xml:space=\"preserve\">");
            crate::write::sheet_stream::push_escaped(&mut out, t);
            out.extend_from_slice(b"</t></is>");
        }
        (Content::Text(t), Some(_)) => {
            out.extend_from_slice(b"<v>");
            crate::write::sheet_stream::push_escaped(&mut out, t);
            out.extend_from_slice(b"</v>");
        }
        (Content::Number(n), _) => {
            out.extend_from_slice(b"<v>");
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b"</v>");
        }
        (Content::Blank, _) => {}
    }
    out.extend_from_slice(b"</c>");
    out
}

/// The cell's XML with its `r` set to `at`.
fn with_cell_ref(raw: &[u8], at: CellRef) -> Vec<u8> {
    let tag_len = tag_end(raw, 0).unwrap_or(raw.len());
    let tag = String::from_utf8_lossy(&raw[2..tag_len]).into_owned();
    let (attrs, slash) = match tag.strip_suffix('/') {
        Some(a) => (a.to_string(), "/"),
        None => (tag, ""),
    };
    let attrs = set_attr(&attrs, "r", &at.to_string());
    let mut out = format!("<c{attrs}{slash}").into_bytes();
    out.extend_from_slice(&raw[tag_len..]);
    out
}

/// A copy of a cell for a new row: its style, and its formula moved by
/// `delta` rows when it is not shared; no value.
fn copied_cell(raw: &[u8], at: CellRef, delta: i64) -> Vec<u8> {
    let tag = String::from_utf8_lossy(start_tag(raw)).into_owned();
    let attrs = match attr(&tag, "s") {
        Some(s) => format!(" r=\"{at}\" s=\"{s}\""),
        None => format!(" r=\"{at}\""),
    };
    let formula = formula_of(raw)
        .filter(|f| find(f, b"t=\"shared\"").is_none() && find(f, b"t=\"array\"").is_none());
    match formula.and_then(formula_text) {
        Some((open, text)) => {
            let moved = refs::copied(&text, delta);
            let mut out = format!("<c{attrs}>").into_bytes();
            out.extend_from_slice(open);
            push_xml_text(&mut out, &moved);
            out.extend_from_slice(b"</f></c>");
            out
        }
        None => format!("<c{attrs}/>").into_bytes(),
    }
}

/// The `<f …>` start tag and the formula text of an `<f>` element.
fn formula_text(f: &[u8]) -> Option<(&[u8], String)> {
    let end = tag_end(f, 0)?;
    if f[end - 1] == b'/' {
        return None;
    }
    let body = f.get(end + 1..f.len().checked_sub(4)?)?;
    let text = crate::source::scan::text(body).ok()?.into_owned();
    Some((&f[..=end], text))
}

fn push_xml_text(out: &mut Vec<u8>, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            c => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

/// The cell's XML with its formula's references (and a shared formula's
/// `ref`) moved, or `None` when nothing moves.
fn shifted_formula(raw: &[u8], shift: Shift, sheet: &str) -> Option<Vec<u8>> {
    let f = formula_of(raw)?;
    let start = find(raw, f)?;
    let end = tag_end(f, 0)?;
    let mut open = String::from_utf8_lossy(&f[..=end]).into_owned();
    if let Some(range) = attr(open.as_bytes(), "ref") {
        open = open.replacen(
            &format!("ref=\"{range}\""),
            &format!("ref=\"{}\"", shift.formula(&range, sheet, true)),
            1,
        );
    }
    let mut new_f = open.clone().into_bytes();
    if let Some((_, text)) = formula_text(f) {
        push_xml_text(&mut new_f, &shift.formula(&text, sheet, true));
        new_f.extend_from_slice(b"</f>");
    }
    if new_f == f {
        return None;
    }
    let mut out = raw[..start].to_vec();
    out.extend_from_slice(&new_f);
    out.extend_from_slice(&raw[start + f.len()..]);
    Some(out)
}

/// `head` with `<dimension ref>` covering A1 to `last`.
fn with_dimension<'h>(head: &'h [u8], last: Option<CellRef>) -> Cow<'h, [u8]> {
    static DIMENSION: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let re = DIMENSION.get_or_init(|| Regex::new(r#"<dimension ref="[^"]*""#).expect("valid"));
    let Some(last) = last else {
        return Cow::Borrowed(head);
    };
    let wanted = if last == CellRef::new(0, 0) {
        "A1".to_string()
    } else {
        format!("A1:{last}")
    };
    re.replace(head, format!("<dimension ref=\"{wanted}\"").as_bytes())
}

fn tail_patterns() -> &'static (Regex, Regex, Regex) {
    static RE: std::sync::OnceLock<(Regex, Regex, Regex)> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        (
            Regex::new(r#"\b(sqref|ref)="([^"]*)""#).expect("valid"),
            Regex::new(r"<(formula[12]?)>([^<]*)</formula[12]?>").expect("valid"),
            Regex::new(r"(?s)<rowBreaks\b.*?</rowBreaks>").expect("valid"),
        )
    })
}

/// The tail (merges, validations, conditional formats, hyperlinks, row
/// breaks) with its references moved.
fn shift_tail(tail: &[u8], shift: Shift, sheet: &str) -> Vec<u8> {
    let (attrs, formulas, breaks) = tail_patterns();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let step1 = attrs.replace_all(tail, |c: &Captures| {
        format!(
            "{}=\"{}\"",
            text(&c[1]),
            shift.formula(&text(&c[2]), sheet, true)
        )
        .into_bytes()
    });
    let step2 = formulas.replace_all(&step1, |c: &Captures| {
        let f = crate::source::scan::text(&c[2])
            .map(|t| t.into_owned())
            .unwrap_or_else(|_| text(&c[2]));
        let mut out = format!("<{}>", text(&c[1])).into_bytes();
        push_xml_text(&mut out, &shift.formula(&f, sheet, true));
        out.extend_from_slice(format!("</{}>", text(&c[1])).as_bytes());
        out
    });
    let step3 = breaks.replace_all(&step2, |c: &Captures| {
        static ID: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
        let id = ID.get_or_init(|| Regex::new(r#"<brk id="(\d+)""#).expect("valid"));
        id.replace_all(&c[0], |d: &Captures| {
            let row: u32 = text(&d[1]).parse().unwrap_or(0);
            let moved = shift.formula(&format!("A{row}"), sheet, true);
            format!("<brk id=\"{}\"", moved.trim_start_matches('A')).into_bytes()
        })
        .into_owned()
    });
    step3.into_owned()
}

fn parse_area(text: &str) -> Option<Area> {
    match text.split_once(':') {
        Some((a, b)) => Some(Area::new(a.parse().ok()?, b.parse().ok()?)),
        None => {
            let at: CellRef = text.parse().ok()?;
            Some(Area::new(at, at))
        }
    }
}

fn merges_of(tail: &[u8]) -> Vec<Area> {
    let Some(start) = find(tail, b"<mergeCells") else {
        return Vec::new();
    };
    let end = find_from(tail, start, b"</mergeCells>").unwrap_or(tail.len());
    let mut out = Vec::new();
    let mut i = start;
    while let Some(at) = find_from(&tail[..end], i, b"<mergeCell ") {
        let close = tag_end(tail, at).unwrap_or(end);
        if let Some(area) = attr(&tail[at + 10..close], "ref").and_then(|r| parse_area(&r)) {
            out.push(area);
        }
        i = close;
    }
    out
}

/// Elements that follow `<mergeCells>` in a worksheet (ECMA-376 order).
const AFTER_MERGES: &[&[u8]] = &[
    b"<phoneticPr",
    b"<conditionalFormatting",
    b"<dataValidations",
    b"<hyperlinks",
    b"<printOptions",
    b"<pageMargins",
    b"<pageSetup",
    b"<headerFooter",
    b"<rowBreaks",
    b"<colBreaks",
    b"<customProperties",
    b"<cellWatches",
    b"<ignoredErrors",
    b"<smartTags",
    b"<drawing",
    b"<legacyDrawing",
    b"<picture",
    b"<oleObjects",
    b"<controls",
    b"<webPublishItems",
    b"<tableParts",
    b"<extLst",
    b"</worksheet>",
];

/// The tail with its `<mergeCells>` replaced by `merges`.
fn with_merges(tail: &[u8], merges: &[Area]) -> Vec<u8> {
    let mut list = Vec::new();
    if !merges.is_empty() {
        list.extend_from_slice(format!("<mergeCells count=\"{}\">", merges.len()).as_bytes());
        for m in merges {
            list.extend_from_slice(
                format!("<mergeCell ref=\"{}:{}\"/>", m.first, m.last).as_bytes(),
            );
        }
        list.extend_from_slice(b"</mergeCells>");
    }
    let (start, end) = match find(tail, b"<mergeCells") {
        Some(start) => {
            let end = find_from(tail, start, b"</mergeCells>")
                .map(|e| e + b"</mergeCells>".len())
                .or_else(|| tag_end(tail, start).map(|e| e + 1))
                .unwrap_or(start);
            (start, end)
        }
        None => {
            let at = AFTER_MERGES
                .iter()
                .filter_map(|e| find(tail, e))
                .min()
                .unwrap_or(tail.len());
            (at, at)
        }
    };
    let mut out = tail[..start].to_vec();
    out.extend_from_slice(&list);
    out.extend_from_slice(&tail[end..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = concat!(
        r#"<?xml version="1.0"?><worksheet><dimension ref="A1:C3"/><sheetData>"#,
        r#"<row r="1"><c r="A1" s="1" t="s"><v>0</v></c></row>"#,
        r#"<row r="2" ht="20" customHeight="1"><c r="A2" s="2"/><c r="C2" s="3"><f>A2*2</f><v>4</v></c></row>"#,
        r#"<row r="3"><c r="A3"><f>SUM(C1:C2)</f></c></row>"#,
        r#"</sheetData><mergeCells count="1"><mergeCell ref="A2:B2"/></mergeCells>"#,
        r#"<dataValidations count="1"><dataValidation sqref="C2:C3"><formula1>$C$2</formula1></dataValidation></dataValidations></worksheet>"#
    );

    #[test]
    fn untouched_parts_come_back_as_read() {
        let sheet = SheetXml::parse(XML.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(sheet.to_bytes()).unwrap(), XML);
    }

    #[test]
    fn written_cells_keep_style_and_formula() {
        let mut sheet = SheetXml::parse(XML.as_bytes()).unwrap();
        sheet.set(CellRef::new(1, 0), &Content::Text("甲&乙".into()));
        sheet.set(CellRef::new(1, 2), &Content::Number("7.5".into()));
        sheet.set(CellRef::new(1, 1), &Content::Number("1".into()));
        let xml = String::from_utf8(sheet.to_bytes()).unwrap();
        assert!(xml.contains(r#"<c r="A2" s="2" t="inlineStr"><is><t xml:space="preserve">甲&amp;乙</t></is></c>"#), "{xml}");
        assert!(
            xml.contains(r#"<c r="B2"><v>1</v></c><c r="C2" s="3"><f>A2*2</f><v>7.5</v></c>"#),
            "{xml}"
        );
    }

    #[test]
    fn inserted_rows_move_what_is_below() {
        let mut sheet = SheetXml::parse(XML.as_bytes()).unwrap();
        sheet.insert_rows(1, 2, 1, "S");
        let xml = String::from_utf8(sheet.to_bytes()).unwrap();
        assert!(xml.contains(r#"<dimension ref="A1:C5"/>"#), "{xml}");
        assert!(xml.contains(r#"<row r="2" ht="20" customHeight="1"><c r="A2" s="2"/><c r="C2" s="3"><f>A2*2</f></c></row>"#), "{xml}");
        assert!(xml.contains(r#"<row r="4" ht="20" customHeight="1"><c r="A4" s="2"/><c r="C4" s="3"><f>A4*2</f><v>4</v></c></row>"#), "{xml}");
        assert!(xml.contains(r#"<c r="A5"><f>SUM(C1:C4)</f></c>"#), "{xml}");
        assert!(xml.contains(r#"<mergeCell ref="A4:B4"/>"#), "{xml}");
        assert!(xml.contains(r#"<mergeCell ref="A2:B2"/>"#), "{xml}");
        assert!(
            xml.contains(r#"sqref="C4:C5"><formula1>$C$4</formula1>"#),
            "{xml}"
        );
    }
}

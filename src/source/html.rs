//! HTML tables saved under an `.xls` name (finance systems' "Excel" export).
//! Like Excel opening such a file, every table goes onto one sheet, one under
//! the other, with text outside tables (a title line) on a row of its own;
//! `colspan`/`rowspan` become merges, `x:num` cells become numbers.

use std::collections::BTreeMap;

use super::{decode, grid, Area, CellRef, Ctx, Sheet, SourceError, Value};

const MAX_SPAN: u32 = 1024;
/// Row ranges rowspans may reserve in all: keeps a page of thousands of
/// tall cells from costing quadratic time or unbounded memory.
const MAX_COVERED: usize = 1_000_000;

pub fn read(ctx: &Ctx, bytes: &[u8]) -> Result<Vec<Sheet>, SourceError> {
    let head = decode::head_text(bytes, 4096);
    let (text, _) = decode::decode(bytes, meta_charset(&head).as_deref());
    let mut builder = Builder::default();
    for token in tokens(&text) {
        builder.token(token);
        ctx.check_cell_count(builder.cells.len() as u64)?;
        ctx.charge_text(std::mem::take(&mut builder.text_len))?;
        if builder.covered_count > MAX_COVERED {
            return Err(ctx.too_large(format!("rowspans cover more than {MAX_COVERED} row ranges")));
        }
    }
    builder.flush_loose_text();
    if builder.tables == 0 {
        return Err(ctx.unsupported("an HTML page without a <table>"));
    }
    let name = ctx
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Sheet1".into());
    Ok(vec![Sheet::new(name, builder.cells, builder.merges)])
}

/// The `charset` a `<meta>` tag declares.
fn meta_charset(head: &str) -> Option<String> {
    let lower = head.to_ascii_lowercase();
    let at = lower.find("charset=")? + "charset=".len();
    let rest = lower[at..].trim_start_matches(['"', '\'']);
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))?;
    Some(rest[..end].to_string())
}

#[derive(Debug, PartialEq)]
enum Token<'t> {
    Open(&'t str, &'t str),
    Close(&'t str),
    Text(&'t str),
}

/// Tags and text, skipping comments, scripts and styles.
fn tokens(html: &str) -> impl Iterator<Item = Token<'_>> {
    let mut rest = html;
    std::iter::from_fn(move || loop {
        if rest.is_empty() {
            return None;
        }
        if !rest.starts_with('<') {
            let end = rest.find('<').unwrap_or(rest.len());
            let (text, tail) = rest.split_at(end);
            rest = tail;
            return Some(Token::Text(text));
        }
        if let Some(body) = rest.strip_prefix("<!--") {
            rest = body.find("-->").map_or("", |i| &body[i + 3..]);
            continue;
        }
        let end = tag_end(rest);
        let tag = &rest[1..end.saturating_sub(1).max(1)];
        rest = &rest[end..];
        let tag = tag.trim_end_matches('/');
        let (closing, tag) = match tag.strip_prefix('/') {
            Some(t) => (true, t),
            None => (false, tag),
        };
        let split = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
        let (name, attrs) = tag.split_at(split);
        if name.starts_with('!') || name.starts_with('?') || name.is_empty() {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        if !closing && (lower == "script" || lower == "style") {
            let close = format!("</{lower}");
            rest = find_ci(rest, &close).map_or("", |i| &rest[i..]);
            continue;
        }
        return Some(if closing {
            Token::Close(name)
        } else {
            Token::Open(name, attrs)
        });
    })
}

/// The index just past the `>` closing the tag at the start of `s`,
/// skipping `>` inside quoted attribute values.
fn tag_end(s: &str) -> usize {
    let mut quote = None;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    s.len()
}

fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The value of attribute `name` in a tag's attribute text.
fn attribute(attrs: &str, name: &str) -> Option<String> {
    let lower = attrs.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let before_ok = at == 0 || lower.as_bytes()[at - 1].is_ascii_whitespace();
        let after = lower[from..].trim_start();
        if !before_ok || !after.starts_with('=') {
            continue;
        }
        let value = attrs[attrs.len() - after.len() + 1..].trim_start();
        let (quote, body) = match value.chars().next() {
            Some(q @ ('"' | '\'')) => (Some(q), &value[1..]),
            _ => (None, value),
        };
        let end = match quote {
            Some(q) => body.find(q).unwrap_or(body.len()),
            None => body.find(char::is_whitespace).unwrap_or(body.len()),
        };
        return Some(entities(&body[..end]));
    }
    None
}

fn span(attrs: &str, name: &str) -> u32 {
    attribute(attrs, name)
        .and_then(|v| v.trim().parse::<u32>().ok())
        .unwrap_or(1)
        .clamp(1, MAX_SPAN)
}

/// Decodes character references and the common named entities.
fn entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[..rest.len().min(12)].find(';');
        let decoded = end.and_then(|e| entity(&rest[1..e]).map(|c| (c, e)));
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        _ => return None,
    })
}

/// Places cells as a browser lays out a table, tables stacked vertically.
#[derive(Default)]
struct Builder {
    cells: Vec<(CellRef, Value)>,
    merges: Vec<Area>,
    /// First row of the next table or text line.
    next_row: u32,
    tables: usize,
    depth: usize,
    row: Option<u32>,
    col: u32,
    /// Column ranges still covered by a rowspan from above, by row, each
    /// row's ranges sorted (they never overlap).
    covered: BTreeMap<u32, Vec<(u32, u32)>>,
    /// Ranges recorded so far; past `MAX_COVERED` the page is refused.
    covered_count: usize,
    cell: Option<(CellRef, Option<String>)>,
    text: String,
    loose: String,
    /// Bytes of text in cells made since the reader last charged them.
    text_len: u64,
}

impl Builder {
    fn token(&mut self, token: Token) {
        match token {
            Token::Open(name, attrs) => self.open(&name.to_ascii_lowercase(), attrs),
            Token::Close(name) => self.close(&name.to_ascii_lowercase()),
            Token::Text(t) if self.cell.is_some() => self.text.push_str(&source_text(t)),
            Token::Text(t) if self.depth == 0 => self.loose.push_str(&source_text(t)),
            Token::Text(_) => {}
        }
    }

    fn open(&mut self, name: &str, attrs: &str) {
        match name {
            "table" => {
                self.depth += 1;
                if self.depth == 1 {
                    self.flush_loose_text();
                    self.tables += 1;
                    self.row = None;
                    self.covered.clear();
                }
            }
            "tr" if self.depth == 1 => {
                self.finish_cell();
                let row = self.row.map_or(self.next_row, |r| r + 1);
                self.row = Some(row);
                self.next_row = row + 1;
                self.col = 0;
            }
            "td" | "th" if self.depth == 1 => self.open_cell(attrs),
            "br" => self.line_break(),
            "p" | "div" | "h1" | "h2" | "h3" | "h4" | "li" => {
                if self.depth == 0 {
                    self.flush_loose_text();
                } else {
                    self.line_break();
                }
            }
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        match name {
            "table" => {
                if self.depth == 1 {
                    self.finish_cell();
                    let bottom = self.covered.keys().next_back().map_or(0, |r| r + 1);
                    self.next_row = self.next_row.max(bottom);
                }
                self.depth = self.depth.saturating_sub(1);
            }
            "td" | "th" if self.depth == 1 => self.finish_cell(),
            "p" | "div" | "h1" | "h2" | "h3" | "h4" if self.depth == 0 => self.flush_loose_text(),
            _ => {}
        }
    }

    fn line_break(&mut self) {
        if self.cell.is_some() {
            self.text.push('\n');
        } else if self.depth == 0 {
            self.loose.push('\n');
        }
    }

    fn open_cell(&mut self, attrs: &str) {
        self.finish_cell();
        let row = match self.row {
            Some(r) => r,
            None => {
                // A cell outside any <tr>: start a row for it.
                self.row = Some(self.next_row);
                self.next_row += 1;
                self.next_row - 1
            }
        };
        self.covered = self.covered.split_off(&row);
        while let Some(end) = self.covering(row, self.col) {
            self.col = end.saturating_add(1);
        }
        let at = CellRef::new(row, self.col);
        let (across, down) = (span(attrs, "colspan"), span(attrs, "rowspan"));
        let last = CellRef::new(row + down - 1, self.col.saturating_add(across - 1));
        if across > 1 || down > 1 {
            self.merges.push(Area::new(at, last));
        }
        for r in row + 1..row + down {
            let ranges = self.covered.entry(r).or_default();
            let i = ranges.partition_point(|&(a, _)| a < at.col);
            ranges.insert(i, (at.col, last.col));
        }
        self.covered_count += (down - 1) as usize;
        self.col += across;
        self.text.clear();
        self.cell = Some((at, attribute(attrs, "x:num")));
    }

    /// The last column of the rowspan range covering (row, col), if any.
    fn covering(&self, row: u32, col: u32) -> Option<u32> {
        let ranges = self.covered.get(&row)?;
        let i = ranges.partition_point(|&(a, _)| a <= col);
        let (_, b) = *ranges.get(i.checked_sub(1)?)?;
        (b >= col).then_some(b)
    }

    fn finish_cell(&mut self) {
        let Some((at, num)) = self.cell.take() else {
            return;
        };
        let text = tidy(&self.text);
        let number = num
            .and_then(|n| n.trim().parse::<f64>().ok())
            .map(|f| Value::Number(grid::number_text(f)));
        let value = match number {
            Some(v) => v,
            None if text.is_empty() => return,
            None => Value::Text(text),
        };
        self.text_len += value.text_len() as u64;
        self.cells.push((at, value));
    }

    /// Text between tables (a title above the table) becomes its own row.
    fn flush_loose_text(&mut self) {
        let text = tidy(&std::mem::take(&mut self.loose));
        if !text.is_empty() {
            self.text_len += text.len() as u64;
            self.cells
                .push((CellRef::new(self.next_row, 0), Value::Text(text)));
            self.next_row += 1;
        }
    }
}

/// Text as written in the page: its line breaks are only whitespace.
fn source_text(t: &str) -> String {
    entities(&t.replace(['\n', '\r'], " "))
}

/// Collapses whitespace runs as a browser renders them, keeping `<br>` line
/// breaks and non-breaking spaces.
fn tidy(s: &str) -> String {
    let lines: Vec<String> = s
        .split('\n')
        .map(|l| {
            l.split([' ', '\t', '\r'])
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let joined = lines.join("\n");
    joined
        .trim_matches(|c: char| c.is_whitespace() && c != '\u{a0}')
        .replace('\u{a0}', " ")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_and_entities() {
        assert_eq!(
            attribute(r#" colspan="3" rowspan=2"#, "rowspan").as_deref(),
            Some("2")
        );
        assert_eq!(
            attribute(r#" class="x" x:num="0.9909""#, "x:num").as_deref(),
            Some("0.9909")
        );
        assert_eq!(entities("a&amp;b&#20013;&nbsp;"), "a&b中\u{a0}");
        assert_eq!(
            meta_charset(r#"<meta content="text/html; charset=gb2312">"#).as_deref(),
            Some("gb2312")
        );
    }
}

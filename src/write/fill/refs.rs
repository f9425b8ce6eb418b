//! A1 references in formulas, ranges and defined names, moved when rows are
//! inserted into or removed from a sheet, as Excel moves them: a reference
//! at or below the change moves with its row, so a range spanning the
//! insertion point grows and `SUM(H13:H20)` keeps summing the whole table.

/// Rows inserted (`by > 0`) or removed (`by < 0`) at 0-based row `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shift {
    pub at: u32,
    pub by: i64,
}

/// Which end of a range a row reference is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Single,
    First,
    Last,
}

impl Shift {
    /// The 0-based row `row` moves to. A reference into removed rows goes
    /// to the first row after them (a range's last end: the last row
    /// before them), so the range shrinks around the removal.
    /// Where 0-based row `row` of a single reference moves.
    pub fn moved(&self, row: u32) -> u32 {
        self.row(row, End::Single)
    }

    fn row(&self, row: u32, end: End) -> u32 {
        let row = i64::from(row);
        let at = i64::from(self.at);
        let moved = if self.by >= 0 {
            if row >= at {
                row + self.by
            } else {
                row
            }
        } else {
            let gone = at - self.by; // first row after the removed ones
            if row >= gone {
                row + self.by
            } else if row >= at {
                match end {
                    End::Last => at - 1,
                    _ => at,
                }
            } else {
                row
            }
        };
        u32::try_from(moved.max(0)).unwrap_or(0)
    }

    /// `text` (a formula without its `=`, a `sqref` list or a defined
    /// name) with the references to `sheet` moved. Unqualified references
    /// count as `sheet`'s when `own` (a formula or range on that sheet).
    pub fn formula(&self, text: &str, sheet: &str, own: bool) -> String {
        let b = text.as_bytes();
        let mut out = String::with_capacity(text.len() + 8);
        let mut i = 0;
        // `Some(true)`: the next reference is qualified with `sheet`.
        let mut qualified: Option<bool> = None;
        let mut after_colon = false;
        while i < b.len() {
            let c = b[i];
            if c == b'"' {
                let start = i;
                i = quoted_end(b, i, b'"');
                out.push_str(&text[start..i]);
                qualified = None;
                after_colon = false;
                continue;
            }
            if c == b'\'' {
                let start = i;
                i = quoted_end(b, i, b'\'');
                out.push_str(&text[start..i]);
                if b.get(i) == Some(&b'!') {
                    let name = text[start + 1..i - 1].replace("''", "'");
                    qualified = Some(name == sheet);
                    out.push('!');
                    i += 1;
                }
                after_colon = false;
                continue;
            }
            if is_token_byte(c) {
                let start = i;
                i = token_end(b, i);
                let token = &text[start..i];
                if b.get(i) == Some(&b'!') {
                    qualified = Some(token == sheet);
                    out.push_str(token);
                    out.push('!');
                    i += 1;
                    continue;
                }
                let applies = qualified.unwrap_or(own);
                let next_colon = b.get(i) == Some(&b':');
                let end = match (after_colon, next_colon) {
                    (true, _) => End::Last,
                    (false, true) => End::First,
                    _ => End::Single,
                };
                let call = b.get(i) == Some(&b'(');
                let moved = match parse_ref(token) {
                    Some(r) if applies && !call => Some(r.with_row(self.row(r.row, end))),
                    // A whole-row range (`5:7`, `$5:$7`).
                    None if applies && (after_colon || next_colon) => {
                        parse_row(token).map(|(abs, row)| {
                            format!("{}{}", if abs { "$" } else { "" }, self.row(row, end) + 1)
                        })
                    }
                    _ => None,
                };
                out.push_str(moved.as_deref().unwrap_or(token));
                if !next_colon {
                    qualified = None;
                }
                after_colon = false;
                continue;
            }
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
            after_colon = c == b':';
            if !after_colon {
                qualified = None;
            }
        }
        out
    }
}

/// A formula or range moved by `delta` rows, as when a row is copied:
/// relative row references move, `$`-anchored ones stay.
pub fn copied(text: &str, delta: i64) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\'' {
            let start = i;
            i = quoted_end(b, i, c);
            out.push_str(&text[start..i]);
            continue;
        }
        if is_token_byte(c) {
            let start = i;
            i = token_end(b, i);
            let token = &text[start..i];
            let call = b.get(i) == Some(&b'(');
            match parse_ref(token) {
                Some(r) if !call && !r.row_abs => {
                    let row = (i64::from(r.row) + delta).max(0) as u32;
                    out.push_str(&r.with_row(row));
                }
                _ => out.push_str(token),
            }
            continue;
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Past the quoted run starting at `i` (a doubled quote stays inside).
fn quoted_end(b: &[u8], mut i: usize, quote: u8) -> usize {
    i += 1;
    while i < b.len() {
        if b[i] == quote {
            if b.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    i
}

/// Past the name, number or reference starting at `i`.
fn token_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_token_byte(b[i]) {
        i += 1;
    }
    i
}

fn is_token_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'$' || c >= 0x80
}

/// A cell reference: `$A$1`, `B12`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CellToken<'a> {
    col_abs: bool,
    col: &'a str,
    row_abs: bool,
    /// 0-based.
    row: u32,
}

impl CellToken<'_> {
    fn with_row(&self, row: u32) -> String {
        format!(
            "{}{}{}{}",
            if self.col_abs { "$" } else { "" },
            self.col,
            if self.row_abs { "$" } else { "" },
            row + 1
        )
    }
}

fn parse_ref(token: &str) -> Option<CellToken<'_>> {
    let (col_abs, rest) = match token.strip_prefix('$') {
        Some(r) => (true, r),
        None => (false, token),
    };
    let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
    if !(1..=3).contains(&letters) {
        return None;
    }
    let (col, rest) = rest.split_at(letters);
    let (row_abs, digits) = match rest.strip_prefix('$') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) || digits.starts_with('0') {
        return None;
    }
    let row: u32 = digits.parse().ok()?;
    Some(CellToken {
        col_abs,
        col,
        row_abs,
        row: row.checked_sub(1)?,
    })
}

/// A row number of a whole-row range: `$5` or `5`, 0-based.
fn parse_row(token: &str) -> Option<(bool, u32)> {
    let (abs, digits) = match token.strip_prefix('$') {
        Some(d) => (true, d),
        None => (false, token),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let row: u32 = digits.parse().ok()?;
    Some((abs, row.checked_sub(1)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSERT: Shift = Shift { at: 19, by: 3 };

    #[test]
    fn references_below_an_insertion_move_and_ranges_grow() {
        let s = |f: &str| INSERT.formula(f, "自评表", true);
        assert_eq!(s("SUM(H13:H20)"), "SUM(H13:H23)");
        assert_eq!(s("F6/E6"), "F6/E6");
        assert_eq!(s("$H$21*2+H19"), "$H$24*2+H19");
        assert_eq!(s("\"H20\"&H20"), "\"H20\"&H23");
        assert_eq!(s("LOG10(H20)"), "LOG10(H23)");
        assert_eq!(s("Other!H20+自评表!H20"), "Other!H20+自评表!H23");
        assert_eq!(s("'自评表'!$A$1:$K$30"), "'自评表'!$A$1:$K$33");
        assert_eq!(s("$20:$21"), "$23:$24");
        assert_eq!(s("A1 B20:C25"), "A1 B23:C28");
        assert_eq!(s("ROUND(H20*100,2)"), "ROUND(H23*100,2)");
        assert_eq!(INSERT.formula("H20", "x", false), "H20");
    }

    #[test]
    fn removed_rows_shrink_ranges() {
        let remove = Shift { at: 14, by: -4 };
        let s = |f: &str| remove.formula(f, "S", true);
        assert_eq!(s("SUM(H13:H20)"), "SUM(H13:H16)");
        assert_eq!(s("H21"), "H17");
        assert_eq!(s("H14"), "H14");
    }

    #[test]
    fn copied_rows_move_relative_references_only() {
        assert_eq!(copied("G13*$H$2+H13", 2), "G15*$H$2+H15");
        assert_eq!(copied("SUM(\"A1\")", 1), "SUM(\"A1\")");
    }
}

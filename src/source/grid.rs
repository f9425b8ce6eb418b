//! The in-memory grid every later stage works on.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// A cell address, 0-based internally, shown in A1 notation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellRef {
    pub row: u32,
    pub col: u32,
}

impl CellRef {
    pub const fn new(row: u32, col: u32) -> Self {
        CellRef { row, col }
    }

    /// The column letters of a 0-based column index (`0` → `A`, `26` → `AA`).
    pub fn column_name(col: u32) -> String {
        Self::column_letters(col).as_str().to_string()
    }

    /// The same letters without allocating, for addresses written by the
    /// hundred thousand (the consolidated workbook's rows).
    pub fn column_letters(col: u32) -> ColumnLetters {
        let mut letters = ColumnLetters {
            buf: [0; 7],
            start: 7,
        };
        let mut n = u64::from(col) + 1;
        while n > 0 {
            letters.start -= 1;
            letters.buf[letters.start] = b'A' + ((n - 1) % 26) as u8;
            n = (n - 1) / 26;
        }
        letters
    }
}

/// A column's letters: at most seven for a `u32` index (26⁷ > 2³²).
#[derive(Clone, Copy, Debug)]
pub struct ColumnLetters {
    buf: [u8; 7],
    start: usize,
}

impl ColumnLetters {
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII capitals are ever stored.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

impl fmt::Display for CellRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letters = Self::column_letters(self.col);
        write!(f, "{}{}", letters.as_str(), self.row as u64 + 1)
    }
}

/// Columns in a worksheet (A to XFD).
pub const MAX_COLS: u32 = 16_384;
/// Rows in a worksheet.
pub const MAX_ROWS: u32 = 1_048_576;
/// Excel's limit on a cell's text, in UTF-16 units.
pub const MAX_CELL_CHARS: usize = 32_767;

/// Error for a malformed A1 address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a cell address: {0:?} (expected e.g. B7)")]
pub struct BadAddress(pub String);

impl FromStr for CellRef {
    type Err = BadAddress;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadAddress(s.to_string());
        let t = s.trim().trim_start_matches('$');
        let split = t.find(|c: char| !c.is_ascii_alphabetic()).ok_or_else(bad)?;
        let (letters, digits) = t.split_at(split);
        let digits = digits.trim_start_matches('$');
        if letters.is_empty() || letters.len() > 3 || digits.is_empty() {
            return Err(bad());
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let mut col: u64 = 0;
        for b in letters.bytes() {
            col = col * 26 + u64::from(b.to_ascii_uppercase() - b'A' + 1);
        }
        let row: u64 = digits.parse().map_err(|_| bad())?;
        if row == 0 || row > u64::from(MAX_ROWS) || col > u64::from(MAX_COLS) {
            return Err(bad());
        }
        Ok(CellRef::new((row - 1) as u32, (col - 1) as u32))
    }
}

/// A rectangle of cells, both corners inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Area {
    pub first: CellRef,
    pub last: CellRef,
}

impl Area {
    /// The rectangle spanned by two corners, in any order.
    pub fn new(a: CellRef, b: CellRef) -> Self {
        Area {
            first: CellRef::new(a.row.min(b.row), a.col.min(b.col)),
            last: CellRef::new(a.row.max(b.row), a.col.max(b.col)),
        }
    }

    pub fn contains(&self, at: CellRef) -> bool {
        (self.first.row..=self.last.row).contains(&at.row)
            && (self.first.col..=self.last.col).contains(&at.col)
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.first, self.last)
    }
}

impl FromStr for Area {
    type Err = BadAddress;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            Some((a, b)) => Ok(Area::new(
                a.parse().map_err(|_| BadAddress(s.to_string()))?,
                b.parse().map_err(|_| BadAddress(s.to_string()))?,
            )),
            None => {
                let c: CellRef = s.parse()?;
                Ok(Area::new(c, c))
            }
        }
    }
}

/// What one cell holds. The kinds stay distinct: a number is never text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Value {
    #[default]
    Empty,
    Text(String),
    /// Plain decimal text of the stored number at 15 significant digits, as
    /// Excel shows it: `0.30000000000000004` is `"0.3"`, never `"3E-1"`.
    Number(String),
    Bool(bool),
    /// `YYYY-MM-DD`, or `YYYY-MM-DD HH:MM:SS` when there is a time part.
    Date(String),
    /// An error value such as `#DIV/0!`.
    Error(String),
    /// A formula whose cached value was never saved; holds the formula text.
    FormulaNoValue(String),
}

impl Value {
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// Bytes of text the value holds: what it costs beyond its own size.
    pub fn text_len(&self) -> usize {
        match self {
            Value::Text(s)
            | Value::Number(s)
            | Value::Date(s)
            | Value::Error(s)
            | Value::FormulaNoValue(s) => s.len(),
            Value::Empty | Value::Bool(_) => 0,
        }
    }

    /// The cell as a person reads it (numbers as plain decimals).
    pub fn text(&self) -> &str {
        match self {
            Value::Empty => "",
            Value::Text(s) | Value::Number(s) | Value::Date(s) | Value::Error(s) => s,
            Value::Bool(true) => "TRUE",
            Value::Bool(false) => "FALSE",
            Value::FormulaNoValue(_) => "",
        }
    }
}

/// Plain decimal text of `f` rounded to 15 significant digits, trailing
/// zeros dropped: what Excel displays in a General cell.
pub fn number_text(f: f64) -> String {
    if !f.is_finite() {
        return "#NUM!".to_string();
    }
    if f == 0.0 {
        return "0".to_string();
    }
    // Fast path: the shortest text that reads back as `f` is already the
    // 15-digit rounding when it has at most 15 significant digits.
    let shortest = f.to_string();
    if significant_digits(&shortest) <= 15 {
        return shortest;
    }
    // Scientific form fixes the 15 significant digits; then shift the point.
    let sci = format!("{:.14e}", f);
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => return sci,
    };
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let point = exp + 1; // digits before the decimal point
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-point) as usize));
        out.push_str(digits);
    } else if point as usize >= digits.len() {
        out.push_str(digits);
        out.extend(std::iter::repeat_n('0', point as usize - digits.len()));
    } else {
        out.push_str(&digits[..point as usize]);
        out.push('.');
        out.push_str(&digits[point as usize..]);
    }
    out
}

/// Digits of a plain decimal without leading zeros (`"0.0012"` → 2).
/// [`number_text`] of `f`, which was read from `written`: when `written` is
/// already that text — a plain decimal of at most 15 significant digits,
/// without `+`, leading zeros or trailing fractional zeros, as workbooks
/// store almost every number — it is kept instead of formatted again.
pub fn number_text_as_written(written: &str, f: f64) -> String {
    match is_plain_decimal(written) && significant_digits(written) <= 15 {
        true => written.to_string(),
        false => number_text(f),
    }
}

fn is_plain_decimal(s: &str) -> bool {
    // Longer texts may overflow to infinity or hide an exponent's worth of
    // zeros; they take the general path.
    const MAX_LEN: usize = 20;
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, "1"));
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    s.len() <= MAX_LEN
        && digits(int)
        && digits(frac)
        && (int == "0" || !int.starts_with('0'))
        && !frac.ends_with('0')
        && s != "-0"
}

fn significant_digits(plain: &str) -> usize {
    let digits = plain.bytes().filter(u8::is_ascii_digit);
    digits.skip_while(|&b| b == b'0').count()
}

/// One worksheet: cells at absolute A1 coordinates (stored sparsely, row by
/// row, so one far-away cell costs nothing), its merged ranges and what is
/// hidden.
#[derive(Clone, Debug, Default)]
pub struct Sheet {
    pub name: String,
    pub hidden: bool,
    /// 0-based rows hidden in the source, ascending.
    pub hidden_rows: Vec<u32>,
    /// 0-based columns hidden in the source, ascending. Shared: the forms
    /// stacked on one sheet each get the sheet's columns without a copy.
    pub hidden_cols: Arc<[u32]>,
    /// Rows holding values, ascending, each with its non-empty cells as
    /// (column, value) ascending by column: fully sparse, so any address a
    /// file names costs only its own cell.
    rows: Vec<(u32, Vec<(u32, Value)>)>,
    merges: Vec<Area>,
    /// Built on the first lookup, so a workbook refused for its merge count
    /// never pays for indexing them.
    merge_index: std::sync::OnceLock<MergeLookup>,
    width: u32,
}

/// At most this many cells in the box the merges span are looked up in a
/// table with an entry per cell (256 KiB at most per sheet, built only for
/// a sheet looked at); a larger box is indexed. A form spans a few
/// thousand.
const DENSE_CELLS: u64 = 1 << 16;

/// How a sheet finds the merge covering a cell. A form's merges span a
/// few thousand cells: a table answers each of the hundreds of lookups an
/// import makes with one load (the mapping stage spent a tenth of its time
/// in the index's searches). A hostile or huge sheet gets the index.
#[derive(Clone, Debug)]
enum MergeLookup {
    /// Per cell of the box `rows` × `cols` from A1, row-major: 1 + the
    /// index of the merge covering it, or 0.
    Dense {
        rows: u32,
        cols: u32,
        cells: Vec<u32>,
    },
    Index(MergeIndex),
}

impl MergeLookup {
    fn new(merges: &[Area], dense_cells: u64) -> Self {
        let kept = disjoint(merges);
        let rows = kept.iter().map(|&m| merges[m as usize].last.row).max();
        let cols = kept.iter().map(|&m| merges[m as usize].last.col).max();
        let (rows, cols) = match (rows, cols) {
            (Some(r), Some(c)) => (u64::from(r) + 1, u64::from(c) + 1),
            _ => (0, 0),
        };
        if rows * cols > dense_cells {
            return MergeLookup::Index(MergeIndex::from_kept(merges, kept));
        }
        // Within `dense_cells`, so these fit.
        let (rows, cols) = (rows as u32, cols as u32);
        let mut cells = vec![0u32; (u64::from(rows) * u64::from(cols)) as usize];
        // Disjoint, so the merges fill at most every cell once.
        for m in kept {
            let a = merges[m as usize];
            for r in a.first.row..=a.last.row {
                let start = (r as usize) * cols as usize;
                cells[start + a.first.col as usize..=start + a.last.col as usize].fill(m + 1);
            }
        }
        MergeLookup::Dense { rows, cols, cells }
    }

    fn find(&self, merges: &[Area], at: CellRef) -> Option<Area> {
        match self {
            MergeLookup::Dense { rows, cols, cells } => {
                if at.row >= *rows || at.col >= *cols {
                    return None;
                }
                let slot = cells[at.row as usize * *cols as usize + at.col as usize];
                slot.checked_sub(1).map(|m| merges[m as usize])
            }
            MergeLookup::Index(index) => index.find(merges, at),
        }
    }
}

/// Finds the merge covering a cell in logarithmic time whatever the merges.
///
/// Overlapping merges are invalid (Excel refuses to create them), so the
/// index holds only a disjoint subset: in `Area` order, a merge overlapping
/// one already kept is left out. A file without overlaps keeps every merge;
/// a hostile one with a million copies of one tall merge keeps one.
///
/// Each kept merge is filed under one node of a binary trie over rows: the
/// node of the highest bit where its first and last row differ (or of its
/// row, for a one-row merge). Every merge at a node covers that node's middle
/// row, so, being disjoint, their column ranges are disjoint too, and one
/// binary search by column finds the only candidate. A lookup probes one
/// node per level in use, at most 33.
#[derive(Clone, Debug, Default)]
struct MergeIndex {
    /// Kept merges, sorted by (level, prefix, first column).
    entries: Vec<Filed>,
    /// The levels present in `entries`, ascending.
    levels: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Filed {
    level: u8,
    prefix: u32,
    first_col: u32,
    merge: u32,
}

/// The level of one-row merges: below every bit level (0..=31).
const ROW_LEVEL: u8 = 32;

/// The trie node holding rows `first..=last`: (level, prefix).
fn node(first: u32, last: u32) -> (u8, u32) {
    match first ^ last {
        0 => (ROW_LEVEL, first),
        diff => {
            let level = 31 - diff.leading_zeros() as u8;
            (level, prefix(first, level))
        }
    }
}

/// The node at `level` on the path to `row`.
fn prefix(row: u32, level: u8) -> u32 {
    match level {
        ROW_LEVEL => row,
        // Two shifts: one by 32 would overflow.
        l => row >> l >> 1,
    }
}

impl MergeIndex {
    /// The index of `kept`, a [`disjoint`] subset of `merges`.
    fn from_kept(merges: &[Area], kept: Vec<u32>) -> Self {
        let mut entries: Vec<Filed> = kept
            .into_iter()
            .map(|merge| {
                let m = merges[merge as usize];
                let (level, prefix) = node(m.first.row, m.last.row);
                Filed {
                    level,
                    prefix,
                    first_col: m.first.col,
                    merge,
                }
            })
            .collect();
        entries.sort_unstable();
        let mut levels: Vec<u8> = entries.iter().map(|e| e.level).collect();
        levels.dedup();
        MergeIndex { entries, levels }
    }

    fn find(&self, merges: &[Area], at: CellRef) -> Option<Area> {
        self.levels.iter().find_map(|&level| {
            let key = (level, prefix(at.row, level), at.col);
            let after = self
                .entries
                .partition_point(|e| (e.level, e.prefix, e.first_col) <= key);
            let e = self.entries.get(after.checked_sub(1)?)?;
            let m = merges[e.merge as usize];
            ((e.level, e.prefix) == (key.0, key.1) && m.contains(at)).then_some(m)
        })
    }
}

/// Indices of a disjoint subset of `merges`: taken in `Area` order, each
/// merge overlapping one already taken is dropped. A sweep down the rows
/// keeps the taken merges reaching the current row, whose column ranges
/// are disjoint, in a map by first column, so each test is a lookup.
fn disjoint(merges: &[Area]) -> Vec<u32> {
    use std::cmp::Reverse;
    use std::collections::{BTreeMap, BinaryHeap};
    // u32 indices keep the index small; no workbook in memory holds 2^32.
    let mut order: Vec<u32> = (0..=u32::MAX).take(merges.len()).collect();
    order.sort_by_key(|&i| merges[i as usize]);
    // first column → last column, for taken merges still reaching the row.
    let mut open: BTreeMap<u32, u32> = BTreeMap::new();
    // (last row, first column) of each open merge, soonest to end first.
    let mut ends = BinaryHeap::new();
    order.retain(|&i| {
        let m = merges[i as usize];
        while let Some(&Reverse((last_row, col))) = ends.peek() {
            if last_row >= m.first.row {
                break;
            }
            ends.pop();
            open.remove(&col);
        }
        let overlaps = open
            .range(..=m.last.col)
            .next_back()
            .is_some_and(|(_, &last_col)| last_col >= m.first.col);
        if !overlaps {
            open.insert(m.first.col, m.last.col);
            ends.push(Reverse((m.last.row, m.first.col)));
        }
        !overlaps
    });
    order
}

static EMPTY: Value = Value::Empty;

impl Sheet {
    /// Builds a sheet from cells at absolute addresses. Later cells at the
    /// same address win.
    pub fn new(name: String, cells: Vec<(CellRef, Value)>, merges: Vec<Area>) -> Self {
        let mut cells: Vec<(CellRef, Value)> = cells
            .into_iter()
            .filter(|(_, v)| !matches!(v, Value::Empty))
            .collect();
        // Readers emit cells in row order, so this stable sort is a linear
        // pass in practice; reversing first makes `dedup` keep the later
        // of two cells at one address.
        cells.reverse();
        cells.sort_by_key(|(at, _)| (at.row, at.col));
        cells.dedup_by_key(|(at, _)| *at);
        let width = cells
            .iter()
            .map(|(at, _)| at.col.saturating_add(1))
            .max()
            .unwrap_or(0);
        let mut rows: Vec<(u32, Vec<(u32, Value)>)> = Vec::new();
        for (at, value) in cells {
            match rows.last_mut() {
                Some((r, row)) if *r == at.row => row.push((at.col, value)),
                _ => rows.push((at.row, vec![(at.col, value)])),
            }
        }
        Sheet {
            name,
            rows,
            merges,
            width,
            ..Sheet::default()
        }
    }

    /// Rows up to the last one holding a value.
    pub fn height(&self) -> u32 {
        self.rows.last().map_or(0, |(r, _)| r.saturating_add(1))
    }

    /// Columns up to the last one holding a value.
    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn merges(&self) -> &[Area] {
        &self.merges
    }

    /// The value stored at exactly this cell (empty inside a merge but for
    /// its top-left cell).
    pub fn raw(&self, at: CellRef) -> &Value {
        let Ok(r) = self.rows.binary_search_by_key(&at.row, |(r, _)| *r) else {
            return &EMPTY;
        };
        let row = &self.rows[r].1;
        match row.binary_search_by_key(&at.col, |(c, _)| *c) {
            Ok(i) => &row[i].1,
            Err(_) => &EMPTY,
        }
    }

    /// The merged range covering this cell, if any.
    pub fn merge_at(&self, at: CellRef) -> Option<Area> {
        let index = self
            .merge_index
            .get_or_init(|| MergeLookup::new(&self.merges, DENSE_CELLS));
        index.find(&self.merges, at)
    }

    /// The value a person sees at this cell: a merged range's value is
    /// reachable from any of its cells.
    pub fn value(&self, at: CellRef) -> &Value {
        match self.merge_at(at) {
            Some(m) => self.raw(m.first),
            None => self.raw(at),
        }
    }

    /// Every non-empty cell in row-major order.
    pub fn cells(&self) -> impl Iterator<Item = (CellRef, &Value)> + '_ {
        self.rows
            .iter()
            .flat_map(|(r, row)| row.iter().map(move |(c, v)| (CellRef::new(*r, *c), v)))
    }

    /// How many non-empty cells the sheet holds.
    pub fn cell_count(&self) -> usize {
        self.rows.iter().map(|(_, row)| row.len()).sum()
    }

    /// Bytes of text in the sheet's cells ([`Value::text_len`]).
    pub fn text_len(&self) -> u64 {
        let cells = self.rows.iter().flat_map(|(_, row)| row);
        cells.map(|(_, v)| v.text_len() as u64).sum()
    }

    /// The smallest area holding every value and merge, or `None` for an
    /// empty sheet.
    pub fn used_area(&self) -> Option<Area> {
        let mut corners = self
            .cells()
            .map(|(at, _)| (at, at))
            .chain(self.merges.iter().map(|m| (m.first, m.last)));
        let (first, last) = corners.next()?;
        let (mut top, mut left, mut bottom, mut right) = (first.row, first.col, last.row, last.col);
        for (a, b) in corners {
            top = top.min(a.row);
            left = left.min(a.col);
            bottom = bottom.max(b.row);
            right = right.max(b.col);
        }
        Some(Area::new(
            CellRef::new(top, left),
            CellRef::new(bottom, right),
        ))
    }

    pub fn is_row_hidden(&self, row: u32) -> bool {
        self.hidden_rows.binary_search(&row).is_ok()
    }

    pub fn is_col_hidden(&self, col: u32) -> bool {
        self.hidden_cols.binary_search(&col).is_ok()
    }

    /// Sets the hidden rows and columns (any order, duplicates allowed).
    pub fn set_hidden_lines(&mut self, mut rows: Vec<u32>, mut cols: Vec<u32>) {
        rows.sort_unstable();
        rows.dedup();
        cols.sort_unstable();
        cols.dedup();
        self.hidden_rows = rows;
        self.hidden_cols = cols.into();
    }

    /// This sheet with what is hidden: the sheet itself, and its rows and
    /// columns (any order, duplicates allowed).
    pub fn with_hidden(mut self, hidden: bool, rows: Vec<u32>, cols: Vec<u32>) -> Self {
        self.hidden = hidden;
        self.set_hidden_lines(rows, cols);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_round_trip() {
        for s in ["A1", "B7", "Z9", "AA10", "XFD1048576"] {
            let c: CellRef = s.parse().unwrap();
            assert_eq!(c.to_string(), s);
        }
        assert!("7B".parse::<CellRef>().is_err());
        assert!("A0".parse::<CellRef>().is_err());
    }

    #[test]
    fn columns_are_lettered_like_excel() {
        assert_eq!(
            [0, 25, 26, 701, 702, 16383].map(CellRef::column_name),
            ["A", "Z", "AA", "ZZ", "AAA", "XFD"]
        );
        // The widest index still fits the letters' buffer.
        assert_eq!(CellRef::column_name(u32::MAX), "MWLQKWV");
    }

    #[test]
    fn numbers_as_excel_shows_them() {
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(76.3), "76.3");
        assert_eq!(number_text(0.9909), "0.9909");
        assert_eq!(number_text(100.0), "100");
        assert_eq!(number_text(-2.5), "-2.5");
        assert_eq!(number_text(1e20), "100000000000000000000");
        assert_eq!(number_text(1.5e-7), "0.00000015");
        assert_eq!(number_text(207.4538), "207.4538");
        assert_eq!(number_text(0.7 + 0.1), "0.8");
        assert_eq!(number_text(1.0 / 3.0), "0.333333333333333");
        assert_eq!(number_text(123456789012345678.0), "123456789012346000");
        assert_eq!(number_text(-0.0), "0");
    }

    #[test]
    fn numbers_as_written_are_their_number_text() {
        for written in [
            "0",
            "-0",
            "0.5",
            "-0.5",
            "105.5433",
            "100",
            "1e3",
            "1E-2",
            "+5",
            "007",
            "1.50",
            "1.",
            ".5",
            "0.0",
            "-",
            "",
            "1.2.3",
            "123456789012345",
            "1234567890123456",
            "0.000000000000001",
            "100000000000000000000",
            "99999999999999999999",
            "0.1234567890123456",
            "-123.456",
        ] {
            let Ok(f) = written.parse::<f64>() else {
                continue;
            };
            assert_eq!(
                number_text_as_written(written, f),
                number_text(f),
                "{written}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn any_decimal_as_written_is_its_number_text(
            int in 0u64..100_000_000_000_000,
            frac in "[0-9]{0,9}",
            negative: bool,
        ) {
            let sign = if negative { "-" } else { "" };
            let point = if frac.is_empty() { "" } else { "." };
            let written = format!("{sign}{int}{point}{frac}");
            let f: f64 = written.parse().unwrap_or_default();
            proptest::prop_assert_eq!(number_text_as_written(&written, f), number_text(f));
        }
    }

    #[test]
    fn merged_value_reachable_from_any_cell() {
        let s = Sheet::new(
            "s".into(),
            vec![(CellRef::new(0, 0), Value::Text("标题".into()))],
            vec!["A1:I1".parse().unwrap()],
        );
        assert_eq!(s.value("E1".parse().unwrap()).text(), "标题");
        assert_eq!(s.raw("E1".parse().unwrap()), &Value::Empty);
    }

    #[test]
    fn merge_lookup_through_the_index() {
        let merges: Vec<Area> = ["A1:I1", "A5:A900", "B2:C3", "D1000:D1000000"]
            .iter()
            .map(|m| m.parse().unwrap())
            .collect();
        let s = Sheet::new("s".into(), vec![], merges.clone());
        for (cell, want) in [
            ("E1", Some("A1:I1")),
            ("A700", Some("A5:A900")),
            ("C3", Some("B2:C3")),
            ("D500000", Some("D1000:D1000000")),
            ("D3", None),
            ("A901", None),
        ] {
            let got = s.merge_at(cell.parse().unwrap()).map(|m| m.to_string());
            assert_eq!(got.as_deref(), want, "{cell}");
        }
    }

    /// Disjoint merges of every height, across power-of-two row boundaries:
    /// the index answers exactly what a scan of every merge answers.
    #[test]
    fn merge_index_agrees_with_a_scan() {
        let mut merges = Vec::new();
        let mut row = 0;
        for (i, height) in [1u32, 2, 3, 5, 8, 13, 64, 2000, 1, 7, 4097]
            .iter()
            .enumerate()
        {
            for col in 0..4u32 {
                let width = 1 + (col + i as u32) % 3;
                let first = CellRef::new(row + col % 2, col * 4);
                merges.push(Area::new(
                    first,
                    CellRef::new(first.row + height - 1, first.col + width - 1),
                ));
            }
            row += height + 1;
        }
        // The table (what a form-sized sheet gets) and the index.
        let table = MergeLookup::new(&merges, u64::MAX);
        let index = MergeLookup::new(&merges, 0);
        assert!(matches!(table, MergeLookup::Dense { .. }));
        assert!(matches!(index, MergeLookup::Index(_)));
        let probes = (0..row + 2).filter(|r| r % 7 < 3 || *r < 200);
        for r in probes {
            for c in 0..18 {
                let at = CellRef::new(r, c);
                let scan = merges.iter().copied().find(|m| m.contains(at));
                assert_eq!(table.find(&merges, at), scan, "{at}");
                assert_eq!(index.find(&merges, at), scan, "{at}");
            }
        }
    }

    /// Overlapping merges are invalid: the first in area order is kept, so a
    /// million copies of one tall merge cost one lookup, not a million.
    #[test]
    fn overlapping_merges_keep_the_first() {
        let tall: Area = "A1:Z5000".parse().unwrap();
        let mut merges = vec![tall; 200_000];
        merges.push("B2:AB3".parse().unwrap());
        merges.push("AA1:AB1".parse().unwrap());
        let s = Sheet::new("s".into(), vec![], merges);
        assert_eq!(s.merges().len(), 200_002, "merges() lists the file's");
        let started = std::time::Instant::now();
        for r in 0..5000 {
            for c in 0..30 {
                let _ = s.merge_at(CellRef::new(r, c));
            }
        }
        assert!(started.elapsed().as_secs() < 2, "{:?}", started.elapsed());
        let at = |a: &str| s.merge_at(a.parse().unwrap()).map(|m| m.to_string());
        assert_eq!(at("C3").as_deref(), Some("A1:Z5000"));
        assert_eq!(at("AB1").as_deref(), Some("AA1:AB1"));
        assert_eq!(at("AB2"), None, "B2:AB3 overlaps A1:Z5000: dropped");
    }

    #[test]
    fn later_duplicate_wins_and_far_cells_are_cheap() {
        let far = CellRef::new(1_000_000, 16_000);
        let s = Sheet::new(
            "s".into(),
            vec![
                (CellRef::new(0, 1), Value::Text("a".into())),
                (CellRef::new(0, 1), Value::Text("b".into())),
                (far, Value::Number("1".into())),
            ],
            vec![],
        );
        assert_eq!(s.raw(CellRef::new(0, 1)).text(), "b");
        assert_eq!(s.raw(far).text(), "1");
        assert_eq!(s.cell_count(), 2);
        assert_eq!(s.width(), 16_001);
    }
}

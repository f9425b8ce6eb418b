//! One sheet written row by row from its declared [`Column`]s (label, look,
//! width, value and total, declared once), with column widths fitted to
//! what was written, a title block above the header and print settings.
//!
//! A big table streams its body rows ([`SheetStream`]); rust_xlsxwriter
//! holds only its header row and sheet settings, and the rows are spliced
//! in when the workbook is saved. A small table (部门汇总 with its chart,
//! 名单核对) is written to its worksheet directly.

use std::borrow::Cow;

use rust_decimal::Decimal;
use rust_xlsxwriter::{
    ColNum, Color, Format, FormatAlign, FormatBorder, RowNum, Workbook, Worksheet, XlsxError,
};

use crate::outcome::stats::{Sum, Tally};
use unicode_width::UnicodeWidthStr;

use crate::write::nearest_f64;
use crate::write::sheet_stream::{fit_cell, Finished, SheetStream};

const MIN_WIDTH: usize = 6;
/// Widest a fitted column gets; wider text wraps (说明) or is cut on screen
/// only (来源文件, which is not printed).
const MAX_WIDTH: usize = 40;
/// Width of a wrapping text column.
const WRAP_WIDTH: usize = 50;
/// Room for the autofilter drop-down arrow beside a header.
const HEADER_PADDING: usize = 2;
/// Excel's paper size codes.
const A4: u8 = 9;
const A3: u8 = 8;
/// A sheet whose printed columns are wider than this (in characters) prints
/// on A3: on A4 fitting it to the width would shrink the text below ~8 pt.
const A4_WIDTH: usize = 140;
const HEADER_COLOUR: u32 = 0xD9E1F2;
/// The header row; above it the title and the unit/date line.
pub const HEADER_ROW: RowNum = 2;
/// Points per line of wrapped text (11 pt text with CJK line spacing).
const LINE_HEIGHT: f64 = 16.0;
/// Excel's tallest row, in points.
const MAX_ROW_HEIGHT: f64 = 409.0;

/// Number formats as people read them: money with 2 decimals, rates as a
/// percentage with 2, scores with 2 (the cells hold the exact values). The
/// `_ ` keeps a space's width on the right so a number never touches the
/// text of the next column.
const MONEY: &str = "#,##0.00_ ";
const RATE: &str = "0.00%_ ";
const SCORE: &str = "0.00_ ";
const COUNT: &str = "0_ ";

/// What a column holds in one row.
pub enum Value<'a> {
    Text(Cow<'a, str>),
    Number(Option<Decimal>),
    Count(usize),
}

impl<'a> Value<'a> {
    pub fn text(text: &'a Option<String>) -> Self {
        Value::Text(Cow::Borrowed(text.as_deref().unwrap_or("")))
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(text: &'a str) -> Self {
        Value::Text(Cow::Borrowed(text))
    }
}

impl From<String> for Value<'_> {
    fn from(text: String) -> Self {
        Value::Text(Cow::Owned(text))
    }
}

/// What a column shows on the totals rows (合计, and 计入表数 below it).
#[derive(Clone, Copy)]
pub enum Total {
    Blank,
    /// The row's name (合计 / 计入表数).
    Label,
    /// A sum of money, with the number of records it covers below.
    Sum(fn(&Tally) -> &Sum),
    /// The rate over the records that report both budget and spending.
    Rate,
    Count(fn(&Tally) -> usize),
}

/// One column of a sheet, declared once: header, look, value per row and
/// total. `printed: false` keeps it off the printed page (technical
/// columns such as 来源文件).
pub struct Column<F: Rows> {
    pub label: &'static str,
    pub style: Style,
    /// The widest the column gets (0: the default for its style); longer
    /// text wraps in a wrapping column.
    pub width: usize,
    pub printed: bool,
    pub value: for<'a, 'b> fn(&'b F::Row<'a>) -> Value<'b>,
    pub total: Total,
}

/// The kind of row a sheet is made of, whatever the lifetime of the data
/// a row borrows (a sheet's columns are declared once, in a static).
pub trait Rows: 'static {
    type Row<'a>;
}

/// Declares a [`Column`] on one line: `column!("项目名称", Wrap 20, |r|
/// ...)` (look, optional width), with an optional total, and
/// `column!(technical ...)` for a column left off the printed page.
macro_rules! column {
    (technical $label:expr, $style:ident, $value:expr) => {
        $crate::write::consolidated::table::Column {
            label: $label,
            style: $crate::write::consolidated::table::Style::$style,
            width: 0,
            printed: false,
            value: $value,
            total: $crate::write::consolidated::table::Total::Blank,
        }
    };
    ($label:expr, $style:ident $($width:literal)?, $value:expr) => {
        column!($label, $style $($width)?, $value, Blank)
    };
    ($label:expr, $style:ident $($width:literal)?, $value:expr, $total:ident $(($pick:expr))?) => {
        $crate::write::consolidated::table::Column {
            label: $label,
            style: $crate::write::consolidated::table::Style::$style,
            width: 0 $(+ $width)?,
            printed: true,
            value: $value,
            total: $crate::write::consolidated::table::Total::$total$(($pick))?,
        }
    };
}
pub(crate) use column;

/// The title block of a sheet.
pub struct Title<'a> {
    pub title: String,
    /// `单位：万元` on sheets with money.
    pub unit: Option<&'a str>,
    /// `制表日期：…`.
    pub date: &'a str,
}

/// How a cell looks (the discriminant indexes `Style::ALL`): totals styles
/// are bold with a double rule above.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Style {
    Text,
    Wrap,
    Money,
    Rate,
    Score,
    Count,
    TotalText,
    TotalMoney,
    TotalRate,
    TotalCount,
}

impl Style {
    const ALL: [Style; 10] = [
        Style::Text,
        Style::Wrap,
        Style::Money,
        Style::Rate,
        Style::Score,
        Style::Count,
        Style::TotalText,
        Style::TotalMoney,
        Style::TotalRate,
        Style::TotalCount,
    ];

    fn is_total(self) -> bool {
        self.total() == self
    }

    /// The same look on a totals row.
    pub fn total(self) -> Style {
        match self {
            Style::Text | Style::Wrap => Style::TotalText,
            Style::Money | Style::Score => Style::TotalMoney,
            Style::Rate => Style::TotalRate,
            Style::Count => Style::TotalCount,
            total => total,
        }
    }

    /// The look of a whole column, for cells typed in later: the number
    /// format and wrapping without the borders, which would otherwise box
    /// the empty cells of the title block.
    fn column_format(self) -> Format {
        match self {
            Style::Wrap => Format::new().set_text_wrap(),
            Style::Money => Format::new().set_num_format(MONEY),
            Style::Rate => Format::new().set_num_format(RATE),
            Style::Score => Format::new().set_num_format(SCORE),
            Style::Count => Format::new().set_num_format(COUNT),
            _ => Format::new(),
        }
    }

    fn format(self) -> Format {
        let total = || {
            Format::new()
                .set_bold()
                .set_border(FormatBorder::Thin)
                .set_border_top(FormatBorder::Double)
        };
        let body = || {
            Format::new()
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::VerticalCenter)
        };
        match self {
            Style::Text => body(),
            Style::Wrap => body().set_text_wrap(),
            Style::Money => body().set_num_format(MONEY),
            Style::Rate => body().set_num_format(RATE),
            Style::Score => body().set_num_format(SCORE),
            Style::Count => body().set_num_format(COUNT),
            Style::TotalText => total(),
            Style::TotalMoney => total().set_num_format(MONEY),
            Style::TotalRate => total().set_num_format(RATE),
            Style::TotalCount => total().set_num_format(COUNT),
        }
    }
}

/// The header format.
fn header_format() -> Format {
    Format::new()
        .set_border(FormatBorder::Thin)
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(Color::RGB(HEADER_COLOUR))
}

/// The workbook's format index of each [`Style`].
///
/// Streamed cells name their format by index before rust_xlsxwriter has
/// seen them in any cell, so the formats are registered on the fresh
/// workbook up front, in a known order: rust_xlsxwriter gives the default
/// format 0 and each new format the next index.
#[derive(Clone, Copy, Debug)]
pub struct Formats {
    styles: [u32; Style::ALL.len()],
}

impl Formats {
    /// Registers the formats on `workbook`, which must not have any yet.
    pub fn register(workbook: &mut Workbook) -> Self {
        let mut known = vec![Format::new()];
        let mut index = |format: Format| match known.iter().position(|k| *k == format) {
            Some(i) => i as u32,
            None => {
                workbook.register_format(&format);
                known.push(format);
                known.len() as u32 - 1
            }
        };
        Formats {
            styles: Style::ALL.map(|s| index(s.format())),
        }
    }

    fn of(&self, style: Style) -> u32 {
        self.styles[style as usize]
    }
}

/// Where body rows go.
enum Body {
    /// Into the worksheet, with these formats.
    Sheet(Box<[Format; Style::ALL.len()]>),
    /// Into a stream, naming formats by their index.
    Stream(Box<SheetStream>, Formats),
}

pub struct Table {
    ws: Worksheet,
    body: Body,
    row: RowNum,
    col: ColNum,
    widths: Vec<usize>,
    /// The most a column's fitted width may grow to.
    limits: Vec<usize>,
    /// The first style written in each column, which becomes its format.
    columns: Vec<Option<Style>>,
    /// How many leading columns print (the technical ones come last).
    printed: ColNum,
    /// Lines of wrapped text in the row being written.
    lines: usize,
    /// Rows below the table that print too (a chart).
    print_below: RowNum,
    filter_last: Option<RowNum>,
}

/// A finished table: the sheet for rust_xlsxwriter and, when streamed, the
/// rows to splice into it with the sheet's last cell.
pub struct Done {
    pub sheet: Worksheet,
    pub rows: Option<(Finished, (RowNum, ColNum))>,
}

impl Table {
    /// A small table written straight to its worksheet.
    pub fn new<F: Rows>(name: &str, columns: &[Column<F>]) -> Result<Self, XlsxError> {
        let formats = Box::new(Style::ALL.map(Style::format));
        Self::start(Body::Sheet(formats), name, columns)
    }

    /// A big table whose body rows are streamed.
    pub fn streamed<F: Rows>(
        name: &str,
        columns: &[Column<F>],
        formats: Formats,
    ) -> Result<Self, XlsxError> {
        let body = Body::Stream(Box::new(SheetStream::new()?), formats);
        Self::start(body, name, columns)
    }

    fn start<F: Rows>(body: Body, name: &str, columns: &[Column<F>]) -> Result<Self, XlsxError> {
        let mut ws = Worksheet::new();
        ws.set_name(name)?;
        let header = header_format();
        for (c, column) in columns.iter().enumerate() {
            ws.write_string_with_format(HEADER_ROW, c as ColNum, column.label, &header)?;
        }
        ws.set_row_height(HEADER_ROW, 30)?;
        let limit = |c: &Column<F>| match (c.width, c.style) {
            (0, Style::Wrap) => WRAP_WIDTH,
            (0, _) => MAX_WIDTH,
            (width, _) => width,
        };
        Ok(Table {
            ws,
            body,
            row: HEADER_ROW + 1,
            col: 0,
            widths: columns
                .iter()
                .map(|c| (text_width(c.label) + HEADER_PADDING).min(limit(c)))
                .collect(),
            limits: columns.iter().map(limit).collect(),
            columns: vec![None; columns.len()],
            printed: columns.iter().take_while(|c| c.printed).count() as ColNum,
            lines: 1,
            print_below: 0,
            filter_last: None,
        })
    }

    /// Rows written so far, header and title included.
    pub fn rows(&self) -> RowNum {
        self.row
    }

    /// Writes one row, each column's value in its declared look.
    pub fn row<F: Rows>(&mut self, columns: &[Column<F>], r: &F::Row<'_>) -> Result<(), XlsxError> {
        for column in columns {
            self.value((column.value)(r), column.style)?;
        }
        self.end_row()
    }

    /// Writes `r` as the totals row: bold, ruled, outside the autofilter.
    pub fn total_row<F: Rows>(
        &mut self,
        columns: &[Column<F>],
        r: &F::Row<'_>,
    ) -> Result<(), XlsxError> {
        self.close_data();
        for column in columns {
            self.value((column.value)(r), column.style.total())?;
        }
        self.end_row()
    }

    /// Writes the 合计 row and, below it, how many records each sum
    /// covers; both outside the autofilter so sorting never moves them.
    pub fn totals<F: Rows>(
        &mut self,
        columns: &[Column<F>],
        tally: &Tally,
        words: [&str; 2],
    ) -> Result<(), XlsxError> {
        self.close_data();
        for covered in [false, true] {
            let label = words[usize::from(covered)];
            for column in columns {
                let style = column.style.total();
                let value = match (column.total, covered) {
                    (Total::Label, _) => Value::from(label),
                    (Total::Sum(pick), false) => Value::Number(pick(tally).get()),
                    (Total::Sum(pick), true) => Value::Count(pick(tally).count),
                    (Total::Rate, false) => Value::Number(tally.rate()),
                    (Total::Rate, true) => Value::Count(tally.paired_budget.count),
                    (Total::Count(pick), false) => Value::Count(pick(tally)),
                    (Total::Blank, _) | (Total::Count(_), true) => Value::from(""),
                };
                let style = match value {
                    Value::Count(_) => Style::TotalCount,
                    Value::Text(_) => Style::TotalText,
                    Value::Number(_) => style,
                };
                self.value(value, style)?;
            }
            self.end_row()?;
        }
        Ok(())
    }

    fn value(&mut self, value: Value<'_>, style: Style) -> Result<(), XlsxError> {
        match value {
            Value::Text(text) => self.text(&text, style),
            Value::Number(d) => self.decimal(d, style),
            Value::Count(n) => self.decimal(Some(Decimal::from(n)), style),
        }
    }

    fn fit(&mut self, shown: usize) {
        let col = self.col as usize;
        if let (Some(w), Some(limit)) = (self.widths.get_mut(col), self.limits.get(col)) {
            *w = (*w).max(shown + 2).min(*limit);
        }
    }

    /// Fits the column to `text`. Most cells are passed over without
    /// measuring them, by bounds that cost far less than measuring.
    fn fit_text(&mut self, text: &str, style: Style) {
        let col = self.col as usize;
        let width = self.widths.get(col).copied().unwrap_or(0);
        let limit = self.limits.get(col).copied().unwrap_or(MAX_WIDTH);
        let breaks = memchr::memchr(b'\n', text.as_bytes()).is_some();
        if !breaks && text.len() + 2 <= width {
            return;
        }
        // Byte-counted widths are exact for ASCII and CJK text, and never
        // below the shown width: cheap enough for every row.
        let bound = width_bound(text);
        if !breaks && bound + 2 <= width {
            return;
        }
        let lines = match style {
            Style::Wrap => {
                let room = limit.saturating_sub(2).max(1);
                text.lines()
                    .map(|l| width_bound(l).div_ceil(room).max(1))
                    .sum()
            }
            _ => text.lines().count(),
        };
        self.lines = self.lines.max(lines);
        if width < limit {
            self.fit(text_width(text));
        }
    }

    /// Notes the column's style and moves on to the next column.
    fn next_column(&mut self, style: Style) {
        if let Some(slot @ None) = self.columns.get_mut(self.col as usize) {
            if !style.is_total() {
                *slot = Some(style);
            }
        }
        self.col += 1;
    }

    /// Writes text in the next column; empty text leaves the cell blank
    /// (with its borders).
    fn text(&mut self, text: &str, style: Style) -> Result<(), XlsxError> {
        let (row, col, text) = (self.row, self.col, fit_cell(text));
        let text = text.as_ref();
        match &mut self.body {
            Body::Stream(rows, formats) => {
                rows.ensure_row(row)?;
                match text {
                    "" => rows.blank(col, formats.of(style))?,
                    _ => rows.text(col, text, formats.of(style))?,
                }
            }
            Body::Sheet(formats) => {
                let format = &formats[style as usize];
                match text {
                    "" => self.ws.write_blank(row, col, format)?,
                    _ => self.ws.write_string_with_format(row, col, text, format)?,
                };
            }
        }
        self.fit_text(text, style);
        self.next_column(style);
        Ok(())
    }

    /// Writes an exact decimal in the next column; `None` leaves it blank.
    fn decimal(&mut self, value: Option<Decimal>, style: Style) -> Result<(), XlsxError> {
        let Some(d) = value else {
            return self.text("", style);
        };
        let (row, col) = (self.row, self.col);
        match &mut self.body {
            Body::Stream(rows, formats) => {
                rows.ensure_row(row)?;
                rows.number(col, d, formats.of(style))?;
            }
            Body::Sheet(formats) => {
                let format = &formats[style as usize];
                self.ws
                    .write_number_with_format(row, col, nearest_f64(d), format)?;
            }
        }
        self.fit(shown_width(d, style));
        self.next_column(style);
        Ok(())
    }

    /// Ends the row, high enough for its wrapped text; in debug builds
    /// checks every header got a cell.
    fn end_row(&mut self) -> Result<(), XlsxError> {
        debug_assert_eq!(self.col as usize, self.widths.len(), "row {}", self.row);
        if self.lines > 1 {
            let height = (LINE_HEIGHT * self.lines as f64).min(MAX_ROW_HEIGHT);
            match &mut self.body {
                Body::Stream(rows, _) => {
                    rows.height(height);
                }
                Body::Sheet(_) => {
                    self.ws.set_row_height(self.row, height)?;
                }
            };
        }
        self.row += 1;
        self.col = 0;
        self.lines = 1;
        Ok(())
    }

    /// Rows written so far end the filtered data; rows after (totals) are
    /// outside the autofilter so sorting never moves them.
    fn close_data(&mut self) {
        self.filter_last = Some(self.row.saturating_sub(1));
    }

    /// Last data row (for conditional formats), at least the first body row.
    pub fn data_last(&self) -> RowNum {
        self.filter_last
            .unwrap_or(self.row.saturating_sub(1))
            .max(HEADER_ROW + 1)
    }

    /// Prints `rows` more rows below the table (where a chart sits).
    pub fn print_below(&mut self, rows: RowNum) {
        self.print_below = rows;
    }

    pub fn worksheet(&mut self) -> &mut Worksheet {
        &mut self.ws
    }

    /// Writes the title block, freezes the header, adds the autofilter,
    /// sets the fitted widths, column formats and print settings, and ends
    /// the stream.
    pub fn finish(mut self, title: &Title) -> Result<Done, XlsxError> {
        let last_col = self.widths.len().saturating_sub(1) as ColNum;
        let last_printed = self.printed.saturating_sub(1).min(last_col);
        let last_row = self.filter_last.unwrap_or(self.row.saturating_sub(1));
        self.title_block(title, last_printed)?;
        self.ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
        self.ws.autofilter(HEADER_ROW, 0, last_row, last_col)?;
        let widths: Vec<usize> = self
            .widths
            .iter()
            .map(|w| (*w).clamp(MIN_WIDTH, WRAP_WIDTH))
            .collect();
        for (c, w) in widths.iter().enumerate() {
            self.ws.set_column_width(c as ColNum, *w as f64)?;
        }
        for (c, style) in self.columns.iter().enumerate() {
            let format = style.map(Style::column_format).unwrap_or_default();
            if format != Format::new() {
                self.ws.set_column_format(c as ColNum, &format)?;
            }
        }
        self.print_setup(&widths, last_printed)?;
        let rows = match self.body {
            Body::Sheet(_) => None,
            Body::Stream(rows, _) => {
                let rows = rows.finish()?;
                let (row, col) = rows.last.unwrap_or((HEADER_ROW, 0));
                let last = (row.max(HEADER_ROW), col.max(last_col));
                Some((rows, last))
            }
        };
        Ok(Done {
            sheet: self.ws,
            rows,
        })
    }

    /// The title across the printed columns, the unit on the left and the
    /// date of making on the right of the line below.
    fn title_block(&mut self, title: &Title, last: ColNum) -> Result<(), XlsxError> {
        let big = Format::new()
            .set_bold()
            .set_font_size(16)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter);
        if last > 0 {
            self.ws.merge_range(0, 0, 0, last, &title.title, &big)?;
        } else {
            self.ws.write_string_with_format(0, 0, &title.title, &big)?;
        }
        self.ws.set_row_height(0, 28)?;
        if let Some(unit) = title.unit {
            self.ws.write_string(1, 0, unit)?;
        }
        let right = Format::new().set_align(FormatAlign::Right);
        self.ws
            .write_string_with_format(1, last.max(1), title.date, &right)?;
        Ok(())
    }

    /// Printable as handed upward: landscape, A3 when wide, one page wide,
    /// only the printed columns, the header repeated on every page, page
    /// numbers in the footer.
    fn print_setup(&mut self, widths: &[usize], last: ColNum) -> Result<(), XlsxError> {
        let printed: usize = widths.iter().take(usize::from(last) + 1).sum();
        let paper = if printed > A4_WIDTH { A3 } else { A4 };
        self.ws
            .set_paper_size(paper)
            .set_landscape()
            .set_print_fit_to_pages(1, 0)
            .set_print_center_horizontally(true)
            .set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3)
            .set_footer("&C第 &P 页，共 &N 页");
        self.ws.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
        let last_row = self.row.saturating_sub(1).max(HEADER_ROW) + self.print_below;
        self.ws.set_print_area(0, 0, last_row, last)?;
        Ok(())
    }
}

/// Display width of the widest line (CJK characters count two).
fn text_width(text: &str) -> usize {
    if text.is_ascii() && !text.contains('\n') {
        return text.len();
    }
    text.lines().map(|l| l.width()).max().unwrap_or(0)
}

/// An upper bound of [`text_width`] from the bytes alone: a character is at
/// most one column wide if it takes one or two bytes, two if more.
fn width_bound(text: &str) -> usize {
    let columns = |b: u8| {
        let starts_char = (b as i8) >= -0x40; // not a continuation byte
        usize::from(starts_char) + usize::from(b >= 0xE0)
    };
    text.bytes().map(columns).sum()
}

/// Width of `d` as its format shows it: thousands separators, two
/// decimals, a percent sign for rates, the trailing space.
fn shown_width(d: Decimal, style: Style) -> usize {
    let shown = match style {
        Style::Rate | Style::TotalRate => d.saturating_mul(Decimal::ONE_HUNDRED),
        _ => d,
    };
    let integer = shown.trunc().mantissa().unsigned_abs();
    let digits = integer.checked_ilog10().map_or(1, |l| l as usize + 1);
    let separators = (digits - 1) / 3;
    let sign = usize::from(d.is_sign_negative());
    let places = if matches!(style, Style::Count | Style::TotalCount) {
        0
    } else {
        3
    };
    let percent = usize::from(matches!(style, Style::Rate | Style::TotalRate));
    digits + separators + sign + places + percent + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn width_bound_is_exact_for_ascii_and_cjk_and_never_below() {
        for text in ["", "abc", "项目名称", "≥95%", "a\nbcd", "é😀·x", "ｱ１"] {
            assert!(width_bound(text) >= text_width(text), "{text}");
        }
        assert_eq!(width_bound("abc项目"), text_width("abc项目"));
    }

    #[test]
    fn shown_width_counts_separators_places_and_signs() {
        let w = |s: &str, style| shown_width(Decimal::from_str(s).unwrap(), style);
        assert_eq!(w("0", Style::Money), "0.00 ".len());
        assert_eq!(w("1234567.891", Style::Money), "1,234,567.89 ".len());
        assert_eq!(w("-1234.5", Style::Money), "-1,234.50 ".len());
        assert_eq!(w("0.9683480472", Style::Rate), "96.83% ".len());
        assert_eq!(w("12", Style::Count), "12 ".len());
    }
}

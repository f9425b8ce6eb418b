//! One sheet written row by row, with a column cursor so each row is
//! written in exactly the header order, and column widths fitted to what
//! was written.
//!
//! A big table streams its body rows ([`SheetStream`]); rust_xlsxwriter
//! holds only its header row and sheet settings, and the rows are spliced
//! in when the workbook is saved. A small table (部门汇总 with its chart,
//! 名单核对) is written to its worksheet directly.

use rust_decimal::Decimal;
use rust_xlsxwriter::{
    ColNum, Color, Format, FormatAlign, FormatBorder, RowNum, Workbook, Worksheet, XlsxError,
};
use unicode_width::UnicodeWidthStr;

use crate::write::nearest_f64;
use crate::write::sheet_stream::{fit_cell, Finished, SheetStream};

const MIN_WIDTH: usize = 6;
const MAX_WIDTH: usize = 60;
/// Room for the autofilter drop-down arrow beside a header.
const HEADER_PADDING: usize = 4;
/// Excel's paper size code for A4.
const A4: u8 = 9;
const HEADER_COLOUR: u32 = 0xD9E1F2;

/// Number formats: 万元 with 2 to 6 places, rates as percentages.
const MONEY: &str = "#,##0.00####";
const RATE: &str = "0.00%";
const SCORE: &str = "0.00##";
const COUNT: &str = "0";

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

    fn format(self) -> Format {
        let total = || {
            Format::new()
                .set_bold()
                .set_border(FormatBorder::Thin)
                .set_border_top(FormatBorder::Double)
        };
        match self {
            Style::Text => Format::new(),
            Style::Wrap => Format::new().set_text_wrap(),
            Style::Money => Format::new().set_num_format(MONEY),
            Style::Rate => Format::new().set_num_format(RATE),
            Style::Score => Format::new().set_num_format(SCORE),
            Style::Count => Format::new().set_num_format(COUNT),
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
    /// The first style written in each column, which becomes its format.
    columns: Vec<Option<Style>>,
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
    pub fn new(ws: Worksheet, name: &str, headers: &[String]) -> Result<Self, XlsxError> {
        let formats = Box::new(Style::ALL.map(Style::format));
        Self::start(ws, Body::Sheet(formats), name, headers)
    }

    /// A big table whose body rows are streamed.
    pub fn streamed(name: &str, headers: &[String], formats: Formats) -> Result<Self, XlsxError> {
        let body = Body::Stream(Box::new(SheetStream::new()?), formats);
        Self::start(Worksheet::new(), body, name, headers)
    }

    fn start(
        mut ws: Worksheet,
        body: Body,
        name: &str,
        headers: &[String],
    ) -> Result<Self, XlsxError> {
        ws.set_name(name)?;
        let header = header_format();
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(0, c as ColNum, h, &header)?;
        }
        ws.set_row_height(0, 30)?;
        Ok(Table {
            ws,
            body,
            row: 1,
            col: 0,
            widths: headers
                .iter()
                .map(|h| text_width(h) + HEADER_PADDING)
                .collect(),
            columns: vec![None; headers.len()],
            filter_last: None,
        })
    }

    fn fit(&mut self, shown: usize) {
        if let Some(w) = self.widths.get_mut(self.col as usize) {
            *w = (*w).max(shown + 2);
        }
    }

    /// Fits the column to `text`. Most cells are passed over without
    /// measuring them, by bounds that cost far less than measuring.
    fn fit_text(&mut self, text: &str) {
        let width = self.widths.get(self.col as usize).copied().unwrap_or(0);
        if width >= MAX_WIDTH || text.len() + 2 <= width {
            return;
        }
        if width_bound(text) + 2 > width {
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
    /// (with its borders on a totals row).
    pub fn text(&mut self, text: &str, style: Style) -> Result<(), XlsxError> {
        let (row, col, text) = (self.row, self.col, fit_cell(text));
        let text = text.as_ref();
        if !text.is_empty() || style.is_total() {
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
        }
        self.fit_text(text);
        self.next_column(style);
        Ok(())
    }

    /// Writes an exact decimal in the next column; `None` leaves it blank.
    pub fn decimal(&mut self, value: Option<Decimal>, style: Style) -> Result<(), XlsxError> {
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
        self.fit(shown_width(d));
        self.next_column(style);
        Ok(())
    }

    pub fn count(&mut self, n: usize, style: Style) -> Result<(), XlsxError> {
        self.decimal(Some(Decimal::from(n)), style)
    }

    /// Ends the row; in debug builds checks every header got a cell.
    pub fn end_row(&mut self) {
        debug_assert_eq!(self.col as usize, self.widths.len(), "row {}", self.row);
        self.row += 1;
        self.col = 0;
    }

    /// Rows written so far end the filtered data; rows after (totals) are
    /// outside the autofilter so sorting never moves them.
    pub fn close_data(&mut self) {
        self.filter_last = Some(self.row.saturating_sub(1));
    }

    /// Last data row (for conditional formats), at least the header row.
    pub fn data_last(&self) -> RowNum {
        self.filter_last
            .unwrap_or(self.row.saturating_sub(1))
            .max(1)
    }

    pub fn worksheet(&mut self) -> &mut Worksheet {
        &mut self.ws
    }

    /// Freezes the header, adds the autofilter, sets the fitted widths and
    /// column formats, and ends the stream.
    pub fn finish(mut self) -> Result<Done, XlsxError> {
        let last_col = self.widths.len().saturating_sub(1) as ColNum;
        let last_row = self.filter_last.unwrap_or(self.row.saturating_sub(1));
        self.ws.set_freeze_panes(1, 0)?;
        self.ws.autofilter(0, 0, last_row, last_col)?;
        // Printable as handed upward: A4 landscape, one page wide, the
        // header repeated on every page.
        self.ws
            .set_paper_size(A4)
            .set_landscape()
            .set_print_fit_to_pages(1, 0)
            .set_header("&C&A")
            .set_footer("&C&P / &N");
        self.ws.set_repeat_rows(0, 0)?;
        for (c, w) in self.widths.iter().enumerate() {
            let w = (*w).clamp(MIN_WIDTH, MAX_WIDTH);
            self.ws.set_column_width(c as ColNum, w as f64)?;
        }
        for (c, style) in self.columns.iter().enumerate() {
            let format = style.map(Style::format).unwrap_or_default();
            if format != Format::new() {
                self.ws.set_column_format(c as ColNum, &format)?;
            }
        }
        let rows = match self.body {
            Body::Sheet(_) => None,
            Body::Stream(rows, _) => {
                let rows = rows.finish()?;
                let (row, col) = rows.last.unwrap_or((0, 0));
                let last = (row, col.max(last_col));
                Some((rows, last))
            }
        };
        Ok(Done {
            sheet: self.ws,
            rows,
        })
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

/// Width of `d` as the money format shows it: thousands separators and at
/// least two decimals.
fn shown_width(d: Decimal) -> usize {
    let integer = d.trunc().mantissa().unsigned_abs();
    let digits = integer.checked_ilog10().map_or(1, |l| l as usize + 1);
    digits * 4 / 3 + 3 + d.scale().min(6) as usize
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
    fn shown_width_counts_separators_and_places() {
        let w = |s: &str| shown_width(Decimal::from_str(s).unwrap());
        assert_eq!(w("0"), 4);
        assert_eq!(w("1234.5"), 4 * 4 / 3 + 3 + 1);
        assert_eq!(w("-1234.5"), w("1234.5"));
    }
}

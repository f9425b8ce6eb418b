//! One sheet written row by row (constant-memory friendly) with a column
//! cursor, so each row is written in exactly the header order, and with
//! column widths fitted to what was written.

use rust_decimal::Decimal;
use rust_xlsxwriter::{ColNum, Format, RowNum, Worksheet, XlsxError};
use unicode_width::UnicodeWidthStr;

const MIN_WIDTH: usize = 6;
const MAX_WIDTH: usize = 60;
/// Room for the autofilter drop-down arrow beside a header.
const HEADER_PADDING: usize = 4;
/// Excel's paper size code for A4.
const A4: u8 = 9;

pub struct Table {
    ws: Worksheet,
    row: RowNum,
    col: ColNum,
    widths: Vec<usize>,
    filter_last: Option<RowNum>,
}

impl Table {
    pub fn new(
        mut ws: Worksheet,
        name: &str,
        headers: &[String],
        header: &Format,
    ) -> Result<Self, XlsxError> {
        ws.set_name(name)?;
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(0, c as ColNum, h, header)?;
        }
        ws.set_row_height(0, 30)?;
        Ok(Table {
            ws,
            row: 1,
            col: 0,
            widths: headers
                .iter()
                .map(|h| text_width(h) + HEADER_PADDING)
                .collect(),
            filter_last: None,
        })
    }

    fn fit(&mut self, shown: usize) {
        if let Some(w) = self.widths.get_mut(self.col as usize) {
            *w = (*w).max(shown + 2);
        }
    }

    /// Writes text in the next column; empty text leaves the cell blank.
    pub fn text(&mut self, text: &str, format: &Format) -> Result<(), XlsxError> {
        if text.is_empty() {
            self.ws.write_blank(self.row, self.col, format)?;
        } else {
            self.ws
                .write_string_with_format(self.row, self.col, text, format)?;
            self.fit(text_width(text));
        }
        self.col += 1;
        Ok(())
    }

    /// Writes an exact decimal in the next column; `None` leaves it blank.
    pub fn decimal(&mut self, value: Option<Decimal>, format: &Format) -> Result<(), XlsxError> {
        match value {
            Some(d) => {
                self.ws
                    .write_number_with_format(self.row, self.col, to_f64(d), format)?;
                // Thousands separators and at least two decimals.
                self.fit(d.trunc().to_string().len() * 4 / 3 + 3 + d.scale().min(6) as usize);
                self.col += 1;
                Ok(())
            }
            None => self.text("", format),
        }
    }

    pub fn count(&mut self, n: usize, format: &Format) -> Result<(), XlsxError> {
        self.decimal(Some(Decimal::from(n)), format)
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

    /// Freezes the header, adds the autofilter and sets the fitted widths.
    pub fn finish(mut self) -> Result<Worksheet, XlsxError> {
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
        Ok(self.ws)
    }
}

/// Display width of the widest line (CJK characters count two).
fn text_width(text: &str) -> usize {
    text.lines().map(|l| l.width()).max().unwrap_or(0)
}

/// The f64 nearest to `d`: through its decimal text, which Rust parses with
/// correct rounding (arithmetic conversion can be off in the last bit).
pub fn to_f64(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(0.0)
}

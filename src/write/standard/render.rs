//! Turns placed cells into a formatted worksheet: fonts, borders, number
//! formats, row heights and the print set-up a clerk expects (A4 landscape,
//! one page wide).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Worksheet, XlsxError};
use unicode_width::UnicodeWidthStr;

use super::layout::{Content, Placed, Style};
use crate::source::CellRef;

/// The song-style face printed labels use and the imitation-song face the
/// filled-in values use, as on paper forms.
const LABEL_FONT: &str = "宋体";
const VALUE_FONT: &str = "仿宋";
const FONT_SIZE: f64 = 11.0;
/// Points per wrapped line at `FONT_SIZE`, and the padding of a row.
const LINE_HEIGHT: f64 = 15.0;
const ROW_PADDING: f64 = 7.0;
pub(super) const MIN_ROW_HEIGHT: f64 = 24.0;
/// Excel refuses rows taller than this.
const MAX_ROW_HEIGHT: f64 = 409.0;
/// Excel stores numbers as doubles: beyond this many significant digits a
/// decimal would change, so it is written as text instead (the importer reads
/// text numbers back exactly).
const MAX_EXACT_DIGITS: u32 = 15;

/// Writes every placed cell onto `sheet`. A cell Excel refuses (text over
/// 32,767 characters) fails with the sheet and cell in the message.
pub fn put_all(sheet: &mut Worksheet, cells: &[Placed]) -> Result<(), XlsxError> {
    for placed in cells {
        put(sheet, placed).map_err(|e| {
            let at = CellRef::new(placed.span.row, u32::from(placed.span.col));
            XlsxError::ParameterError(format!("{}!{at}: {e}", sheet.name()))
        })?;
    }
    Ok(())
}

fn put(sheet: &mut Worksheet, placed: &Placed) -> Result<(), XlsxError> {
    let s = placed.span;
    let format = format(placed.style, &placed.content);
    if !s.is_single() {
        let text = match &placed.content {
            Content::Text(t) => t.as_str(),
            _ => "",
        };
        sheet.merge_range(s.row, s.col, s.last_row, s.last_col, text, &format)?;
    }
    match &placed.content {
        Content::Number(d) => match exact_f64(*d) {
            Some(f) => sheet.write_number_with_format(s.row, s.col, f, &format)?,
            None => sheet.write_string_with_format(s.row, s.col, d.to_string(), &format)?,
        },
        Content::Text(t) if s.is_single() => {
            sheet.write_string_with_format(s.row, s.col, t, &format)?
        }
        _ if s.is_single() => sheet.write_blank(s.row, s.col, &format)?,
        _ => sheet,
    };
    Ok(())
}

/// The double nearest to `d`, when it shows as `d` again at Excel's 15
/// significant digits.
fn exact_f64(d: Decimal) -> Option<f64> {
    let d = d.normalize();
    let digits = d
        .mantissa()
        .unsigned_abs()
        .checked_ilog10()
        .map_or(1, |l| l + 1);
    (digits <= MAX_EXACT_DIGITS).then(|| crate::write::nearest_f64(d))
}

/// The cell format of a style: money `#,##0.00`, rates as percentages to 2
/// places, scores to 2 places ([`crate::write::numbers`]). The cell keeps
/// the exact value; only its display is rounded.
fn format(style: Style, content: &Content) -> Format {
    use crate::write::numbers;
    let base = Format::new()
        .set_font_size(FONT_SIZE)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let boxed = base.clone().set_border(FormatBorder::Thin);
    match style {
        Style::Title => base
            .set_font_name(LABEL_FONT)
            .set_font_size(18)
            .set_bold()
            .set_align(FormatAlign::Center),
        Style::Year => base
            .set_font_name(LABEL_FONT)
            .set_align(FormatAlign::Center),
        Style::Label => boxed
            .set_font_name(LABEL_FONT)
            .set_align(FormatAlign::Center),
        Style::Header => boxed
            .set_font_name(LABEL_FONT)
            .set_bold()
            .set_align(FormatAlign::Center),
        Style::Text => boxed
            .set_font_name(VALUE_FONT)
            .set_align(FormatAlign::Left)
            .set_indent(1),
        Style::TextCenter => boxed
            .set_font_name(VALUE_FONT)
            .set_align(FormatAlign::Center),
        Style::Money => boxed
            .set_font_name(VALUE_FONT)
            .set_align(FormatAlign::Right)
            // `_ ` pads the right edge by a space, clear of the border.
            .set_num_format(numbers::MONEY_FORMAT),
        Style::Rate => boxed
            .set_font_name(VALUE_FONT)
            .set_align(FormatAlign::Center)
            .set_num_format(match content {
                Content::Number(d) => numbers::rate_format(*d),
                _ => numbers::RATE_FORMAT,
            }),
        Style::Points => boxed
            .set_font_name(VALUE_FONT)
            .set_align(FormatAlign::Center)
            .set_num_format(numbers::POINTS_FORMAT),
    }
}

/// Sets column widths (Excel character units) and the row heights wrapped
/// text needs: Excel does not grow rows for merged cells by itself.
pub fn size(
    sheet: &mut Worksheet,
    cells: &[Placed],
    widths: &[f64],
    min: &[(u32, f64)],
) -> Result<(), XlsxError> {
    for (col, width) in (0..).zip(widths) {
        sheet.set_column_width(col, *width)?;
    }
    let mut heights = row_heights(cells, widths);
    for (row, h) in min {
        let e = heights.entry(*row).or_insert(MIN_ROW_HEIGHT);
        *e = e.max(*h);
    }
    for (row, h) in heights {
        sheet.set_row_height(row, h.min(MAX_ROW_HEIGHT))?;
    }
    Ok(())
}

/// The height each row needs for its one-row cells' wrapped text.
pub(super) fn row_heights(cells: &[Placed], widths: &[f64]) -> BTreeMap<u32, f64> {
    let mut out = BTreeMap::new();
    for p in cells {
        let s = p.span;
        let width: f64 = (s.col..=s.last_col)
            .filter_map(|c| widths.get(c as usize))
            .sum();
        let lines = match &p.content {
            Content::Text(t) => wrapped_lines(t, width),
            _ => 1,
        };
        let rows = f64::from(s.last_row - s.row + 1);
        let needed = (f64::from(lines) * LINE_HEIGHT + ROW_PADDING) / rows;
        for row in s.row..=s.last_row {
            let e = out.entry(row).or_insert(MIN_ROW_HEIGHT);
            *e = needed.max(*e);
        }
    }
    out
}

/// How many lines `text` takes in a column `width` characters wide, where a
/// CJK character is two characters wide.
fn wrapped_lines(text: &str, width: f64) -> u32 {
    // One character of slack for the cell's padding; never below one.
    let usable = (width - 1.0).max(1.0);
    text.split('\n')
        .map(|line| {
            (UnicodeWidthStr::width(line) as f64 / usable)
                .ceil()
                .max(1.0) as u32
        })
        .sum()
}

/// A4 landscape, centred, one page wide, as a clerk prints it.
pub fn print_setup(sheet: &mut Worksheet) {
    const A4: u8 = 9;
    sheet
        .set_paper_size(A4)
        .set_landscape()
        .set_print_fit_to_pages(1, 0)
        .set_print_center_horizontally(true)
        .set_margins(0.4, 0.4, 0.5, 0.5, 0.3, 0.3)
        .set_footer("&C第 &P 页，共 &N 页")
        .set_screen_gridlines(false);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn decimals_beyond_double_precision_are_not_numbers() {
        assert_eq!(exact_f64(dec!(207.4538)), Some(207.4538));
        assert_eq!(exact_f64(dec!(0)), Some(0.0));
        assert_eq!(exact_f64(dec!(123456789.123456)), Some(123456789.123456));
        assert_eq!(exact_f64(dec!(1234567890.1234567)), None);
    }

    #[test]
    fn long_text_wraps_over_several_lines() {
        assert_eq!(wrapped_lines("短", 10.0), 1);
        assert_eq!(wrapped_lines(&"字".repeat(20), 11.0), 4);
        assert_eq!(wrapped_lines("一\n二", 10.0), 2);
    }
}

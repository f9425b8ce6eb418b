//! The built-in blank templates, generated when asked for: the standard
//! form (`mof-2020`) and the 贵州 department form (`guizhou-dept`) are the
//! standard writer's grid with blank indicator rows; the other built-ins
//! are drawn from a grid description in `mappings/templates/ID.toml`
//! (texts, merges marked `<` and `^`, widths, print set-up), embedded in
//! the binary.

use std::collections::BTreeMap;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use serde::Deserialize;

use crate::model::{Indicator, Kind, Record, Source};
use crate::source::{Value, Workbook as Grid};

/// Grid descriptions of the built-in templates not drawn by the standard
/// writer.
const GRIDS: &[(&str, &str)] = &[
    (
        "hubei-2020",
        include_str!("../../../mappings/templates/hubei-2020.toml"),
    ),
    (
        "sichuan-2023",
        include_str!("../../../mappings/templates/sichuan-2023.toml"),
    ),
    (
        "chongqing-dept",
        include_str!("../../../mappings/templates/chongqing-dept.toml"),
    ),
    (
        "transfer-2021",
        include_str!("../../../mappings/templates/transfer-2021.toml"),
    ),
];

/// Blank indicator rows of a built-in template: a short table grows.
const BLANK_INDICATORS: usize = 8;

/// The blank template of built-in mapping `id`, as `.xlsx` bytes.
pub fn blank_bytes(id: &str) -> Option<Vec<u8>> {
    let kind = match id {
        "mof-2020" => Some(Kind::Project),
        "guizhou-dept" => Some(Kind::Department),
        _ => None,
    };
    if let Some(kind) = kind {
        let mut record = Record::new(kind, Source::default());
        record.indicators = vec![Indicator::default(); BLANK_INDICATORS];
        return super::super::standard::to_bytes(&record, None).ok();
    }
    let (_, text) = GRIDS.iter().find(|(g, _)| *g == id)?;
    let grid: GridSpec = toml::from_str(text).ok()?;
    draw(&grid).ok()
}

/// A template drawn from rows of texts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GridSpec {
    sheet: String,
    /// Column widths in Excel character units.
    widths: Vec<f64>,
    #[serde(default)]
    landscape: bool,
    /// 1-based rows printed on every page (the table header).
    repeat_rows: Option<(u32, u32)>,
    /// Row heights in points by 1-based row.
    #[serde(default)]
    heights: BTreeMap<String, f64>,
    /// Each row: its style (`title`, `sub`, `note`, `grid`, `grid*N` for N
    /// equal rows), then its cells: text, `""` (a blank value cell), `<`
    /// (merged with the cell on the left) or `^` (with the cell above).
    rows: Vec<Vec<String>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RowStyle {
    Title,
    Sub,
    Note,
    Grid,
}

fn draw(spec: &GridSpec) -> Result<Vec<u8>, XlsxError> {
    let rows = expand(spec);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(&spec.sheet)?;
    for (col, width) in (0u16..).zip(&spec.widths) {
        sheet.set_column_width(col, *width)?;
    }
    for (row, (style, cells)) in rows.iter().enumerate() {
        let format = format(*style);
        for (col, text) in cells.iter().enumerate() {
            if text == "<" || text == "^" {
                continue;
            }
            let (last_row, last_col) = extent(&rows, row, col);
            let (r, c) = (row as u32, col as u16);
            if (last_row, last_col) == (row, col) {
                sheet.write_string_with_format(r, c, text, &format)?;
            } else {
                sheet.merge_range(r, c, last_row as u32, last_col as u16, text, &format)?;
            }
        }
        let height = spec.heights.get(&(row + 1).to_string()).copied();
        let height = height.unwrap_or(match style {
            RowStyle::Title => 36.0,
            _ => 24.0,
        });
        sheet.set_row_height(row as u32, height)?;
    }
    print_setup(sheet, spec, rows.len())?;
    workbook.save_to_buffer()
}

/// The rows with `grid*N` repeated.
fn expand(spec: &GridSpec) -> Vec<(RowStyle, Vec<String>)> {
    let mut out = Vec::new();
    for row in &spec.rows {
        let (style, cells) = row
            .split_first()
            .map_or(("grid", &[][..]), |(s, c)| (s.as_str(), c));
        let (name, times) = match style.split_once('*') {
            Some((n, t)) => (n, t.parse().unwrap_or(1)),
            None => (style, 1),
        };
        let style = match name {
            "title" => RowStyle::Title,
            "sub" => RowStyle::Sub,
            "note" => RowStyle::Note,
            _ => RowStyle::Grid,
        };
        for _ in 0..times {
            out.push((style, cells.to_vec()));
        }
    }
    out
}

/// The last row and column of the merge starting at (`row`, `col`).
fn extent(rows: &[(RowStyle, Vec<String>)], row: usize, col: usize) -> (usize, usize) {
    let cells = &rows[row].1;
    let mut last_col = col;
    while cells.get(last_col + 1).is_some_and(|t| t == "<") {
        last_col += 1;
    }
    let mut last_row = row;
    while rows
        .get(last_row + 1)
        .and_then(|(_, c)| c.get(col))
        .is_some_and(|t| t == "^")
    {
        last_row += 1;
    }
    (last_row, last_col)
}

fn format(style: RowStyle) -> Format {
    let base = Format::new().set_font_name("宋体").set_text_wrap();
    match style {
        RowStyle::Title => base
            .set_bold()
            .set_font_size(16)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter),
        RowStyle::Sub => base
            .set_font_size(11)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter),
        RowStyle::Note => base
            .set_font_size(10)
            .set_align(FormatAlign::VerticalCenter),
        RowStyle::Grid => base
            .set_font_size(10)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_border(FormatBorder::Thin),
    }
}

fn print_setup(sheet: &mut Worksheet, spec: &GridSpec, rows: usize) -> Result<(), XlsxError> {
    const A4: u8 = 9;
    sheet
        .set_paper_size(A4)
        .set_print_fit_to_pages(1, 0)
        .set_print_center_horizontally(true)
        .set_margins(0.4, 0.4, 0.5, 0.5, 0.3, 0.3)
        .set_footer("&C第 &P 页，共 &N 页")
        .set_screen_gridlines(false);
    if spec.landscape {
        sheet.set_landscape();
    }
    if let Some((first, last)) = spec.repeat_rows {
        sheet.set_repeat_rows(first.saturating_sub(1), last.saturating_sub(1))?;
    }
    let last_col = spec.widths.len().saturating_sub(1) as u16;
    sheet.set_print_area(0, 0, rows.saturating_sub(1) as u32, last_col)?;
    Ok(())
}

/// An `.xlsx` copy of a workbook read from another format (an `.xls`
/// template): every sheet's texts, numbers and merges, thin borders inside
/// each sheet's used area.
pub fn from_grid(grid: &Grid) -> Result<Vec<u8>, String> {
    let mut workbook = Workbook::new();
    let text = Format::new().set_text_wrap().set_border(FormatBorder::Thin);
    for source in &grid.sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(&source.name).map_err(|e| e.to_string())?;
        if let Some(area) = source.used_area() {
            for row in area.first.row..=area.last.row.min(2000) {
                for col in area.first.col..=area.last.col.min(200) {
                    sheet
                        .write_blank(row, col as u16, &text)
                        .map_err(|e| e.to_string())?;
                }
            }
        }
        for (at, value) in source.cells() {
            let (row, col) = (at.row, at.col as u16);
            let written = match value {
                Value::Number(n) => match n.parse::<f64>() {
                    Ok(f) => sheet
                        .write_number_with_format(row, col, f, &text)
                        .map(|_| ()),
                    Err(_) => sheet
                        .write_string_with_format(row, col, n, &text)
                        .map(|_| ()),
                },
                Value::Empty | Value::FormulaNoValue(_) => Ok(()),
                other => sheet
                    .write_string_with_format(row, col, other.text(), &text)
                    .map(|_| ()),
            };
            written.map_err(|e| format!("{}!{at}: {e}", source.name))?;
        }
        for m in source.merges() {
            if m.first == m.last {
                continue;
            }
            let value = source.raw(m.first).text().to_string();
            sheet
                .merge_range(
                    m.first.row,
                    m.first.col as u16,
                    m.last.row,
                    m.last.col as u16,
                    &value,
                    &text,
                )
                .map_err(|e| format!("{}: merge {}:{}: {e}", source.name, m.first, m.last))?;
        }
    }
    workbook.save_to_buffer().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_mapping_has_a_blank() {
        for m in crate::mapping::builtins() {
            let bytes = blank_bytes(&m.id);
            assert!(bytes.is_some_and(|b| b.starts_with(b"PK")), "{}", m.id);
        }
    }

    #[test]
    fn grid_descriptions_are_rectangular() {
        for (id, text) in GRIDS {
            let spec: GridSpec = toml::from_str(text).unwrap_or_else(|e| panic!("{id}: {e}"));
            for (i, row) in spec.rows.iter().enumerate() {
                assert_eq!(row.len(), spec.widths.len() + 1, "{id} row {}", i + 1);
            }
        }
    }
}

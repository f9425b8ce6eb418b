//! `jixiao inspect`: what a person needs to write a mapping — the sheets,
//! then each sheet's grid with A1 coordinates, cell kinds and merges.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::Error;
use crate::source::{self, Area, CellRef, Sheet, Value, Workbook};

/// Widest column shown; longer text is cut with `…`.
const MAX_COL_WIDTH: usize = 24;
/// Default view of a sheet when no `--range` is given.
const DEFAULT_ROWS: u32 = 200;
const DEFAULT_COLS: u32 = 26;
/// The most an explicit `--range` prints.
const MAX_RANGE_ROWS: u32 = 5_000;
const MAX_RANGE_COLS: u32 = 256;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 输入文件：The spreadsheet to inspect (xlsx, xlsm, xls, xlsb, ods, csv, html, SpreadsheetML).
    #[arg(value_name = "文件")]
    pub file: PathBuf,
    /// 工作表：Only this sheet: a name or a 1-based index.
    #[arg(long, value_name = "工作表")]
    pub sheet: Option<String>,
    /// 区域：Only this range of each sheet shown, e.g. A1:J40.
    #[arg(long, value_name = "区域")]
    pub range: Option<String>,
    /// JSON 输出：Print JSON: every sheet's cells (with kinds) and merges.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    let range = match &args.range {
        Some(r) => Some(
            r.parse::<Area>()
                .map_err(|e| Error::Usage(format!("--range: {e}")))?,
        ),
        None => None,
    };
    let workbook = source::open(&args.file)?;
    let sheets: Vec<&Sheet> = match &args.sheet {
        Some(wanted) => vec![workbook.sheet(wanted)?],
        None => workbook.sheets.iter().collect(),
    };
    let out = if args.json {
        json(&workbook, &sheets, range)
    } else {
        text(&workbook, &sheets, range)
    };
    super::say(format_args!("{out}"))?;
    Ok(ExitCode::SUCCESS)
}

fn text(workbook: &Workbook, shown: &[&Sheet], range: Option<Area>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  ({})", workbook.path.display(), workbook.format);
    let _ = writeln!(out, "sheets:");
    for (i, sheet) in workbook.sheets.iter().enumerate() {
        let _ = writeln!(out, "  {:>2}  {}", i + 1, summary(sheet));
    }
    for sheet in shown {
        out.push('\n');
        out.push_str(&grid(sheet, range));
    }
    out
}

fn summary(sheet: &Sheet) -> String {
    let used = sheet
        .used_area()
        .map_or_else(|| "empty".to_string(), |a| a.to_string());
    let mut s = format!(
        "{}  {used}  {} cells  {} merges",
        sheet.name,
        sheet.cell_count(),
        sheet.merges().len()
    );
    if sheet.hidden {
        s.push_str("  (hidden)");
    }
    s
}

/// The area shown: the requested range (or the sheet from A1) within the
/// used area, capped so a huge sheet or range stays printable.
fn view(sheet: &Sheet, range: Option<Area>) -> Option<(Area, bool)> {
    let used = sheet.used_area()?;
    let (wanted, max_rows, max_cols) = match range {
        Some(r) => (r, MAX_RANGE_ROWS, MAX_RANGE_COLS),
        None => (
            Area::new(CellRef::new(0, 0), used.last),
            DEFAULT_ROWS,
            DEFAULT_COLS,
        ),
    };
    let last = CellRef::new(
        wanted
            .last
            .row
            .min(used.last.row)
            .min(wanted.first.row.saturating_add(max_rows - 1)),
        wanted
            .last
            .col
            .min(used.last.col)
            .min(wanted.first.col.saturating_add(max_cols - 1)),
    );
    if last.row < wanted.first.row || last.col < wanted.first.col {
        return None;
    }
    let capped = range.is_none() && last != used.last;
    Some((Area::new(wanted.first, last), capped))
}

fn grid(sheet: &Sheet, range: Option<Area>) -> String {
    let mut out = format!("== {} ==\n", sheet.name);
    let Some((area, capped)) = view(sheet, range) else {
        out.push_str("(nothing in this range)\n");
        return out;
    };
    let cols: Vec<u32> = (area.first.col..=area.last.col).collect();
    let labels: Vec<Vec<String>> = (area.first.row..=area.last.row)
        .map(|r| {
            cols.iter()
                .map(|&c| label(sheet, CellRef::new(r, c)))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = cols
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let name = CellRef::column_name(c).width();
            let widest = labels.iter().map(|row| row[i].width()).max().unwrap_or(0);
            name.max(widest).clamp(1, MAX_COL_WIDTH)
        })
        .collect();
    let row_label = (area.last.row as u64 + 1).to_string().len().max(2);
    let mut line = format!("{:>row_label$} |", "");
    for (i, &c) in cols.iter().enumerate() {
        line.push(' ');
        line.push_str(&pad(&CellRef::column_name(c), widths[i]));
        line.push_str(if sheet.is_col_hidden(c) { "*|" } else { " |" });
    }
    out.push_str(line.trim_end());
    out.push('\n');
    for (k, row) in labels.iter().enumerate() {
        let r = area.first.row + k as u32;
        let mark = if sheet.is_row_hidden(r) { "*" } else { " " };
        let mut line = format!("{:>row_label$}{mark}|", r + 1);
        for (i, cell) in row.iter().enumerate() {
            line.push(' ');
            line.push_str(&pad(cell, widths[i]));
            line.push_str(" |");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if capped {
        let used = sheet.used_area().map(|a| a.to_string()).unwrap_or_default();
        let _ = writeln!(out, "(showing {area} of {used}; use --range to see more)");
    }
    legend(sheet, area, &mut out);
    out
}

/// The merges, hidden lines and legend under a grid.
fn legend(sheet: &Sheet, area: Area, out: &mut String) {
    let merges: Vec<String> = sheet
        .merges()
        .iter()
        .filter(|m| overlaps(m, &area))
        .map(|m| m.to_string())
        .collect();
    if !merges.is_empty() {
        let _ = writeln!(out, "merged: {}", merges.join(" "));
    }
    if !sheet.hidden_rows.is_empty() || !sheet.hidden_cols.is_empty() {
        let rows: Vec<String> = sheet
            .hidden_rows
            .iter()
            .map(|r| (r + 1).to_string())
            .collect();
        let cols: Vec<String> = sheet
            .hidden_cols
            .iter()
            .map(|&c| CellRef::column_name(c))
            .collect();
        let _ = writeln!(
            out,
            "hidden (*): rows {} columns {}",
            rows.join(","),
            cols.join(",")
        );
    }
    let _ = writeln!(
        out,
        "key: ← ↑ inside a merge · #n number · @ date · ! error · =? formula without a saved value"
    );
}

fn overlaps(a: &Area, b: &Area) -> bool {
    a.first.row <= b.last.row
        && b.first.row <= a.last.row
        && a.first.col <= b.last.col
        && b.first.col <= a.last.col
}

/// How a cell is shown in the grid: merged continuations point to their
/// top-left cell, non-text kinds get a marker.
fn label(sheet: &Sheet, at: CellRef) -> String {
    if let Some(m) = sheet.merge_at(at) {
        if m.first != at {
            return if m.first.row == at.row { "←" } else { "↑" }.to_string();
        }
    }
    // Only the start of a cell fits a column; a huge cell is not copied.
    let one_line = |s: &str| {
        let start: String = s.chars().take(MAX_COL_WIDTH + 1).collect();
        start.replace(['\n', '\r'], "⏎")
    };
    match sheet.raw(at) {
        Value::Empty => String::new(),
        Value::Text(s) => one_line(s),
        Value::Number(n) => format!("#{n}"),
        Value::Bool(b) => format!("#{}", if *b { "TRUE" } else { "FALSE" }),
        Value::Date(d) => format!("@{d}"),
        Value::Error(e) => format!("!{e}"),
        Value::FormulaNoValue(f) => format!("=?{}", one_line(f)),
    }
}

/// `s` cut or padded to exactly `width` display columns.
fn pad(s: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    let full = s.width() <= width;
    for ch in s.chars() {
        let w = ch.width().unwrap_or(0);
        let room = if full { width } else { width - 1 };
        if used + w > room {
            break;
        }
        out.push(ch);
        used += w;
    }
    if !full {
        out.push('…');
        used += 1;
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

#[derive(Serialize)]
struct JsonWorkbook<'a> {
    file: String,
    format: &'a str,
    sheets: Vec<JsonSheet<'a>>,
}

#[derive(Serialize)]
struct JsonSheet<'a> {
    index: usize,
    name: &'a str,
    hidden: bool,
    used: Option<String>,
    hidden_rows: Vec<String>,
    hidden_cols: Vec<String>,
    merges: Vec<String>,
    cells: Vec<JsonCell<'a>>,
}

#[derive(Serialize)]
struct JsonCell<'a> {
    #[serde(rename = "ref")]
    at: String,
    kind: &'static str,
    value: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    merge: Option<String>,
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Empty => "empty",
        Value::Text(_) => "text",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Date(_) => "date",
        Value::Error(_) => "error",
        Value::FormulaNoValue(_) => "formula-no-value",
    }
}

fn json(workbook: &Workbook, shown: &[&Sheet], range: Option<Area>) -> String {
    let sheets = shown
        .iter()
        .map(|sheet| {
            let index = workbook
                .sheets
                .iter()
                .position(|s| std::ptr::eq(s, *sheet))
                .map_or(0, |i| i + 1);
            JsonSheet {
                index,
                name: &sheet.name,
                hidden: sheet.hidden,
                used: sheet.used_area().map(|a| a.to_string()),
                hidden_rows: sheet
                    .hidden_rows
                    .iter()
                    .map(|r| (r + 1).to_string())
                    .collect(),
                hidden_cols: sheet
                    .hidden_cols
                    .iter()
                    .map(|&c| CellRef::column_name(c))
                    .collect(),
                merges: sheet.merges().iter().map(|m| m.to_string()).collect(),
                cells: sheet
                    .cells()
                    .filter(|(at, _)| range.is_none_or(|r| r.contains(*at)))
                    .map(|(at, v)| JsonCell {
                        at: at.to_string(),
                        kind: kind(v),
                        value: match v {
                            Value::FormulaNoValue(f) => f,
                            v => v.text(),
                        },
                        merge: sheet.merge_at(at).map(|m| m.to_string()),
                    })
                    .collect(),
            }
        })
        .collect();
    let doc = JsonWorkbook {
        file: workbook.path.display().to_string(),
        format: workbook.format.name(),
        sheets,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

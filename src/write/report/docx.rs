//! Word (.docx) files from the Markdown the report and the bureau summary
//! are drafted in: one converter for both, so the wording stays in their
//! templates and the Word file is only layout.
//!
//! The Markdown is the small subset the templates write: `#` title, `##`
//! 一、, `###` （一）, `####` 1. headings, `|` tables (first row a header),
//! `- ` and `1. ` list lines, and paragraphs. The page is A4 with 公文
//! margins; fonts and sizes come from the template's `[style]`. A
//! `【请填写：…】` placeholder is highlighted so nobody sends it unfilled.
//!
//! ```
//! use jixiao::write::report::docx;
//!
//! let bytes = docx::from_markdown("# 标题\n\n## 一、概况\n\n正文【请填写：说明】\n").unwrap();
//! assert_eq!(&bytes[..2], b"PK"); // a zip package, as every .docx is
//! ```

use std::io::Cursor;
use std::path::Path;

use docx_rs::{
    AlignmentType, Docx, LineSpacing, LineSpacingType, PageMargin, Paragraph, Run, RunFonts,
    SpecialIndentType, Table, TableAlignmentType, TableCell, TableLayoutType, TableRow, VAlignType,
    WidthType,
};

use super::template::{template, Style, Template};
use crate::write::{atomic, WriteError};

/// A4 in twentieths of a point.
const A4: (u32, u32) = (11906, 16838);
/// The printable width between the margins below, for tables.
const TEXT_WIDTH: usize = 11906 - 1588 - 1474;
/// Where a placeholder starts and ends.
const PLACEHOLDER: (char, char) = ('【', '】');

/// Writes `markdown` as a Word file at `path`, atomically, in the embedded
/// template's style.
pub fn write(path: &Path, markdown: &str) -> Result<(), WriteError> {
    write_in(template(), path, markdown)
}

/// Writes `markdown` as a Word file at `path` in template `t`'s style.
pub fn write_in(t: &Template, path: &Path, markdown: &str) -> Result<(), WriteError> {
    let bytes = convert(&t.style, markdown).map_err(|detail| WriteError::Xlsx {
        path: path.to_path_buf(),
        detail,
    })?;
    atomic::write_bytes(path, &bytes)
}

/// Writes `markdown` to `path`: a Word file when the name ends in `.docx`,
/// else the Markdown itself.
pub fn write_by_extension(path: &Path, markdown: &str) -> Result<(), WriteError> {
    if is_docx(path) {
        write(path, markdown)
    } else {
        atomic::write_markdown(Some(path), markdown)
    }
}

/// Whether `path` names a Word file.
pub fn is_docx(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("docx"))
}

/// The bytes of a Word file holding `markdown`, in the embedded style.
pub fn from_markdown(markdown: &str) -> Result<Vec<u8>, String> {
    convert(&template().style, markdown)
}

fn convert(style: &Style, markdown: &str) -> Result<Vec<u8>, String> {
    let mut doc = Docx::new()
        .page_size(A4.0, A4.1)
        .page_margin(
            PageMargin::new()
                .top(2098)
                .bottom(1984)
                .left(1588)
                .right(1474)
                .header(851)
                .footer(992),
        )
        // What lets a re-run replace the file (write::atomic).
        .custom_property(atomic::MARKER, atomic::Made::Report.value())
        .default_fonts(fonts(style, &style.body_font))
        .default_size(style.body_size);
    let mut rows: Vec<Vec<String>> = Vec::new();
    for line in markdown.lines() {
        let line = line.trim_end();
        if let Some(cells) = table_row(line) {
            if !is_rule(&cells) {
                rows.push(cells);
            }
            continue;
        }
        if !rows.is_empty() {
            doc = doc.add_table(table(style, &std::mem::take(&mut rows)));
        }
        if line.trim().is_empty() {
            continue;
        }
        doc = doc.add_paragraph(paragraph(style, line));
    }
    if !rows.is_empty() {
        doc = doc.add_table(table(style, &rows));
    }
    let mut out = Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

fn fonts(style: &Style, east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii(&style.latin_font)
        .hi_ansi(&style.latin_font)
}

/// One Markdown line as a paragraph: headings by their `#` level, the rest
/// as body text indented two characters.
fn paragraph(style: &Style, line: &str) -> Paragraph {
    let level = line.bytes().take_while(|&b| b == b'#').count();
    let text = line[level..].trim_start();
    let text = text.strip_prefix("- ").unwrap_or(text);
    let spacing = LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(style.line);
    let p = Paragraph::new().line_spacing(spacing);
    match level {
        1 => {
            let title = LineSpacing::new().before(240).after(480);
            let run = Run::new()
                .add_text(crate::text::unmarkdown(text))
                .fonts(fonts(style, &style.title_font))
                .size(style.title_size)
                .bold();
            Paragraph::new()
                .line_spacing(title)
                .align(AlignmentType::Center)
                .add_run(run)
        }
        2..=4 => {
            let font = match level {
                2 => &style.heading_font,
                3 => &style.subheading_font,
                _ => &style.body_font,
            };
            let run = Run::new()
                .add_text(crate::text::unmarkdown(text))
                .fonts(fonts(style, font))
                .size(style.body_size);
            let run = if level == 4 { run.bold() } else { run };
            indented(style, p)
                .outline_lvl(level - 2)
                .keep_next(true)
                .add_run(run)
        }
        _ => runs(style, indented(style, p), text, style.body_size),
    }
}

/// Two characters of first-line indent, as Chinese body text is set: two
/// em of the body size (half-points × 10 = twips per em).
fn indented(style: &Style, p: Paragraph) -> Paragraph {
    let two_em = i32::try_from(style.body_size * 20).unwrap_or(640);
    p.indent(None, Some(SpecialIndentType::FirstLine(two_em)), None, None)
}

/// `text` as runs, each `【…】` placeholder highlighted.
fn runs(style: &Style, mut p: Paragraph, text: &str, size: usize) -> Paragraph {
    let body = |s: &str| {
        Run::new()
            .add_text(crate::text::unmarkdown(s))
            .fonts(fonts(style, &style.body_font))
            .size(size)
    };
    let mut rest = text;
    while let Some(open) = rest.find(PLACEHOLDER.0) {
        let Some(len) = rest[open..].find(PLACEHOLDER.1) else {
            break;
        };
        let close = open + len + PLACEHOLDER.1.len_utf8();
        if open > 0 {
            p = p.add_run(body(&rest[..open]));
        }
        p = p.add_run(body(&rest[open..close]).highlight("yellow"));
        rest = &rest[close..];
    }
    if !rest.is_empty() {
        p = p.add_run(body(rest));
    }
    p
}

/// The cells of a `| a | b |` line, unescaped; None for any other line.
fn table_row(line: &str) -> Option<Vec<String>> {
    let inner = line.trim().strip_prefix('|')?.strip_suffix('|')?;
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '|' {
            cells.push(String::new());
            continue;
        }
        // An escaped pipe is text.
        let c = if c == '\\' && chars.peek() == Some(&'|') {
            chars.next().unwrap_or(c)
        } else {
            c
        };
        if let Some(s) = cells.last_mut() {
            s.push(c);
        }
    }
    Some(cells.into_iter().map(|c| c.trim().to_string()).collect())
}

/// The `| --- | --- |` line under a Markdown table's header.
fn is_rule(cells: &[String]) -> bool {
    cells
        .iter()
        .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':')))
}

/// A bordered table filling the text width, the first row bold.
fn table(style: &Style, rows: &[Vec<String>]) -> Table {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let width = TEXT_WIDTH / columns;
    let spacing = LineSpacing::new()
        .line_rule(LineSpacingType::Auto)
        .line(240);
    let rows: Vec<TableRow> = rows
        .iter()
        .enumerate()
        .map(|(n, row)| {
            let cells = (0..columns)
                .map(|c| {
                    let text = row.get(c).map_or("", String::as_str);
                    let run = Run::new()
                        .add_text(crate::text::unmarkdown(text))
                        .fonts(fonts(style, &style.body_font))
                        .size(style.table_size);
                    let run = if n == 0 { run.bold() } else { run };
                    let p = Paragraph::new()
                        .line_spacing(spacing.clone())
                        .align(AlignmentType::Center)
                        .add_run(run);
                    TableCell::new()
                        .vertical_align(VAlignType::Center)
                        .width(width, WidthType::Dxa)
                        .add_paragraph(p)
                })
                .collect();
            TableRow::new(cells)
        })
        .collect();
    Table::new(rows)
        .set_grid(vec![width; columns])
        .width(TEXT_WIDTH, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .align(TableAlignmentType::Center)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_unescape_pipes() {
        assert_eq!(
            table_row(r"| a\|b | c |"),
            Some(vec!["a|b".to_string(), "c".to_string()])
        );
        assert_eq!(table_row("正文"), None);
        assert!(is_rule(&table_row("| --- | :-: |").unwrap()));
    }
}

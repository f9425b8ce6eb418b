//! CSV/TSV exports: any common encoding, sniffed delimiter, quoted fields
//! with line breaks. CSV has no types, so every field is kept as text,
//! exactly as written.

use super::grid::{MAX_COLS, MAX_ROWS};
use super::{decode, CellRef, Ctx, Sheet, SourceError, Value};

const DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// Reads the one sheet a CSV file holds, named after the file.
pub fn read(ctx: &Ctx, bytes: &[u8]) -> Result<Sheet, SourceError> {
    let (text, _) = decode::decode(bytes, None);
    // Charged before the parser buffers a 50 MB field.
    ctx.charge_text(cell_bytes(text.as_bytes()))?;
    let delimiter = sniff_delimiter(&text);
    if let Some(row) = first_too_wide(text.as_bytes(), delimiter) {
        return Err(too_wide(ctx, row));
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut cells = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ctx.corrupt("csv", format!("row {}: {e}", row + 1)))?;
        check_record(ctx, row, &record, cells.len())?;
        for (col, field) in record.iter().enumerate() {
            if !field.is_empty() {
                let at = CellRef::new(row as u32, col as u32);
                cells.push((at, Value::Text(field.to_string())));
            }
        }
    }
    let name = ctx
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "csv".to_string());
    Ok(Sheet::new(name, cells, Vec::new()))
}

/// Bytes that end up in cells whatever the delimiter: all but the
/// candidate delimiters, quotes and line ends.
fn cell_bytes(text: &[u8]) -> u64 {
    let mut structure = [false; 256];
    for b in DELIMITERS.into_iter().chain(*b"\"\r\n") {
        structure[usize::from(b)] = true;
    }
    let kept = text.iter().filter(|&&b| !structure[usize::from(b)]).count();
    kept as u64
}

/// Refuses a record before its fields are copied into cells: the budget is
/// checked on its count of values, and no value may lie past Excel's last
/// column (the scan before parsing should already have caught that) or row.
fn check_record(
    ctx: &Ctx,
    row: usize,
    record: &::csv::StringRecord,
    cells: usize,
) -> Result<(), SourceError> {
    if record.len() > MAX_COLS as usize {
        return Err(too_wide(ctx, row + 1));
    }
    let filled = record.iter().filter(|f| !f.is_empty()).count();
    if filled > 0 && row >= MAX_ROWS as usize {
        return Err(ctx.too_large(format!("more than {MAX_ROWS} rows")));
    }
    ctx.check_cell_count((cells + filled) as u64)
}

fn too_wide(ctx: &Ctx, row: usize) -> SourceError {
    ctx.too_large(format!(
        "row {row} has more than {MAX_COLS} fields (a sheet has {MAX_COLS} columns)"
    ))
}

/// Where the scan for over-wide records is.
#[derive(Clone, Copy, PartialEq)]
enum Scan {
    RecordStart,
    FieldStart,
    Field,
    Quoted,
    QuoteInQuoted,
}

/// The first record (1-based) with more than [`MAX_COLS`] fields, found
/// without building it: the csv reader holds a whole record, some 40 bytes
/// a field, and one 64 MB line of commas is 64 million fields. Follows the
/// reader's quoting: a quote opens a quoted field only at a field's start,
/// `""` inside it is a quote, and blank lines are no record.
fn first_too_wide(text: &[u8], delimiter: u8) -> Option<usize> {
    let (mut state, mut fields, mut records) = (Scan::RecordStart, 0usize, 0usize);
    for &b in text {
        let ends_record = b == b'\n' || b == b'\r';
        if state == Scan::RecordStart && !ends_record {
            (records, fields) = (records + 1, 1);
        }
        state = match state {
            Scan::Quoted if b == b'"' => Scan::QuoteInQuoted,
            Scan::Quoted => Scan::Quoted,
            Scan::QuoteInQuoted if b == b'"' => Scan::Quoted,
            Scan::RecordStart | Scan::FieldStart if b == b'"' => Scan::Quoted,
            _ if ends_record => Scan::RecordStart,
            _ if b == delimiter => {
                fields += 1;
                Scan::FieldStart
            }
            _ => Scan::Field,
        };
        if fields > MAX_COLS as usize {
            return Some(records);
        }
    }
    None
}

/// The delimiter that splits the first lines most consistently: the one
/// whose smallest per-line count (outside quotes) is largest.
fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = logical_lines(text).take(30).collect();
    let score = |d: u8| {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        let min = counts.iter().copied().min().unwrap_or(0);
        let total: usize = counts.iter().sum();
        (min, total)
    };
    DELIMITERS
        .iter()
        .copied()
        .max_by_key(|&d| score(d))
        .filter(|&d| score(d).1 > 0)
        .unwrap_or(b',')
}

/// Non-blank lines, joining those broken inside a quoted field.
fn logical_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || loop {
        if rest.is_empty() {
            return None;
        }
        let mut quoted = false;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    quoted = !quoted;
                }
                c == '\n' && !quoted
            })
            .map_or(rest.len(), |(i, _)| i);
        let line = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or("");
        if !line.trim().is_empty() {
            return Some(line);
        }
    })
}

fn count_outside_quotes(line: &str, delimiter: u8) -> usize {
    let mut quoted = false;
    line.bytes()
        .filter(|&b| {
            if b == b'"' {
                quoted = !quoted;
            }
            b == delimiter && !quoted
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_the_consistent_delimiter() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2,5;3\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n\"x,y\"\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("a,b\n\"1;\n2\",3\n"), b',');
        assert_eq!(sniff_delimiter("only one column\n"), b',');
    }

    fn read_with(limits: &crate::source::Limits, text: &str) -> Result<Sheet, SourceError> {
        let ctx = Ctx::new(std::path::Path::new("wide.csv"), limits);
        read(&ctx, text.as_bytes())
    }

    #[test]
    fn a_row_past_the_last_column_is_refused_before_it_is_read() {
        let limits = crate::source::Limits::default();
        let wide = "a,".repeat(MAX_COLS as usize) + "\n";
        let err = read_with(&limits, &wide).unwrap_err();
        assert!(matches!(err, SourceError::TooLarge { .. }), "{err}");
        assert!(err.to_string().contains("wide.csv"), "{err}");
        // Second record, after a quoted field holding a line break and
        // commas: counted as the reader splits it.
        let quoted = format!("x,\"a,\nb\"\n{}", ",".repeat(MAX_COLS as usize));
        assert_eq!(first_too_wide(quoted.as_bytes(), b','), Some(2));
        // Exactly XFD wide is a sheet.
        let full = format!("{}z\n", "y,".repeat(MAX_COLS as usize - 1));
        assert_eq!(read_with(&limits, &full).unwrap().width(), MAX_COLS);
    }

    #[test]
    fn a_row_past_the_cell_budget_is_refused_before_it_is_converted() {
        let limits = crate::source::Limits {
            max_cells: 10,
            ..crate::source::Limits::default()
        };
        let err = read_with(&limits, "a,b,c\n1,2,3,4,5,6,7,8\n").unwrap_err();
        assert!(matches!(err, SourceError::TooLarge { .. }), "{err}");
        assert_eq!(
            read_with(&limits, "a,,c\n1,2,,4\n").unwrap().cell_count(),
            5
        );
    }
}

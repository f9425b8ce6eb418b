//! CSV/TSV exports: any common encoding, sniffed delimiter, quoted fields
//! with line breaks. CSV has no types, so every field is kept as text,
//! exactly as written.

use super::{decode, CellRef, Ctx, Sheet, SourceError, Value};

const DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// Reads the one sheet a CSV file holds, named after the file.
pub fn read(ctx: &Ctx, bytes: &[u8]) -> Result<Sheet, SourceError> {
    let (text, _) = decode::decode(bytes, None);
    let delimiter = sniff_delimiter(&text);
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut cells = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ctx.corrupt("csv", format!("row {}: {e}", row + 1)))?;
        for (col, field) in record.iter().enumerate() {
            if !field.is_empty() {
                let at = CellRef::new(row as u32, col as u32);
                cells.push((at, Value::Text(field.to_string())));
            }
        }
        ctx.check_cell_count(cells.len() as u64)?;
    }
    let name = ctx
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "csv".to_string());
    Ok(Sheet::new(name, cells, Vec::new()))
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
}

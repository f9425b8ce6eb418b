//! Records read back from JSON: what `import --json` (one object or a list)
//! or `import --jsonl` / `consolidate --jsonl` (one per line) wrote, so a
//! record fixed by hand can join a consolidation, a review or a conversion.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::model::{Imported, Provenance, Record, SCHEMA};

/// The largest JSON input read, as for a spreadsheet: every record of a
/// file is held until the file is done, so a larger file must be split.
const MAX_BYTES: u64 = 64 << 20;

/// Why a JSON file gave no records; names the file (and the line of JSON
/// Lines).
#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}{}: not a jixiao record ({SCHEMA}): {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    #[error("{path}: too large: over {MAX_BYTES} bytes of JSON; split it into smaller files")]
    TooLarge { path: PathBuf },
}

/// Whether `path` is named as JSON records (`.json` or `.jsonl`).
pub fn is_records_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("jsonl"))
}

/// The records of a `.json` file (one record or a list) or a `.jsonl` file
/// (one record, or one `{"record": …, "review": …}` line, per line).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("fixed.jsonl");
/// let record = jixiao::model::Record::new(jixiao::model::Kind::Project, Default::default());
/// let line = serde_json::to_string(&record).unwrap();
/// std::fs::write(&path, format!("{line}\n\n{line}\n")).unwrap();
/// assert_eq!(jixiao::batch::records::read(&path).unwrap().len(), 2);
/// ```
pub fn read(path: &Path) -> Result<Vec<Imported>, RecordsError> {
    let io = |source| RecordsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut limited = BufReader::new(file).take(MAX_BYTES + 1);
    let lines = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"));
    let records = if lines {
        from_lines(path, &mut limited)?
    } else {
        let mut text = String::new();
        limited.read_to_string(&mut text).map_err(io)?;
        check_size(path, text.len())?;
        from_document(path, &text)?
    };
    Ok(records
        .into_iter()
        .map(|record| Imported {
            record,
            provenance: Provenance::default(),
        })
        .collect())
}

fn check_size(path: &Path, read: usize) -> Result<(), RecordsError> {
    if read as u64 > MAX_BYTES {
        return Err(RecordsError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

fn from_lines(path: &Path, input: &mut impl BufRead) -> Result<Vec<Record>, RecordsError> {
    let mut records = Vec::new();
    let mut read = 0;
    for (i, line) in input.lines().enumerate() {
        let line = line.map_err(|source| RecordsError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        read += line.len() + 1;
        check_size(path, read)?;
        if line.trim().is_empty() {
            continue;
        }
        let value = serde_json::from_str(&line).map_err(|e| invalid(path, Some(i + 1), e))?;
        records.push(record(path, Some(i + 1), value)?);
    }
    Ok(records)
}

fn from_document(path: &Path, text: &str) -> Result<Vec<Record>, RecordsError> {
    let value: Value = serde_json::from_str(text).map_err(|e| invalid(path, None, e))?;
    match value {
        Value::Array(items) => items
            .into_iter()
            .map(|item| record(path, None, item))
            .collect(),
        one => Ok(vec![record(path, None, one)?]),
    }
}

/// One record, bare or as the `record` of a `consolidate --jsonl` line.
fn record(path: &Path, line: Option<usize>, mut value: Value) -> Result<Record, RecordsError> {
    if let Some(inner) = value.get_mut("record") {
        value = inner.take();
    }
    let record: Record = serde_json::from_value(value).map_err(|e| invalid(path, line, e))?;
    if record.schema != SCHEMA {
        let found = format!("schema {:?}", record.schema);
        return Err(invalid(path, line, found));
    }
    Ok(record)
}

fn invalid(path: &Path, line: Option<usize>, e: impl std::fmt::Display) -> RecordsError {
    RecordsError::Invalid {
        path: path.to_path_buf(),
        line,
        message: e.to_string(),
    }
}

//! The `write` stage: standardized workbooks, the bureau's consolidated
//! workbook and written summaries.

pub mod atomic;
pub mod consolidated;
pub mod report;
pub mod standard;
pub mod summary;

use std::path::PathBuf;

/// Why an output could not be written. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: cannot write: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: refusing to overwrite an input file")]
    WouldOverwriteInput { path: PathBuf },
    #[error("{path}: {detail}")]
    Xlsx { path: PathBuf, detail: String },
}

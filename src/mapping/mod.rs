//! The `mapping` stage: declarative mapping files (TOML, `mappings/`) that
//! locate a form's fields on a sheet grid and turn them into a
//! [`crate::model::Record`] with [`crate::model::Provenance`].

use std::path::PathBuf;

use crate::model::Imported;
use crate::source::Workbook;

/// Why a workbook could not be imported. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: no sheet matches any mapping")]
    NoMatch { file: PathBuf },
}

/// Imports every form found in `workbook` with auto-detected mappings.
pub fn import(workbook: &Workbook) -> Result<Vec<Imported>, ImportError> {
    Err(ImportError::NoMatch {
        file: workbook.path.clone(),
    })
}

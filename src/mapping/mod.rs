//! The `mapping` stage: declarative mapping files (TOML, `mappings/`) that
//! locate a form's fields on a sheet grid and turn them into a
//! [`crate::model::Record`] with [`crate::model::Provenance`].
//!
//! Entry points: [`import_file`] (path → records), [`import`] (an opened
//! workbook → records), [`detect`] (how well each sheet fits each mapping),
//! [`Mapping::builtin`], [`Mapping::load`] and [`builtins`].

mod catalog;
mod detect;
mod draft;
mod extract;
mod funds;
mod labels;
mod place;
mod resolve;
pub mod spec;
mod split;
mod table;
mod unread;
mod values;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use catalog::Catalog;
pub use detect::{detect, SheetScore};
pub use draft::{draft, test_report};
pub use place::{place, FundsPlaces, Places, Slot, TablePlaces};
pub use resolve::{builtins, Mapping};
pub use spec::MappingError;
pub use unread::unread_lines;

use crate::model::{Imported, Location};
use crate::source::{self, SourceError, Workbook};

/// Why a workbook could not be imported. Every variant names the file; those
/// about a cell name the sheet and cell too.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error("{file}: no sheet matches any mapping (closest: {closest})")]
    NoMatch { file: PathBuf, closest: String },
    #[error("{file}: mapping {mapping} matches no sheet (closest: {closest})")]
    MappingMatchesNothing {
        file: PathBuf,
        mapping: String,
        closest: String,
    },
    #[error("{file}: {at}: {field} is required but {problem}")]
    Required {
        file: PathBuf,
        at: String,
        field: &'static str,
        problem: &'static str,
    },
    #[error("{file}: {at}: {what}")]
    Implausible {
        file: PathBuf,
        at: String,
        what: crate::model::Implausible,
    },
    #[error("{file}: {at}: expected {expected} for {field}, found {found:?}")]
    BadValue {
        file: PathBuf,
        at: Location,
        field: String,
        expected: &'static str,
        found: String,
    },
}

/// Reads the file at `path` and imports every form in it. With `mapping`
/// the given mapping is used on the sheets it selects; without, each sheet
/// gets the best-scoring built-in mapping. `source.file` is `path` as given.
///
/// ```
/// let forms = jixiao::mapping::import_file(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/rendashi-daibiao-2023.xlsx").as_ref(), None)?;
/// let record = &forms[0].record;
/// assert_eq!(record.project.as_deref(), Some("市人大代表活动经费"));
/// assert_eq!(record.funds.total.budget, Some(77.into())); // 万元, exact
/// assert_eq!(record.source.mapping.as_deref(), Some("mof-2020"));
/// // Where each field came from, for findings that point at cells.
/// let cell = forms[0].provenance.get(jixiao::model::Field::Project).unwrap();
/// assert_eq!(cell.to_string(), "自评表!B3");
/// # Ok::<(), jixiao::mapping::ImportError>(())
/// ```
pub fn import_file(path: &Path, mapping: Option<&Mapping>) -> Result<Vec<Imported>, ImportError> {
    let workbook = source::open(path)?;
    import(&workbook, mapping)
}

/// Imports every form found in `workbook`, one record per matching sheet in
/// sheet order.
pub fn import(
    workbook: &Workbook,
    mapping: Option<&Mapping>,
) -> Result<Vec<Imported>, ImportError> {
    let plan = match mapping {
        Some(m) => detect::plan_with(workbook, m)?,
        None => detect::plan_auto(workbook)?,
    };
    read_plan(workbook, plan)
}

/// Reads the planned sheets, one record per form, in sheet order.
fn read_plan(
    workbook: &Workbook,
    plan: Vec<detect::Planned<'_>>,
) -> Result<Vec<Imported>, ImportError> {
    let mut out = Vec::new();
    for (index, m, cells) in plan {
        let sheet = extract::sheet(workbook, index, m)?;
        match split::bands(sheet, &cells, m) {
            Some(bands) => {
                for (band, band_cells) in &bands {
                    out.push(extract::extract_from(workbook, band, band_cells, m)?);
                }
            }
            None => out.push(extract::extract_from(workbook, sheet, &cells, m)?),
        }
    }
    match out.iter().find_map(implausible) {
        Some((at, what)) => Err(ImportError::Implausible {
            file: workbook.path.clone(),
            at,
            what,
        }),
        None => Ok(out),
    }
}

/// The record's first value no form can hold, with the cell it came from.
fn implausible(imported: &Imported) -> Option<(String, crate::model::Implausible)> {
    let what = imported.record.implausible()?;
    let at = match imported.provenance.get(what.field) {
        Some(location) => location.to_string(),
        None => imported.record.source.sheet.clone().unwrap_or_default(),
    };
    Some((at, what))
}

//! The standard 财预〔2020〕10号 项目支出绩效自评表 workbook, written from a record.
//!
//! [`layout`] places the record's values on the canonical grid of
//! domain.md §1.1; `render` formats them for print. With a review, a second
//! sheet shows the recomputed scores and the findings.

mod labels;
pub mod layout;
mod render;
mod review_sheet;

use std::path::Path;

use rust_xlsxwriter::{Workbook, XlsxError};

use super::{atomic, WriteError};
use crate::model::{Imported, Kind, Provenance, Record};
use crate::review::Review;

pub use layout::{Content, Layout, Placed, Span, Style};

/// Column widths A–I of the form, in Excel character units (a CJK character
/// is two): wide enough for the usual labels, with text wrapping the rest.
const FORM_WIDTHS: [f64; layout::COLUMNS as usize] =
    [10.0, 20.0, 16.0, 26.0, 16.0, 16.0, 10.0, 10.0, 26.0];

/// Writes `record` (and `review`, when given, on a second sheet) as a
/// standard form to `path`, atomically: a temporary file renamed into place.
///
/// ```
/// use jixiao::review::{review, Profile};
///
/// let forms = jixiao::mapping::import_file(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/rendashi-daibiao-2023.xlsx").as_ref(), None)?;
/// let dir = tempfile::tempdir()?;
/// let out = dir.path().join("标准表.xlsx");
/// let checked = review(&forms[0], &Profile::default());
/// jixiao::write::standard::write(&out, &forms[0].record, Some(&checked))?;
/// assert!(std::fs::metadata(&out)?.len() > 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write(path: &Path, record: &Record, review: Option<&Review>) -> Result<(), WriteError> {
    save(path, record, review, None)
}

/// Like [`write`], for an imported record: the review sheet then also names,
/// for every finding, the cell of the standard form that shows the value.
pub fn write_imported(
    path: &Path,
    imported: &Imported,
    review: Option<&Review>,
) -> Result<(), WriteError> {
    save(path, &imported.record, review, Some(&imported.provenance))
}

/// Builds the workbook and saves it atomically; errors name `path`.
fn save(
    path: &Path,
    record: &Record,
    review: Option<&Review>,
    trace: Option<&Provenance>,
) -> Result<(), WriteError> {
    let xlsx = |e: XlsxError| WriteError::Xlsx {
        path: path.to_path_buf(),
        detail: match e {
            // `put_all`'s message with the cell, without the generic prefix.
            XlsxError::ParameterError(detail) => detail,
            e => e.to_string(),
        },
    };
    let mut workbook = workbook(record, review, trace).map_err(xlsx)?;
    atomic::with_temp(path, |tmp| workbook.save(tmp).map_err(xlsx))
}

/// The standard form as the bytes of an `.xlsx` file.
pub fn to_bytes(record: &Record, review: Option<&Review>) -> Result<Vec<u8>, XlsxError> {
    workbook(record, review, None)?.save_to_buffer()
}

/// Where the form puts `record`'s values: the grid without formatting.
pub fn form_layout(record: &Record) -> Layout {
    layout::layout(record, &labels::labels().form)
}

fn workbook(
    record: &Record,
    review: Option<&Review>,
    trace: Option<&Provenance>,
) -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    super::atomic::mark_form(
        &mut workbook,
        super::atomic::Made::Standard,
        Some(record.content_digest()),
    );
    form_sheet(&mut workbook, record)?;
    if let Some(review) = review {
        review_sheet::add(
            &mut workbook,
            record,
            review,
            trace,
            &labels::labels().review,
        )?;
    }
    Ok(workbook)
}

fn form_sheet(workbook: &mut Workbook, record: &Record) -> Result<(), XlsxError> {
    let grid = form_layout(record);
    let labels = &labels::labels().form;
    // A department-wide or target form is named for what it is.
    let name = match record.kind {
        Kind::Project => &labels.sheet,
        Kind::Department => &labels.title_department,
        Kind::Target => &labels.title_target,
    };
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    render::put_all(sheet, &grid.cells)?;
    // The title row is tall; the two header rows get room for bold labels.
    let min = [
        (0, 36.0),
        (1, 22.0),
        (4, 30.0),
        (grid.indicator_header_row, 32.0),
    ];
    render::size(sheet, &grid.cells, &FORM_WIDTHS, &min)?;
    render::print_setup(sheet);
    sheet.set_repeat_rows(grid.indicator_header_row, grid.indicator_header_row)?;
    Ok(())
}

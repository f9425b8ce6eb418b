//! `consolidate`: every input through the pipeline into one workbook, with
//! optional JSON Lines, reconciliation against a roster and a written
//! summary. All outputs are written atomically and never over an input.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use rust_xlsxwriter::RowNum;

use super::inputs::{any_readable, collect, read_for_consolidation, Reason};
use super::ledger::{newest_first, Ledger};
use super::roster::{self, Roster, RosterError};
use crate::mapping::Catalog;
use crate::model::{Imported, Record};
use crate::outcome::{FileOutcome, Reviewed, Stats, Verdict};
use crate::review::{Profile, Review};
use crate::write::atomic;
use crate::write::consolidated::{Consolidated, SHEET_ROWS};
use crate::write::WriteError;

/// What to consolidate and where to.
#[derive(Clone, Debug)]
pub struct Options {
    /// Files and folders (walked recursively).
    pub inputs: Vec<PathBuf>,
    /// The consolidated workbook.
    pub output: PathBuf,
    /// The departments/projects that must report.
    pub roster: Option<PathBuf>,
    /// Every record the workbook counts (duplicates left out) with its
    /// review, one JSON object per line.
    pub jsonl: Option<PathBuf>,
    /// The bureau-level summary (Markdown).
    pub summary: Option<PathBuf>,
    /// The region (`XX市`) heading the titles of the workbook's sheets and
    /// of the summary; without it they start with the year.
    pub region: Option<String>,
    pub profile: Profile,
    /// The mappings forms are imported with: the built-ins and the user's.
    pub mappings: Catalog,
    /// Show a progress bar (only on a terminal).
    pub progress: bool,
}

/// Why a consolidation could not run at all. A bad input file is not such
/// a reason: it is recorded in the workbook and counted in [`Report`].
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Roster(#[from] RosterError),
    #[error("no spreadsheet found in {0}")]
    NoInputs(String),
}

/// The outcome of a consolidation.
#[derive(Debug)]
pub struct Report {
    pub stats: Stats,
}

impl Report {
    /// Files that could not be imported, with the reason.
    pub fn failed(&self) -> &[(PathBuf, String)] {
        &self.stats.failed
    }

    pub fn records(&self) -> usize {
        self.stats.total.projects
    }
}

/// Consolidates with the project's reader: spreadsheets imported through
/// `options.mappings`, JSON records as written, anything else listed as
/// skipped.
///
/// ```
/// use jixiao::batch::{consolidate, Options};
///
/// let dir = tempfile::tempdir()?;
/// let options = Options {
///     inputs: vec![concat!(env!("CARGO_MANIFEST_DIR"), "/samples").into()],
///     output: dir.path().join("汇总.xlsx"),
///     roster: None,
///     jsonl: None,
///     summary: Some(dir.path().join("汇总说明.docx")),
///     region: Some("XX市".into()),
///     profile: Default::default(),
///     progress: false,
///     mappings: Default::default(),
/// };
/// let report = consolidate(&options)?;
/// assert_eq!(report.stats.files, 9);
/// assert!(report.failed().is_empty());
/// assert!(options.output.exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn consolidate(options: &Options) -> Result<Report, BatchError> {
    rayon::in_place_scope(|scope| {
        scope.spawn(|_| prepare());
        consolidate_with(options, |path: &Path| {
            read_for_consolidation(path, &options.mappings)
        })
    })
}

/// Builds the mappings and the review's vocabulary on the pool while the
/// inputs are listed, both at once: the first files would otherwise wait
/// for them, built one after the other on one core. Embedded data that
/// fails to build is a defect that fails every file again when it is read,
/// where it is recorded; here it must not abort the batch.
fn prepare() {
    let _ =
        std::panic::catch_unwind(|| rayon::join(crate::mapping::builtins, crate::review::prepare));
}

/// Consolidates with `import` reading each file (tests pass fakes).
pub fn consolidate_with<F, E>(options: &Options, import: F) -> Result<Report, BatchError>
where
    F: Fn(&Path) -> Result<Vec<Imported>, E> + Sync,
    E: Reason,
{
    consolidate_with_sheet_rows(options, import, SHEET_ROWS)
}

/// [`consolidate_with`] with at most `sheet_rows` rows per sheet, so that
/// tests can show a sheet continuing on the next without a million rows.
#[doc(hidden)]
pub fn consolidate_with_sheet_rows<F, E>(
    options: &Options,
    import: F,
    sheet_rows: RowNum,
) -> Result<Report, BatchError>
where
    F: Fn(&Path) -> Result<Vec<Imported>, E> + Sync,
    E: Reason,
{
    let roster = options.roster.as_deref().map(roster::load).transpose()?;
    let outputs: Vec<PathBuf> = [
        &Some(options.output.clone()),
        &options.jsonl,
        &options.summary,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    let exclude = [&outputs[..], options.mappings.dirs()].concat();
    let files = newest_first(collect(&options.inputs, &exclude));
    let named: Vec<&Path> = outputs.iter().map(PathBuf::as_path).collect();
    atomic::guard(&options.inputs, &named)?;
    if !any_readable(&files) {
        let named: Vec<String> = options
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        return Err(BatchError::NoInputs(named.join(", ")));
    }
    let stats = write_outputs(options, &files, roster.as_ref(), import, sheet_rows)?;
    if let Some(path) = &options.summary {
        // A `.docx` name gets a Word file, anything else the Markdown.
        crate::write::report::docx::write_by_extension(
            path,
            &crate::write::summary::draft(&stats, options.region.as_deref()),
        )?;
    }
    Ok(Report { stats })
}

/// Runs the batch into the workbook (and the JSON Lines file), both through
/// temporary files renamed into place only when everything succeeded.
fn write_outputs<F, E>(
    options: &Options,
    files: &[PathBuf],
    roster: Option<&Roster>,
    import: F,
    sheet_rows: RowNum,
) -> Result<Stats, WriteError>
where
    F: Fn(&Path) -> Result<Vec<Imported>, E> + Sync,
    E: Reason,
{
    let mut stats = None;
    atomic::with_temp(&options.output, |xlsx_tmp| {
        with_optional_temp(options.jsonl.as_deref(), |jsonl_tmp| {
            let mut jsonl = jsonl_tmp
                .zip(options.jsonl.as_deref())
                .map(|(tmp, named)| JsonLines::create(tmp, named))
                .transpose()?;
            let mut workbook = Consolidated::new(&options.output, sheet_rows)?;
            let mut ledger = Ledger::new(files, roster.is_some());
            let bar = progress_bar(options.progress, files.len());
            super::run(files, import, &options.profile, |outcome: FileOutcome| {
                bar.set_message(outcome.path.display().to_string());
                bar.inc(1);
                let verdicts = ledger.judge(&outcome);
                workbook.add(&outcome, &verdicts)?;
                match jsonl.as_mut() {
                    Some(j) => j.add(&outcome, &verdicts),
                    None => Ok(()),
                }
            })?;
            bar.finish_and_clear();
            if let Some(j) = jsonl {
                j.finish()?;
            }
            let counted = ledger.finish(roster);
            workbook.finish(xlsx_tmp, &counted, options.region.as_deref())?;
            stats = Some(counted);
            Ok(())
        })
    })?;
    Ok(stats.unwrap_or_default())
}

fn with_optional_temp<F>(path: Option<&Path>, fill: F) -> Result<(), WriteError>
where
    F: FnOnce(Option<&Path>) -> Result<(), WriteError>,
{
    match path {
        Some(p) => atomic::with_temp(p, |tmp| fill(Some(tmp))),
        None => fill(None),
    }
}

fn progress_bar(wanted: bool, len: usize) -> indicatif::ProgressBar {
    if !wanted {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}")
    {
        bar.set_style(style);
    }
    bar
}

/// One line of `--jsonl`: a record and its review.
#[derive(Serialize)]
struct Line<'a> {
    record: &'a Record,
    review: &'a Review,
}

/// JSON Lines written to a temporary file; errors name the real output.
struct JsonLines {
    path: PathBuf,
    out: BufWriter<File>,
}

impl JsonLines {
    fn create(tmp: &Path, named: &Path) -> Result<Self, WriteError> {
        let file = File::create(tmp).map_err(|source| WriteError::Io {
            path: named.to_path_buf(),
            source,
        })?;
        Ok(JsonLines {
            path: named.to_path_buf(),
            out: BufWriter::new(file),
        })
    }

    /// Writes the records the workbook counts: a duplicate is left out, so
    /// that consolidating the lines gives the workbook's totals again.
    fn add(&mut self, outcome: &FileOutcome, verdicts: &[Verdict]) -> Result<(), WriteError> {
        outcome
            .records()
            .iter()
            .zip(verdicts)
            .filter(|(_, v)| matches!(v, Verdict::Counted { .. }))
            .try_for_each(|(r, _)| self.line(r))
    }

    fn line(&mut self, r: &Reviewed) -> Result<(), WriteError> {
        let line = Line {
            record: &r.imported.record,
            review: &r.review,
        };
        serde_json::to_writer(&mut self.out, &line)
            .map_err(std::io::Error::from)
            .and_then(|_| self.out.write_all(b"\n"))
            .map_err(|source| self.io(source))
    }

    fn finish(mut self) -> Result<(), WriteError> {
        self.out.flush().map_err(|source| self.io(source))
    }

    fn io(&self, source: std::io::Error) -> WriteError {
        WriteError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

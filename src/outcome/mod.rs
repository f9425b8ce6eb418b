//! What the batch hands on to the writers: each input file's outcome, the
//! verdict on each of its records (counted, or a duplicate of another
//! file's), the running statistics and the roster reconciliation.
//!
//! Plain data below both `batch` and `write`: the batch decides and counts,
//! the writers only render what they are given.

pub mod roster;
pub mod stats;

use std::path::PathBuf;

use crate::model::Imported;
use crate::review::Review;

pub use stats::{Figures, RuleCount, Stats, Tally, BIG_DIFFERENCE, GRADES, LOW_RATE};

/// One imported record with its review.
#[derive(Clone, Debug)]
pub struct Reviewed {
    pub imported: Imported,
    pub review: Review,
}

/// What happened to one input file.
#[derive(Debug)]
pub struct FileOutcome {
    pub path: PathBuf,
    pub status: Status,
}

/// Imported (with at least one record, in sheet order), skipped (no form:
/// listed, not counted as a failure) or failed (with a one-line reason
/// naming the file).
#[derive(Debug)]
pub enum Status {
    Imported(Vec<Reviewed>),
    Skipped(Skip),
    Failed(String),
}

/// Why a file gave no records without having failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skip {
    /// No spreadsheet: what it is (`a PDF document`, `a zip archive`…).
    NotSpreadsheet(String),
    /// The consolidated workbook jixiao wrote: never read as a form.
    WrittenByJixiao,
    /// A form jixiao wrote (`convert`) that nobody changed since: in a
    /// consolidation, its own output, not a department's form.
    UnchangedOutput,
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::NotSpreadsheet(what) => write!(f, "skipped: not a spreadsheet ({what})"),
            Skip::WrittenByJixiao => f.write_str("skipped: a file jixiao wrote"),
            Skip::UnchangedOutput => {
                f.write_str("skipped: a form jixiao wrote, unchanged since (its own output)")
            }
        }
    }
}

impl FileOutcome {
    pub fn records(&self) -> &[Reviewed] {
        match &self.status {
            Status::Imported(records) => records,
            Status::Skipped(_) | Status::Failed(_) => &[],
        }
    }

    pub fn error(&self) -> Option<&str> {
        match &self.status {
            Status::Imported(_) | Status::Skipped(_) => None,
            Status::Failed(e) => Some(e),
        }
    }

    /// Why the file was left out, when it was.
    pub fn skipped(&self) -> Option<&Skip> {
        match &self.status {
            Status::Skipped(skip) => Some(skip),
            _ => None,
        }
    }
}

/// What the batch decided about one record.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Counted in the totals, under this 序号 (shared by the project and
    /// department-wide sheets, so every record has one number), with the
    /// figures it was counted with.
    Counted { number: usize, figures: Figures },
    /// The same form (same department, project, year and funds) as a record
    /// of `kept`, the newest file holding it, which is counted instead.
    Duplicate { kept: PathBuf },
}

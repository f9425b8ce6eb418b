//! jixiao (绩效): read Chinese budget-performance forms from any spreadsheet
//! a department sends, map them into one normalized model, review them by the
//! official scoring rules, and write standardized and consolidated workbooks.
//!
//! The pipeline flows one way:
//! `source` (bytes → sheet grids) → `mapping` (grid → [`model::Record`] with
//! provenance) → `review` (record → findings and recomputed scores) →
//! `write` (records and reviews → workbooks, Word reports). `batch` runs the
//! pipeline over many files in parallel; `cli` is the command-line front end
//! and `serve` the local web page, both thin layers over the same calls.
//!
//! The entry points, each with a runnable example: [`source::open`] (a file
//! into grids), [`mapping::import_file`] (into records),
//! [`review::review`] (findings), [`write::standard::write`] (a standard
//! workbook), [`batch::consolidate`] (the consolidated workbook) and
//! [`write::report`] (the written report). The record's contract is
//! docs/model.md; the rules it is checked by, docs/domain.md.

pub mod batch;
pub mod cli;
#[doc(hidden)]
pub mod fuzzing;
pub mod mapping;
pub mod model;
pub mod outcome;
pub mod pattern;
pub mod review;
pub mod serve;
pub mod source;
pub mod text;
pub mod write;

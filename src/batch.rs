//! The `batch` stage: run the pipeline over many files in parallel and
//! collect every outcome, good or bad, in a deterministic order.
//!
//! Files are read, imported and reviewed on rayon's pool, a chunk at a time;
//! the outcomes of a chunk are handed, in path order, to one consumer (the
//! writer) while the next chunk is being read. Memory therefore stays bounded
//! by the chunk size, not by the number of files, and the output order does
//! not depend on the number of threads.

pub mod consolidate;
pub mod inputs;
pub mod roster;

use std::fmt::Display;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::model::Imported;
use crate::review::{Profile, Review};

pub use consolidate::{consolidate, consolidate_with, BatchError, Options, Report};

/// How many files are read in parallel before their outcomes are handed on.
/// Large enough to keep both cores busy past a slow file, small enough that
/// the records held in memory stay a few megabytes.
const CHUNK: usize = 64;

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

/// Imported (with at least one record, in sheet order) or failed (with a
/// one-line reason naming the file).
#[derive(Debug)]
pub enum Status {
    Imported(Vec<Reviewed>),
    Failed(String),
}

impl FileOutcome {
    pub fn records(&self) -> &[Reviewed] {
        match &self.status {
            Status::Imported(records) => records,
            Status::Failed(_) => &[],
        }
    }

    pub fn error(&self) -> Option<&str> {
        match &self.status {
            Status::Imported(_) => None,
            Status::Failed(e) => Some(e),
        }
    }
}

/// Reads, imports and reviews every file of `paths` with `import`, in
/// parallel, and hands each outcome to `sink` in the order of `paths`.
///
/// A file that fails (an error, no form found, even a panic inside the
/// importer) becomes a [`Status::Failed`] outcome and the batch goes on; only
/// an error from `sink` stops it.
pub fn run<F, E, S, W>(
    paths: &[PathBuf],
    import: F,
    profile: &Profile,
    mut sink: S,
) -> Result<(), W>
where
    F: Fn(&Path) -> Result<Vec<Imported>, E> + Sync,
    E: Display,
    S: FnMut(FileOutcome) -> Result<(), W>,
{
    let read = |chunk: &[PathBuf]| -> Vec<FileOutcome> {
        chunk
            .par_iter()
            .map(|path| process(path, &import, profile))
            .collect()
    };
    let mut chunks = paths.chunks(CHUNK);
    let mut ready = chunks.next().map(read).unwrap_or_default();
    for chunk in chunks {
        // Hand the finished chunk to the sink on this thread while the pool
        // reads the next one; the sink need not be `Send`.
        let mut next = Vec::new();
        rayon::in_place_scope(|scope| {
            scope.spawn(|_| next = read(chunk));
            ready.drain(..).try_for_each(&mut sink)
        })?;
        ready = next;
    }
    ready.into_iter().try_for_each(sink)
}

fn process<F, E>(path: &Path, import: &F, profile: &Profile) -> FileOutcome
where
    F: Fn(&Path) -> Result<Vec<Imported>, E>,
    E: Display,
{
    let attempt = catch_unwind(AssertUnwindSafe(|| {
        import(path).map(|records| {
            records
                .into_iter()
                .map(|imported| {
                    let review = crate::review::review(&imported, profile);
                    Reviewed { imported, review }
                })
                .collect::<Vec<_>>()
        })
    }));
    let status = match attempt {
        Ok(Ok(records)) if records.is_empty() => {
            Status::Failed(format!("{}: no form found on any sheet", path.display()))
        }
        Ok(Ok(records)) => Status::Imported(records),
        Ok(Err(e)) => Status::Failed(e.to_string()),
        Err(panic) => Status::Failed(format!(
            "{}: internal error while reading: {}",
            path.display(),
            panic_message(&*panic)
        )),
    };
    FileOutcome {
        path: path.to_path_buf(),
        status,
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("panic")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Provenance, Record, Source};

    fn fake(path: &Path) -> Result<Vec<Imported>, String> {
        let name = path.display().to_string();
        if name.contains("bad") {
            return Err(format!("{name}: corrupt"));
        }
        if name.contains("panic") {
            panic!("boom");
        }
        let n = if name.contains("empty") { 0 } else { 2 };
        Ok((0..n)
            .map(|i| Imported {
                record: Record::new(
                    Kind::Project,
                    Source {
                        file: name.clone(),
                        sheet: Some(format!("S{i}")),
                        mapping: None,
                    },
                ),
                provenance: Provenance::default(),
            })
            .collect())
    }

    fn names(threads: usize, paths: &[PathBuf]) -> Vec<String> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut seen = Vec::new();
        pool.install(|| {
            run(paths, fake, &Profile::default(), |o: FileOutcome| {
                let sheets: Vec<String> = o
                    .records()
                    .iter()
                    .map(|r| r.imported.record.source.sheet.clone().unwrap_or_default())
                    .collect();
                seen.push(format!("{}:{}", o.path.display(), sheets.join(",")));
                Ok::<(), ()>(())
            })
        })
        .unwrap();
        seen
    }

    #[test]
    fn order_is_the_input_order_whatever_the_thread_count() {
        let paths: Vec<PathBuf> = (0..300)
            .map(|i| PathBuf::from(format!("f{i:04}")))
            .collect();
        let one = names(1, &paths);
        assert_eq!(one.len(), 300);
        assert_eq!(one[0], "f0000:S0,S1");
        assert_eq!(one, names(4, &paths));
    }

    #[test]
    fn failures_are_recorded_and_the_batch_goes_on() {
        let paths: Vec<PathBuf> = ["a", "bad", "empty", "panic", "z"]
            .iter()
            .map(PathBuf::from)
            .collect();
        let mut errors = Vec::new();
        run(&paths, fake, &Profile::default(), |o: FileOutcome| {
            errors.push(o.error().map(str::to_string));
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(errors.len(), 5);
        assert!(errors[0].is_none() && errors[4].is_none());
        assert_eq!(errors[1].as_deref(), Some("bad: corrupt"));
        assert!(errors[2].as_deref().unwrap().contains("no form found"));
        assert!(errors[3].as_deref().unwrap().contains("boom"));
    }
}

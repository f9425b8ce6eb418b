//! The `batch` stage: run the pipeline over many files in parallel and
//! collect every outcome, good or bad, in a deterministic order.
//!
//! One job per pool thread takes the next file, reads, imports and reviews
//! it, and sends the outcome to the calling thread, which puts outcomes back
//! in path order and hands them to one consumer (the writer). The readers
//! may run at most [`WINDOW`] files ahead of the writer, so memory stays
//! bounded whatever the number of files, and the output order does not
//! depend on the number of threads. Waiting threads block rather than spin,
//! so the writer gets a whole core whenever it is the one behind.

pub mod consolidate;
pub mod inputs;
pub mod roster;

use std::collections::BTreeMap;
use std::fmt::Display;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex, PoisonError};

use crate::model::Imported;
use crate::review::{Profile, Review};

pub use consolidate::{consolidate, consolidate_with, BatchError, Options, Report};

/// How far the readers may run ahead of the writer, in files: enough to
/// keep both cores busy past a slow file, small enough that the records
/// held in memory stay a few megabytes.
const WINDOW: usize = 64;

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
pub fn run<F, E, S, W>(paths: &[PathBuf], import: F, profile: &Profile, sink: S) -> Result<(), W>
where
    F: Fn(&Path) -> Result<Vec<Imported>, E> + Sync,
    E: Display,
    S: FnMut(FileOutcome) -> Result<(), W>,
{
    // The calling thread blocks while it waits for outcomes: were it one of
    // the readers' pool threads, a pool of one would never read. So the
    // readers get a pool of their own, as large as the caller's.
    let threads = rayon::current_num_threads().clamp(1, paths.len().max(1));
    let shared = Shared {
        paths,
        import: &import,
        profile,
        next: AtomicUsize::new(0),
        window: Window::default(),
    };
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.in_place_scope(|scope| stream(scope, threads, &shared, sink)),
        Err(_) => paths
            .iter()
            .map(|path| process(path, &import, profile))
            .try_for_each(sink),
    }
}

/// What the readers share: the files, the next one to take, and how far
/// the writer has got.
struct Shared<'a, F> {
    paths: &'a [PathBuf],
    import: &'a F,
    profile: &'a Profile,
    next: AtomicUsize,
    window: Window,
}

/// Runs `threads` readers on `scope` and the writer on this thread.
fn stream<'s, F, E, S, W>(
    scope: &rayon::Scope<'s>,
    threads: usize,
    shared: &'s Shared<'s, F>,
    sink: S,
) -> Result<(), W>
where
    F: Fn(&Path) -> Result<Vec<Imported>, E> + Sync,
    E: Display,
    S: FnMut(FileOutcome) -> Result<(), W>,
{
    let (sender, outcomes) = mpsc::channel();
    for _ in 0..threads {
        let sender = sender.clone();
        scope.spawn(move |_| loop {
            let i = shared.next.fetch_add(1, Ordering::Relaxed);
            let Some(path) = shared.paths.get(i) else {
                break;
            };
            if !shared.window.wait_for(i) {
                break;
            }
            let outcome = process(path, shared.import, shared.profile);
            if sender.send((i, outcome)).is_err() {
                break;
            }
        });
    }
    drop(sender);
    // However this ends (done, a sink error, a panic), the readers must stop
    // waiting, or the scope would wait for them forever.
    let _close = shared.window.closer();
    in_order(outcomes, &shared.window, sink)
}

/// Hands outcomes arriving in any order to `sink` in index order.
fn in_order<S, W>(
    outcomes: mpsc::Receiver<(usize, FileOutcome)>,
    window: &Window,
    mut sink: S,
) -> Result<(), W>
where
    S: FnMut(FileOutcome) -> Result<(), W>,
{
    let mut early = BTreeMap::new();
    let mut expected = 0;
    for (i, outcome) in outcomes {
        early.insert(i, outcome);
        while let Some(outcome) = early.remove(&expected) {
            sink(outcome)?;
            expected += 1;
            window.written(expected);
        }
    }
    Ok(())
}

/// How many outcomes the writer has taken, for readers to wait on.
#[derive(Default)]
struct Window {
    state: Mutex<WindowState>,
    moved: Condvar,
}

#[derive(Default)]
struct WindowState {
    written: usize,
    closed: bool,
}

impl Window {
    /// Blocks until file `i` is within [`WINDOW`] of the writer; false once
    /// the batch is closed.
    fn wait_for(&self, i: usize) -> bool {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let state = self
            .moved
            .wait_while(state, |s| !s.closed && i >= s.written + WINDOW)
            .unwrap_or_else(PoisonError::into_inner);
        !state.closed
    }

    fn written(&self, count: usize) {
        self.update(|s| s.written = count);
    }

    fn closer(&self) -> impl Drop + '_ {
        struct Close<'a>(&'a Window);
        impl Drop for Close<'_> {
            fn drop(&mut self) {
                self.0.update(|s| s.closed = true);
            }
        }
        Close(self)
    }

    fn update(&self, change: impl FnOnce(&mut WindowState)) {
        change(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner));
        self.moved.notify_all();
    }
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
    fn a_sink_error_stops_the_readers_within_the_window() {
        let paths: Vec<PathBuf> = (0..1000)
            .map(|i| PathBuf::from(format!("f{i:04}")))
            .collect();
        let read = AtomicUsize::new(0);
        let counting = |path: &Path| {
            read.fetch_add(1, Ordering::Relaxed);
            fake(path)
        };
        let mut taken = 0;
        let result = run(&paths, counting, &Profile::default(), |_: FileOutcome| {
            taken += 1;
            if taken == 5 {
                return Err("disk full");
            }
            Ok(())
        });
        assert_eq!(result, Err("disk full"));
        assert_eq!(taken, 5);
        // The readers never got more than the window ahead of the writer.
        assert!(read.load(Ordering::Relaxed) <= 5 + WINDOW);
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

//! The `batch` stage: run the pipeline over many files in parallel and
//! collect every outcome, good or bad, in a deterministic order.
//!
//! Every thread, the calling one included, takes the next file, reads,
//! imports and reviews it, and leaves the outcome in a reorder buffer. The
//! outcomes then go to one consumer (the writer) in path order, written by
//! whichever thread finds the next one ready and the writer free: there is
//! no writer thread to wake and preempt once per file. Readers may run at
//! most [`WINDOW`] files ahead of the writer, so memory stays bounded
//! whatever the number of files, and the output order does not depend on
//! the number of threads.

pub mod consolidate;
pub mod inputs;
pub mod ledger;
pub mod records;
pub mod roster;

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

use crate::model::Imported;
use crate::review::Profile;
use inputs::Reason;

pub use crate::outcome::{FileOutcome, Reviewed, Status};

pub use consolidate::{consolidate, consolidate_with, BatchError, Options, Report};

/// How far the readers may run ahead of the writer, in files: enough to
/// keep both cores busy past a slow file, small enough that the records
/// held in memory stay a few megabytes.
const WINDOW: usize = 64;

/// Reads, imports and reviews every file of `paths` with `import`, in
/// parallel, and hands each outcome to `sink` in the order of `paths`.
///
/// A file that fails (an error, no form found, even a panic inside the
/// importer) becomes a [`Status::Failed`] outcome and the batch goes on; one
/// whose error says it is no form ([`inputs::Reason`]) becomes
/// [`Status::Skipped`]. Only an error from `sink` stops the batch.
pub fn run<F, E, S, W>(paths: &[PathBuf], import: F, profile: &Profile, sink: S) -> Result<(), W>
where
    F: Fn(&Path) -> Result<Vec<Imported>, E> + Sync,
    E: Reason,
    S: FnMut(FileOutcome) -> Result<(), W> + Send,
    W: Send,
{
    let threads = rayon::current_num_threads().clamp(1, paths.len().max(1));
    let shared = Shared {
        paths,
        import: &import,
        profile,
        next: AtomicUsize::new(0),
        window: Window::default(),
        ready: Mutex::new(BTreeMap::new()),
        writer: Mutex::new(Writer {
            sink,
            written: 0,
            failed: None,
        }),
    };
    // The calling thread reads too; the pool only adds the other threads.
    let helpers = rayon::ThreadPoolBuilder::new()
        .num_threads(threads - 1)
        .build();
    match helpers {
        Ok(pool) if threads > 1 => pool.in_place_scope(|scope| {
            for _ in 1..threads {
                scope.spawn(|_| shared.read());
            }
            shared.read();
        }),
        _ => shared.read(),
    }
    let writer = shared
        .writer
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    writer.failed.map_or(Ok(()), Err)
}

/// What the threads share: the files, the next one to take, the outcomes
/// not yet written, and the writer.
struct Shared<'a, F, S, W> {
    paths: &'a [PathBuf],
    import: &'a F,
    profile: &'a Profile,
    next: AtomicUsize,
    window: Window,
    ready: Mutex<BTreeMap<usize, FileOutcome>>,
    writer: Mutex<Writer<S, W>>,
}

/// The consumer, how many outcomes it has taken, and its error, which
/// ends the batch.
struct Writer<S, W> {
    sink: S,
    written: usize,
    failed: Option<W>,
}

impl<F, E, S, W> Shared<'_, F, S, W>
where
    F: Fn(&Path) -> Result<Vec<Imported>, E>,
    E: Reason,
    S: FnMut(FileOutcome) -> Result<(), W>,
{
    /// Takes files until none are left or the batch is closed.
    fn read(&self) {
        // A panic in the sink must not leave the other threads waiting for
        // a writer that is gone.
        let _close = self.window.closer_on_panic();
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(path) = self.paths.get(i) else {
                return;
            };
            if !self.window.wait_for(i) {
                return;
            }
            let outcome = process(path, self.import, self.profile);
            lock(&self.ready).insert(i, outcome);
            self.write_ready();
        }
    }

    /// Writes the outcomes that are next in order, unless another thread is
    /// writing; that thread looks again for outcomes that came meanwhile.
    fn write_ready(&self) {
        loop {
            let Ok(mut writer) = self.writer.try_lock() else {
                return;
            };
            if writer.failed.is_some() {
                return;
            }
            loop {
                let next = lock(&self.ready).remove(&writer.written);
                let Some(outcome) = next else { break };
                if let Err(e) = (writer.sink)(outcome) {
                    writer.failed = Some(e);
                    self.window.close();
                    return;
                }
                writer.written += 1;
                self.window.written(writer.written);
            }
            let written = writer.written;
            drop(writer);
            // An outcome left while this thread held the writer found it
            // busy; it is this thread's to write.
            if !lock(&self.ready).contains_key(&written) {
                return;
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
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
        let state = self
            .moved
            .wait_while(lock(&self.state), |s| !s.closed && i >= s.written + WINDOW)
            .unwrap_or_else(PoisonError::into_inner);
        !state.closed
    }

    fn written(&self, count: usize) {
        self.update(|s| s.written = count);
    }

    fn close(&self) {
        self.update(|s| s.closed = true);
    }

    /// Closes the window if the thread unwinds.
    fn closer_on_panic(&self) -> impl Drop + '_ {
        struct Close<'a>(&'a Window);
        impl Drop for Close<'_> {
            fn drop(&mut self) {
                if std::thread::panicking() {
                    self.0.close();
                }
            }
        }
        Close(self)
    }

    fn update(&self, change: impl FnOnce(&mut WindowState)) {
        change(&mut lock(&self.state));
        self.moved.notify_all();
    }
}

fn process<F, E>(path: &Path, import: &F, profile: &Profile) -> FileOutcome
where
    F: Fn(&Path) -> Result<Vec<Imported>, E>,
    E: Reason,
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
        // Records that did not come through the importer (JSON) are held
        // to the same bounds, so that the batch's sums stay exact.
        Ok(Ok(records)) => match records.iter().find_map(|r| r.imported.record.implausible()) {
            Some(what) => Status::Failed(format!("{}: {what}", path.display())),
            None => Status::Imported(records),
        },
        Ok(Err(e)) => match e.skipped() {
            Some(skip) => Status::Skipped(skip.clone()),
            None => Status::Failed(e.to_string()),
        },
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
                        ..Default::default()
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

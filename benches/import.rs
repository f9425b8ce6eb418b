//! Cost of the `mapping` stage on top of reading: detection (every sheet ×
//! every built-in mapping) plus extraction, on the import fixtures, against
//! `source::open` alone.
//!
//! `cargo bench --bench import [-- ROUNDS]`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jixiao::mapping;
use jixiao::source::{self, Workbook};

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "xlsx"));
    files.sort();
    let books: Vec<Workbook> = files.iter().filter_map(|p| source::open(p).ok()).collect();
    // Fastest of the rounds per file: filters out preemption on a shared box.
    let mut open = vec![Duration::MAX; files.len()];
    let mut map = vec![Duration::MAX; books.len()];
    let mut records = 0;
    for _ in 0..rounds {
        for (i, path) in files.iter().enumerate() {
            let t = Instant::now();
            let _ = source::open(path);
            open[i] = open[i].min(t.elapsed());
        }
        records = 0;
        for (i, book) in books.iter().enumerate() {
            let t = Instant::now();
            records += mapping::import(book, None).map(|r| r.len()).unwrap_or(0);
            map[i] = map[i].min(t.elapsed());
        }
    }
    let (open, map): (Duration, Duration) = (open.iter().sum(), map.iter().sum());
    let per = |d: Duration| d.as_secs_f64() * 1e3 / files.len() as f64;
    println!(
        "forms: {} fixtures ({records} records), fastest of {rounds} rounds",
        files.len()
    );
    println!("source::open      : {:>7.3} ms/file", per(open));
    println!(
        "mapping::import   : {:>7.3} ms/file (detect + extract, grid in memory)",
        per(map)
    );
}

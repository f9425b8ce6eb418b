//! Records the writer tests run on: the repo's fixtures, plus every
//! `.expected.json` of the shared corpus when it exists beside the repo.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use jixiao::model::Record;

/// `tests/fixtures/standard`.
pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/standard")
}

/// `../shared/corpus/public`, or `None` (with a message) when absent.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/public");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping the shared corpus: {} not found", dir.display());
        None
    }
}

/// The records of one JSON file: an object or a list of them.
pub fn read_records(path: &Path) -> Vec<Record> {
    let text = std::fs::read_to_string(path).unwrap();
    match serde_json::from_str::<Vec<Record>>(&text) {
        Ok(list) => list,
        Err(_) => vec![serde_json::from_str(&text).unwrap()],
    }
}

/// Every `*.json` record under `dir` whose name ends in `suffix`, named
/// `file#n`.
fn records_in(dir: &Path, suffix: &str) -> Vec<(String, Record)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for (i, record) in read_records(&path).into_iter().enumerate() {
            out.push((format!("{name}#{i}"), record));
        }
    }
    out
}

/// The repo's fixtures, then the corpus's expected records.
pub fn all_records() -> Vec<(String, Record)> {
    let mut out = records_in(&fixture_dir(), ".json");
    if let Some(dir) = corpus_dir() {
        let corpus = records_in(&dir, ".expected.json");
        assert!(
            !corpus.is_empty(),
            "corpus at {} has no expected records",
            dir.display()
        );
        out.extend(corpus);
    }
    out
}

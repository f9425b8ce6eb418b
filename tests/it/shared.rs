//! What the tests share: the workspace beside the checkout
//! (`../shared/corpus/...`), and package edits standing for a person saving
//! a form in Excel.
//!
//! On a developer's laptop without it the corpus tests skip with a message;
//! under CI (`CI` set) a missing corpus fails, so a broken checkout can never
//! pass by skipping every corpus check.

use std::path::{Path, PathBuf};

/// `../shared/corpus/<sub>`, or `None` (with a message) when absent outside CI.
///
/// # Panics
/// When the folder is missing and the `CI` environment variable is set.
pub fn corpus(sub: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(sub);
    if dir.exists() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but the shared corpus is missing: {}",
        dir.display()
    );
    eprintln!("skipping: {} not found", dir.display());
    None
}

/// Rewrites the package at `path` part by part: `edit` gets each part's
/// name and bytes and returns what to keep (`None` drops the part). Stands
/// for what Excel does to a form a department opens and saves.
pub fn rewrite_package(path: &Path, edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>) {
    use std::io::{Read, Write};
    let bytes = std::fs::read(path).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap();
        let name = part.name().expect("part name").to_string();
        let mut data = Vec::new();
        part.read_to_end(&mut data).unwrap();
        if let Some(data) = edit(&name, data) {
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(&data).unwrap();
        }
    }
    std::fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}

/// A form jixiao wrote, as a department sends it back from its own
/// workbook: without jixiao's marker.
pub fn unmark(path: &Path) {
    rewrite_package(path, |name, data| {
        (name != "docProps/custom.xml").then_some(data)
    });
}

//! Which files a batch reads: the files named on the command line, and every
//! spreadsheet found recursively under the folders named there.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Extensions (lower case) a folder walk picks up. Files named explicitly are
/// always read, whatever their extension, because the source stage detects
/// formats by content.
const SPREADSHEET_EXTENSIONS: &[&str] = &[
    "xlsx", "xlsm", "xltx", "xltm", "xls", "xlt", "xlsb", "ods", "csv", "txt", "htm", "html",
    "xml", "et",
];

/// Expands `inputs` into a sorted, de-duplicated list of files.
///
/// Folders are walked recursively; Office lock files (`~$…`), hidden files and
/// hidden folders are skipped, as are files with no spreadsheet extension and
/// any path in `exclude` (the batch's own outputs, so a re-run never reads
/// the previous run's workbook). A folder that cannot be listed is kept as an
/// input so that the batch records its error instead of silently dropping it.
pub fn collect(inputs: &[PathBuf], exclude: &[PathBuf]) -> Vec<PathBuf> {
    let exclude: BTreeSet<PathBuf> = exclude.iter().map(|p| canonical(p)).collect();
    let mut found = BTreeSet::new();
    let mut visited = BTreeSet::new();
    for input in inputs {
        if input.is_dir() {
            walk(input, &exclude, &mut visited, &mut found);
        } else {
            found.insert(input.clone());
        }
    }
    found.into_iter().collect()
}

fn walk(
    dir: &Path,
    exclude: &BTreeSet<PathBuf>,
    visited: &mut BTreeSet<PathBuf>,
    found: &mut BTreeSet<PathBuf>,
) {
    // A symbolic link back up the tree must not loop forever.
    if !visited.insert(canonical(dir)) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        found.insert(dir.to_path_buf());
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if is_skipped_name(&path) || exclude.contains(&canonical(&path)) {
            continue;
        }
        if path.is_dir() {
            walk(&path, exclude, visited, found);
        } else if has_spreadsheet_extension(&path) {
            found.insert(path);
        }
    }
}

/// Hidden entries (`.git`, `.~lock…#`) and Office lock files (`~$x.xlsx`).
fn is_skipped_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') || n.starts_with("~$"))
}

fn has_spreadsheet_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SPREADSHEET_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The canonical form of a path when it exists, else the path itself; used
/// only to compare paths, never to name files in output.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_sorted_and_skips_locks_hidden_and_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/sub")).unwrap();
        std::fs::create_dir_all(root.join(".hidden")).unwrap();
        for name in [
            "b/sub/z.xlsx",
            "b/a.XLS",
            "a.csv",
            "~$a.xlsx",
            ".x.xlsx",
            ".hidden/c.xlsx",
            "notes.md",
            "out.xlsx",
        ] {
            std::fs::write(root.join(name), b"").unwrap();
        }
        let got = collect(&[root.to_path_buf()], &[root.join("out.xlsx")]);
        let want: Vec<PathBuf> = ["a.csv", "b/a.XLS", "b/sub/z.xlsx"]
            .iter()
            .map(|n| root.join(n))
            .collect();
        assert_eq!(got, want);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_loop_is_walked_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::write(root.join("a/f.xlsx"), b"").unwrap();
        std::os::unix::fs::symlink(root, root.join("a/up")).unwrap();
        let got = collect(&[root.to_path_buf()], &[]);
        assert_eq!(got, vec![root.join("a/f.xlsx")]);
    }

    #[test]
    fn explicit_files_are_kept_even_when_missing_and_deduplicated() {
        let files = vec![PathBuf::from("nope.bin"), PathBuf::from("nope.bin")];
        assert_eq!(collect(&files, &[]), vec![PathBuf::from("nope.bin")]);
    }
}

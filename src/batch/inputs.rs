//! Which files a batch reads: the files named on the command line, and every
//! spreadsheet found recursively under the folders named there.

use std::collections::BTreeSet;
use std::fs::DirEntry;
use std::path::{Path, PathBuf};

/// Extensions a folder walk picks up (compared without regard to ASCII case).
/// Files named explicitly are always read, whatever their extension, because
/// the source stage detects formats by content.
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
    let mut walk = Walk {
        exclude: exclude.iter().map(|p| canonical(p)).collect(),
        visited: BTreeSet::new(),
        found: Vec::new(),
    };
    for input in inputs {
        if input.is_dir() {
            walk.dir(input, canonical(input));
        } else {
            walk.found.push(input.clone());
        }
    }
    // The walk lists each folder in order, so this sort mostly checks that
    // runs are in order: paths compare component by component, which made
    // inserting each into an ordered set most of the cost of a large folder.
    let mut found = walk.found;
    found.sort();
    found.dedup();
    found
}

/// A folder walk. Paths are compared by their canonical form, which is
/// derived from the folder's for every entry that is not a symbolic link:
/// only links cost a lookup of their own.
struct Walk {
    /// Canonical; a few paths at most.
    exclude: Vec<PathBuf>,
    /// The canonical folders already walked.
    visited: BTreeSet<PathBuf>,
    found: Vec<PathBuf>,
}

impl Walk {
    /// Walks `dir`, whose canonical form is `real`.
    fn dir(&mut self, dir: &Path, real: PathBuf) {
        // A symbolic link back up the tree must not loop forever.
        if !self.visited.insert(real.clone()) {
            return;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            self.found.push(dir.to_path_buf());
            return;
        };
        let mut entries: Vec<DirEntry> = entries.flatten().collect();
        entries.sort_by_cached_key(DirEntry::file_name);
        for entry in &entries {
            self.entry(entry, &real);
        }
    }

    /// One entry of a folder whose canonical form is `real_dir`.
    fn entry(&mut self, entry: &DirEntry, real_dir: &Path) {
        let path = entry.path();
        if is_skipped_name(&path) {
            return;
        }
        let (real, is_dir) = match entry.file_type() {
            Ok(kind) if !kind.is_symlink() => (real_dir.join(entry.file_name()), kind.is_dir()),
            // A link (or an entry of unknown kind) is followed to its target.
            _ => (canonical(&path), path.is_dir()),
        };
        if self.exclude.contains(&real) {
            return;
        }
        if is_dir {
            self.dir(&path, real);
        } else if has_spreadsheet_extension(&path) {
            self.found.push(path);
        }
    }
}

/// Hidden entries (`.git`, `.~lock…#`) and Office lock files (`~$x.xlsx`).
fn is_skipped_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') || n.starts_with("~$"))
}

/// Whether `path` ends in an extension the source stage reads.
pub fn has_spreadsheet_extension(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        SPREADSHEET_EXTENSIONS
            .iter()
            .any(|s| s.eq_ignore_ascii_case(e))
    })
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

    #[cfg(unix)]
    #[test]
    fn an_output_reached_through_a_link_is_left_out_and_linked_folders_are_walked() {
        let dir = tempfile::tempdir().unwrap();
        let (root, other) = (dir.path().join("root"), dir.path().join("other"));
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(root.join("out.xlsx"), b"").unwrap();
        std::fs::write(other.join("g.xlsx"), b"").unwrap();
        std::os::unix::fs::symlink(root.join("out.xlsx"), root.join("link.xlsx")).unwrap();
        std::os::unix::fs::symlink(&other, root.join("l")).unwrap();
        let got = collect(std::slice::from_ref(&root), &[root.join("out.xlsx")]);
        assert_eq!(got, vec![root.join("l/g.xlsx")]);
    }
}

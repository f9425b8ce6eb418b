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

/// The first of `outputs` that would replace one of the files named in
/// `inputs`, directly or through a link. Files found in folders need no such
/// check, as [`collect`] leaves the outputs out of them. Only outputs that
/// already exist are compared by identity, so a first run looks nothing up
/// per input; one that does not exist can only be an input named the same.
pub fn overwritten<'a>(inputs: &[PathBuf], outputs: &'a [PathBuf]) -> Option<&'a PathBuf> {
    let targets: Vec<Target> = outputs.iter().map(|o| Target::of(o)).collect();
    let named: BTreeSet<FileId> = if targets.iter().any(|t| t.id().is_some()) {
        inputs
            .iter()
            .filter_map(|i| Target::of(i).id().cloned())
            .collect()
    } else {
        BTreeSet::new()
    };
    outputs.iter().zip(&targets).find_map(|(o, target)| {
        let replaced = match target {
            Target::File(id) => named.contains(id),
            Target::Missing => inputs.contains(o),
            Target::Folder => false,
        };
        replaced.then_some(o)
    })
}

/// What is at an output path, as far as replacing an input goes.
enum Target {
    File(FileId),
    /// Writing there fails; it replaces nothing.
    Folder,
    Missing,
}

impl Target {
    fn of(path: &Path) -> Target {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => Target::Folder,
            Ok(meta) => Target::File(file_id(path, &meta)),
            Err(_) => Target::Missing,
        }
    }

    fn id(&self) -> Option<&FileId> {
        match self {
            Target::File(id) => Some(id),
            _ => None,
        }
    }
}

/// What makes two paths the same file: the device and inode on unix (so a
/// hard link counts too), the canonical path elsewhere.
#[cfg(unix)]
type FileId = (u64, u64);
#[cfg(not(unix))]
type FileId = PathBuf;

#[cfg(unix)]
fn file_id(_path: &Path, meta: &std::fs::Metadata) -> FileId {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn file_id(path: &Path, _meta: &std::fs::Metadata) -> FileId {
    canonical(path)
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

    #[test]
    fn an_output_overwrites_an_input_only_when_it_is_that_file() {
        let dir = tempfile::tempdir().unwrap();
        let (input, other) = (dir.path().join("in.xlsx"), dir.path().join("other.xlsx"));
        std::fs::write(&input, b"").unwrap();
        std::fs::write(&other, b"").unwrap();
        let inputs = [dir.path().to_path_buf(), input.clone(), "gone.xlsx".into()];
        let check = |o: &PathBuf| overwritten(&inputs, std::slice::from_ref(o)).cloned();
        assert_eq!(check(&input), Some(input.clone()));
        assert!(check(&dir.path().join(".").join("in.xlsx")).is_some());
        assert_eq!(check(&"gone.xlsx".into()), Some("gone.xlsx".into()));
        assert_eq!(check(&other), None);
        assert_eq!(check(&dir.path().join("new.xlsx")), None);
        assert_eq!(check(&dir.path().to_path_buf()), None);
    }

    #[cfg(unix)]
    #[test]
    fn an_output_linked_to_an_input_overwrites_it() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.xlsx");
        std::fs::write(&input, b"").unwrap();
        let (soft, hard) = (dir.path().join("soft.xlsx"), dir.path().join("hard.xlsx"));
        std::os::unix::fs::symlink(&input, &soft).unwrap();
        std::fs::hard_link(&input, &hard).unwrap();
        let outputs = [dir.path().join("new.xlsx"), soft.clone(), hard];
        assert_eq!(overwritten(&[input], &outputs), Some(&soft));
    }
}

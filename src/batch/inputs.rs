//! Which files a batch reads: the files named on the command line, and
//! every file found recursively under the folders named there, each read
//! for what its content is: a form, records written as JSON, or something
//! that is no spreadsheet (a PDF, a Word document, an image, an archive),
//! which is listed as such rather than dropped.

use std::collections::{BTreeSet, HashSet};
use std::fmt::Display;
use std::fs::DirEntry;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::records::{self, RecordsError};
use crate::mapping::{Catalog, ImportError};
use crate::model::Imported;
pub use crate::outcome::Skip;
use crate::source::{self, sniff, Limits, Sniffed, SourceError};
use crate::write::atomic::{package_marks, Made, Marks};

/// Names under which text is a table (compared without regard to ASCII
/// case), besides no extension at all: delimited text, and the spreadsheet
/// names a finance system gives its text or HTML exports. Other text files
/// (`说明.md`, `notes.toml`) are not forms.
const TABLE_TEXT_EXTENSIONS: &[&str] = &[
    "csv", "tsv", "txt", "tab", "prn", "dat", "xlsx", "xlsm", "xltx", "xltm", "xls", "xlt", "xlsb",
    "ods", "htm", "html", "xml", "et",
];

/// How much of a file is looked at to tell what it is.
const HEAD_BYTES: usize = 8192;

/// Expands `inputs` into a de-duplicated list of files, in the order named.
///
/// Folders are walked recursively; Office lock files (`~$…`), hidden files and
/// hidden folders are skipped, as is any path in `exclude` (the batch's own
/// outputs, so a re-run never reads the previous run's workbook, and the
/// `mappings/` folders in use). Every other file is kept, whatever its name:
/// [`read`] decides by content what it is. A folder that cannot be listed is
/// kept as an input so that the batch records its error instead of silently
/// dropping it.
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
    // Files named on the command line keep the order they were named in (a
    // clerk who lists a.xlsx then b.xlsx reads them back in that order); a
    // folder's files follow in path order, as the walk lists each folder
    // sorted. A file named twice, or named and also in a folder, counts once,
    // where it was first met.
    let mut seen = HashSet::with_capacity(walk.found.len());
    let mut found = walk.found;
    found.retain(|p| seen.insert(p.clone()));
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
        } else {
            self.found.push(path);
        }
    }
}

/// The name of the folder of mapping files kept among the forms.
pub const MAPPINGS_DIR: &str = "mappings";

/// The `mappings/` folders among `inputs`: inside each folder named, and
/// beside each file named (in the same folder), once each.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::create_dir(dir.path().join("mappings")).unwrap();
/// let inbox = vec![dir.path().to_path_buf(), dir.path().join("a.xlsx")];
/// let found = jixiao::batch::inputs::mapping_dirs(&inbox);
/// assert_eq!(found, vec![dir.path().join("mappings")]);
/// ```
pub fn mapping_dirs(inputs: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for input in inputs {
        let base = if input.is_dir() {
            input.as_path()
        } else {
            input.parent().unwrap_or(Path::new(""))
        };
        let dir = base.join(MAPPINGS_DIR);
        if dir.is_dir() && !dirs.iter().any(|d| canonical(d) == canonical(&dir)) {
            dirs.push(dir);
        }
    }
    dirs
}

/// Hidden entries (`.git`, `.~lock…#`) and Office lock files (`~$x.xlsx`).
fn is_skipped_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') || n.starts_with("~$"))
}

/// A reader's error as the batch sees it: a failure, unless it says the
/// file was rightly left out.
pub trait Reason: Display {
    fn skipped(&self) -> Option<&Skip> {
        None
    }
}

impl Reason for String {}
impl Reason for &str {}
impl Reason for ImportError {}

/// Why [`read`] gave no records.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{}: {skip}", path.display())]
    Skipped { path: PathBuf, skip: Skip },
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Records(#[from] RecordsError),
}

impl Reason for ReadError {
    fn skipped(&self) -> Option<&Skip> {
        match self {
            ReadError::Skipped { skip, .. } => Some(skip),
            _ => None,
        }
    }
}

/// Every record of the file at `path`: JSON records as written, a
/// spreadsheet imported through `catalog`; anything else is skipped, and so
/// is the consolidated workbook jixiao wrote (never a form, whatever its
/// name). A standard form it wrote (`convert`) is a form like any other; a
/// consolidation counts it once beside its original, as the same content.
///
/// ```
/// use jixiao::batch::inputs::{read, ReadError, Skip};
/// let dir = tempfile::tempdir().unwrap();
/// let pdf = dir.path().join("说明.pdf");
/// std::fs::write(&pdf, b"%PDF-1.7").unwrap();
/// let catalog = jixiao::mapping::Catalog::default();
/// match read(&pdf, &catalog) {
///     Err(ReadError::Skipped { skip: Skip::NotSpreadsheet(what), .. }) => {
///         assert!(what.contains("PDF"))
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn read(path: &Path, catalog: &Catalog) -> Result<Vec<Imported>, ReadError> {
    read_with(path, catalog, false)
}

/// [`read`] for a consolidation: a form jixiao wrote (`convert`) and
/// nobody changed since is skipped too, as its own output
/// ([`Skip::UnchangedOutput`]), so an inbox holding a form and its
/// converted copy, or last run's outputs, counts each form once. A form
/// jixiao wrote that a department then filled in or corrected (a blank
/// from `jixiao template`, a form sent back for changes) reads back to
/// another digest and is a form like any other.
pub fn read_for_consolidation(path: &Path, catalog: &Catalog) -> Result<Vec<Imported>, ReadError> {
    read_with(path, catalog, true)
}

fn read_with(
    path: &Path,
    catalog: &Catalog,
    skip_unchanged: bool,
) -> Result<Vec<Imported>, ReadError> {
    if records::is_records_name(path) {
        return Ok(records::read(path)?);
    }
    let skipped = |skip| ReadError::Skipped {
        path: path.to_path_buf(),
        skip,
    };
    let not_spreadsheet = |e: SourceError| match e {
        SourceError::Unsupported { what, .. } => skipped(Skip::NotSpreadsheet(what)),
        other => ReadError::Import(ImportError::Source(other)),
    };
    // The file is read once: what it is, and then the workbook, both come
    // from these bytes (a batch of small forms spent a tenth of its time
    // opening each file three times).
    let limits = Limits::default();
    let bytes = source::read_file(path, &limits).map_err(not_spreadsheet)?;
    let written_from = match content(path, &bytes) {
        Content::Foreign(what) => return Err(skipped(Skip::NotSpreadsheet(what))),
        Content::Consolidated => return Err(skipped(Skip::WrittenByJixiao)),
        Content::Spreadsheet { written_from } => written_from,
    };
    let workbook = source::read_bytes(path, &bytes, &limits).map_err(not_spreadsheet)?;
    let imported = catalog.import(&workbook)?;
    let unchanged = |digest| {
        !imported.is_empty() && imported.iter().all(|i| i.record.content_digest() == digest)
    };
    match written_from {
        Some(digest) if skip_unchanged && unchanged(digest) => Err(skipped(Skip::UnchangedOutput)),
        _ => Ok(imported),
    }
}

/// Whether any of `files` may be a form or records; false when every one
/// is plainly something else (judged from its content), so a folder of
/// PDFs is an error rather than an empty batch. Stops at the first.
pub fn any_readable(files: &[PathBuf]) -> bool {
    files
        .iter()
        .any(|f| !matches!(content_of_file(f), Content::Foreign(_)))
}

/// [`content`] of the file at `path`, reading only its head unless it is a
/// zip (a folder of large PDFs is not read whole to learn what they are).
fn content_of_file(path: &Path) -> Content {
    if records::is_records_name(path) {
        return PLAIN;
    }
    let head = || -> Option<Vec<u8>> {
        let file = std::fs::File::open(path).ok()?;
        let mut head = Vec::new();
        file.take(HEAD_BYTES as u64).read_to_end(&mut head).ok()?;
        Some(head)
    };
    // Not opened unless a regular file: a pipe would block.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return PLAIN;
    }
    match head() {
        Some(head) if sniff(&head) == Sniffed::Zip => {
            source::read_file(path, &Limits::default()).map_or(PLAIN, |bytes| content(path, &bytes))
        }
        Some(head) => content(path, &head),
        None => PLAIN,
    }
}

/// A spreadsheet that is no output of jixiao's (or cannot be looked at
/// before it is read: the reader then names the fault).
const PLAIN: Content = Content::Spreadsheet { written_from: None };

/// What a file is, as far as its first bytes (and, for a zip, its list of
/// entries) tell. Anything that cannot be told is left to the reader,
/// whose error then names the fault.
enum Content {
    /// A spreadsheet; for a form jixiao wrote, the content digest of the
    /// record it was written from.
    Spreadsheet {
        written_from: Option<u32>,
    },
    /// The consolidated workbook jixiao wrote, as its marker says.
    Consolidated,
    Foreign(String),
}

fn content(path: &Path, bytes: &[u8]) -> Content {
    match sniff(&bytes[..bytes.len().min(HEAD_BYTES)]) {
        Sniffed::Unsupported(what) => Content::Foreign(what.to_string()),
        Sniffed::Text if !is_table_text_name(path) => {
            Content::Foreign("a text file that is not a table".into())
        }
        Sniffed::Zip => zip_content(bytes),
        _ => PLAIN,
    }
}

/// What a zip is, from its directory: an archive a department sent its
/// forms in (no part of any office document), jixiao's own consolidated
/// workbook, or a spreadsheet. A zip that cannot be listed is left to the
/// reader.
fn zip_content(bytes: &[u8]) -> Content {
    const OFFICE: &[&str] = &["xl/", "word/", "ppt/", "Index/", "Index.zip", "content.xml"];
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return PLAIN;
    };
    let office = zip
        .file_names()
        .any(|n| n.is_ok_and(|n| OFFICE.iter().any(|o| n.starts_with(o))));
    if !office {
        return Content::Foreign("a zip archive; unpack it and add the forms inside".into());
    }
    match package_marks(&mut zip) {
        Some(Marks {
            made: Made::Consolidated,
            ..
        }) => Content::Consolidated,
        marks => Content::Spreadsheet {
            written_from: marks.and_then(|m| m.content),
        },
    }
}

/// Whether `path`'s name is one a table may have (a spreadsheet or
/// delimited-text extension, or none); a text file named otherwise
/// (`说明.md`) is not a form.
pub fn is_table_text_name(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_none_or(|e| {
        TABLE_TEXT_EXTENSIONS
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
        // Every other file is kept, whatever its name: `read` tells.
        let want: Vec<PathBuf> = ["a.csv", "b/a.XLS", "b/sub/z.xlsx", "notes.md"]
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
    fn named_files_keep_their_order_before_and_after_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in ["a.xlsx", "b.xlsx"] {
            std::fs::write(root.join(name), b"").unwrap();
        }
        let (z, y) = (
            PathBuf::from("/z/last.xlsx"),
            PathBuf::from("/y/first.xlsx"),
        );
        let got = collect(&[z.clone(), root.to_path_buf(), y.clone(), z.clone()], &[]);
        assert_eq!(got, vec![z, root.join("a.xlsx"), root.join("b.xlsx"), y]);
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

    fn skip_of(path: &Path) -> Option<Skip> {
        match read(path, &Catalog::default()) {
            Err(ReadError::Skipped { skip, .. }) => Some(skip),
            _ => None,
        }
    }

    #[test]
    fn content_decides_what_a_file_is() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        };
        let pdf = at("form.xlsx", b"%PDF-1.7 ...");
        let png = at("scan", b"\x89PNG\r\n\x1a\n....");
        let notes = at("说明.md", "# 说明\n收表截止日期\n".as_bytes());
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("a.pdf", zip::write::SimpleFileOptions::default())
            .unwrap();
        let archive = at("forms.zip", &zip.finish().unwrap().into_inner());
        for foreign in [&pdf, &png, &notes, &archive] {
            assert!(
                matches!(skip_of(foreign), Some(Skip::NotSpreadsheet(_))),
                "{foreign:?}"
            );
        }
        assert!(!any_readable(&[pdf.clone(), png, notes, archive]));
        // Text under a table's name, or none, is read as a table: it fails
        // as no form, it is not skipped.
        let table = at("data", "项目名称,x\n".as_bytes());
        let tsv = at("data.tsv", "项目名称\tx\n".as_bytes());
        for path in [&table, &tsv] {
            assert!(matches!(
                read(path, &Catalog::default()),
                Err(ReadError::Import(_))
            ));
        }
        assert!(any_readable(&[pdf, tsv]));
    }
}

//! Where outputs go, and how they get there.
//!
//! Every command's outputs pass one guard, [`guard`], before anything is
//! written: an output may replace only a file jixiao wrote (recognized by
//! [`is_jixiao_output`]: a marker in a workbook's document properties, the
//! record schema in JSON, a first comment line in Markdown), never an input
//! and never a spreadsheet someone else made; two outputs of one command
//! never share a file; a missing folder is named in the clerk's words.
//!
//! Regular outputs are written to a temporary file beside the target and
//! renamed into place, so a crash never leaves half a workbook behind. A
//! target that exists and is not a regular file (`/dev/null`, a FIFO,
//! `/dev/stdout`) is written through, never renamed over; `-` is standard
//! output.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::SystemTime;

use super::WriteError;

/// The custom document property every workbook jixiao writes carries; its
/// value says which output it is ([`Made`]).
pub const MARKER: &str = "jixiao";

/// The first line of every Markdown file jixiao writes: invisible when the
/// Markdown is rendered, and what lets a re-run replace the file.
pub const MARKDOWN_MARKER: &str = "<!-- jixiao -->";

/// Which output a workbook is, as its marker says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Made {
    /// A standard 财预〔2020〕10号 form (`convert`): a form other commands
    /// may read.
    Standard,
    /// The bureau's consolidated workbook: never a form.
    Consolidated,
    /// A form written into a template the user supplied.
    Filled,
    /// A Word report or summary (`report`, `consolidate --summary X.docx`).
    Report,
}

impl Made {
    /// The marker's value in the document properties.
    pub fn value(self) -> &'static str {
        match self {
            Made::Standard => "standard",
            Made::Consolidated => "consolidated",
            Made::Filled => "filled",
            Made::Report => "report",
        }
    }
}

/// Marks `workbook` as written by jixiao, so that a later run may replace
/// it and readers may tell it from a form a person filled in.
///
/// ```
/// use jixiao::write::atomic::{is_jixiao_output, mark, Made};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("out.xlsx");
/// let mut workbook = rust_xlsxwriter::Workbook::new();
/// workbook.add_worksheet();
/// mark(&mut workbook, Made::Standard);
/// workbook.save(&path).unwrap();
/// assert!(is_jixiao_output(&path));
/// ```
pub fn mark(workbook: &mut rust_xlsxwriter::Workbook, made: Made) {
    mark_form(workbook, made, None);
}

/// [`mark`], with the [`Record::content_digest`] of the record a form was
/// written from, so that a batch can tell the form as jixiao wrote it
/// (never read back) from the form a department filled in or corrected
/// (a form like any other).
///
/// [`Record::content_digest`]: crate::model::Record::content_digest
pub fn mark_form(workbook: &mut rust_xlsxwriter::Workbook, made: Made, content: Option<u32>) {
    let properties = rust_xlsxwriter::DocProperties::new()
        .set_author("jixiao")
        .set_custom_property(MARKER, marker_value(made, content));
    workbook.set_properties(&properties);
}

/// The marker's value: the kind, and the content digest after `;` when
/// there is one (`standard;content=1a2b3c4d`).
pub fn marker_value(made: Made, content: Option<u32>) -> String {
    match content {
        Some(digest) => format!("{};content={digest:08x}", made.value()),
        None => made.value().to_string(),
    }
}

/// What a workbook's marker says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Marks {
    pub made: Made,
    /// The digest of the record the form was written from, if any.
    pub content: Option<u32>,
}

/// Whether jixiao wrote the file at `path`: a workbook with the marker in
/// its document properties, JSON or JSON Lines holding jixiao records, or
/// Markdown starting with [`MARKDOWN_MARKER`]. Anything unreadable is not.
pub fn is_jixiao_output(path: &Path) -> bool {
    made_by_jixiao(path).is_some()
}

/// What jixiao wrote at `path`: `Some(None)` for a text output, the kind
/// for a marked workbook, `None` when jixiao did not write it.
pub fn made_by_jixiao(path: &Path) -> Option<Option<Made>> {
    /// Enough of a text output to see its first record's schema.
    const HEAD: u64 = 4096;
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(HEAD)
        .read_to_end(&mut head)
        .ok()?;
    if head.starts_with(b"PK\x03\x04") {
        return workbook_marker(path).map(Some);
    }
    is_jixiao_text(&head).then_some(None)
}

fn is_jixiao_text(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with(MARKDOWN_MARKER) {
        return true;
    }
    // `import --json` (one record or a list) and the JSON Lines outputs
    // (a record, or a record with its review, per line).
    let schema = format!("\"{}\"", crate::model::SCHEMA);
    (text.starts_with('{') || text.starts_with('['))
        && text.find("\"schema\"").is_some_and(|at| {
            let after = text[at + 8..].trim_start();
            after
                .strip_prefix(':')
                .is_some_and(|v| v.trim_start().starts_with(&schema))
        })
}

/// The marker of a workbook jixiao wrote, read from `docProps/custom.xml`.
fn workbook_marker(path: &Path) -> Option<Made> {
    let file = std::fs::File::open(path).ok()?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
    package_marker(&mut zip)
}

/// The marker in an already opened package (one read of its directory
/// serves the caller's other checks too).
pub fn package_marker<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
) -> Option<Made> {
    package_marks(zip).map(|m| m.made)
}

/// The marker of an opened package with the content digest it carries.
pub fn package_marks<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
) -> Option<Marks> {
    let xml = small_part(zip, "docProps/custom.xml")?;
    let at = xml.find(&format!("name=\"{MARKER}\""))?;
    let rest = &xml[at..];
    let value = rest.split_once("<vt:lpwstr>")?.1.split_once('<')?.0;
    let (kind, content) = match value.split_once(";content=") {
        Some((kind, digest)) => (kind, u32::from_str_radix(digest, 16).ok()),
        None => (value, None),
    };
    let made = [
        Made::Standard,
        Made::Consolidated,
        Made::Filled,
        Made::Report,
    ]
    .into_iter()
    .find(|m| m.value() == kind)?;
    Some(Marks { made, content })
}

/// The text of a small part of a package, inflated in one call: every
/// input of a batch is looked at, and the zip crate's streaming inflater
/// cost more to set up than the few hundred bytes of the part cost to
/// inflate. A part larger than rust_xlsxwriter ever writes there is no
/// marker.
fn small_part<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
) -> Option<String> {
    const MAX_PART: usize = 64 * 1024;
    let part = zip.by_name_raw(name.as_bytes()).ok()?;
    let (method, size) = (part.compression(), usize::try_from(part.size()).ok()?);
    if size > MAX_PART || part.compressed_size() > MAX_PART as u64 {
        return None;
    }
    let mut packed = Vec::with_capacity(size);
    part.take(MAX_PART as u64).read_to_end(&mut packed).ok()?;
    let text = match method {
        zip::CompressionMethod::Stored => packed,
        zip::CompressionMethod::Deflated => {
            let mut out = vec![0; size];
            let len = libdeflater::Decompressor::new()
                .deflate_decompress(&packed, &mut out)
                .ok()?;
            out.truncate(len);
            out
        }
        _ => return None,
    };
    String::from_utf8(text).ok()
}

/// Checks one command's outputs before anything is written: each may
/// replace only a file jixiao wrote and that is not among `inputs` (files
/// named by the user), no two name the same file, and each one's folder
/// exists. `-` (standard output) and existing non-regular files (devices,
/// pipes) are always accepted, but standard output only once.
///
/// ```
/// use std::path::{Path, PathBuf};
/// use jixiao::write::atomic::guard;
/// let dir = tempfile::tempdir().unwrap();
/// let form = dir.path().join("form.xlsx");
/// std::fs::write(&form, b"a form someone typed").unwrap();
/// let out = dir.path().join("汇总.xlsx");
/// assert!(guard(&[], &[&out]).is_ok());
/// assert!(guard(&[], &[&form]).is_err(), "not written by jixiao");
/// assert!(guard(&[], &[&out, &out]).is_err(), "two outputs, one file");
/// ```
pub fn guard(inputs: &[PathBuf], outputs: &[&Path]) -> Result<(), WriteError> {
    let named: HashSet<Identity> = inputs.iter().filter_map(|i| identity(i)).collect();
    let mut seen = HashSet::new();
    for &output in outputs {
        let target = Target::of(output)?;
        if let Target::Special = target {
            continue;
        }
        if !seen.insert(identity(output)) {
            return Err(WriteError::SameOutput {
                path: output.to_path_buf(),
            });
        }
        check_replace(output, &target, &named)?;
    }
    Ok(())
}

/// Whether `output` may be replaced: it does not exist, or jixiao wrote it
/// and it is not one of the inputs.
fn check_replace(
    output: &Path,
    target: &Target,
    inputs: &HashSet<Identity>,
) -> Result<(), WriteError> {
    if !matches!(target, Target::Regular) {
        return Ok(());
    }
    let path = output.to_path_buf();
    if identity(output).is_some_and(|id| inputs.contains(&id)) {
        return Err(WriteError::WouldOverwriteInput { path });
    }
    if !replaceable(output) {
        return Err(WriteError::NotOurs { path });
    }
    Ok(())
}

/// A regular file jixiao wrote, or an empty one (nothing to lose).
fn replaceable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() == 0) || is_jixiao_output(path)
}

/// `path`, or `stem (2).ext`, `stem (3).ext` … when an output of this run
/// already took it, or a file is there that [`guard`] would not let this
/// run replace: for outputs named by jixiao inside a folder the user gave.
///
/// ```
/// use std::collections::HashSet;
/// use jixiao::write::atomic::free_name;
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("a.xlsx"), b"someone's file").unwrap();
/// let mut taken = HashSet::new();
/// let got = free_name(dir.path().join("a.xlsx"), &[], &mut taken);
/// assert_eq!(got, dir.path().join("a (2).xlsx"));
/// ```
pub fn free_name(path: PathBuf, inputs: &[PathBuf], taken: &mut HashSet<PathBuf>) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let mut candidate = path.clone();
    for n in 2.. {
        if !taken.contains(&candidate) && guard(inputs, &[&candidate]).is_ok() {
            break;
        }
        candidate = path.with_file_name(format!("{stem} ({n}){ext}"));
    }
    taken.insert(candidate.clone());
    candidate
}

/// What makes two paths the same output: the device and inode of an
/// existing file (so links count), else the canonical folder and the name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Identity {
    #[cfg(unix)]
    Inode(u64, u64),
    Path(PathBuf),
    Stdout,
}

fn identity(path: &Path) -> Option<Identity> {
    if is_stdout(path) {
        return Some(Identity::Stdout);
    }
    if let Ok(meta) = std::fs::metadata(path) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            return Some(Identity::Inode(meta.dev(), meta.ino()));
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            return std::fs::canonicalize(path).ok().map(Identity::Path);
        }
    }
    let folder = std::fs::canonicalize(folder_of(path)).ok()?;
    Some(Identity::Path(folder.join(path.file_name()?)))
}

/// What is at an output path.
enum Target {
    Stdout,
    /// A device, pipe or socket: written through, never renamed over.
    Special,
    Regular,
    Missing,
}

impl Target {
    fn of(path: &Path) -> Result<Target, WriteError> {
        if is_stdout(path) {
            return Ok(Target::Stdout);
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => Err(WriteError::IsFolder {
                path: path.to_path_buf(),
            }),
            Ok(meta) if meta.is_file() => Ok(Target::Regular),
            Ok(_) => Ok(Target::Special),
            Err(_) if !folder_of(path).is_dir() => Err(WriteError::MissingFolder {
                folder: folder_of(path).to_path_buf(),
            }),
            Err(_) => Ok(Target::Missing),
        }
    }
}

/// `-` names standard output.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    with_temp(path, |tmp| {
        std::fs::write(tmp, bytes).map_err(|source| WriteError::Io {
            path: path.to_path_buf(),
            source,
        })
    })
}

/// Lets `fill` write a temporary file, then puts it at `path`: renamed over
/// a regular file (or into a free place), copied into a device, pipe or
/// standard output. The temporary file is removed when `fill` fails.
pub fn with_temp<F>(path: &Path, fill: F) -> Result<(), WriteError>
where
    F: FnOnce(&Path) -> Result<(), WriteError>,
{
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let target = Target::of(path)?;
    let dir = match target {
        Target::Stdout | Target::Special => std::env::temp_dir(),
        Target::Regular | Target::Missing => folder_of(path).to_path_buf(),
    };
    let started = run_started();
    let tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(&dir)
        .map_err(io)?;
    // Held while this run owns the file, so that another run cleaning the
    // folder leaves it alone.
    let _ = tmp.as_file().try_lock();
    if matches!(target, Target::Regular | Target::Missing) {
        remove_stale(&dir, started, tmp.path());
    }
    fill(tmp.path())?;
    match target {
        Target::Stdout => copy_into(tmp.path(), &mut std::io::stdout().lock()).map_err(io),
        Target::Special => {
            let mut out = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(io)?;
            copy_into(tmp.path(), &mut out).map_err(io)
        }
        Target::Regular | Target::Missing => {
            publish_permissions(tmp.as_file());
            tmp.as_file().sync_all().ok();
            tmp.persist(path).map_err(|e| io(e.error))?;
            Ok(())
        }
    }
}

fn copy_into(from: &Path, out: &mut dyn Write) -> std::io::Result<()> {
    let mut file = std::fs::File::open(from)?;
    std::io::copy(&mut file, out)?;
    out.flush()
}

const TEMP_PREFIX: &str = ".jixiao-";
const TEMP_SUFFIX: &str = ".tmp";

/// When this run started writing: temporary files older than that were
/// left by a run that was killed.
fn run_started() -> SystemTime {
    static STARTED: OnceLock<SystemTime> = OnceLock::new();
    *STARTED.get_or_init(SystemTime::now)
}

/// Removes `.jixiao-*.tmp` files in `dir` last modified before `started`
/// that no running jixiao holds, except `ours`. Best effort: a file that
/// cannot be removed stays.
fn remove_stale(dir: &Path, started: SystemTime, ours: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = entry.path();
        if !name.starts_with(TEMP_PREFIX) || !name.ends_with(TEMP_SUFFIX) || path == ours {
            continue;
        }
        let old = entry
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .and_then(|m| m.modified().ok())
            .is_some_and(|m| m < started);
        let free = std::fs::File::open(&path).is_ok_and(|f| f.try_lock().is_ok());
        if old && free {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Writes text to `path` atomically, or to standard output when `path` is
/// `None` or `-`.
pub fn write_text(path: Option<&Path>, text: &str) -> Result<(), WriteError> {
    match path {
        Some(p) if !is_stdout(p) => write_bytes(p, text.as_bytes()),
        _ => {
            let mut out = std::io::stdout().lock();
            // Text that reaches a terminal: no control character from a
            // file may act on it.
            out.write_all(crate::text::terminal(text).as_bytes())
                .and_then(|_| out.flush())
                .map_err(|source| WriteError::Io {
                    path: "<stdout>".into(),
                    source,
                })
        }
    }
}

/// [`write_text`] for Markdown: a file gets [`MARKDOWN_MARKER`] as its
/// first line, so that a later run may replace it.
pub fn write_markdown(path: Option<&Path>, text: &str) -> Result<(), WriteError> {
    match path {
        Some(p) if !is_stdout(p) => write_bytes(p, format!("{MARKDOWN_MARKER}\n{text}").as_bytes()),
        _ => write_text(None, text),
    }
}

/// Temporary files are created private (0600); an output is an ordinary
/// document the user shares, so give it the usual 0644.
#[cfg(unix)]
fn publish_permissions(file: &std::fs::File) {
    use std::os::unix::fs::PermissionsExt;
    // Best effort: a filesystem that refuses modes still gets the output.
    let _ = file.set_permissions(std::fs::Permissions::from_mode(0o644));
}

#[cfg(not(unix))]
fn publish_permissions(_file: &std::fs::File) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(path: &Path, made: Made) {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        workbook.add_worksheet();
        mark(&mut workbook, made);
        workbook.save(path).unwrap();
    }

    #[test]
    fn output_replaces_target_whole_and_is_readable() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.md");
        std::fs::write(&target, "old").unwrap();
        write_bytes(&target, "新内容".as_bytes()).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "新内容");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&target).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left behind");
    }

    #[test]
    fn jixiao_outputs_are_recognized_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let at = |n: &str| dir.path().join(n);
        marked(&at("c.xlsx"), Made::Consolidated);
        assert_eq!(
            made_by_jixiao(&at("c.xlsx")),
            Some(Some(Made::Consolidated))
        );
        let mut plain = rust_xlsxwriter::Workbook::new();
        plain.add_worksheet();
        plain.save(at("form.xlsx")).unwrap();
        write_markdown(Some(&at("r.md")), "# 报告\n").unwrap();
        std::fs::write(at("notes.md"), "# 我的笔记\n").unwrap();
        let record = format!(
            "{{\"schema\":\"{}\",\"year\":2021}}\n",
            crate::model::SCHEMA
        );
        std::fs::write(at("a.jsonl"), &record).unwrap();
        std::fs::write(at("pretty.json"), record.replace(':', ": ")).unwrap();
        std::fs::write(at("other.json"), "{\"schema\":\"x\"}").unwrap();
        for (name, ours) in [
            ("c.xlsx", true),
            ("form.xlsx", false),
            ("r.md", true),
            ("notes.md", false),
            ("a.jsonl", true),
            ("pretty.json", true),
            ("other.json", false),
            ("missing.xlsx", false),
        ] {
            assert_eq!(is_jixiao_output(&at(name)), ours, "{name}");
        }
    }

    #[test]
    fn the_guard_replaces_only_what_jixiao_wrote_and_never_an_input() {
        let dir = tempfile::tempdir().unwrap();
        let at = |n: &str| dir.path().join(n);
        marked(&at("old.xlsx"), Made::Consolidated);
        marked(&at("std.xlsx"), Made::Standard);
        std::fs::write(at("form.xlsx"), b"a form").unwrap();
        std::fs::write(at("empty.md"), b"").unwrap();
        let inputs = [dir.path().to_path_buf(), at("std.xlsx")];
        let ok = |p: &str| guard(&inputs, &[&at(p)]).map_err(|e| e.to_string());
        assert!(ok("old.xlsx").is_ok());
        assert!(ok("new.xlsx").is_ok());
        assert!(ok("empty.md").is_ok());
        assert!(ok("form.xlsx")
            .unwrap_err()
            .contains("not written by jixiao"));
        assert!(ok("std.xlsx").unwrap_err().contains("input"));
        let err = guard(
            &[],
            &[&at("new.xlsx"), &dir.path().join(".").join("new.xlsx")],
        );
        assert!(matches!(err, Err(WriteError::SameOutput { .. })), "{err:?}");
        let err = guard(&[], &[&at("none/x.xlsx")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("输出文件夹不存在：{}", at("none").display())
        );
        assert!(guard(&[], &[dir.path()]).is_err(), "a folder");
        assert!(guard(&[], &[Path::new("-"), Path::new("-")]).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn the_guard_sees_through_links() {
        let dir = tempfile::tempdir().unwrap();
        let at = |n: &str| dir.path().join(n);
        marked(&at("out.xlsx"), Made::Consolidated);
        std::os::unix::fs::symlink(at("out.xlsx"), at("soft.xlsx")).unwrap();
        std::fs::hard_link(at("out.xlsx"), at("hard.xlsx")).unwrap();
        assert!(guard(&[], &[&at("out.xlsx"), &at("soft.xlsx")]).is_err());
        assert!(guard(&[], &[&at("out.xlsx"), &at("hard.xlsx")]).is_err());
        let err = guard(&[at("hard.xlsx")], &[&at("soft.xlsx")]).unwrap_err();
        assert!(matches!(err, WriteError::WouldOverwriteInput { .. }));
    }

    #[test]
    fn free_names_skip_taken_and_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let at = |n: &str| dir.path().join(n);
        std::fs::write(at("a.xlsx"), b"someone's").unwrap();
        marked(&at("b.xlsx"), Made::Standard);
        let mut taken = HashSet::new();
        assert_eq!(free_name(at("a.xlsx"), &[], &mut taken), at("a (2).xlsx"));
        assert_eq!(free_name(at("a.xlsx"), &[], &mut taken), at("a (3).xlsx"));
        assert_eq!(free_name(at("b.xlsx"), &[], &mut taken), at("b.xlsx"));
        assert_eq!(free_name(at("b.xlsx"), &[], &mut taken), at("b (2).xlsx"));
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_through_not_replaced() {
        let null = Path::new("/dev/null");
        guard(&[], &[null]).unwrap();
        write_bytes(null, b"x").unwrap();
        let meta = std::fs::metadata(null).unwrap();
        assert!(!meta.is_file(), "/dev/null is still a device");
    }

    #[test]
    fn a_missing_folder_is_named_without_a_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_bytes(&dir.path().join("nope/out.xlsx"), b"x").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("输出文件夹不存在："), "{text}");
        assert!(!text.contains(".jixiao-"), "{text}");
    }

    #[test]
    fn stale_temporary_files_are_removed_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".jixiao-old.tmp");
        std::fs::write(&stale, b"half a workbook").unwrap();
        let long_ago = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        std::fs::File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        let other = dir.path().join(".jixiao-held.tmp");
        let held = std::fs::File::create(&other).unwrap();
        held.set_modified(long_ago).unwrap();
        held.lock().unwrap();
        write_bytes(&dir.path().join("out.md"), b"x").unwrap();
        assert!(!stale.exists(), "left by a killed run");
        assert!(other.exists(), "held by a running jixiao");
    }
}

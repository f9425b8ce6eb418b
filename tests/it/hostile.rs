//! Every hostile file — the repo's own (`tests/fixtures/source/hostile/`,
//! made by `regenerate_fixtures` in `tests/source_formats.rs`) and, when
//! present, `../shared/corpus/hostile/` — must make `jixiao inspect` exit 0
//! or 2 within 10 seconds under a 1 GiB address-space limit, never panic
//! (101) or die by a signal, and report an error as one line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);
/// `ulimit -v` is in KiB.
const MEMORY_KIB: u64 = 1 << 20;

/// What each of the repo's hostile files must be answered with.
const EXPECTED: &[(&str, &str)] = &[
    ("bad-crc.xlsx", "CRC does not match"),
    ("empty.xls", "unsupported format: an empty file"),
    ("encrypted-biff8.xls", "password protected"),
    ("encrypted-ooxml.xlsx", "password protected"),
    ("entity-bomb.xlsx", "DOCTYPE"),
    ("far-cell.xls", "too large: sheet 1 spans A1:IV65536"),
    ("garbage.xlsx", "unsupported format"),
    ("huge-spans.html", ""),
    ("inverted-dimensions.xls", "DIMENSIONS record is inverted"),
    (
        "merge-count-overrun.xls",
        "corrupt xls: the xls parser failed",
    ),
    ("no-workbook-part.xlsx", "no workbook part"),
    ("ole-directory-loop.xls", "loops"),
    ("ole-fat-past-end.xls", "past the end of the file"),
    ("ole-huge-stream.xls", "corrupt OLE container"),
    ("ratio-bomb.xlsx", "too large: zip entry"),
    ("record-past-end.xls", "corrupt xls"),
    ("repeat-bomb.ods", "too large"),
    ("rowspan-bomb.html", "too large: rowspans"),
    ("short-records.xls", "corrupt xls"),
    ("spreadsheetml-entities.xml", "DOCTYPE"),
    ("string-count-bomb.xlsx", ""),
    ("truncated.xlsx", "corrupt zip"),
    ("word-document.xls", "unsupported format"),
];

fn run_bounded(file: &Path) -> (Output, Duration) {
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {MEMORY_KIB}; exec \"$0\" inspect \"$1\""
        ))
        .arg(env!("CARGO_BIN_EXE_jixiao"))
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sh");
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("{}: still running after {TIMEOUT:?}", file.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("collect output");
    (output, started.elapsed())
}

/// Runs one file and checks the outcome; returns its stderr.
fn check(file: &Path) -> String {
    let (out, took) = run_bounded(file);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code();
    assert!(
        matches!(code, Some(0) | Some(2)),
        "{}: exit {:?} (signal or panic) after {took:?}: {err}",
        file.display(),
        out.status
    );
    assert!(!err.contains("panicked"), "{}: {err}", file.display());
    if code == Some(2) {
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        let name = file.file_name().unwrap().to_string_lossy();
        assert!(err.contains(&*name), "the error names the file: {err}");
    }
    eprintln!("{} ({took:?}): {}", file.display(), err.trim_end());
    err
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file() && p.extension().is_none_or(|e| e != "md"));
    files.sort();
    files
}

#[test]
fn own_hostile_files_get_their_expected_answer() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/source/hostile");
    let files = files_in(&dir);
    assert_eq!(
        files.len(),
        EXPECTED.len(),
        "a fixture without an expectation"
    );
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let (_, expected) = EXPECTED
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no expectation for {name}"));
        let err = check(&file);
        assert!(
            err.contains(expected),
            "{name}: expected {expected:?}, got {err}"
        );
    }
}

#[test]
fn shared_corpus_hostile_files_stay_bounded() {
    let Some(dir) = crate::shared::corpus("hostile") else {
        return;
    };
    for file in files_in(&dir) {
        check(&file);
    }
}

/// A pipe, a socket or a device named like a workbook is refused at once:
/// opening a pipe would block until a writer came, and /dev/zero never ends.
#[cfg(unix)]
#[test]
fn pipes_sockets_and_devices_are_refused_without_reading() {
    let dir = tempfile::tempdir().unwrap();
    let zero = dir.path().join("zero.xlsx");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let socket = dir.path().join("socket.xlsx");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let mut files = vec![zero, socket];
    let fifo = dir.path().join("pipe.xlsx");
    // `mkfifo` is POSIX; where it is missing the other two still run.
    if Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        files.push(fifo);
    }
    for file in files {
        let err = check(&file);
        assert!(err.contains("not a regular file"), "{err}");
    }
}

//! Issue 13's crafted classes, each made by a small generator here: text
//! amplification in every format, ambiguous packages, parts that would read
//! as nothing. Every command (`inspect`, `import`, `check`, `convert`,
//! `consolidate`) must answer each with exit 0, 1 or 2 and at most one line
//! on stderr, within the CPU-time and resident-memory bounds below; a batch
//! holding one beside a good form still writes its workbook and lists it.

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::time::Duration;

use crate::source_formats::{cfb, record, zip_of};

/// The issue's bound on resident memory, in KiB: 512 MiB, measured as the
/// child's peak resident set (`wait4`).
const RESIDENT_KIB: i64 = 512 << 10;

/// `ulimit -v` in KiB, a safety net only: a runaway allocation fails here
/// instead of taking the machine. Address space is not the bound itself —
/// mimalloc and the reader threads reserve far more than they touch, so a
/// 512 MiB address-space limit failed healthy runs depending on which files
/// two threads happened to read at once.
const ADDRESS_KIB: u64 = 4 << 20;

/// The jixiao binary to run: `JIXIAO_BIN` (a release build, held to the
/// issue's 2 s) or the test build, whose unoptimized readers (20–30 times
/// slower) on a shared machine are given a minute: there the bound only
/// catches a hang or a quadratic blow-up.
fn binary() -> (PathBuf, Duration) {
    let release = Duration::from_secs(2);
    match std::env::var_os("JIXIAO_BIN") {
        Some(bin) => (bin.into(), release),
        None if cfg!(debug_assertions) => (env!("CARGO_BIN_EXE_jixiao").into(), release * 30),
        None => (env!("CARGO_BIN_EXE_jixiao").into(), release),
    }
}

fn time_bound() -> Duration {
    binary().1
}

/// The form every batch holds beside a crafted file.
fn good_form() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/jiaoyu-xiaoshe-2023.xlsx")
}

/// A one-sheet xlsx from raw parts: `sheet` is the body of `<sheetData>`,
/// `strings` the `<si>` items.
pub fn xlsx(sheet: &str, strings: &[String]) -> Vec<u8> {
    xlsx_parts(sheet.as_bytes().to_vec(), strings)
}

fn xlsx_parts(sheet_data: Vec<u8>, strings: &[String]) -> Vec<u8> {
    let (workbook, rels) = xlsx_book();
    let sheet = [
        &br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#[..],
        &sheet_data,
        b"</sheetData></worksheet>",
    ]
    .concat();
    let sst: String = strings
        .iter()
        .map(|s| format!("<si><t>{s}</t></si>"))
        .collect();
    let sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{n}" uniqueCount="{n}">{sst}</sst>"#,
        n = strings.len()
    );
    zip_of(&[
        ("xl/workbook.xml", workbook.into_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.into_bytes()),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/sharedStrings.xml", sst.into_bytes()),
    ])
}

fn xlsx_book() -> (String, String) {
    let workbook = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
    (workbook.to_string(), rels.to_string())
}

/// One 1 MB shared string used by 44,000 cells: 5 KB packed, 44 GB if
/// every cell copies it.
fn xlsx_shared_string_bomb() -> Vec<u8> {
    let rows: String = (1..=44_000)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#))
        .collect();
    xlsx(&rows, &["x".repeat(1_000_000)])
}

/// An xlsb record: type and size as base-128 numbers, then the payload.
fn xlsb_record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut varint = |mut n: u32, max: usize| {
        for i in 0..max {
            let more = n >= 0x80 && i + 1 < max;
            out.push((n & 0x7F) as u8 | if more { 0x80 } else { 0 });
            n >>= 7;
            if !more {
                break;
            }
        }
    };
    varint(u32::from(typ), 2);
    varint(data.len() as u32, 4);
    out.extend_from_slice(data);
    out
}

fn wide(s: &str) -> Vec<u8> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut out = (units.len() as u32).to_le_bytes().to_vec();
    out.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    out
}

/// An xlsb whose one shared string (512 K characters) fills 44,000 cells.
fn xlsb_shared_string_bomb() -> Vec<u8> {
    let sheet_ref = [
        &0u32.to_le_bytes()[..],
        &1u32.to_le_bytes(),
        &wide("rId1"),
        &wide("S"),
    ]
    .concat();
    let workbook = [
        xlsb_record(0x009C, &sheet_ref),
        xlsb_record(0x0090, &[]),
        xlsb_record(0x009D, &[0; 4]),
    ]
    .concat();
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.bin"/></Relationships>"#;
    let strings = [
        xlsb_record(
            0x009F,
            &[&1u32.to_le_bytes()[..], &1u32.to_le_bytes()].concat(),
        ),
        xlsb_record(0x0013, &[&[0u8][..], &wide(&"x".repeat(1 << 19))].concat()),
    ]
    .concat();
    let mut sheet = xlsb_record(0x0094, &[0; 16]);
    sheet.extend(xlsb_record(0x0091, &[]));
    for row in 0..44_000u32 {
        sheet.extend(xlsb_record(
            0x0000,
            &[&row.to_le_bytes()[..], &[0; 13]].concat(),
        ));
        sheet.extend(xlsb_record(0x0007, &[0u8; 12]));
    }
    sheet.extend(xlsb_record(0x0092, &[]));
    zip_of(&[
        ("xl/workbook.bin", workbook),
        ("xl/_rels/workbook.bin.rels", rels.as_bytes().to_vec()),
        ("xl/sharedStrings.bin", strings),
        ("xl/worksheets/sheet1.bin", sheet),
    ])
}

/// A BIFF8 workbook with one sheet: `globals` after the BOF, `cells` in the
/// sheet.
fn biff8(globals: &[Vec<u8>], cells: &[Vec<u8>]) -> Vec<u8> {
    let bof = |dt: u16| {
        record(
            0x0809,
            &[&0x0600u16.to_le_bytes()[..], &dt.to_le_bytes(), &[0; 12]].concat(),
        )
    };
    let mut head = bof(0x0005);
    head.extend(globals.concat());
    let name = b"S";
    let offset = head.len() + 4 + 8 + name.len() + 4;
    let sheet_record = [
        &(offset as u32).to_le_bytes()[..],
        &[0, 0, name.len() as u8, 0],
        name,
    ]
    .concat();
    head.extend(record(0x0085, &sheet_record));
    head.extend(record(0x000A, &[]));
    let sheet = [bof(0x0010), cells.concat(), record(0x000A, &[])].concat();
    cfb(&[("Workbook", [head, sheet].concat())])
}

/// An SST holding `strings`, split into CONTINUE records as Excel does.
fn sst(strings: &[String]) -> Vec<Vec<u8>> {
    const MAX: usize = 8224;
    let n = strings.len() as u32;
    let mut records = vec![[&n.to_le_bytes()[..], &n.to_le_bytes()].concat()];
    for s in strings {
        let bytes = s.as_bytes();
        let head = [&(bytes.len() as u16).to_le_bytes()[..], &[0u8]].concat();
        records.last_mut().unwrap().extend(head);
        let mut rest = bytes;
        loop {
            let last = records.last_mut().unwrap();
            let room = MAX - last.len();
            let (now, later) = rest.split_at(room.min(rest.len()));
            last.extend_from_slice(now);
            rest = later;
            if rest.is_empty() {
                break;
            }
            // The characters go on in a CONTINUE record, behind a flags byte.
            records.push(vec![0]);
        }
    }
    let mut out = vec![record(0x00FC, &records[0])];
    out.extend(records[1..].iter().map(|r| record(0x003C, r)));
    out
}

fn label_sst(row: u16, col: u16, isst: u32) -> Vec<u8> {
    record(
        0x00FD,
        &[
            &row.to_le_bytes()[..],
            &col.to_le_bytes(),
            &[0, 0],
            &isst.to_le_bytes(),
        ]
        .concat(),
    )
}

/// One 60,000-character shared string in 60,000 cells: under 1 MB, 3.6 GB
/// as calamine reads it.
fn xls_shared_string_bomb() -> Vec<u8> {
    let cells: Vec<Vec<u8>> = (0..60_000u32).map(|r| label_sst(r as u16, 0, 0)).collect();
    biff8(&sst(&["x".repeat(60_000)]), &cells)
}

/// A cell naming shared string 5 of a table of one.
fn xls_string_past_table() -> Vec<u8> {
    biff8(
        &sst(&["项目名称".into()]),
        &[label_sst(0, 0, 0), label_sst(1, 0, 5)],
    )
}

fn ods(content: &str) -> Vec<u8> {
    zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
        ),
        ("content.xml", content.as_bytes().to_vec()),
    ])
}

/// 2 M cells of 120-byte text from one repeated cell: under 1 KB packed.
fn ods_repeat_bomb() -> Vec<u8> {
    let text = "文".repeat(40);
    ods(&format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="S"><table:table-row table:number-rows-repeated="40"><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>{text}</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#
    ))
}

/// One 50 MB field.
fn csv_huge_field() -> Vec<u8> {
    let mut out = b"a,\"".to_vec();
    out.resize(out.len() + (50 << 20), b'x');
    out.extend(b"\"\n");
    out
}

/// 2 M cells in a page.
fn html_many_cells() -> Vec<u8> {
    let row = format!("<tr>{}</tr>", "<td>x</td>".repeat(1000));
    format!(
        "<html><body><table>{}</table></body></html>",
        row.repeat(2000)
    )
    .into_bytes()
}

/// A stored zip written by hand, so that two entries may share a name.
pub fn raw_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for (name, data) in entries {
        let crc = crc32fast::hash(data);
        let offset = out.len() as u32;
        let common = [
            &20u16.to_le_bytes()[..],
            &0u16.to_le_bytes(),
            &0u16.to_le_bytes(),
            &0u16.to_le_bytes(),
            &0u16.to_le_bytes(),
            &crc.to_le_bytes(),
            &(data.len() as u32).to_le_bytes(),
            &(data.len() as u32).to_le_bytes(),
            &(name.len() as u16).to_le_bytes(),
            &0u16.to_le_bytes(),
        ]
        .concat();
        out.extend(b"PK\x03\x04");
        out.extend(&common);
        out.extend(name.as_bytes());
        out.extend(*data);
        central.extend(b"PK\x01\x02");
        central.extend(20u16.to_le_bytes());
        central.extend(&common);
        central.extend([0u8; 6]); // comment length, disk, internal attributes
        central.extend(0u32.to_le_bytes()); // external attributes
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let (at, len, n) = (out.len() as u32, central.len() as u32, entries.len() as u16);
    out.extend(central);
    out.extend(b"PK\x05\x06");
    out.extend([0u8; 4]);
    out.extend(n.to_le_bytes());
    out.extend(n.to_le_bytes());
    out.extend(len.to_le_bytes());
    out.extend(at.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// The parts of a one-sheet xlsx whose sheet holds `cell`.
fn xlsx_entries(cell: &str) -> Vec<(String, Vec<u8>)> {
    let (workbook, rels) = xlsx_book();
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{cell}</t></is></c></row></sheetData></worksheet>"#
    );
    vec![
        ("xl/workbook.xml".into(), workbook.into_bytes()),
        ("xl/_rels/workbook.xml.rels".into(), rels.into_bytes()),
        ("xl/worksheets/sheet1.xml".into(), sheet.into_bytes()),
    ]
}

/// Two sheet parts whose names differ only in case, or are the same.
fn zip_twins(same_name: bool) -> Vec<u8> {
    let shown = xlsx_entries("给审核人看的");
    let hidden = xlsx_entries("实际计入的");
    let twin = if same_name {
        "xl/worksheets/sheet1.xml"
    } else {
        "XL/WORKSHEETS/SHEET1.XML"
    };
    let mut entries: Vec<(&str, &[u8])> = shown
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    entries.push((twin, &hidden[2].1));
    raw_zip(&entries)
}

/// The sheet part in UTF-16 with a byte-order mark, as OPC allows.
fn xlsx_utf16_sheet() -> Vec<u8> {
    let mut entries = xlsx_entries("项目名称");
    let text = String::from_utf8(entries[2].1.clone())
        .unwrap()
        .replace("UTF-8", "UTF-16");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    entries[2].1 = utf16;
    let refs: Vec<(&str, Vec<u8>)> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.clone()))
        .collect();
    zip_of(&refs)
}

fn html_utf16_meta() -> Vec<u8> {
    r#"<html><head><meta charset="utf-16"></head><body><table><tr><td>项目名称</td></tr></table></body></html>"#
        .as_bytes()
        .to_vec()
}

/// Every crafted class: file name and bytes.
pub fn classes() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("shared-string-bomb.xlsx", xlsx_shared_string_bomb()),
        ("shared-string-bomb.xlsb", xlsb_shared_string_bomb()),
        ("shared-string-bomb.xls", xls_shared_string_bomb()),
        ("string-past-table.xls", xls_string_past_table()),
        ("repeat-text.ods", ods_repeat_bomb()),
        ("huge-field.csv", csv_huge_field()),
        ("many-cells.html", html_many_cells()),
        ("case-twins.xlsx", zip_twins(false)),
        ("same-name-twins.xlsx", zip_twins(true)),
        ("utf16-sheet.xlsx", xlsx_utf16_sheet()),
        ("utf16-meta.html", html_utf16_meta()),
    ]
}

struct Run {
    output: Output,
    /// CPU time (user + system): unlike wall time, it does not grow when
    /// other work shares the machine.
    took: Duration,
    peak_kib: i64,
}

/// Runs jixiao with `args` under the address-space safety net, and measures
/// its CPU time and peak resident memory.
#[allow(clippy::zombie_processes)] // reaped by `wait_with_usage`
fn run(args: &[&std::ffi::OsStr]) -> Run {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {ADDRESS_KIB}; exec \"$0\" \"$@\""))
        .arg(binary().0)
        .args(args)
        .env("CI", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sh");
    let mut out = child.stdout.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        out.read_to_end(&mut bytes).map(|_| bytes)
    });
    let mut stderr = Vec::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_end(&mut stderr)
        .unwrap();
    let stdout = stdout.join().unwrap().unwrap();
    let (status, usage) = wait_with_usage(child.id());
    let cpu = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.unsigned_abs())
            + Duration::from_micros(t.tv_usec.unsigned_abs())
    };
    Run {
        output: Output {
            status,
            stdout,
            stderr,
        },
        took: cpu(usage.ru_utime) + cpu(usage.ru_stime),
        peak_kib: usage.ru_maxrss,
    }
}

/// Reaps `pid` (`sh` exec'd into jixiao) and returns its status and usage;
/// std's `Child::wait` does not report usage.
fn wait_with_usage(pid: u32) -> (ExitStatus, libc::rusage) {
    let pid = libc::pid_t::try_from(pid).unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain old data, and wait4 fills it for our child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid, "wait4: {}", std::io::Error::last_os_error());
    (ExitStatus::from_raw(status), usage)
}

fn stderr(run: &Run) -> String {
    String::from_utf8_lossy(&run.output.stderr).into_owned()
}

fn assert_bounded(what: &str, run: &Run) {
    let err = stderr(run);
    let code = run.output.status.code();
    assert!(
        matches!(code, Some(0..=2)),
        "{what}: exit {:?} after {:?}: {err}",
        run.output.status,
        run.took
    );
    assert!(err.lines().count() <= 1, "{what}: {err}");
    assert!(
        run.took <= time_bound(),
        "{what}: took {:?} of CPU",
        run.took
    );
    assert!(
        run.peak_kib <= RESIDENT_KIB,
        "{what}: peak resident {} MiB",
        run.peak_kib >> 10
    );
}

/// Writes every class into `dir`.
fn write_classes(dir: &Path) -> Vec<PathBuf> {
    classes()
        .into_iter()
        .map(|(name, bytes)| {
            let path = dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect()
}

#[test]
fn every_command_answers_every_crafted_class_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for file in write_classes(dir.path()) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let f = file.as_os_str();
        let o = out.as_os_str();
        let consolidated = out.join(format!("{name}.xlsx"));
        let commands: [(&str, Vec<&std::ffi::OsStr>); 5] = [
            ("inspect", vec!["inspect".as_ref(), f]),
            ("import", vec!["import".as_ref(), "--json".as_ref(), f]),
            ("check", vec!["check".as_ref(), f]),
            ("convert", vec!["convert".as_ref(), f, "-o".as_ref(), o]),
            (
                "consolidate",
                vec![
                    "consolidate".as_ref(),
                    f,
                    "-o".as_ref(),
                    consolidated.as_os_str(),
                ],
            ),
        ];
        for (command, args) in commands {
            assert_bounded(&format!("{command} {name}"), &run(&args));
        }
    }
}

#[test]
fn a_batch_with_crafted_files_still_writes_its_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let crafted = write_classes(&inbox);
    std::fs::copy(good_form(), inbox.join("good.xlsx")).unwrap();
    // One modification time for all: consolidate reads newest first, and
    // which giants are read at the same time decides the peak under the
    // 512 MiB limit; pinned, they are read in path order.
    for entry in std::fs::read_dir(&inbox).unwrap() {
        std::fs::File::options()
            .write(true)
            .open(entry.unwrap().path())
            .unwrap()
            .set_modified(
                std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30),
            )
            .unwrap();
    }
    let out = dir.path().join("汇总.xlsx");
    let done = run(&[
        "consolidate".as_ref(),
        inbox.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(done.output.status.code(), Some(1), "{}", stderr(&done));
    assert!(done.took <= time_bound() * 4, "took {:?}", done.took);
    let mut book = calamine::open_workbook_auto(&out).unwrap();
    use calamine::Reader;
    let files = book.worksheet_range("导入情况").unwrap();
    let listed: Vec<String> = files.rows().map(|r| r[0].to_string()).collect();
    for file in crafted {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            listed.iter().any(|l| l.ends_with(&name)),
            "{name} not listed"
        );
    }
    let records = book.worksheet_range("汇总").unwrap();
    assert!(records
        .rows()
        .any(|r| r.iter().any(|c| c.to_string().contains("校舍"))));
}

/// What `jixiao inspect --json` makes of `bytes`: Ok(the JSON) or Err(stderr).
fn inspect(name: &str, bytes: &[u8]) -> Result<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let done = run(&["inspect".as_ref(), "--json".as_ref(), path.as_os_str()]);
    match done.output.status.code() {
        Some(0) => Ok(String::from_utf8_lossy(&done.output.stdout).into_owned()),
        _ => Err(stderr(&done)),
    }
}

#[test]
fn amplified_text_is_refused_by_its_bytes() {
    for (name, bytes) in [
        ("a.xlsx", xlsx_shared_string_bomb()),
        ("a.xlsb", xlsb_shared_string_bomb()),
        ("a.xls", xls_shared_string_bomb()),
        ("a.ods", ods_repeat_bomb()),
        ("a.csv", csv_huge_field()),
    ] {
        let err = inspect(name, &bytes).unwrap_err();
        assert!(err.contains("bytes of text"), "{name}: {err}");
    }
}

#[test]
fn ambiguous_packages_are_refused() {
    for (name, same) in [("case.xlsx", false), ("same.xlsx", true)] {
        let err = inspect(name, &zip_twins(same)).unwrap_err();
        assert!(err.contains("corrupt zip"), "{name}: {err}");
    }
}

#[test]
fn parts_and_strings_never_read_as_nothing() {
    let json = inspect("u.xlsx", &xlsx_utf16_sheet()).unwrap();
    assert!(json.contains("项目名称"), "{json}");
    let json = inspect("m.html", &html_utf16_meta()).unwrap();
    assert!(json.contains("项目名称"), "{json}");
    let err = inspect("p.xls", &xls_string_past_table()).unwrap_err();
    assert!(err.contains("A2: shared string 5"), "{err}");
}

#[test]
#[ignore]
fn write_crafted_for_timing() {
    let dir = Path::new("/tmp/crafted");
    std::fs::create_dir_all(dir).unwrap();
    write_classes(dir);
}

/// The good form's record with 全年执行数 of `spent`, written as a standard
/// form, as a department could send it.
fn form_spending(path: &Path, spent: &str) {
    let expected = good_form().with_extension("xlsx.expected.json");
    let text = std::fs::read_to_string(expected).unwrap();
    let mut record: jixiao::model::Record = serde_json::from_str(&text).unwrap();
    record.funds.total.spent = Some(spent.parse().unwrap());
    record.funds.fiscal.spent = Some(spent.parse().unwrap());
    let imported = jixiao::model::Imported {
        record,
        provenance: Default::default(),
    };
    jixiao::write::standard::write_imported(path, &imported, None).unwrap();
    crate::shared::unmark(path);
}

#[test]
fn amounts_no_budget_can_hold_are_an_import_error_and_the_batch_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    form_spending(&inbox.join("a.xlsx"), "5e28");
    form_spending(&inbox.join("b.xlsx"), "5e28");
    form_spending(&inbox.join("ok.xlsx"), "99999999999999");
    let out = dir.path().join("汇总.xlsx");
    let done = run(&[
        "consolidate".as_ref(),
        inbox.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    let err = stderr(&done);
    assert_eq!(done.output.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 2, "one line per bad form: {err}");
    assert!(
        err.lines().all(|l| l.contains(
            "funds.total.spent = 50000000000000000000000000000 is not a plausible amount"
        )),
        "{err}"
    );
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(&out).unwrap();
    let records = book.worksheet_range("汇总").unwrap();
    let files_named = |name: &str| {
        records
            .rows()
            .filter(|row| {
                row.iter()
                    .any(|c| Path::new(&c.to_string()).file_name() == Some(name.as_ref()))
            })
            .count()
    };
    assert_eq!(files_named("ok.xlsx"), 1, "the good form is a row");
    assert_eq!(files_named("a.xlsx") + files_named("b.xlsx"), 0);
}

#[test]
fn a_batch_of_records_from_elsewhere_is_held_to_the_same_bounds() {
    use jixiao::batch::{consolidate_with, Options};
    let dir = tempfile::tempdir().unwrap();
    let expected = good_form().with_extension("xlsx.expected.json");
    let options = Options {
        inputs: vec![expected.clone(), expected],
        output: dir.path().join("out.xlsx"),
        roster: None,
        jsonl: None,
        summary: None,
        region: None,
        profile: Default::default(),
        mappings: Default::default(),
        progress: false,
    };
    let huge = |path: &Path| -> Result<Vec<jixiao::model::Imported>, String> {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let mut record: jixiao::model::Record = serde_json::from_str(&text).unwrap();
        record.total_score = Some(rust_decimal::Decimal::MAX);
        Ok(vec![jixiao::model::Imported {
            record,
            provenance: Default::default(),
        }])
    };
    let report = consolidate_with(&options, huge).unwrap();
    assert_eq!(report.failed().len(), 1, "the one file, listed");
    assert!(
        report.failed()[0].1.contains("total_score"),
        "{:?}",
        report.failed()
    );
}

//! Runs `jixiao inspect --json` on a fixture of every input format and checks
//! values, kinds, merges and hidden lines at exact A1 coordinates.
//!
//! The fixtures in `tests/fixtures/source/` are made by `regenerate_fixtures`
//! below (`cargo test --test it -- --ignored regenerate`): the
//! xlsx with rust_xlsxwriter, the xls/ods/BIFF5 copies with LibreOffice, the
//! text formats by hand. See `tests/fixtures/source/NOTE.md`.

use std::path::{Path, PathBuf};
use std::process::Command;

use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Formula, Workbook};
use serde_json::Value as Json;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/source")
}

fn inspect_json(file: &Path) -> Json {
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["inspect", "--json"])
        .arg(file)
        .output()
        .expect("run jixiao");
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("inspect --json prints JSON")
}

fn sheet<'a>(doc: &'a Json, name: &str) -> &'a Json {
    doc["sheets"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("no sheet {name} in {doc}"))
}

/// (kind, value) of the cell at `at`, if it holds anything.
fn cell(sheet: &Json, at: &str) -> Option<(String, String)> {
    sheet["cells"]
        .as_array()?
        .iter()
        .find(|c| c["ref"] == at)
        .map(|c| {
            (
                c["kind"].as_str().unwrap_or_default().to_string(),
                c["value"].as_str().unwrap_or_default().to_string(),
            )
        })
}

fn assert_cell(sheet: &Json, at: &str, kind: &str, value: &str) {
    assert_eq!(
        cell(sheet, at),
        Some((kind.to_string(), value.to_string())),
        "cell {at} of {}",
        sheet["name"]
    );
}

fn strings(v: &Json) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// What every binary format must read from the form fixture.
fn assert_form(doc: &Json) {
    let s = sheet(doc, "自评表");
    assert_cell(s, "A1", "text", "项目支出绩效自评表");
    assert_cell(s, "B3", "text", "城区绿化养护");
    assert_cell(s, "A5", "text", "项目资金\n（万元）");
    assert_cell(s, "D6", "number", "77");
    assert_cell(s, "E6", "number", "0.3");
    assert_cell(s, "F6", "number", "76.3");
    assert_cell(s, "D7", "number", "0.9909");
    assert_cell(s, "A9", "date", "2021-03-05");
    assert_cell(s, "C9", "error", "#DIV/0!");
    assert_cell(s, "I12", "text", "末格");
    assert_eq!(
        cell(s, "C3"),
        None,
        "inside a merge only the top-left holds the value"
    );
    let merges = strings(&s["merges"]);
    for m in ["A1:I1", "B3:I3", "B4:D4", "A5:A7", "F4:I4"] {
        assert!(
            merges.contains(&m.to_string()),
            "merge {m} missing: {merges:?}"
        );
    }
    assert!(
        strings(&s["hidden_rows"]).contains(&"11".to_string()),
        "row 11 hidden"
    );
    assert!(
        strings(&s["hidden_cols"]).contains(&"H".to_string()),
        "column H hidden"
    );
    assert_eq!(sheet(doc, "备注")["hidden"], true);
    assert_cell(sheet(doc, "备注"), "B2", "text", "内部说明");
}

/// The form every binary fixture is converted from.
fn write_form_xlsx(path: &Path) {
    let mut wb = Workbook::new();
    let center = Format::new().set_align(FormatAlign::Center);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet();
    ws.set_name("自评表").unwrap();
    ws.merge_range(0, 0, 0, 8, "项目支出绩效自评表", &center)
        .unwrap();
    ws.write_string(2, 0, "项目名称").unwrap();
    ws.merge_range(2, 1, 2, 8, "城区绿化养护", &center).unwrap();
    ws.write_string(3, 0, "主管部门").unwrap();
    ws.merge_range(3, 1, 3, 3, "市园林局", &center).unwrap();
    ws.write_string(3, 4, "实施单位").unwrap();
    ws.merge_range(3, 5, 3, 8, "市园林绿化中心", &center)
        .unwrap();
    ws.merge_range(4, 0, 6, 0, "项目资金\n（万元）", &center)
        .unwrap();
    ws.write_string(4, 3, "年初预算数").unwrap();
    ws.write_string(5, 1, "年度资金总额").unwrap();
    ws.write_number(5, 3, 77).unwrap();
    ws.write_number(5, 4, 0.1 + 0.2).unwrap();
    ws.write_number(5, 5, 76.3).unwrap();
    ws.write_number(6, 3, 0.9909).unwrap();
    let day = ExcelDateTime::from_ymd(2021, 3, 5).unwrap();
    ws.write_datetime_with_format(8, 0, &day, &date).unwrap();
    ws.write_boolean(8, 1, true).unwrap();
    ws.write_formula(8, 2, Formula::new("=1/0").set_result("#DIV/0!"))
        .unwrap();
    ws.write_string(10, 0, "隐藏行").unwrap();
    ws.set_row_hidden(10).unwrap();
    ws.write_string(0, 7, "").unwrap();
    ws.set_column_hidden(7).unwrap();
    ws.write_string(11, 8, "末格").unwrap();
    let notes = wb.add_worksheet();
    notes.set_name("备注").unwrap();
    notes.write_string(1, 1, "内部说明").unwrap();
    notes.set_hidden(true);
    wb.save(path).unwrap();
}

#[test]
fn xlsx_written_now() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("form.xlsx");
    write_form_xlsx(&path);
    let doc = inspect_json(&path);
    assert_eq!(doc["format"], "xlsx");
    assert_form(&doc);
    assert_cell(sheet(&doc, "自评表"), "B9", "bool", "TRUE");
}

#[test]
fn chart_sheets_are_skipped_and_missing_formula_values_flagged() {
    let doc = inspect_json(&fixtures().join("formula-chart.xlsx"));
    let names: Vec<&str> = doc["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["数据"], "the chart sheet is not a worksheet");
    let s = sheet(&doc, "数据");
    assert_cell(s, "A1", "number", "10");
    assert_cell(s, "A2", "formula-no-value", "SUM(A1:A1)");
}

#[test]
fn committed_binary_formats() {
    for (file, format) in [
        ("form.xlsx", "xlsx"),
        ("form.xls", "xls"),
        ("form.ods", "ods"),
    ] {
        let doc = inspect_json(&fixtures().join(file));
        assert_eq!(doc["format"], format, "{file}");
        assert_form(&doc);
        // LibreOffice saves the boolean as `=TRUE()` with the number 1.
        let (kind, value) = if format == "ods" {
            ("number", "1")
        } else {
            ("bool", "TRUE")
        };
        assert_cell(sheet(&doc, "自评表"), "B9", kind, value);
    }
}

#[test]
fn biff5_strings_decode_as_gbk() {
    let doc = inspect_json(&fixtures().join("biff5-gbk.xls"));
    assert_eq!(doc["format"], "xls");
    let s = sheet(&doc, "自评表");
    assert_cell(s, "A1", "text", "项目支出绩效自评表");
    assert_cell(s, "A3", "text", "项目名称");
    assert_cell(s, "B3", "text", "城区绿化养护");
    assert_cell(s, "B4", "number", "76.3");
}

#[test]
fn format_is_chosen_by_content_not_name() {
    let dir = tempfile::tempdir().unwrap();
    for (from, to) in [
        ("form.xlsx", "FORM.XLS"),
        ("form.xlsx", "no-extension"),
        ("form.ods", "form.xlsx"),
        ("html-export.xls", "html-export.csv"),
    ] {
        let dest = dir.path().join(to);
        std::fs::copy(fixtures().join(from), &dest).unwrap();
        let doc = inspect_json(&dest);
        let expected = match from {
            "html-export.xls" => "html table",
            f => f.rsplit('.').next().unwrap(),
        };
        assert_eq!(doc["format"], expected, "{from} saved as {to}");
    }
}

#[test]
fn html_table_export() {
    let doc = inspect_json(&fixtures().join("html-export.xls"));
    assert_eq!(doc["format"], "html table");
    let s = &doc["sheets"][0];
    assert_cell(s, "A1", "text", "项目支出绩效自评表");
    assert_cell(s, "A2", "text", "项目名称");
    assert_cell(s, "B2", "text", "城区绿化 & 养护");
    assert_cell(s, "A3", "text", "项目资金\n（万元）");
    assert_cell(s, "B3", "text", "年度资金总额");
    assert_cell(s, "C3", "number", "77");
    assert_cell(s, "B4", "text", "其中：财政拨款");
    assert_cell(s, "C4", "number", "0.9909");
    assert_cell(s, "D4", "text", "99.09%");
    let merges = strings(&s["merges"]);
    assert_eq!(merges, ["B2:D2", "A3:A4"]);
}

#[test]
fn spreadsheetml_2003() {
    let doc = inspect_json(&fixtures().join("spreadsheetml.xls"));
    assert_eq!(doc["format"], "SpreadsheetML 2003");
    let s = sheet(&doc, "自评表");
    assert_cell(s, "A1", "text", "项目支出绩效自评表");
    assert_cell(s, "A3", "text", "项目名称");
    assert_cell(s, "C3", "text", "城区绿化养护");
    assert_cell(s, "B5", "number", "76.3");
    assert_cell(s, "C5", "date", "2021-03-05");
    assert_cell(s, "D5", "bool", "TRUE");
    assert_cell(s, "E5", "error", "#DIV/0!");
    assert_cell(s, "F5", "formula-no-value", "=SUM(B5:B5)");
    assert_eq!(strings(&s["merges"]), ["A1:F1", "C3:F3", "A4:A5"]);
    assert_eq!(strings(&s["hidden_rows"]), ["7"]);
    assert_eq!(strings(&s["hidden_cols"]), ["G"]);
    assert_eq!(sheet(&doc, "备注")["hidden"], true);
}

#[test]
fn csv_in_every_encoding() {
    for file in [
        "utf8-bom.csv",
        "utf8.csv",
        "gbk-semicolon.csv",
        "utf16le-tab.csv",
        "utf16be.csv",
    ] {
        let doc = inspect_json(&fixtures().join(file));
        assert_eq!(doc["format"], "csv", "{file}");
        let s = &doc["sheets"][0];
        assert_cell(s, "A1", "text", "项目名称");
        assert_cell(s, "B1", "text", "城区绿化养护");
        assert_cell(s, "A2", "text", "预算执行率");
        assert_cell(s, "B2", "text", "99.09%");
        assert_cell(s, "A3", "text", "年度目标");
        assert_cell(s, "B3", "text", "完成绿化养护\n面积120万平方米, 达标");
        assert_cell(s, "C4", "text", "末格");
        assert_eq!(cell(s, "B4"), None, "{file}: empty field");
    }
}

#[test]
fn far_away_cell_is_cheap_and_exact() {
    let doc = inspect_json(&fixtures().join("far-cell.xlsx"));
    let s = &doc["sheets"][0];
    assert_cell(s, "A1", "text", "起点");
    assert_cell(s, "XFD1048576", "text", "终点");
    assert_eq!(s["used"], "A1:XFD1048576");
}

#[test]
fn inspect_text_grid_shows_coordinates_and_merges() {
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["inspect", "--sheet", "1", "--range", "A1:F7"])
        .arg(fixtures().join("form.xlsx"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("1  自评表"), "{text}");
    assert!(text.contains(" 1 | 项目支出绩效自评表 | ←"), "{text}");
    assert!(text.contains("| #77 "), "{text}");
    assert!(text.contains("merged: A1:I1"), "{text}");
    assert!(!text.contains("末格"), "outside the range: {text}");
}

#[test]
fn errors_are_one_line_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.xlsx");
    let pdf = dir.path().join("report.xls");
    std::fs::write(&pdf, b"%PDF-1.4\n").unwrap();
    let form = fixtures().join("form.xlsx");
    let cases: [(Vec<&std::ffi::OsStr>, &str); 3] = [
        (vec![missing.as_os_str()], "cannot open"),
        (vec![pdf.as_os_str()], "unsupported format: a PDF document"),
        (
            vec![form.as_os_str(), "--sheet".as_ref(), "无此表".as_ref()],
            "no sheet \"无此表\"",
        ),
    ];
    for (args, expected) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .arg("inspect")
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(err.contains(expected), "{err}");
    }
}

/// Rebuilds every fixture in `tests/fixtures/source/` (needs LibreOffice for
/// the xls/ods copies).
#[test]
#[ignore]
fn regenerate_fixtures() {
    let dir = fixtures();
    std::fs::create_dir_all(&dir).unwrap();
    write_form_xlsx(&dir.join("form.xlsx"));
    write_formula_chart_xlsx(&dir.join("formula-chart.xlsx"));
    write_far_cell_xlsx(&dir.join("far-cell.xlsx"));
    convert(&dir, "xls", "form.xls");
    convert(&dir, "ods", "form.ods");
    std::fs::write(dir.join("biff5-gbk.xls"), cfb(&[("Book", biff5_gbk())])).unwrap();
    write_text_fixtures(&dir);
    write_hostile_fixtures(&dir.join("hostile"));
}

/// Files that break spreadsheet readers, one per class of fault; the
/// expected one-line errors are in `tests/hostile.rs`.
fn write_hostile_fixtures(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let write = |name: &str, bytes: Vec<u8>| std::fs::write(dir.join(name), bytes).unwrap();
    let book = biff8_book(&[]);
    let ole = cfb(&[("Workbook", book.clone())]);
    // The directory chain points back at itself.
    let mut looped = ole.clone();
    let dir_start = u32::from_le_bytes(looped[0x30..0x34].try_into().unwrap()) as usize;
    let at = 512 + dir_start * 4;
    looped[at..at + 4].copy_from_slice(&(dir_start as u32).to_le_bytes());
    write("ole-directory-loop.xls", looped);
    let mut past = ole.clone();
    past[0x4C..0x50].copy_from_slice(&5000u32.to_le_bytes());
    write("ole-fat-past-end.xls", past);
    // The Workbook stream claims 4 GiB.
    let mut huge = ole.clone();
    let entry = 512 * (dir_start + 1) + 128;
    huge[entry + 120..entry + 124].copy_from_slice(&0xFFFF_FF00u32.to_le_bytes());
    write("ole-huge-stream.xls", huge);
    write(
        "encrypted-ooxml.xlsx",
        cfb(&[
            ("EncryptionInfo", vec![4, 0, 4, 0]),
            ("EncryptedPackage", vec![0; 64]),
        ]),
    );
    write(
        "encrypted-biff8.xls",
        cfb(&[("Workbook", biff8_book(&[record(0x002F, &[1, 0, 1, 0])]))]),
    );
    write("word-document.xls", cfb(&[("WordDocument", vec![0; 600])]));
    // Records whose data is shorter than their kind needs.
    let short = [record(0x00FD, &[0, 0]), record(0x00BD, &[0, 0, 1])].concat();
    write(
        "short-records.xls",
        cfb(&[("Workbook", biff8_sheet_book(&short))]),
    );
    // A MERGECELLS record that promises five ranges and holds none: calamine
    // indexes past its end and panics.
    let merges = record(0x00E5, &[5, 0]);
    write(
        "merge-count-overrun.xls",
        cfb(&[("Workbook", biff8_sheet_book(&merges))]),
    );
    // An inverted DIMENSIONS record: calamine's row count wraps and it asks
    // for ~10^11 bytes, an abort no catch_unwind can stop.
    let dims = [100u32.to_le_bytes(), 2u32.to_le_bytes()].concat();
    let dims = record(0x0200, &[dims, vec![0, 0, 1, 0, 0, 0]].concat());
    write(
        "inverted-dimensions.xls",
        cfb(&[("Workbook", biff8_sheet_book(&dims))]),
    );
    let overlong = [record(0x0203, &[0; 14]), vec![0x03, 0x02, 0xFF, 0xFF, 1]].concat();
    write(
        "record-past-end.xls",
        cfb(&[("Workbook", biff8_sheet_book(&overlong))]),
    );

    let form = std::fs::read(fixtures().join("form.xlsx")).unwrap();
    write("truncated.xlsx", form[..form.len() / 2].to_vec());
    write("bad-crc.xlsx", corrupt_stored_entry(&form));
    write(
        "no-workbook-part.xlsx",
        zip_of(&[("[Content_Types].xml", b"<Types/>".to_vec())]),
    );
    write(
        "entity-bomb.xlsx",
        rezip(&form, |name, data| {
            if name == "xl/worksheets/sheet1.xml" {
                let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>";
                let body = String::from_utf8_lossy(&data);
                let body = body.split_once("?>").map_or(&*body, |(_, b)| b);
                format!("{bomb}{body}").into_bytes()
            } else {
                data
            }
        }),
    );
    write(
        "string-count-bomb.xlsx",
        rezip(&form, |name, data| {
            if name != "xl/sharedStrings.xml" {
                return data;
            }
            let text = String::from_utf8_lossy(&data);
            let key = "uniqueCount=\"";
            let start = text.find(key).unwrap() + key.len();
            let end = start + text[start..].find('"').unwrap();
            format!("{}99999999999999{}", &text[..start], &text[end..]).into_bytes()
        }),
    );
    write(
        "ratio-bomb.xlsx",
        rezip(&form, |name, data| {
            if name == "xl/worksheets/sheet1.xml" {
                let mut d = data;
                d.extend(vec![b' '; 16 << 20]);
                d
            } else {
                data
            }
        }),
    );
    write(
        "repeat-bomb.ods",
        zip_of(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
            ),
            ("content.xml", REPEAT_BOMB.as_bytes().to_vec()),
        ]),
    );
    write(
        "spreadsheetml-entities.xml",
        SPREADSHEETML_BOMB.as_bytes().to_vec(),
    );
    write(
        "huge-spans.html",
        b"<table><tr><td colspan=99999999 rowspan=4294967295>x</td><td>y</td></tr></table>"
            .to_vec(),
    );
    // Tall cells side by side: each reserves rows below it.
    let tall = "<td rowspan=1000>x</td>".repeat(1100);
    write(
        "rowspan-bomb.html",
        format!("<table><tr>{tall}</tr><tr>{tall}</tr></table>").into_bytes(),
    );
    write(
        "garbage.xlsx",
        (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect(),
    );
    write("empty.xls", Vec::new());
    let far = tempfile::tempdir().unwrap();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "起点").unwrap();
    ws.write_string(65_535, 255, "终点").unwrap();
    wb.save(far.path().join("form.xlsx")).unwrap();
    convert(far.path(), "xls", "far-cell.xls");
    std::fs::rename(far.path().join("far-cell.xls"), dir.join("far-cell.xls")).unwrap();
}

/// A BIFF8 Workbook stream with one empty sheet and extra global records.
fn biff8_book(globals: &[Vec<u8>]) -> Vec<u8> {
    biff8(globals, &[])
}

/// A BIFF8 Workbook stream with one sheet holding `cells` (raw records).
fn biff8_sheet_book(cells: &[u8]) -> Vec<u8> {
    biff8(&[], cells)
}

fn biff8(extra: &[Vec<u8>], cells: &[u8]) -> Vec<u8> {
    let bof = |dt: u16| {
        record(
            0x0809,
            &[&0x0600u16.to_le_bytes()[..], &dt.to_le_bytes(), &[0; 12]].concat(),
        )
    };
    let mut globals = bof(0x0005);
    for r in extra {
        globals.extend(r);
    }
    let name = b"Sheet1";
    let offset = globals.len() + 4 + 8 + name.len() + 4;
    let mut bs = (offset as u32).to_le_bytes().to_vec();
    bs.extend([0, 0, name.len() as u8, 0]);
    bs.extend(name);
    globals.extend(record(0x0085, &bs));
    globals.extend(record(0x000A, &[]));
    let mut sheet = bof(0x0010);
    sheet.extend_from_slice(cells);
    sheet.extend(record(0x000A, &[]));
    [globals, sheet].concat()
}

pub fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        out.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// The zip with every entry passed through `edit`.
fn rezip(xlsx: &[u8], mut edit: impl FnMut(&str, Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut entries = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        let data = edit(&name, data);
        entries.push((name, data));
    }
    let refs: Vec<(&str, Vec<u8>)> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.clone()))
        .collect();
    zip_of(&refs)
}

/// The xlsx re-stored uncompressed with one byte of a sheet flipped, so its
/// CRC no longer matches.
fn corrupt_stored_entry(xlsx: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.start_file(name, stored).unwrap();
        out.write_all(&data).unwrap();
    }
    let mut bytes = out.finish().unwrap().into_inner();
    let at = bytes.windows(9).position(|w| w == b"<sheetDat").unwrap();
    bytes[at + 1] = b'S';
    bytes
}

const REPEAT_BOMB: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">
<office:body><office:spreadsheet><table:table table:name="S">
<table:table-row table:number-rows-repeated="1048576">
<table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>
</table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>
"#;

const SPREADSHEETML_BOMB: &str = r#"<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="S"><Table><Row><Cell><Data ss:Type="String">&lol2;</Data></Cell></Row></Table></Worksheet>
</Workbook>
"#;

fn write_formula_chart_xlsx(path: &Path) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("数据").unwrap();
    ws.write_number(0, 0, 10).unwrap();
    // An empty result stands for "never calculated"; the <v> is removed below.
    ws.write_formula(1, 0, Formula::new("=SUM(A1:A1)").set_result("NOVALUE"))
        .unwrap();
    let mut chart = rust_xlsxwriter::Chart::new_column();
    chart.add_series().set_values("数据!$A$1:$A$1");
    let cs = wb.add_chartsheet();
    cs.set_name("图表").unwrap();
    cs.insert_chart(0, 0, &chart).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    std::fs::write(path, strip_cached_value(&bytes, "NOVALUE")).unwrap();
}

/// Rewrites the zip with `<v>marker</v>` (and its `t="str"`) removed, as a
/// generator that never calculates formulas writes them.
fn strip_cached_value(xlsx: &[u8], marker: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        let text = String::from_utf8_lossy(&data)
            .replace(
                &format!(" t=\"str\"><f>=SUM(A1:A1)</f><v>{marker}</v>"),
                "><f>SUM(A1:A1)</f>",
            )
            .replace(&format!("<v>{marker}</v>"), "");
        let options = zip::write::SimpleFileOptions::default();
        out.start_file(name, options).unwrap();
        out.write_all(text.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn write_far_cell_xlsx(path: &Path) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "起点").unwrap();
    ws.write_string(1_048_575, 16_383, "终点").unwrap();
    wb.save(path).unwrap();
}

fn convert(dir: &Path, filter: &str, target: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let status = Command::new("soffice")
        .args(["--headless", "--convert-to", filter, "--outdir"])
        .arg(tmp.path())
        .arg(dir.join("form.xlsx"))
        .env("HOME", tmp.path())
        .status()
        .expect("LibreOffice (soffice) is needed to regenerate fixtures");
    assert!(status.success());
    let ext = filter.split(':').next().unwrap();
    std::fs::rename(tmp.path().join(format!("form.{ext}")), dir.join(target)).unwrap();
}

fn write_text_fixtures(dir: &Path) {
    let rows = "项目名称,城区绿化养护\n预算执行率,99.09%\n年度目标,\"完成绿化养护\n面积120万平方米, 达标\"\n,,末格\n";
    let write = |name: &str, bytes: Vec<u8>| std::fs::write(dir.join(name), bytes).unwrap();
    write("utf8.csv", rows.as_bytes().to_vec());
    write(
        "utf8-bom.csv",
        [b"\xEF\xBB\xBF".as_slice(), rows.as_bytes()].concat(),
    );
    let semi = rows
        .replace(",城", ";城")
        .replace(",9", ";9")
        .replace(",\"", ";\"")
        .replace(",,", ";;");
    write(
        "gbk-semicolon.csv",
        encoding_rs::GBK.encode(&semi).0.into_owned(),
    );
    let tabs = rows
        .replace(",城", "\t城")
        .replace(",9", "\t9")
        .replace(",\"", "\t\"")
        .replace(",,", "\t\t");
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(tabs.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    write("utf16le-tab.csv", le);
    let be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(rows.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    write("utf16be.csv", be);
    write(
        "html-export.xls",
        encoding_rs::GBK.encode(HTML).0.into_owned(),
    );
    write("spreadsheetml.xls", SPREADSHEETML.as_bytes().to_vec());
}

const HTML: &str = r#"<html xmlns:x="urn:schemas-microsoft-com:office:excel">
<head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<style>td { mso-number-format: General; }</style></head>
<body>
<p>项目支出绩效自评表</p>
<table border=1>
 <tr><td>项目名称</td><td colspan="3">城区绿化 &amp; 养护</td></tr>
 <tr><td rowspan=2>项目资金<br>（万元）</td><td>年度资金总额</td><td x:num="77">77.00</td></tr>
 <tr><td>其中：财政拨款</td>
     <td x:num="0.9909">99.09%</td><td>99.09%</td></tr>
 <!-- <tr><td>注释行</td></tr> -->
</table>
</body></html>
"#;

const SPREADSHEETML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:x="urn:schemas-microsoft-com:office:excel">
 <Worksheet ss:Name="自评表">
  <Table>
   <Column ss:Index="7" ss:Hidden="1"/>
   <Row><Cell ss:MergeAcross="5"><Data ss:Type="String">项目支出绩效自评表</Data></Cell></Row>
   <Row ss:Index="3"><Cell><Data ss:Type="String">项目名称</Data></Cell>
    <Cell ss:Index="3" ss:MergeAcross="3"><Data ss:Type="String">城区绿化养护</Data></Cell></Row>
   <Row><Cell ss:MergeDown="1"><Data ss:Type="String">资金</Data></Cell></Row>
   <Row><Cell ss:Index="2"><Data ss:Type="Number">76.299999999999997</Data></Cell>
    <Cell><Data ss:Type="DateTime">2021-03-05T00:00:00.000</Data></Cell>
    <Cell><Data ss:Type="Boolean">1</Data></Cell>
    <Cell ss:Formula="=1/0"><Data ss:Type="Error">#DIV/0!</Data></Cell>
    <Cell ss:Formula="=SUM(B5:B5)"/></Row>
   <Row ss:Index="7" ss:Hidden="1"><Cell><Data ss:Type="String">隐藏</Data></Cell></Row>
  </Table>
 </Worksheet>
 <Worksheet ss:Name="备注">
  <Table><Row><Cell><Data ss:Type="String">内部</Data></Cell></Row></Table>
  <WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel">
   <Visible>SheetHidden</Visible>
  </WorksheetOptions>
 </Worksheet>
</Workbook>
"#;

/// A minimal OLE compound file (version 3, 512-byte sectors) holding
/// `streams`; streams under 4096 bytes go to the mini stream.
pub fn cfb(streams: &[(&str, Vec<u8>)]) -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    let sectors = |len: usize| len.div_ceil(512);
    let mut mini = Vec::new();
    let mut mini_starts = Vec::new();
    for (_, data) in streams.iter().filter(|(_, d)| d.len() < 4096) {
        mini_starts.push((mini.len() / 64) as u32);
        mini.extend_from_slice(data);
        mini.resize(mini.len().div_ceil(64) * 64, 0);
    }
    let mini_sectors = mini.len() / 64;
    let dir_n = sectors((streams.len() + 1) * 128);
    let minifat_n = sectors(mini_sectors * 4);
    let ministream_n = sectors(mini.len());
    let big: Vec<usize> = streams
        .iter()
        .filter(|(_, d)| d.len() >= 4096)
        .map(|(_, d)| sectors(d.len()))
        .collect();
    let data_n = dir_n + minifat_n + ministream_n + big.iter().sum::<usize>();
    let fat_n = (data_n + 1).div_ceil(127);
    let mut fat = vec![FREE; fat_n * 128];
    let mut next = fat_n as u32;
    let mut chain = |fat: &mut Vec<u32>, n: usize| -> u32 {
        if n == 0 {
            return END;
        }
        let start = next;
        for k in 0..n as u32 {
            fat[(start + k) as usize] = if k + 1 == n as u32 {
                END
            } else {
                start + k + 1
            };
        }
        next += n as u32;
        start
    };
    for entry in fat.iter_mut().take(fat_n) {
        *entry = 0xFFFF_FFFD;
    }
    let dir_start = chain(&mut fat, dir_n);
    let minifat_start = chain(&mut fat, minifat_n);
    let ministream_start = chain(&mut fat, ministream_n);
    let big_starts: Vec<u32> = big.iter().map(|&n| chain(&mut fat, n)).collect();
    let mut out = vec![0u8; 512];
    out[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let put16 = |b: &mut [u8], at: usize, v: u16| b[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 = |b: &mut [u8], at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put16(&mut out, 0x18, 0x3E);
    put16(&mut out, 0x1A, 3);
    put16(&mut out, 0x1C, 0xFFFE);
    put16(&mut out, 0x1E, 9);
    put16(&mut out, 0x20, 6);
    put32(&mut out, 0x2C, fat_n as u32);
    put32(&mut out, 0x30, dir_start);
    put32(&mut out, 0x38, 4096);
    put32(
        &mut out,
        0x3C,
        if minifat_n > 0 { minifat_start } else { END },
    );
    put32(&mut out, 0x40, minifat_n as u32);
    put32(&mut out, 0x44, END);
    for i in 0..109 {
        put32(
            &mut out,
            0x4C + i * 4,
            if i < fat_n { i as u32 } else { FREE },
        );
    }
    out.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    let entry = |name: &str, kind: u8, start: u32, size: usize, child: u32, right: u32| {
        let mut e = vec![0u8; 128];
        let units: Vec<u16> = name.encode_utf16().chain([0]).collect();
        for (i, u) in units.iter().enumerate() {
            e[i * 2..i * 2 + 2].copy_from_slice(&u.to_le_bytes());
        }
        put16(&mut e, 64, (units.len() * 2) as u16);
        e[66] = kind;
        e[67] = 1;
        put32(&mut e, 68, FREE);
        put32(&mut e, 72, right);
        put32(&mut e, 76, child);
        put32(&mut e, 116, start);
        put32(&mut e, 120, size as u32);
        e
    };
    let mut dir = entry("Root Entry", 5, ministream_start, mini.len(), 1, FREE);
    let (mut small, mut large) = (mini_starts.iter(), big_starts.iter());
    for (i, (name, data)) in streams.iter().enumerate() {
        let start = if data.len() < 4096 {
            small.next()
        } else {
            large.next()
        };
        let right = if i + 1 < streams.len() {
            i as u32 + 2
        } else {
            FREE
        };
        dir.extend(entry(name, 2, *start.unwrap(), data.len(), FREE, right));
    }
    dir.resize(dir_n * 512, 0);
    out.extend(dir);
    let mut minifat: Vec<u8> = Vec::new();
    for (k, (_, data)) in streams.iter().filter(|(_, d)| d.len() < 4096).enumerate() {
        let first = mini_starts[k];
        let n = data.len().div_ceil(64) as u32;
        for j in 0..n {
            let v = if j + 1 == n { END } else { first + j + 1 };
            minifat.extend(v.to_le_bytes());
        }
    }
    minifat.resize(minifat_n * 512, 0xFF);
    out.extend(minifat);
    mini.resize(ministream_n * 512, 0);
    out.extend(mini);
    for (_, data) in streams.iter().filter(|(_, d)| d.len() >= 4096) {
        let mut d = data.clone();
        d.resize(sectors(d.len()) * 512, 0);
        out.extend(d);
    }
    out
}

pub fn record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend((data.len() as u16).to_le_bytes());
    r.extend_from_slice(data);
    r
}

/// A BIFF5 workbook (Excel 5/95) whose byte strings are GBK while its
/// CODEPAGE record claims Windows-1252, as such files often do.
fn biff5_gbk() -> Vec<u8> {
    let gbk = |s: &str| encoding_rs::GBK.encode(s).0.into_owned();
    let bof = |dt: u16| {
        record(
            0x0809,
            &[&0x0500u16.to_le_bytes()[..], &dt.to_le_bytes(), &[0; 4]].concat(),
        )
    };
    let name = gbk("自评表");
    let mut globals = bof(0x0005);
    globals.extend(record(0x0042, &1252u16.to_le_bytes()));
    let boundsheet_len = 4 + 7 + name.len();
    let sheet_offset = globals.len() + boundsheet_len + 4;
    let mut bs = (sheet_offset as u32).to_le_bytes().to_vec();
    bs.extend([0, 0, name.len() as u8]);
    bs.extend(&name);
    globals.extend(record(0x0085, &bs));
    globals.extend(record(0x000A, &[]));
    let label = |row: u16, col: u16, text: &str| {
        let bytes = gbk(text);
        let mut d = [row.to_le_bytes(), col.to_le_bytes(), 15u16.to_le_bytes()].concat();
        d.extend((bytes.len() as u16).to_le_bytes());
        d.extend(bytes);
        record(0x0204, &d)
    };
    let mut sheet = bof(0x0010);
    sheet.extend(label(0, 0, "项目支出绩效自评表"));
    sheet.extend(label(2, 0, "项目名称"));
    sheet.extend(label(2, 1, "城区绿化养护"));
    let mut num = [3u16.to_le_bytes(), 1u16.to_le_bytes(), 15u16.to_le_bytes()].concat();
    num.extend(76.3f64.to_le_bytes());
    sheet.extend(record(0x0203, &num));
    sheet.extend(record(0x000A, &[]));
    [globals, sheet].concat()
}

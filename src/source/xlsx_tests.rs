//! The one-pass reader against calamine, the reference: the same cells,
//! merges and sheets for every xlsx the repository (and the shared corpus,
//! when present) holds.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use calamine::{Reader, SheetType, SheetVisible, Xlsx, XlsxFormulaMetadata};

use super::*;
use crate::source::calamine::{area, convert};
use crate::source::Limits;

/// A sheet as calamine reads it: name, hidden flag, cells, merges.
type Reference = (String, bool, Vec<(CellRef, Value)>, Vec<Area>);

fn reference(bytes: &[u8]) -> Vec<Reference> {
    let mut wb = Xlsx::new(Cursor::new(bytes)).expect("calamine opens the fixture");
    let meta: Vec<_> = wb
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible != SheetVisible::Visible))
        .collect();
    meta.into_iter()
        .map(|(name, hidden)| {
            let mut cells = Vec::new();
            let mut reader = wb.worksheet_cells_reader(&name).expect("sheet");
            while let Some(rec) = reader.next_cell_with_formula_metadata().expect("cell") {
                let value = match (convert(&rec.value), rec.formula) {
                    (Value::Empty, Some(f)) => Value::FormulaNoValue(formula(f)),
                    (Value::Text(s), _) if s.is_empty() => Value::Empty,
                    (value, _) => value,
                };
                if value != Value::Empty {
                    cells.push((CellRef::new(rec.pos.0, rec.pos.1), value));
                }
            }
            drop(reader);
            let merges = wb.merge_cells_by_sheet_name(&name).expect("merges");
            (name, hidden, cells, merges.iter().map(area).collect())
        })
        .collect()
}

fn formula(f: XlsxFormulaMetadata) -> String {
    match f {
        XlsxFormulaMetadata::Normal { formula } | XlsxFormulaMetadata::Shared { formula, .. } => {
            formula
        }
        XlsxFormulaMetadata::SharedDerived { shared_index } => {
            format!("(shared formula #{shared_index})")
        }
        _ => String::new(),
    }
}

fn xlsx_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && !path.ends_with("hostile") {
            xlsx_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("xlsx") || x.eq_ignore_ascii_case("xlsm"))
        {
            out.push(path);
        }
    }
}

#[test]
fn reads_what_calamine_reads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["tests/fixtures", "samples", "../shared/corpus/public"] {
        xlsx_files(&root.join(dir), &mut files);
    }
    assert!(files.len() >= 10, "fixtures missing: {files:?}");
    let limits = Limits::default();
    let mut compared = 0;
    for path in &files {
        let ctx = Ctx::new(path, &limits);
        let bytes = std::fs::read(path).expect("read fixture");
        // Fixtures that are meant to fail (corrupt, encrypted) are the
        // hostile tests' business.
        let Ok(info) = crate::source::guard::check_zip(&ctx, &bytes) else {
            continue;
        };
        let crate::source::guard::Content::Parts(parts) = info.content else {
            continue;
        };
        let ours = read(&ctx, &parts).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let theirs = reference(&bytes);
        assert_eq!(ours.len(), theirs.len(), "{}: sheet count", path.display());
        for (sheet, (name, hidden, cells, merges)) in ours.iter().zip(theirs) {
            let at = format!("{}!{name}", path.display());
            assert_eq!(sheet.name, name, "{at}");
            assert_eq!(sheet.hidden, hidden, "{at}: hidden");
            let expected = Sheet::new(name.clone(), cells, merges);
            let mine: Vec<_> = sheet.cells().collect();
            let want: Vec<_> = expected.cells().collect();
            assert_eq!(mine, want, "{at}: cells");
            assert_eq!(sheet.merges(), expected.merges(), "{at}: merges");
        }
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} workbooks compared");
}

#[test]
fn excel_escapes_decode_like_calamine() {
    assert_eq!(unescape_excel("a_x000D_b"), "a\rb");
    assert_eq!(unescape_excel("_x005F_x000D_"), "_x000D_");
    assert_eq!(unescape_excel("_xD83D__xDCF7_"), "📷");
    assert_eq!(unescape_excel("_xD83D_x"), "\u{FFFD}x");
    assert_eq!(unescape_excel("中_x0041_文"), "中A文");
    assert_eq!(unescape_excel("_x12"), "_x12");
}

#[test]
fn date_formats_are_recognised() {
    assert_eq!(custom_format("yyyy\"年\"m\"月\"d\"日\""), Shown::Date);
    assert_eq!(custom_format("[h]:mm:ss"), Shown::Duration);
    assert_eq!(custom_format("#,##0.00_);[Red](#,##0.00)"), Shown::Number);
    assert_eq!(custom_format("0.00%"), Shown::Number);
    assert_eq!(builtin_format("14"), Shown::Date);
    assert_eq!(builtin_format("4"), Shown::Number);
}

#[test]
fn addresses_parse_and_overflow_is_an_error() {
    assert!(matches!(address(b"A1"), Ok((0, Some(0)))));
    assert!(matches!(
        address(b"XFD1048576"),
        Ok((1_048_575, Some(16_383)))
    ));
    assert!(matches!(address(b"7"), Ok((6, None))));
    assert!(address(b"A0").is_err());
    assert!(address(b"A99999999999").is_err());
    assert!(address(b"ZZZZZZZZ1").is_err());
    assert!(address(b"A-1").is_err());
}

#[test]
fn repeated_hidden_columns_stay_bounded() {
    let mut xml = String::from("<worksheet><cols>");
    for _ in 0..5_000 {
        xml.push_str(r#"<col min="1" max="16384" hidden="1"/>"#);
    }
    xml.push_str(
        r#"</cols><sheetData><row r="2" hidden="1"><c r="B2" t="b"><v>1</v></c></row></sheetData>"#,
    );
    xml.push_str(r#"<mergeCells><x:mergeCell xmlns:x="s" ref="A1:C2"/></mergeCells></worksheet>"#);
    let limits = Limits::default();
    let ctx = Ctx::new(Path::new("t.xlsx"), &limits);
    let book = Book {
        strings: Vec::new(),
        styles: Vec::new(),
        is_1904: false,
    };
    let read = read_sheet(&ctx, &book, xml.as_bytes(), &mut Budget::default())
        .unwrap_or_else(|_| panic!("read"));
    assert_eq!(read.hidden_cols.len(), MAX_COLS as usize);
    let sheet = Sheet::new("s".into(), read.cells, read.merges).with_hidden(
        false,
        read.hidden_rows,
        read.hidden_cols,
    );
    assert_eq!(sheet.hidden_cols.len(), MAX_COLS as usize);
    assert_eq!(sheet.hidden_rows, vec![1]);
    assert_eq!(sheet.raw(CellRef::new(1, 1)), &Value::Bool(true));
    assert_eq!(sheet.merges().len(), 1);
}

#[test]
fn column_ranges_merge() {
    assert_eq!(columns(vec![3..5, 0..2, 1..4, 4..4]), vec![0, 1, 2, 3, 4]);
    assert_eq!(columns(Vec::new()), Vec::<u32>::new());
}

/// A package of a workbook listing `sheets` (name, relationship id), the
/// relationships `rels` (id, target) and the given parts.
fn package(sheets: &[(&str, &str)], rels: &[(&str, &str)], parts: &[(&str, &str)]) -> Parts {
    const WS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let mut workbook = String::from("<workbook><sheets>");
    for (name, id) in sheets {
        workbook.push_str(&format!(
            r#"<sheet name="{name}" sheetId="1" r:id="{id}"/>"#
        ));
    }
    workbook.push_str("</sheets></workbook>");
    let mut relationships = String::from("<Relationships>");
    for (id, target) in rels {
        let kind = match target.starts_with("sharedStrings") {
            true => "sharedStrings",
            false => "worksheet",
        };
        relationships.push_str(&format!(
            r#"<Relationship Id="{id}" Type="{WS}/{kind}" Target="{target}"/>"#
        ));
    }
    relationships.push_str("</Relationships>");
    let mut out = Parts::default();
    out.push("xl/workbook.xml".into(), workbook.into_bytes());
    out.push(
        "xl/_rels/workbook.xml.rels".into(),
        relationships.into_bytes(),
    );
    for (name, data) in parts {
        out.push(name.to_string(), data.as_bytes().to_vec());
    }
    out
}

fn read_with(limits: &Limits, parts: &Parts) -> Result<Vec<Sheet>, SourceError> {
    let ctx = Ctx::new(Path::new("hostile.xlsx"), limits);
    read(&ctx, parts)
}

const ONE_CELL: &str =
    r#"<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>"#;

#[test]
fn shared_strings_past_the_cell_limit_are_refused() {
    let limits = Limits {
        max_cells: 10,
        ..Limits::default()
    };
    let sheet = [("xl/worksheets/sheet1.xml", ONE_CELL)];
    let rels = [
        ("rId1", "worksheets/sheet1.xml"),
        ("rId2", "sharedStrings.xml"),
    ];
    let sst = |n| format!("<sst>{}</sst>", "<si/>".repeat(n));
    let (at_limit, past_limit) = (sst(10), sst(11));
    let with = |sst: &str| {
        let mut parts = sheet.to_vec();
        parts.push(("xl/sharedStrings.xml", sst));
        read_with(&limits, &package(&[("S", "rId1")], &rels, &parts))
    };
    assert!(with(&at_limit).is_ok());
    let err = with(&past_limit).map(|_| ()).unwrap_err();
    assert!(matches!(err, SourceError::TooLarge { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "hostile.xlsx: too large: xl/sharedStrings.xml: more than 10 shared strings (limit)"
    );
}

#[test]
fn a_part_listed_for_two_sheets_is_refused() {
    let rels = [
        ("rId1", "worksheets/sheet1.xml"),
        ("rId2", "/XL/Worksheets/Sheet1.xml"),
    ];
    let parts = [("xl/worksheets/sheet1.xml", ONE_CELL)];
    let sheets = [("A", "rId1"), ("B", "rId2")];
    let err = read_with(&Limits::default(), &package(&sheets, &rels, &parts))
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(err, SourceError::Corrupt { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "hostile.xlsx: corrupt xlsx: xl/workbook.xml: sheets \"A\" and \"B\" both use part XL/Worksheets/Sheet1.xml"
    );
    // The same sheet listed twice through one relationship, likewise.
    let sheets = [("A", "rId1"), ("B", "rId1")];
    let twice = read_with(&Limits::default(), &package(&sheets, &rels, &parts));
    assert!(matches!(twice, Err(SourceError::Corrupt { .. })));
}

#[test]
fn merged_ranges_are_bounded_over_the_workbook() {
    let limits = Limits {
        max_merges: 5,
        ..Limits::default()
    };
    let merges = |n: u32| {
        let refs: String = (1..=n)
            .map(|r| format!(r#"<mergeCell ref="A{r}:B{r}"/>"#))
            .collect();
        format!("<worksheet><sheetData/><mergeCells>{refs}</mergeCells></worksheet>")
    };
    let rels = [
        ("rId1", "worksheets/sheet1.xml"),
        ("rId2", "worksheets/sheet2.xml"),
    ];
    let sheets = [("A", "rId1"), ("B", "rId2")];
    let with = |second: u32| {
        let (one, two) = (merges(3), merges(second));
        let parts = [
            ("xl/worksheets/sheet1.xml", one.as_str()),
            ("xl/worksheets/sheet2.xml", two.as_str()),
        ];
        read_with(&limits, &package(&sheets, &rels, &parts))
    };
    assert!(with(2).is_ok());
    let err = with(3).map(|_| ()).unwrap_err();
    assert!(matches!(err, SourceError::TooLarge { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "hostile.xlsx: too large: sheet \"B\": more than 5 merged ranges in the workbook (limit)"
    );
}

#[test]
fn worksheet_xml_is_bounded_over_the_workbook() {
    let limits = Limits {
        max_unpacked_bytes: 2 * ONE_CELL.len() as u64 - 1,
        ..Limits::default()
    };
    let rels = [
        ("rId1", "worksheets/sheet1.xml"),
        ("rId2", "worksheets/sheet2.xml"),
    ];
    let sheets = [("A", "rId1"), ("B", "rId2")];
    let parts = [
        ("xl/worksheets/sheet1.xml", ONE_CELL),
        ("xl/worksheets/sheet2.xml", ONE_CELL),
    ];
    let err = read_with(&limits, &package(&sheets, &rels, &parts))
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(err, SourceError::TooLarge { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("sheet \"B\": the worksheets come to more than"),
        "{err}"
    );
}

/// Generated workbooks, read by this reader and by calamine: the two may
/// not drift (issue 13). rust_xlsxwriter writes shared strings, numbers,
/// booleans, dates with a date format and merges; a raw package adds what
/// it does not write: inline and rich-text strings, `xml:space`, `_xHHHH_`
/// escapes, untyped and `str` cells.
mod differential {
    use super::*;
    use proptest::prelude::*;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    #[derive(Clone, Debug)]
    enum Cell {
        Text(String),
        Number(f64),
        Bool(bool),
        /// Days since 1900 and seconds into the day.
        Date(u32, u32),
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9 ]{1,12}",
            "[项目名称资金预算执行数万元（）：%]{1,8}",
            "[ <>&\"'\n\t_x0-9A-F]{1,10}",
            Just(" 前后空格 ".to_string()),
        ]
        .prop_filter("a cell of only whitespace reads as empty", |s| {
            !s.trim().is_empty()
        })
    }

    fn cell() -> impl Strategy<Value = Cell> {
        prop_oneof![
            text().prop_map(Cell::Text),
            prop_oneof![
                -1e6f64..1e6,
                any::<i32>().prop_map(f64::from),
                Just(0.1 + 0.2),
                Just(1e15 + 0.3),
                Just(-1e-7),
            ]
            .prop_map(Cell::Number),
            any::<bool>().prop_map(Cell::Bool),
            (1u32..60_000, 0u32..86_400).prop_map(|(d, s)| Cell::Date(d, s)),
        ]
    }

    /// Cells at (row, col) in a 12 × 8 area, and merges laid in disjoint
    /// bands so that none overlaps.
    /// Cells by (row, column), and merges as (first row, first column,
    /// last row, last column).
    type Cells = Vec<((u32, u16), Cell)>;
    type Merges = Vec<(u32, u16, u32, u16)>;

    fn sheet() -> impl Strategy<Value = (Cells, Merges)> {
        let cells = proptest::collection::vec(((0u32..12, 0u16..8), cell()), 0..40);
        let merges = proptest::collection::vec((0u16..6, 1u32..3, 1u16..3), 0..4).prop_map(|m| {
            m.into_iter()
                .enumerate()
                .map(|(i, (col, tall, wide))| {
                    let row = 20 + 4 * i as u32;
                    (row, col, row + tall - 1, col + wide)
                })
                .collect()
        });
        (cells, merges)
    }

    fn write(cells: &[((u32, u16), Cell)], merges: &[(u32, u16, u32, u16)]) -> Vec<u8> {
        let mut wb = Workbook::new();
        let date = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        let ws = wb.add_worksheet();
        for ((r, c), cell) in cells {
            match cell {
                Cell::Text(s) => ws.write_string(*r, *c, s).map(drop),
                Cell::Number(n) => ws.write_number(*r, *c, *n).map(drop),
                Cell::Bool(b) => ws.write_boolean(*r, *c, *b).map(drop),
                Cell::Date(d, s) => {
                    let serial = f64::from(*d) + f64::from(*s) / 86_400.0;
                    let dt = ExcelDateTime::from_serial_datetime(serial).unwrap();
                    ws.write_datetime_with_format(*r, *c, &dt, &date).map(drop)
                }
            }
            .unwrap();
        }
        for (i, &(r1, c1, r2, c2)) in merges.iter().enumerate() {
            ws.merge_range(r1, c1, r2, c2, &format!("合并{i}"), &Format::new())
                .unwrap();
        }
        wb.save_to_buffer().unwrap()
    }

    fn both(bytes: &[u8]) -> (Vec<Sheet>, Vec<Reference>) {
        let limits = Limits::default();
        let ctx = Ctx::new(Path::new("generated.xlsx"), &limits);
        let info = crate::source::guard::check_zip(&ctx, bytes).expect("a valid package");
        let crate::source::guard::Content::Parts(parts) = info.content else {
            panic!("not read as xlsx");
        };
        (read(&ctx, &parts).expect("read"), reference(bytes))
    }

    fn assert_same(bytes: &[u8]) -> Result<(), TestCaseError> {
        let (ours, theirs) = both(bytes);
        prop_assert_eq!(ours.len(), theirs.len());
        for (sheet, (name, _, cells, merges)) in ours.iter().zip(theirs) {
            let expected = Sheet::new(name, cells, merges);
            let mine: Vec<_> = sheet.cells().collect();
            let want: Vec<_> = expected.cells().collect();
            prop_assert_eq!(mine, want);
            prop_assert_eq!(sheet.merges(), expected.merges());
        }
        Ok(())
    }

    /// A package whose sheet and shared strings are written here.
    fn raw(sheet_data: &str, strings: &[String]) -> Vec<u8> {
        use std::io::Write;
        let sst: String = strings.iter().map(String::as_str).collect();
        let parts = [
            ("_rels/.rels", r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string()),
            ("xl/workbook.xml", r#"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string()),
            ("xl/_rels/workbook.xml.rels", r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#.to_string()),
            ("xl/worksheets/sheet1.xml", format!(r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData></worksheet>"#)),
            ("xl/sharedStrings.xml", format!(r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{sst}</sst>"#)),
        ];
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in parts {
            zip.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(data.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn escape(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }

    /// One raw cell: its XML, and a shared string item when it uses one.
    fn raw_cell() -> impl Strategy<Value = (String, Option<String>)> {
        prop_oneof![
            // A rich-text shared string of one to three runs.
            proptest::collection::vec(text(), 1..4).prop_map(|runs| {
                let r: String = runs
                    .iter()
                    .map(|t| {
                        format!(
                            r#"<r><rPr><b/></rPr><t xml:space="preserve">{}</t></r>"#,
                            escape(t)
                        )
                    })
                    .collect();
                ("s".to_string(), Some(format!("<si>{r}</si>")))
            }),
            text().prop_map(|t| (
                "s".to_string(),
                Some(format!("<si><t>{}</t></si>", escape(&t)))
            )),
            text().prop_map(|t| (
                format!(r#"t="inlineStr"><is><t>{}</t></is>"#, escape(&t)),
                None
            )),
            "_x00[0-7][0-9A-F]_[a-z]{0,3}".prop_map(|t| (format!(r#"t="str"><v>{t}</v>"#), None)),
            (-1e9f64..1e9).prop_map(|n| (format!("><v>{n}</v>"), None)),
            any::<bool>().prop_map(|b| (format!(r#"t="b"><v>{}</v>"#, u8::from(b)), None)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn generated_workbooks_read_as_calamine_reads_them(
            (cells, merges) in sheet(),
        ) {
            assert_same(&write(&cells, &merges))?;
        }

        #[test]
        fn raw_packages_read_as_calamine_reads_them(
            cells in proptest::collection::vec(raw_cell(), 1..20),
        ) {
            let mut strings = Vec::new();
            let mut rows = String::new();
            for (i, (cell, item)) in cells.into_iter().enumerate() {
                let at = format!("B{}", i + 1);
                let body = match item {
                    Some(item) => {
                        strings.push(item);
                        format!(r#"t="s"><v>{}</v>"#, strings.len() - 1)
                    }
                    None => cell,
                };
                rows.push_str(&format!(r#"<row r="{}"><c r="{at}" {body}</c></row>"#, i + 1));
            }
            assert_same(&raw(&rows, &strings))?;
        }

        #[test]
        fn dates_read_as_dates_as_calamine_reads_them(day in 1u32..60_000, second in 0u32..86_400) {
            let bytes = write(&[((0, 0), Cell::Date(day, second))], &[]);
            let (ours, theirs) = both(&bytes);
            prop_assert_eq!(ours[0].cells().collect::<Vec<_>>().len(), 1);
            prop_assert_eq!(&theirs[0].2.len(), &1);
            let mine = ours[0].raw(CellRef::new(0, 0)).clone();
            prop_assert_eq!(&mine, &theirs[0].2[0].1);
            prop_assert!(matches!(mine, Value::Date(_)), "{:?}", mine);
        }
    }
}

//! Two forms stacked on one sheet (a department pasting each project's form
//! below the last) give two records, each read from its own rows.

use std::path::Path;

use jixiao::mapping;
use jixiao::model::Record;
use jixiao::source::{self, CellRef, Format, Sheet, Workbook};

fn fixture(name: &str) -> Record {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name);
    let mut records = mapping::import_file(&path, None).unwrap_or_else(|e| panic!("{e}"));
    records.remove(0).record
}

/// The standard form of `record`, as a sheet read back by the source stage.
fn standard_sheet(record: &Record, dir: &Path, name: &str) -> Sheet {
    let path = dir.join(name);
    jixiao::write::standard::write(&path, record, None).unwrap_or_else(|e| panic!("{e}"));
    let mut wb = source::open(&path).unwrap_or_else(|e| panic!("{e}"));
    wb.sheets.remove(0)
}

/// `b` pasted under `a`, one blank row between.
fn stacked(a: &Sheet, b: &Sheet) -> Sheet {
    let shift = a.height() + 1;
    let moved = |at: CellRef| CellRef::new(at.row + shift, at.col);
    let cells = a
        .cells()
        .map(|(at, v)| (at, v.clone()))
        .chain(b.cells().map(|(at, v)| (moved(at), v.clone())))
        .collect();
    let merges = a
        .merges()
        .iter()
        .copied()
        .chain(b.merges().iter().map(|m| {
            let mut m = *m;
            m.first = moved(m.first);
            m.last = moved(m.last);
            m
        }))
        .collect();
    Sheet::new("自评表".into(), cells, merges)
}

fn comparable(mut r: Record) -> Record {
    r.source = Default::default();
    r
}

#[test]
fn stacked_forms_on_one_sheet_give_one_record_each() {
    let first = fixture("rendashi-daibiao-2023.xlsx");
    let second = fixture("jiaoyu-xiaoshe-2023.xlsx");
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let a = standard_sheet(&first, tmp.path(), "a.xlsx");
    let b = standard_sheet(&second, tmp.path(), "b.xlsx");
    let workbook = Workbook {
        path: tmp.path().join("stacked.xlsx"),
        format: Format::Xlsx,
        sheets: vec![stacked(&a, &b)],
    };
    let records = mapping::import(&workbook, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(records.len(), 2, "one record per stacked form");
    let back: Vec<Record> = records.into_iter().map(|i| comparable(i.record)).collect();
    assert_eq!(back[0], comparable(first));
    assert_eq!(back[1], comparable(second));
}

#[test]
fn a_single_form_is_not_split() {
    let one = fixture("rendashi-daibiao-2023.xlsx");
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sheet = standard_sheet(&one, tmp.path(), "one.xlsx");
    let workbook = Workbook {
        path: tmp.path().join("one.xlsx"),
        format: Format::Xlsx,
        sheets: vec![sheet],
    };
    let records = mapping::import(&workbook, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(records.len(), 1);
}

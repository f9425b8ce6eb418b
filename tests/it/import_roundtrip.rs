//! The standard workbook `write::standard` lays out is read back exactly by
//! the built-in `mof-2020` mapping: import → write → import gives the same
//! record for every project-form fixture.

use std::path::Path;

use jixiao::mapping::{self, Mapping};
use jixiao::model::{Kind, Record};

fn without_source(mut r: Record) -> Record {
    r.source = Default::default();
    r
}

#[test]
fn standard_workbooks_read_back_exactly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mof = Mapping::builtin("mof-2020").unwrap_or_else(|e| panic!("{e}"));
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.map(|e| e.path()).unwrap_or_default();
        if path.extension().is_none_or(|x| x != "xlsx") {
            continue;
        }
        let records = mapping::import_file(&path, None).unwrap_or_else(|e| panic!("{e}"));
        for (i, imported) in records.into_iter().enumerate() {
            if imported.record.kind != Kind::Project {
                continue; // the standard grid is the project form
            }
            let out = tmp.path().join(format!("{i}-standard.xlsx"));
            jixiao::write::standard::write(&out, &imported.record, None)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let back = mapping::import_file(&out, Some(mof)).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(back.len(), 1);
            let back = without_source(back[0].record.clone());
            let mut expected = without_source(imported.record);
            // Values are compared as decimals; the writer may drop trailing zeros.
            normalize(&mut expected);
            let mut back = back;
            normalize(&mut back);
            assert_eq!(back, expected, "{}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 7, "only {checked} records checked");
}

/// Every decimal of `r` without trailing zeros (a cell holds 17.50 as 17.5).
pub(crate) fn normalize(r: &mut Record) {
    let n = |d: &mut Option<rust_decimal::Decimal>| *d = d.map(|d| d.normalize());
    for row in [
        &mut r.funds.total,
        &mut r.funds.fiscal,
        &mut r.funds.carryover,
        &mut r.funds.other,
    ] {
        n(&mut row.initial);
        n(&mut row.budget);
        n(&mut row.spent);
    }
    n(&mut r.funds.weight);
    n(&mut r.funds.rate);
    n(&mut r.funds.score);
    n(&mut r.total_score);
    for i in &mut r.indicators {
        n(&mut i.weight);
        n(&mut i.score);
    }
}

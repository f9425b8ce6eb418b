//! Filling templates (`convert --to MAPPING`): every record a built-in
//! template can hold imports back from the filled template as itself,
//! `import(fill(M, record)) == record`, for the fixtures and for generated
//! records.

use std::path::{Path, PathBuf};

use jixiao::mapping::{builtins, import_file, Mapping};
use jixiao::model::{FundRow, Funds, Goals, Kind, Record};
use jixiao::write::fill::{Options, Template};
use proptest::prelude::*;

use crate::convert_support::{all_records, read_records, record};
use crate::import_roundtrip::normalize;
use crate::roundtrip::first_difference;

/// Every fixture record: the standard fixtures (and the corpus's), the
/// rebuilt forms' and the import fixtures' expected records.
fn fixture_records() -> Vec<(String, Record)> {
    let mut out = all_records();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for dir in ["rebuilt", "import"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".expected.json"))
            .collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            for (i, r) in read_records(&path).into_iter().enumerate() {
                out.push((format!("{name}#{i}"), r));
            }
        }
    }
    out
}

/// `record` without the values `unwritten` names (what the template has
/// no place for).
fn strip(record: &mut Record, unwritten: &[String]) {
    for what in unwritten {
        let funds = &mut record.funds;
        let parts: Vec<&str> = what.split('.').collect();
        match parts.as_slice() {
            ["project"] => record.project = None,
            ["department"] => record.department = None,
            ["unit"] => record.unit = None,
            ["year"] => record.year = None,
            ["total_score"] => record.total_score = None,
            ["goals", which] => {
                let goals = record.goals.get_or_insert_with(Goals::default);
                match *which {
                    "planned" => goals.planned = None,
                    _ => goals.achieved = None,
                }
            }
            ["funds"] => *funds = Default::default(),
            ["funds", "weight"] => funds.weight = None,
            ["funds", "rate"] => funds.rate = None,
            ["funds", "score"] => funds.score = None,
            ["funds", line] => *fund_row(funds, line) = FundRow::default(),
            ["funds", line, column] => {
                let r = fund_row(funds, line);
                {
                    match *column {
                        "initial" => r.initial = None,
                        "budget" => r.budget = None,
                        _ => r.spent = None,
                    }
                }
            }
            ["indicators", column] => {
                for ind in &mut record.indicators {
                    match *column {
                        "level1" => ind.level1 = None,
                        "level2" => ind.level2 = None,
                        "target" => ind.target = None,
                        "actual" => ind.actual = None,
                        "weight" => ind.weight = None,
                        "score" => ind.score = None,
                        _ => ind.note = None,
                    }
                }
            }
            other => panic!("unknown unwritten value {other:?}"),
        }
    }
}

fn fund_row<'f>(funds: &'f mut Funds, line: &str) -> &'f mut FundRow {
    match line {
        "total" => &mut funds.total,
        "fiscal" => &mut funds.fiscal,
        "carryover" => &mut funds.carryover,
        _ => &mut funds.other,
    }
}

/// Fills `template` with `record` (less what it cannot hold), imports the
/// result with `mapping` and compares.
fn round_trip(mapping: &Mapping, template: &Template, record: &Record) -> Result<(), String> {
    let mut expected = record.clone();
    let first = template
        .fill(&expected, Options::default())
        .map_err(|e| e.to_string())?;
    strip(&mut expected, &first.unwritten);
    let filled = template
        .fill(&expected, Options::default())
        .map_err(|e| e.to_string())?;
    if !filled.unwritten.is_empty() {
        return Err(format!(
            "still unwritten after stripping: {:?}",
            filled.unwritten
        ));
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("filled.xlsx");
    std::fs::write(&path, &filled.bytes).map_err(|e| e.to_string())?;
    let mut back = import_file(&path, Some(mapping)).map_err(|e| e.to_string())?;
    if back.len() != 1 {
        return Err(format!("imported {} records", back.len()));
    }
    let mut back = back.remove(0).record;
    back.source = expected.source.clone();
    // A template that states the funds weight in its block label
    // (`预算执行情况（20分）`) states it for a record without one too.
    let stated = template
        .places()
        .funds
        .as_ref()
        .and_then(|f| f.weight_label.as_ref());
    if expected.funds.weight.is_none() && stated.is_some() {
        expected.funds.weight = back.funds.weight;
    }
    for r in [&mut back, &mut expected] {
        if r.goals.is_none() {
            r.goals = Some(Goals::default());
        }
        normalize(r);
    }
    if back == expected {
        Ok(())
    } else {
        Err(first_difference(&expected, &back))
    }
}

fn templates() -> Vec<(&'static Mapping, Template)> {
    builtins()
        .iter()
        .map(|m| {
            (
                m,
                Template::builtin(m).unwrap_or_else(|e| panic!("{}: {e}", m.id)),
            )
        })
        .collect()
}

#[test]
fn every_fixture_survives_every_builtin_template() {
    let records = fixture_records();
    let mut failures = Vec::new();
    for (mapping, template) in templates() {
        let mut checked = 0;
        for (name, record) in records.iter().filter(|(_, r)| r.kind == mapping.kind) {
            match round_trip(mapping, &template, record) {
                Ok(()) => checked += 1,
                Err(e) => failures.push(format!("{} ← {name}: {e}", mapping.id)),
            }
        }
        assert!(
            checked >= 2,
            "{}: only {checked} records checked",
            mapping.id
        );
    }
    assert!(
        failures.is_empty(),
        "round trips failed:\n{}",
        failures.join("\n")
    );
}

#[test]
fn a_record_of_the_other_kind_is_refused() {
    let project = &fixture_records()
        .into_iter()
        .find(|(_, r)| r.kind == Kind::Project)
        .unwrap()
        .1;
    for id in ["guizhou-dept", "chongqing-dept"] {
        let m = Mapping::builtin(id).unwrap();
        let e = Template::builtin(m)
            .unwrap()
            .fill(project, Options::default())
            .unwrap_err();
        assert!(e.to_string().contains("cannot fill a department"), "{e}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_records_survive_every_template(record in record()) {
        for (mapping, template) in templates() {
            let mut record = record.clone();
            if mapping.kind == Kind::Department {
                record.kind = Kind::Department;
                (record.department, record.project, record.unit) = (record.project, None, None);
            }
            if let Err(e) = round_trip(mapping, &template, &record) {
                prop_assert!(false, "{}: {}", mapping.id, e);
            }
        }
    }
}

/// A table running to the end of the sheet (重庆: no 总分 row) grows inside
/// its last row too, so the print area and the 绩效指标 label grow with it.
#[test]
fn an_open_ended_table_grows_with_its_print_area() {
    use std::io::Read;
    let mapping = Mapping::builtin("chongqing-dept").unwrap();
    let template = Template::builtin(mapping).unwrap();
    let record = fixture_records()
        .into_iter()
        .map(|(_, r)| r)
        .find(|r| r.kind == Kind::Department && r.indicators.len() > 20)
        .unwrap();
    let filled = template.fill(&record, Options::default()).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(filled.bytes)).unwrap();
    let mut workbook = String::new();
    zip.by_name("xl/workbook.xml")
        .unwrap()
        .read_to_string(&mut workbook)
        .unwrap();
    let last_row = 7 + record.indicators.len();
    assert!(
        workbook.contains(&format!("$A$1:$K${last_row}")),
        "{workbook}"
    );
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    assert!(
        sheet.contains(&format!("<mergeCell ref=\"A7:A{last_row}\"/>")),
        "{sheet}"
    );
}

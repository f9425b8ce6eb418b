//! The library API the other stages call: `import_file`, `import`,
//! `detect`, `Mapping::{builtin, load, from_toml}`, `builtins`, and the
//! provenance kept beside each record.

use std::path::{Path, PathBuf};

use jixiao::mapping::{self, ImportError, Mapping};
use jixiao::model::{Field, FundColumn, FundLine, IndicatorColumn, Kind};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

fn cell(imported: &jixiao::model::Imported, field: Field) -> String {
    imported
        .provenance
        .get(field)
        .map(|l| l.to_string())
        .unwrap_or_else(|| format!("no provenance for {field:?}"))
}

#[test]
fn provenance_points_at_the_cells_of_the_standard_grid() {
    let records = mapping::import_file(&fixture("rendashi-daibiao-2023.xlsx"), None);
    let records = records.unwrap_or_else(|e| panic!("{e}"));
    let r = &records[0];
    assert_eq!(cell(r, Field::Year), "自评表!A2");
    assert_eq!(cell(r, Field::Project), "自评表!B3");
    assert_eq!(cell(r, Field::Unit), "自评表!F4");
    assert_eq!(
        cell(r, Field::Fund(FundLine::Total, FundColumn::Spent)),
        "自评表!F6"
    );
    assert_eq!(cell(r, Field::FundsRate), "自评表!H6");
    assert_eq!(cell(r, Field::GoalsAchieved), "自评表!E11");
    assert_eq!(
        cell(r, Field::Indicator(0, IndicatorColumn::Level1)),
        "自评表!B13"
    );
    assert_eq!(
        cell(r, Field::Indicator(1, IndicatorColumn::Level1)),
        "自评表!B13"
    );
    assert_eq!(
        cell(r, Field::Indicator(8, IndicatorColumn::Score)),
        "自评表!H21"
    );
    assert_eq!(cell(r, Field::TotalScore), "自评表!H22");
}

#[test]
fn provenance_follows_a_shifted_and_reordered_form() {
    // Starts at B2, 指标权重 column before 年度指标值, placeholder rows.
    let records = mapping::import_file(&fixture("jiaoyu-xiaoshe-2023.xlsx"), None);
    let r = &records.unwrap_or_else(|e| panic!("{e}"))[0];
    assert_eq!(cell(r, Field::Project), "自评表!C4");
    assert_eq!(
        cell(r, Field::Indicator(0, IndicatorColumn::Weight)),
        "自评表!F14"
    );
    assert_eq!(
        cell(r, Field::Indicator(0, IndicatorColumn::Target)),
        "自评表!G14"
    );
    // The funds weight from the block label of the 湖北 form.
    let records = mapping::import_file(&fixture("tuiyi-weiwen-2022.xlsx"), None);
    let r = &records.unwrap_or_else(|e| panic!("{e}"))[0];
    assert_eq!(cell(r, Field::FundsWeight), "项目自评表!A6");
    assert_eq!(cell(r, Field::TotalScore), "项目自评表!D15");
}

#[test]
fn detect_ranks_the_family_first() {
    let wb =
        jixiao::source::open(&fixture("sifa-anke-2023.xlsx")).unwrap_or_else(|e| panic!("{e}"));
    let scores = mapping::detect(&wb);
    assert_eq!(scores[0].mapping, "sichuan-2023");
    assert!(scores[0].matches);
    assert_eq!(scores.len(), mapping::builtins().len());
    let records = mapping::import(&wb, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        records[0].record.source.mapping.as_deref(),
        Some("sichuan-2023")
    );
}

#[test]
fn builtins_load_and_department_mappings_have_their_kind() {
    let ids: Vec<&str> = mapping::builtins().iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "mof-2020",
            "hubei-2020",
            "sichuan-2023",
            "chongqing-dept",
            "guizhou-dept",
            "transfer-2021"
        ]
    );
    let kind = |id| Mapping::builtin(id).map(|m| m.kind).ok();
    assert_eq!(kind("chongqing-dept"), Some(Kind::Department));
    assert_eq!(kind("mof-2020"), Some(Kind::Project));
    assert!(Mapping::builtin("nope").is_err());
}

#[test]
fn an_explicit_mapping_is_used_and_reported() {
    let m = Mapping::load(&fixture("custom/jianbiao.toml")).unwrap_or_else(|e| panic!("{e}"));
    let records = mapping::import_file(&fixture("custom/jianbiao.xlsx"), Some(&m));
    let records = records.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        records[0].record.source.mapping.as_deref(),
        Some("jianbiao-2024")
    );
    assert_eq!(cell(&records[0], Field::TotalScore), "简表!B6");
}

#[test]
fn mapping_text_errors_carry_the_line() {
    let text = "id = \"x\"\nname = \"x\"\n\n[fields.project]\ncell = \"B0\"\n";
    let err = Mapping::from_toml(text, Path::new("inline.toml")).map(|_| ());
    let err = err.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        err.starts_with("inline.toml:5: not a cell address"),
        "{err}"
    );
    let text = "id = \"x\"\nname = \"x\"\nkind = \"projekt\"\n";
    let err = Mapping::from_toml(text, Path::new("k.toml")).map(|_| ());
    let err = err.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("line 3") && err.contains("projekt"), "{err}");
}

#[test]
fn unreadable_files_become_source_errors_naming_the_file() {
    let missing = fixture("does-not-exist.xlsx");
    match mapping::import_file(&missing, None) {
        Err(ImportError::Source(e)) => assert!(e.to_string().contains("does-not-exist.xlsx")),
        other => panic!("expected a source error, got {other:?}"),
    }
}

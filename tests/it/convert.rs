//! The standard form: every record value sits where domain.md §1.1 puts it,
//! numbers as numbers and text as text, with the print set-up of a form.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use assert_cmd::Command;
use calamine::{open_workbook, Data, Dimensions, Range, Reader, Xlsx};
use jixiao::model::{FundRow, Kind, Location, Record};
use jixiao::review::{Finding, Review, Severity};
use jixiao::write::standard;
use rust_decimal::Decimal;

use crate::convert_support::{all_records, fixture_dir};

/// A written form read back with calamine.
struct Form {
    /// The form's sheet: the first, named for the kind of form.
    name: String,
    range: Range<Data>,
    merges: Vec<Dimensions>,
}

impl Form {
    fn open(path: &Path) -> Self {
        let mut wb: Xlsx<_> = open_workbook(path).unwrap();
        let name = wb.sheet_names()[0].clone();
        let merges = wb.merge_cells_by_sheet_name(&name).unwrap();
        let range = wb.worksheet_range(&name).unwrap();
        Form {
            name,
            range,
            merges,
        }
    }

    /// The value shown at (row, col): a merged range's value for any of its cells.
    fn shown(&self, row: u32, col: u32) -> Data {
        let (r, c) = self
            .merges
            .iter()
            .find(|d| d.start.0 <= row && row <= d.end.0 && d.start.1 <= col && col <= d.end.1)
            .map_or((row, col), |d| d.start);
        self.range.get_value((r, c)).cloned().unwrap_or(Data::Empty)
    }

    fn text(&self, row: u32, col: u32) -> Option<String> {
        match self.shown(row, col) {
            Data::Empty => None,
            Data::String(s) => Some(s),
            other => panic!("{row},{col}: expected text, found {other:?}"),
        }
    }

    fn number(&self, row: u32, col: u32) -> Option<Decimal> {
        match self.shown(row, col) {
            Data::Empty => None,
            Data::Float(f) => Some(Decimal::from_str(&f.to_string()).unwrap()),
            // Beyond 15 significant digits a decimal is kept as exact text.
            Data::String(s) => Some(Decimal::from_str(&s).unwrap()),
            other => panic!("{row},{col}: expected a number, found {other:?}"),
        }
    }

    fn merged(&self, first: (u32, u32), last: (u32, u32)) -> bool {
        self.merges
            .iter()
            .any(|d| d.start == first && d.end == last)
    }
}

fn write_form(record: &Record, review: Option<&Review>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("form.xlsx");
    standard::write(&path, record, review).unwrap();
    (dir, path)
}

#[test]
fn every_value_sits_on_the_canonical_grid() {
    for (name, record) in all_records() {
        let (_dir, path) = write_form(&record, None);
        let form = Form::open(&path);
        check_heading(&form, &record);
        check_funds(&form, &record, &name);
        check_goals_and_indicators(&form, &record, &name);
    }
}

fn check_heading(form: &Form, record: &Record) {
    assert_eq!(form.text(0, 0).as_deref(), Some("项目支出绩效自评表"));
    assert!(form.merged((0, 0), (0, 8)) && form.merged((1, 0), (1, 8)));
    let year = form.text(1, 0).unwrap();
    match record.year {
        Some(y) => assert_eq!(year, format!("（{y}年度）")),
        None => assert!(!year.chars().any(|c| c.is_ascii_digit())),
    }
    assert_eq!(form.text(2, 0).as_deref(), Some("项目名称"));
    assert_eq!(form.text(2, 1), record.project);
    assert_eq!(form.text(3, 0).as_deref(), Some("主管部门"));
    assert_eq!(form.text(3, 1), record.department);
    assert_eq!(form.text(3, 5).as_deref(), Some("实施单位"));
    assert_eq!(form.text(3, 6), record.unit);
}

fn check_funds(form: &Form, record: &Record, name: &str) {
    assert!(
        form.merged((4, 0), (8, 0)),
        "{name}: 项目资金 label merged over rows 5–9"
    );
    let headers = [
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "分值",
        "执行率",
        "得分",
    ];
    for (col, h) in (2..).zip(headers) {
        assert_eq!(form.text(4, col).as_deref(), Some(h));
    }
    let f = &record.funds;
    let rows = [
        (5, "年度资金总额", &f.total),
        (6, "其中：当年财政拨款", &f.fiscal),
        (7, "上年结转资金", &f.carryover),
        (8, "其他资金", &f.other),
    ];
    for (row, label, values) in rows {
        assert_eq!(form.text(row, 1).as_deref(), Some(label));
        let read = FundRow {
            initial: form.number(row, 2),
            budget: form.number(row, 3),
            spent: form.number(row, 4),
        };
        assert_eq!(&read, values, "{name}: funds row {label}");
    }
    assert_eq!(form.number(5, 5), f.weight, "{name}: funds weight F6");
    assert_eq!(form.number(5, 6), f.rate, "{name}: rate G6");
    assert_eq!(form.number(5, 7), f.score, "{name}: score H6");
}

fn check_goals_and_indicators(form: &Form, record: &Record, name: &str) {
    assert_eq!(form.text(9, 0).as_deref(), Some("年度总体目标"));
    assert!(form.merged((9, 0), (10, 0)));
    assert_eq!(form.text(9, 1).as_deref(), Some("预期目标"));
    assert_eq!(form.text(9, 5).as_deref(), Some("实际完成情况"));
    let goals = record.goals.clone().unwrap_or_default();
    assert_eq!(form.text(10, 1), goals.planned, "{name}: goals B11");
    assert_eq!(form.text(10, 5), goals.achieved, "{name}: goals F11");
    let header = 11;
    let columns = [
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ];
    assert_eq!(form.text(header, 0).as_deref(), Some("绩效指标"));
    for (col, h) in (1..).zip(columns) {
        assert_eq!(
            form.text(header, col).as_deref(),
            Some(h),
            "{name}: indicator header"
        );
    }
    let last = header + record.indicators.len() as u32;
    if last > header {
        assert!(
            form.merged((header, 0), (last, 0)),
            "{name}: 绩效指标 merged down"
        );
    }
    for (row, ind) in (header + 1..).zip(&record.indicators) {
        let at = format!("{name}: indicator row {}", row + 1);
        assert_eq!(form.text(row, 1), ind.level1, "{at} level1");
        assert_eq!(form.text(row, 2), ind.level2, "{at} level2");
        assert_eq!(form.text(row, 3), ind.name, "{at} name");
        assert_eq!(form.text(row, 4), ind.target, "{at} target");
        assert_eq!(form.text(row, 5), ind.actual, "{at} actual");
        assert_eq!(form.number(row, 6), ind.weight, "{at} weight");
        assert_eq!(form.number(row, 7), ind.score, "{at} score");
        assert_eq!(form.text(row, 8), ind.note, "{at} note");
    }
    assert_eq!(form.text(last + 1, 0).as_deref(), Some("总分"));
    assert_eq!(form.number(last + 1, 6), Some(Decimal::ONE_HUNDRED));
    assert_eq!(form.number(last + 1, 7), record.total_score, "{name}: 总分");
}

fn fixture(name: &str) -> Record {
    crate::convert_support::read_records(&fixture_dir().join(name)).remove(0)
}

#[test]
fn equal_level_labels_share_one_merged_cell() {
    let record = fixture("groups.json");
    let (_dir, path) = write_form(&record, None);
    let form = Form::open(&path);
    // Rows 13–16 are 产出指标, of which 13–14 are 数量指标; 17–18 效益, 19 满意度.
    assert!(form.merged((12, 1), (15, 1)));
    assert!(form.merged((12, 2), (13, 2)));
    assert!(form.merged((16, 1), (17, 1)));
    assert!(
        !form.merges.iter().any(|d| d.start == (18, 1)),
        "a run of one is not merged"
    );
}

#[test]
fn missing_labels_are_never_merged_with_neighbours() {
    let record = fixture("sparse.json");
    let (_dir, path) = write_form(&record, None);
    let form = Form::open(&path);
    let below_header = |d: &&Dimensions| d.start.0 > 11 && (d.start.1 == 1 || d.start.1 == 2);
    assert!(
        !form.merges.iter().any(|d| below_header(&d)),
        "{:?}",
        form.merges
    );
    assert_eq!(form.text(12, 1), None);
    assert_eq!(form.text(13, 1).as_deref(), Some("产出指标"));
}

/// The raw XML of one part of a written workbook.
fn part(path: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut xml = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
    xml
}

#[test]
fn prints_on_a4_landscape_one_page_wide_with_form_fonts() {
    let (_dir, path) = write_form(&fixture("groups.json"), None);
    let sheet = part(&path, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains(r#"paperSize="9""#), "A4");
    assert!(sheet.contains(r#"orientation="landscape""#));
    assert!(sheet.contains(r#"fitToPage="1""#) && sheet.contains(r#"fitToHeight="0""#));
    assert!(
        sheet.contains("customHeight"),
        "row heights set for wrapped text"
    );
    let styles = part(&path, "xl/styles.xml");
    for needle in [
        "宋体",
        "仿宋",
        "#,##0.00",
        "0.00%",
        "wrapText=\"1\"",
        "thin",
    ] {
        assert!(styles.contains(needle), "styles lack {needle}");
    }
}

#[test]
fn with_review_adds_a_sheet_of_scores_and_findings() {
    let record = fixture("groups.json");
    let review = Review {
        total_recomputed: Some(Decimal::new(9650, 2)),
        findings: vec![Finding {
            rule: "P3",
            severity: Severity::Error,
            message: "得分合计与总分不一致".into(),
            indicator: None,
            cells: Vec::new(),
        }],
        ..Review::default()
    };
    let (_dir, path) = write_form(&record, Some(&review));
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(wb.sheet_names(), ["项目支出绩效自评表", "复核"]);
    let range = wb.worksheet_range("复核").unwrap();
    let cells: Vec<String> = range.used_cells().map(|(_, _, v)| v.to_string()).collect();
    for needle in [
        "P3",
        "错误",
        "得分合计与总分不一致",
        "96.5",
        "沿线群众满意度",
    ] {
        assert!(
            cells.iter().any(|c| c == needle),
            "review sheet lacks {needle}: {cells:?}"
        );
    }
}

fn jixiao() -> Command {
    Command::cargo_bin("jixiao").unwrap()
}

#[test]
fn cli_writes_one_file_or_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.xlsx");
    jixiao()
        .args(["convert", "--to", "standard", "-o"])
        .arg(&one)
        .arg(fixture_dir().join("groups.json"))
        .assert()
        .success();
    assert!(Form::open(&one).text(2, 1).is_some());
    let out = dir.path().join("out");
    jixiao()
        .args(["convert", "--with-review", "-o"])
        .arg(&out)
        .arg(fixture_dir().join("groups.json"))
        .arg(fixture_dir().join("sparse.json"))
        .assert()
        .success();
    for name in ["groups.xlsx", "sparse.xlsx"] {
        let wb: Xlsx<_> = open_workbook(out.join(name)).unwrap();
        assert_eq!(wb.sheet_names().len(), 2, "{name} has the review sheet");
    }
}

#[test]
fn cli_goes_past_a_bad_file_and_never_overwrites_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("a.json");
    std::fs::copy(fixture_dir().join("groups.json"), &good).unwrap();
    // An input named like the output `a.json` would get.
    let victim = dir.path().join("a.xlsx");
    std::fs::write(&victim, b"not a workbook").unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, b"{\"schema\": 1").unwrap();
    let other = dir.path().join("b.json");
    std::fs::copy(fixture_dir().join("sparse.json"), &other).unwrap();
    let assert = jixiao()
        .args(["convert", "-o"])
        .arg(dir.path())
        .args([&victim, &good, &broken, &other])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("broken.json"), "{stderr}");
    assert_eq!(std::fs::read(&victim).unwrap(), b"not a workbook");
    assert!(
        dir.path().join("a (2).xlsx").exists(),
        "a free name instead"
    );
    assert!(dir.path().join("b.xlsx").exists(), "the batch went on");
}

#[test]
fn cli_wants_a_folder_for_several_forms() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("two.xlsx");
    let assert = jixiao()
        .args(["convert", "-o"])
        .arg(&out)
        .arg(fixture_dir().join("groups.json"))
        .arg(fixture_dir().join("sparse.json"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("two.xlsx") && stderr.contains("folder"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn cli_converts_and_reviews_a_corpus_workbook() {
    let Some(corpus) = crate::convert_support::corpus_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("标准.xlsx");
    jixiao()
        .args(["convert", "--with-review", "--mapping", "mof-2020", "-o"])
        .arg(&out)
        .arg(corpus.join("rendashi-2021.xlsx"))
        .assert()
        .success();
    let form = Form::open(&out);
    assert_eq!(form.text(2, 1).as_deref(), Some("市人大代表活动经费"));
    let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
    let review = wb.worksheet_range("复核").unwrap();
    let texts: Vec<String> = review.used_cells().map(|(_, _, v)| v.to_string()).collect();
    // The review finds the unit-less target “≥6” (Q3) with its source cell.
    assert!(texts.iter().any(|t| t == "Q3"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "E14"), "{texts:?}");
    assert!(
        texts.iter().any(|t| t.contains("工作表：自评表")),
        "{texts:?}"
    );
}

#[test]
fn a_failed_write_names_the_file_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing-folder").join("form.xlsx");
    let err = standard::write(&path, &fixture("groups.json"), None).unwrap_err();
    assert!(err.to_string().contains("missing-folder"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn review_cells_name_the_source_and_the_standard_form() {
    let Some(corpus) = crate::convert_support::corpus_dir() else {
        return;
    };
    // This form starts at B2 and has its own goals layout, so its cells and
    // the standard form's differ; the text they show must not.
    let input = corpus.join("jishan-gongwei-2021.xlsx");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("jishan.xlsx");
    jixiao()
        .args(["convert", "--with-review", "-o"])
        .arg(&out)
        .arg(&input)
        .assert()
        .success();
    let (source, form) = (Form::open(&input), Form::open(&out));
    let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
    let review = wb.worksheet_range("复核").unwrap();
    // The sheet is named once above the table, not in every cell.
    let pair = regex::Regex::new(r"(?:^|、)([A-Z]+\d+)（本表([A-Z]+\d+)）").unwrap();
    let mut compared = 0;
    for (_, _, v) in review.used_cells() {
        for c in pair.captures_iter(&v.to_string()) {
            let at = |a1: &str| a1.parse::<jixiao::source::CellRef>().unwrap();
            let (s, f) = (at(&c[1]), at(&c[2]));
            if let (Data::String(a), Data::String(b)) =
                (source.shown(s.row, s.col), form.shown(f.row, f.col))
            {
                assert_eq!(a.trim(), b, "{}", &c[0]);
                compared += 1;
            }
        }
    }
    assert!(
        compared > 0,
        "no finding names a text cell of the standard form"
    );
}

#[test]
fn the_review_sheet_prints_with_headers_on_every_page_and_explains_blanks() {
    let mut record = fixture("groups.json");
    record.source.sheet = Some("自评表".into());
    let at = |a1: &str| Location {
        sheet: Some("自评表".into()),
        cell: a1.parse().unwrap(),
    };
    let findings: Vec<Finding> = (0..60)
        .map(|n| Finding {
            rule: "P2",
            severity: Severity::Error,
            message: format!("第{n}条：指标得分低于分值，但偏差原因未填写，请补充说明原因。"),
            indicator: None,
            cells: vec![at(&format!("H{}", n + 10))],
        })
        .collect();
    let review = Review {
        rate_recomputed: Some(Decimal::new(990909090909091, 15)),
        findings,
        ..Review::default()
    };
    let (_dir, path) = write_form(&record, Some(&review));
    let sheet = part(&path, "xl/worksheets/sheet2.xml");
    assert!(sheet.contains("<rowBreaks"), "the sheet is paged");
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let range = wb.worksheet_range("复核").unwrap();
    let cells: Vec<String> = range.used_cells().map(|(_, _, v)| v.to_string()).collect();
    let headers = cells.iter().filter(|c| *c == "规则").count();
    assert!(
        headers >= 2,
        "the findings header repeats on each page: {headers}"
    );
    assert!(cells.iter().any(|c| c == "H10"), "short cell names");
    assert!(
        !cells.iter().any(|c| c.contains("自评表!")),
        "sheet named once"
    );
    assert!(cells.iter().any(|c| c.contains("工作表：自评表")));
    // No 复核 total: the 说明 says why; the rate is stored rounded.
    assert!(
        cells.iter().any(|c| c == "表内没有可复核的得分。"),
        "{cells:?}"
    );
    assert!(cells.iter().any(|c| c == "0.9909"), "{cells:?}");
    assert!(!cells.iter().any(|c| c.contains("0.99090909")));
    let styles = part(&path, "xl/styles.xml");
    assert!(styles.contains("0.00%") && styles.contains("#,##0.00"));
}

#[test]
fn text_excel_cannot_hold_fails_naming_the_cell() {
    let mut record = fixture("groups.json");
    record.indicators[1].note = Some("长".repeat(40_000));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("form.xlsx");
    let err = standard::write(&path, &record, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("form.xlsx")
            && err.contains("项目支出绩效自评表!I14")
            && err.contains("32,767"),
        "{err}"
    );
    assert!(!path.exists());
}

#[test]
fn the_title_and_sheet_say_which_kind_of_form_it_is() {
    let mut record = fixture("sparse.json");
    for (kind, title) in [
        (Kind::Project, "项目支出绩效自评表"),
        (Kind::Department, "部门整体支出绩效自评表"),
        (Kind::Target, "项目支出绩效目标申报表"),
    ] {
        record.kind = kind;
        let (_dir, path) = write_form(&record, None);
        let form = Form::open(&path);
        assert_eq!(form.text(0, 0).as_deref(), Some(title));
        assert_eq!(form.name, title, "the sheet is named for the form");
    }
}

//! A department's own styled template (formulas, merges, a data
//! validation, an image, a second sheet, a print area) filled with a user
//! mapping: every part not meant to change comes back byte for byte, the
//! sheet differs only in the cells written and the rows inserted, and the
//! bad cases fail with one line, leaving nothing behind.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use jixiao::mapping::{import_file, Mapping};
use jixiao::model::Record;
use jixiao::source::{self, CellRef};
use jixiao::write::fill::{Options, Template};
use rust_xlsxwriter::{DataValidation, Format, FormatBorder, Formula, Image, Workbook};

const SHEET: &str = "自评表";
/// Indicator rows of the styled template (rows 13–16).
const ROWS: u32 = 4;

/// A 财预〔2020〕10号-style template with the extras a bureau adds.
fn styled_template(path: &Path) {
    styled_template_in(path, "项目资金（万元）");
}

/// The styled template with its funds block labelled `funds`.
fn styled_template_in(path: &Path, funds: &str) {
    let mut wb = Workbook::new();
    let border = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let money = border.clone().set_num_format("#,##0.00");
    let percent = border.clone().set_num_format("0.00%");
    let title = Format::new().set_bold().set_font_size(16);
    let sheet = wb.add_worksheet();
    sheet.set_name(SHEET).unwrap();
    sheet
        .merge_range(0, 0, 0, 8, "项目支出绩效自评表", &title)
        .unwrap();
    sheet
        .merge_range(1, 0, 1, 8, "（    年度）", &Format::new())
        .unwrap();
    let label = |sheet: &mut rust_xlsxwriter::Worksheet, r, c, t: &str| {
        sheet.write_string_with_format(r, c, t, &border).unwrap();
    };
    label(sheet, 2, 0, "项目名称");
    sheet.merge_range(2, 1, 2, 8, "", &border).unwrap();
    label(sheet, 3, 0, "主管部门");
    sheet.merge_range(3, 1, 3, 3, "", &border).unwrap();
    label(sheet, 3, 4, "实施单位");
    sheet.merge_range(3, 5, 3, 8, "", &border).unwrap();
    sheet.merge_range(4, 0, 8, 0, funds, &border).unwrap();
    for (c, t) in [
        "",
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "分值",
        "执行率",
        "得分",
    ]
    .iter()
    .enumerate()
    {
        label(sheet, 4, 1 + c as u16, t);
    }
    for (r, t) in [
        "年度资金总额",
        "其中：当年财政拨款",
        "上年结转资金",
        "其他资金",
    ]
    .iter()
    .enumerate()
    {
        let r = 5 + r as u32;
        label(sheet, r, 1, t);
        for c in 2..=4 {
            sheet.write_blank(r, c, &money).unwrap();
        }
        sheet.write_blank(r, 5, &border).unwrap();
        sheet.write_blank(r, 6, &percent).unwrap();
        sheet.write_blank(r, 7, &border).unwrap();
    }
    // 执行率 and 得分 are formulas of the template.
    sheet
        .write_formula_with_format(5, 6, Formula::new("=IF(D6=0,0,E6/D6)"), &percent)
        .unwrap();
    sheet
        .write_formula_with_format(5, 7, Formula::new("=ROUND(F6*G6,2)"), &border)
        .unwrap();
    sheet
        .merge_range(9, 0, 10, 0, "年度总体目标", &border)
        .unwrap();
    sheet.merge_range(9, 1, 9, 4, "预期目标", &border).unwrap();
    sheet
        .merge_range(9, 5, 9, 8, "实际完成情况", &border)
        .unwrap();
    sheet.merge_range(10, 1, 10, 4, "", &border).unwrap();
    sheet.merge_range(10, 5, 10, 8, "", &border).unwrap();
    sheet
        .merge_range(11, 0, 11 + ROWS, 0, "绩效指标", &border)
        .unwrap();
    let headers = [
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ];
    for (c, t) in headers.iter().enumerate() {
        label(sheet, 11, 1 + c as u16, t);
    }
    for r in 12..12 + ROWS {
        for c in 1..=8 {
            sheet.write_blank(r, c, &border).unwrap();
        }
    }
    let total = 12 + ROWS;
    sheet
        .merge_range(total, 0, total, 5, "总分", &border)
        .unwrap();
    sheet
        .write_formula_with_format(total, 6, Formula::new("=SUM(G13:G16)"), &border)
        .unwrap();
    sheet.write_blank(total, 7, &border).unwrap();
    sheet.write_blank(total, 8, &border).unwrap();
    sheet.write_string(total + 1, 0, "填报人：").unwrap();
    let dv = DataValidation::new()
        .allow_decimal_number(rust_xlsxwriter::DataValidationRule::Between(0.0, 100.0));
    sheet.add_data_validation(12, 6, 11 + ROWS, 7, &dv).unwrap();
    let png =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/img/standard-form.png"))
            .unwrap();
    let image = Image::new_from_buffer(&png)
        .unwrap()
        .set_scale_width(0.05)
        .set_scale_height(0.05);
    sheet.insert_image(0, 8, &image).unwrap();
    sheet.set_print_area(0, 0, total + 1, 8).unwrap();
    sheet.set_column_width(3, 24).unwrap();
    let notes = wb.add_worksheet();
    notes.set_name("填表说明").unwrap();
    notes
        .write_string(0, 0, "金额单位：万元；执行率自动计算。")
        .unwrap();
    notes
        .write_formula(1, 0, Formula::new("='自评表'!G17"))
        .unwrap();
    wb.save(path).unwrap();
}

/// A mapping of the styled template: the standard vocabulary, no `at`.
const MAPPING: &str = r#"
id = "bureau-styled"
name = "某局自评表"
extends = "mof-2020"
"#;

fn parts(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (entry.name().unwrap().to_string(), bytes)
        })
        .collect()
}

fn record_with(indicators: usize) -> Record {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rebuilt");
    let mut record = crate::convert_support::read_records(
        &dir.join("qushangwu-fuwumaoyi-2020.xlsx.expected.json"),
    )
    .remove(0);
    let model = record.indicators[0].clone();
    record.indicators = (0..indicators)
        .map(|i| {
            let mut ind = model.clone();
            ind.name = Some(format!("指标{}号", i + 1));
            ind
        })
        .collect();
    record
}

struct Setup {
    _dir: tempfile::TempDir,
    template: PathBuf,
    mapping: PathBuf,
    out: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("blank.xlsx");
    styled_template(&template);
    let mapping = dir.path().join("bureau.toml");
    std::fs::write(&mapping, MAPPING).unwrap();
    let out = dir.path().join("filled.xlsx");
    Setup {
        template,
        mapping,
        out,
        _dir: dir,
    }
}

#[test]
fn untouched_parts_stay_byte_identical_and_the_sheet_changes_only_where_written() {
    let s = setup();
    let mapping = Mapping::load(&s.mapping).unwrap();
    let template = Template::open(&s.template, &mapping).unwrap();
    let record = record_with(ROWS as usize + 3);
    let before = std::fs::read(&s.template).unwrap();
    template.write(&record, Options::default(), &s.out).unwrap();
    assert_eq!(
        std::fs::read(&s.template).unwrap(),
        before,
        "the template was modified"
    );
    if let Ok(keep) = std::env::var("JIXIAO_KEEP_FILLED") {
        std::fs::copy(&s.template, format!("{keep}/styled-blank.xlsx")).unwrap();
        std::fs::copy(&s.out, format!("{keep}/styled-filled.xlsx")).unwrap();
    }

    let (old, mut new) = (parts(&s.template), parts(&s.out));
    // The output guard's marker: a new custom-properties part, named in the
    // content types and the package relationships.
    assert_eq!(
        jixiao::write::atomic::made_by_jixiao(&s.out),
        Some(Some(jixiao::write::atomic::Made::Filled))
    );
    assert!(new.remove("docProps/custom.xml").is_some());
    assert_eq!(
        old.keys().collect::<Vec<_>>(),
        new.keys().collect::<Vec<_>>()
    );
    let changed: Vec<&String> = old.keys().filter(|k| old[*k] != new[*k]).collect();
    assert_eq!(
        changed,
        [
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/worksheets/sheet1.xml"
        ],
        "changed parts"
    );
    for (part, end) in [
        ("[Content_Types].xml", "</Types>"),
        ("_rels/.rels", "</Relationships>"),
    ] {
        let (a, b) = (
            String::from_utf8_lossy(&old[part]),
            String::from_utf8_lossy(&new[part]),
        );
        let head = a.strip_suffix(end).unwrap();
        let added = b
            .strip_prefix(head)
            .and_then(|r| r.strip_suffix(end))
            .unwrap();
        assert!(
            added.contains("docProps/custom.xml") && added.matches('<').count() == 1,
            "{part}: {added}"
        );
    }
    // The workbook part: the print area moved by the three inserted rows,
    // nothing else (rust_xlsxwriter's blank already asks for recalculation
    // on load; package.rs's tests cover adding it).
    let wb_old = String::from_utf8(old["xl/workbook.xml"].clone()).unwrap();
    let wb_new = String::from_utf8(new["xl/workbook.xml"].clone()).unwrap();
    assert_eq!(wb_new, wb_old.replace("$A$1:$I$18", "$A$1:$I$21"));
    assert!(wb_new.contains("fullCalcOnLoad=\"1\""));

    // The sheet: every cell of the blank not written keeps its value and
    // style, three rows down below the insertion point (row 16).
    let grid = |p: &Path| source::open(p).unwrap().sheets.remove(0);
    let (blank, filled) = (grid(&s.template), grid(&s.out));
    let styles = |xml: &[u8]| -> BTreeMap<String, String> {
        let re = regex::Regex::new(r#"<c r="([A-Z]+\d+)"(?: s="(\d+)")?"#).unwrap();
        re.captures_iter(&String::from_utf8_lossy(xml))
            .map(|c| {
                (
                    c[1].to_string(),
                    c.get(2).map_or(String::new(), |m| m.as_str().to_string()),
                )
            })
            .collect()
    };
    let (old_styles, new_styles) = (
        styles(&old["xl/worksheets/sheet1.xml"]),
        styles(&new["xl/worksheets/sheet1.xml"]),
    );
    let moved = |at: CellRef| {
        if at.row >= 15 {
            CellRef::new(at.row + 3, at.col)
        } else {
            at
        }
    };
    let imported = import_file(&s.out, Some(&mapping)).unwrap().remove(0);
    let written: Vec<CellRef> = imported.provenance.iter().map(|(_, l)| l.cell).collect();
    for (at, value) in blank.cells() {
        let to = moved(at);
        if written.contains(&to) || (at.row == 1 && at.col == 0) {
            continue;
        }
        assert_eq!(filled.value(to), value, "{at} → {to}");
    }
    for (cell, style) in &old_styles {
        let at: CellRef = cell.parse().unwrap();
        let to = moved(at).to_string();
        assert_eq!(new_styles.get(&to), Some(style), "style of {cell} → {to}");
    }
    // Inserted rows carry the model row's styles.
    for col in 1..=8 {
        let at = CellRef::new(15, col).to_string();
        let inserted = CellRef::new(16, col).to_string();
        assert_eq!(new_styles.get(&inserted), old_styles.get(&at), "{inserted}");
    }
    // Formulas moved with their rows; the template's SUM covers the grown table.
    let sheet_xml = String::from_utf8_lossy(&new["xl/worksheets/sheet1.xml"]).into_owned();
    assert!(sheet_xml.contains("<f>SUM(G13:G19)</f>"), "{sheet_xml}");
    assert!(sheet_xml.contains("<f>IF(D6=0,0,E6/D6)</f>"), "{sheet_xml}");
    assert!(sheet_xml.contains(r#"sqref="G13:H19""#), "{sheet_xml}");
    let other = String::from_utf8_lossy(&new["xl/worksheets/sheet2.xml"]).into_owned();
    assert!(
        other.contains("G17"),
        "the second sheet is untouched: {other}"
    );

    // And the record comes back.
    let mut back = imported.record;
    back.source = record.source.clone();
    assert_eq!(back.indicators, record.indicators);
    assert_eq!(back.project, record.project);
}

#[test]
fn spare_rows_are_left_blank_or_trimmed() {
    let s = setup();
    let mapping = Mapping::load(&s.mapping).unwrap();
    let template = Template::open(&s.template, &mapping).unwrap();
    let record = record_with(2);
    for trim in [false, true] {
        let filled = template.fill(&record, Options { trim }).unwrap();
        std::fs::write(&s.out, &filled.bytes).unwrap();
        let back = import_file(&s.out, Some(&mapping))
            .unwrap()
            .remove(0)
            .record;
        assert_eq!(back.indicators, record.indicators, "trim {trim}");
        let sheet =
            String::from_utf8_lossy(&parts(&s.out)["xl/worksheets/sheet1.xml"]).into_owned();
        let sum = if trim { "SUM(G13:G14)" } else { "SUM(G13:G16)" };
        assert!(sheet.contains(sum), "trim {trim}: {sheet}");
    }
}

fn jixiao() -> Command {
    Command::cargo_bin("jixiao").unwrap()
}

#[test]
fn bad_requests_fail_in_one_line_and_write_nothing() {
    let s = setup();
    let dir = s.template.parent().unwrap().to_path_buf();
    let record = dir.join("record.json");
    std::fs::write(&record, serde_json::to_string(&record_with(3)).unwrap()).unwrap();
    let before = std::fs::read(&s.template).unwrap();
    let run = |args: &[&str]| {
        let out = jixiao().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.code(), err)
    };
    let (r, t, m) = (
        record.to_str().unwrap(),
        s.template.to_str().unwrap(),
        s.mapping.to_str().unwrap(),
    );
    // A template that does not match its mapping.
    let (code, err) = run(&[
        "convert",
        r,
        "--to",
        "sichuan-2023",
        "--template",
        t,
        "-o",
        "x.xlsx",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("not a sichuan-2023 template") && err.lines().count() == 1,
        "{err}"
    );
    // The output is the template.
    let (code, err) = run(&["convert", r, "--to", m, "--template", t, "-o", t]);
    assert_ne!(code, Some(0));
    assert!(err.contains("refusing to overwrite"), "{err}");
    // A missing output folder.
    let missing = dir.join("no/such/dir/out.xlsx");
    let (code, err) = run(&[
        "convert",
        r,
        "--to",
        m,
        "--template",
        t,
        "-o",
        missing.to_str().unwrap(),
    ]);
    assert_ne!(code, Some(0));
    assert!(
        err.contains("no/such/dir") && err.lines().count() == 1,
        "{err}"
    );
    // A department record into a project template.
    let mut dept = record_with(1);
    dept.kind = jixiao::model::Kind::Department;
    std::fs::write(&record, serde_json::to_string(&dept).unwrap()).unwrap();
    let out = dir.join("dept.xlsx");
    let (code, err) = run(&[
        "convert",
        r,
        "--to",
        m,
        "--template",
        t,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_ne!(code, Some(0));
    assert!(err.contains("cannot fill a project"), "{err}");
    assert!(!out.exists());
    assert_eq!(
        std::fs::read(&s.template).unwrap(),
        before,
        "the template was modified"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".jixiao-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[cfg(unix)]
#[test]
fn a_read_only_folder_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let s = setup();
    let ro = s.template.parent().unwrap().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(ro.join("probe"), b"").is_ok() {
        return; // running as root: permissions are not enforced
    }
    let mapping = Mapping::load(&s.mapping).unwrap();
    let template = Template::open(&s.template, &mapping).unwrap();
    let e = template
        .write(&record_with(1), Options::default(), &ro.join("out.xlsx"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("out.xlsx: cannot write"), "{e}");
}

/// A template whose table cannot grow (a comment on the sheet, which
/// jixiao does not move) refuses a record with more indicators than rows,
/// naming what was not written.
#[test]
fn a_template_that_cannot_grow_says_what_was_not_written() {
    let s = setup();
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    let grid = source::open(&s.template).unwrap().sheets.remove(0);
    for (at, value) in grid.cells() {
        sheet
            .write_string(at.row, at.col as u16, value.text())
            .unwrap();
    }
    let note = rust_xlsxwriter::Note::new("按打印格式填写，不得加行");
    sheet.insert_note(0, 0, &note).unwrap();
    let fixed = s.template.with_file_name("fixed.xlsx");
    wb.save(&fixed).unwrap();
    let mapping = Mapping::load(&s.mapping).unwrap();
    let template = Template::open(&fixed, &mapping).unwrap();
    let e = template
        .fill(&record_with(6), Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("cannot grow") && e.contains("indicators 5–6 were not written"),
        "{e}"
    );
    // Four fit.
    template.fill(&record_with(4), Options::default()).unwrap();
}

/// A template in 元 receives the record's 万元 times 10000, exactly, and
/// reads back as the same 万元.
#[test]
fn money_goes_in_the_templates_unit() {
    let s = setup();
    styled_template_in(&s.template, "项目资金（元）");
    let mapping = Mapping::load(&s.mapping).unwrap();
    let template = Template::open(&s.template, &mapping).unwrap();
    assert!(template.places().funds.as_ref().unwrap().yuan);
    let record = record_with(2);
    template.write(&record, Options::default(), &s.out).unwrap();
    let grid = source::open(&s.out).unwrap().sheets.remove(0);
    // 285.84 万元 in D6 (全年预算数).
    assert_eq!(grid.value(CellRef::new(5, 3)).text(), "2858400");
    let back = import_file(&s.out, Some(&mapping))
        .unwrap()
        .remove(0)
        .record;
    assert_eq!(back.funds.total, record.funds.total);
}

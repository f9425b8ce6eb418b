//! `batch::consolidate_with` on fixture records (tests/fixtures/consolidate,
//! model JSON read by a fake importer), checked by opening the workbook with
//! calamine.

use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, Reader};
use jixiao::batch::{consolidate_with, Options};
use jixiao::model::{Imported, Provenance, Record};
use jixiao::review::Profile;
use rust_decimal::Decimal;

const FIXTURES: &str = "tests/fixtures/consolidate";
const FORMS: [&str; 3] = ["jiaoyu-a.json", "jiaoyu-b.json", "weijian.json"];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(FIXTURES)
        .join(name)
}

fn records(path: &Path) -> Result<Vec<Record>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The fake importer: model JSON in, records out.
fn import(path: &Path) -> Result<Vec<Imported>, String> {
    Ok(records(path)?
        .into_iter()
        .map(|record| Imported {
            record,
            provenance: Provenance::default(),
        })
        .collect())
}

fn options(dir: &Path, inputs: Vec<PathBuf>) -> Options {
    Options {
        inputs,
        output: dir.join("汇总.xlsx"),
        roster: None,
        jsonl: None,
        summary: None,
        profile: Profile::default(),
        mappings: Default::default(),
        progress: false,
    }
}

fn forms() -> Vec<PathBuf> {
    FORMS.iter().map(|f| fixture(f)).collect()
}

fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut wb = open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

fn text(row: &[Data]) -> Vec<String> {
    row.iter().map(|d| d.to_string()).collect()
}

fn exact_sum(pick: fn(&Record) -> Option<Decimal>) -> f64 {
    let sum: Decimal = forms()
        .iter()
        .flat_map(|p| records(p).unwrap())
        .filter_map(|r| pick(&r))
        .sum();
    sum.to_string().parse().unwrap()
}

#[test]
fn writes_the_five_sheets_with_headers_rows_and_exact_totals() {
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = forms();
    inputs.push(fixture("missing.json"));
    let mut opts = options(dir.path(), inputs);
    opts.jsonl = Some(dir.path().join("out.jsonl"));
    opts.summary = Some(dir.path().join("汇总说明.md"));
    let report = consolidate_with(&opts, import).unwrap();
    assert_eq!(report.records(), 4);
    assert_eq!(report.failed().len(), 1);

    let out = &opts.output;
    let wb = open_workbook_auto(out).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["汇总", "指标明细", "部门汇总", "问题清单", "导入情况"]
    );

    let rows = sheet(out, "汇总");
    assert_eq!(
        text(&rows[0]),
        [
            "序号",
            "年度",
            "主管部门",
            "实施单位",
            "项目名称",
            "年初预算数\n（万元）",
            "全年预算数\n（万元）",
            "全年执行数\n（万元）",
            "执行率",
            "预算执行得分\n（填报）",
            "预算执行得分\n（复核）",
            "自评总分",
            "复核得分",
            "差异",
            "自评等级",
            "复核等级",
            "指标个数",
            "问题数\n（错误）",
            "问题数\n（警告）",
            "来源文件",
            "工作表",
        ]
    );
    assert_eq!(rows.len(), 1 + 4 + 1, "header, 4 records, totals");
    // Sorted by path, then sheet order inside a file.
    let projects: Vec<String> = rows[1..5].iter().map(|r| r[4].to_string()).collect();
    assert_eq!(projects, ["校舍维修", "营养餐补助", "课后服务", "疫苗接种"]);
    let totals = &rows[5];
    assert_eq!(totals[0].to_string(), "合计");
    assert_eq!(totals[5], Data::Float(exact_sum(|r| r.funds.total.initial)));
    assert_eq!(totals[6], Data::Float(exact_sum(|r| r.funds.total.budget)));
    assert_eq!(totals[7], Data::Float(exact_sum(|r| r.funds.total.spent)));
    assert_eq!(totals[16], Data::Float(11.0), "indicator count");
    let rate = |r: &Record| r.funds.total.budget.zip(r.funds.total.spent);
    let paired: Vec<(Decimal, Decimal)> = forms()
        .iter()
        .flat_map(|p| records(p).unwrap())
        .filter_map(|r| rate(&r))
        .collect();
    let exact_rate =
        paired.iter().map(|p| p.1).sum::<Decimal>() / paired.iter().map(|p| p.0).sum::<Decimal>();
    assert_eq!(
        totals[8],
        Data::Float(exact_rate.to_string().parse().unwrap())
    );

    let indicators = sheet(out, "指标明细");
    assert_eq!(indicators.len(), 1 + 3 + 2 + 3 + 3);
    assert_eq!(
        text(&indicators[1][..7]),
        [
            "1",
            "校舍维修",
            "产出指标",
            "数量指标",
            "培训期数",
            "≥4期",
            "4期"
        ]
    );

    let departments = sheet(out, "部门汇总");
    let names: Vec<String> = departments.iter().map(|r| r[0].to_string()).collect();
    assert_eq!(names, ["主管部门", "县卫健委", "县教育局", "合计"]);
    assert_eq!(departments[2][1], Data::Float(3.0));
    assert_eq!(departments[3][4], totals[7], "department totals agree");

    let files = sheet(out, "导入情况");
    assert_eq!(files.len(), 1 + 4);
    let failed: Vec<Vec<String>> = files[1..]
        .iter()
        .map(|r| text(r))
        .filter(|r| r[1] == "失败")
        .collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0][0].ends_with("missing.json"));
    assert!(failed[0][4].contains("missing.json"));

    let jsonl = std::fs::read_to_string(opts.jsonl.as_ref().unwrap()).unwrap();
    let lines: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[3]["record"]["project"], "疫苗接种");
    assert!(lines[3]["review"].is_object());

    let summary = std::fs::read_to_string(opts.summary.as_ref().unwrap()).unwrap();
    assert!(summary.contains("收到自评文件 4 个"), "{summary}");
    assert!(summary.contains("全年预算数合计 1033.63 万元"), "{summary}");
}

#[test]
fn output_order_does_not_depend_on_the_thread_count() {
    let run = |threads: usize| {
        let dir = tempfile::tempdir().unwrap();
        let mut inputs = forms();
        // Enough files for several chunks.
        for i in 0..150 {
            let copy = dir.path().join(format!("copy-{i:03}.json"));
            std::fs::copy(fixture(FORMS[i % 3]), &copy).unwrap();
            inputs.push(copy);
        }
        let opts = options(dir.path(), inputs);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| consolidate_with(&opts, import)).unwrap();
        let rows = sheet(&opts.output, "汇总");
        // Paths differ per temp dir; compare everything but the 来源文件 column.
        rows.iter()
            .map(|r| {
                let mut t = text(r);
                t[19] = Path::new(&t[19])
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                t
            })
            .collect::<Vec<_>>()
    };
    let one = run(1);
    assert_eq!(one.len(), 1 + 4 + 50 * 4 + 1);
    assert_eq!(one, run(3));
}

#[test]
fn roster_reconciliation_lists_missing_duplicate_and_unlisted() {
    let dir = tempfile::tempdir().unwrap();
    let roster = dir.path().join("名单.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (r, row) in [
        ["主管部门", "项目名称"],
        ["县教育局", "校舍维修"],
        ["县交通局", ""],
    ]
    .iter()
    .enumerate()
    {
        for (c, t) in row.iter().enumerate() {
            ws.write(r as u32, c as u16, *t).unwrap();
        }
    }
    book.save(&roster).unwrap();
    let again = dir.path().join("jiaoyu-a-again.json");
    std::fs::copy(fixture("jiaoyu-a.json"), &again).unwrap();
    let mut inputs = forms();
    inputs.push(again);
    let mut opts = options(dir.path(), inputs);
    opts.roster = Some(roster);
    consolidate_with(&opts, import).unwrap();

    let rows = sheet(&opts.output, "名单核对");
    let kinds: Vec<(String, String)> = rows[1..]
        .iter()
        .map(|r| (r[0].to_string(), format!("{}{}", r[1], r[2])))
        .collect();
    assert_eq!(
        kinds,
        [
            ("未报送".to_string(), "县交通局".to_string()),
            ("重复报送".to_string(), "县教育局校舍维修".to_string()),
            ("不在名单内".to_string(), "县卫健委疫苗接种".to_string()),
        ]
    );
    assert!(rows[2][4].to_string().contains("jiaoyu-a-again.json"));
}

#[test]
fn refuses_to_write_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("a.json");
    std::fs::copy(fixture("jiaoyu-a.json"), &input).unwrap();
    let mut opts = options(dir.path(), vec![input.clone()]);
    opts.output = input.clone();
    let err = consolidate_with(&opts, import).unwrap_err();
    assert!(err.to_string().contains("refusing to overwrite"), "{err}");
    assert_eq!(
        std::fs::read(&input).unwrap(),
        std::fs::read(fixture("jiaoyu-a.json")).unwrap()
    );
}

/// The XML of one part of an xlsx package.
fn part(xlsx: &Path, name: &str) -> Option<String> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(xlsx).unwrap()).unwrap();
    let mut file = zip.by_name(name).ok()?;
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    Some(text)
}

#[test]
fn sheets_are_frozen_filtered_fitted_and_formatted_with_a_chart() {
    let dir = tempfile::tempdir().unwrap();
    let opts = options(dir.path(), forms());
    consolidate_with(&opts, import).unwrap();
    let out = &opts.output;
    for n in 1..=5 {
        let xml = part(out, &format!("xl/worksheets/sheet{n}.xml")).unwrap();
        assert!(xml.contains(r#"ySplit="1""#), "sheet{n} header frozen");
        assert!(xml.contains("<autoFilter ref=\"A1:"), "sheet{n} autofilter");
        assert!(xml.contains("<cols>"), "sheet{n} widths set");
    }
    let records = part(out, "xl/worksheets/sheet1.xml").unwrap();
    assert!(
        records.contains("<autoFilter ref=\"A1:U5\""),
        "totals row outside the filter"
    );
    for grade in ["优", "良", "中", "差"] {
        assert!(
            records.contains(&format!(
                "<formula>NOT(ISERROR(SEARCH(\"{grade}\",O2)))</formula>"
            )),
            "{grade}"
        );
    }
    let styles = part(out, "xl/styles.xml").unwrap();
    assert!(styles.contains("#,##0.00####") && styles.contains("0.00%"));
    let chart = part(out, "xl/charts/chart1.xml").expect("a native chart");
    assert!(chart.contains("<c:barChart>") && chart.contains("<c:lineChart>"));
}

/// `name="value"` in an XML tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&tag[start..start + tag[start..].find('"')?])
}

/// How a cell is shown: its number format code, bold, wrapped; read from
/// the cell's `s` index through `styles.xml` as Excel does.
fn look(xlsx: &Path, sheet: usize, cell: &str) -> (String, bool, bool) {
    let xml = part(xlsx, &format!("xl/worksheets/sheet{sheet}.xml")).unwrap();
    let styles = part(xlsx, "xl/styles.xml").unwrap();
    let at = xml.find(&format!("<c r=\"{cell}\"")).expect(cell);
    let tag = &xml[at..at + xml[at..].find('>').unwrap()];
    let xf_index: usize = attr(tag, "s").map_or(0, |s| s.parse().unwrap());
    let xfs = &styles[styles.find("<cellXfs").unwrap()..styles.find("</cellXfs>").unwrap()];
    let xf = format!(
        " {}",
        xfs.split("<xf ").nth(xf_index + 1).expect("the cell's xf")
    );
    let xf = xf.as_str();
    let id = attr(xf, "numFmtId").unwrap();
    let code = match id {
        "0" => "General".to_string(),
        _ => attr(
            &styles[styles.find(&format!("numFmtId=\"{id}\" ")).unwrap() - 1..],
            "formatCode",
        )
        .unwrap()
        .to_string(),
    };
    let font: usize = attr(xf, "fontId").unwrap().parse().unwrap();
    let fonts = &styles[styles.find("<fonts").unwrap()..styles.find("</fonts>").unwrap()];
    let bold = fonts
        .split("<font>")
        .nth(font + 1)
        .unwrap()
        .contains("<b/>");
    (code, bold, xf.contains("wrapText=\"1\""))
}

#[test]
fn streamed_cells_carry_the_formats_of_their_columns() {
    let dir = tempfile::tempdir().unwrap();
    let opts = options(dir.path(), forms());
    consolidate_with(&opts, import).unwrap();
    let out = &opts.output;
    let plain = |code: &str| (code.to_string(), false, false);
    let total = |code: &str| (code.to_string(), true, false);
    // 汇总: 序号, 年初预算数, 执行率, 自评总分, 项目名称; the totals row (6).
    assert_eq!(look(out, 1, "A2"), plain("0"));
    assert_eq!(look(out, 1, "F3"), plain("#,##0.00####"));
    assert_eq!(look(out, 1, "I2"), plain("0.00%"));
    assert_eq!(look(out, 1, "L2"), plain("0.00##"));
    assert_eq!(look(out, 1, "E2"), plain("General"));
    assert_eq!(look(out, 1, "A6"), total("General"));
    assert_eq!(look(out, 1, "F6"), total("#,##0.00####"));
    assert_eq!(look(out, 1, "I6"), total("0.00%"));
    assert_eq!(look(out, 1, "Q6"), total("0"));
    // 指标明细 分值; 问题清单 说明 wraps; the header row.
    assert_eq!(look(out, 2, "K2"), plain("0.00##"));
    assert_eq!(look(out, 4, "H2"), ("General".to_string(), false, true));
    assert_eq!(look(out, 4, "A1"), ("General".to_string(), true, true));
    // The sheet's extent covers the streamed rows.
    let records = part(out, "xl/worksheets/sheet1.xml").unwrap();
    assert!(records.contains("<dimension ref=\"A1:U6\"/>"));
}

#[test]
fn a_csv_roster_of_departments_only() {
    let dir = tempfile::tempdir().unwrap();
    let roster = dir.path().join("名单.csv");
    std::fs::write(
        &roster,
        "序号,主管部门\n1,县教育局\n2,县卫健委\n3,县财政局\n",
    )
    .unwrap();
    let mut opts = options(dir.path(), forms());
    opts.roster = Some(roster);
    opts.summary = Some(dir.path().join("汇总说明.md"));
    consolidate_with(&opts, import).unwrap();
    let rows = sheet(&opts.output, "名单核对");
    let found: Vec<Vec<String>> = rows[1..].iter().map(|r| text(&r[..2])).collect();
    assert_eq!(found, [["未报送", "县财政局"]]);
    let summary = std::fs::read_to_string(opts.summary.as_ref().unwrap()).unwrap();
    assert!(
        summary.contains("未报送 1 项，重复报送 0 项，不在名单内的报送 0 项"),
        "{summary}"
    );
}

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
        region: None,
        profile: Profile::default(),
        mappings: Default::default(),
        progress: false,
    }
}

fn forms() -> Vec<PathBuf> {
    FORMS.iter().map(|f| fixture(f)).collect()
}

/// Copies of the forms in `dir`, modified a minute apart in reverse path
/// order: files are read newest first, so the rows come in path order
/// whatever times the checkout gave the fixtures.
fn forms_in(dir: &Path) -> Vec<PathBuf> {
    let now = std::time::SystemTime::now();
    FORMS
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let copy = dir.join(f);
            std::fs::copy(fixture(f), &copy).unwrap();
            touch(
                &copy,
                now - std::time::Duration::from_secs(60 * (i as u64 + 1)),
            );
            copy
        })
        .collect()
}

fn touch(path: &Path, when: std::time::SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

/// The rows of a sheet from its header row on (below the title block).
fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut wb = open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    range.rows().skip(2).map(|r| r.to_vec()).collect()
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
    let mut inputs = forms_in(dir.path());
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
            "执行得分\n（填报）",
            "执行得分\n（复核）",
            "自评总分",
            "复核得分",
            "差异",
            "自评\n等级",
            "复核\n等级",
            "指标\n个数",
            "错误\n问题",
            "警告\n问题",
            "资金\n说明",
            "未读\n单元格",
            "来源文件",
            "工作表",
        ]
    );
    assert_eq!(
        rows.len(),
        1 + 4 + 2,
        "header, 4 records, 合计 and 计入表数"
    );
    // Newest file first (here in path order), then sheet order inside a file.
    let projects: Vec<String> = rows[1..5].iter().map(|r| r[4].to_string()).collect();
    assert_eq!(projects, ["校舍维修", "营养餐补助", "课后服务", "疫苗接种"]);
    let totals = &rows[5];
    assert_eq!(rows[6][0].to_string(), "计入表数");
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
    // By pinyin: jiao before wei.
    assert_eq!(names, ["主管部门", "县教育局", "县卫健委", "合计"]);
    assert_eq!(departments[1][1], Data::Float(3.0));
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
    assert!(failed[0][6].starts_with("无法导入："), "{failed:?}");

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
    assert!(
        summary.contains("全年预算数合计 1,033.63 万元（4 张表填报）"),
        "{summary}"
    );
}

#[test]
fn output_order_does_not_depend_on_the_thread_count() {
    let run = |threads: usize| {
        let dir = tempfile::tempdir().unwrap();
        let mut inputs = forms_in(dir.path());
        // Enough files for several chunks; each a form of its own (a copy
        // would be a duplicate), one second older than the one before.
        let start = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for i in 0..150 {
            let copy = dir.path().join(format!("copy-{i:03}.json"));
            let mut forms = records(&fixture(FORMS[i % 3])).unwrap();
            for f in &mut forms {
                f.project = Some(format!("{}-{i}", f.project.clone().unwrap_or_default()));
            }
            std::fs::write(&copy, serde_json::to_string(&forms).unwrap()).unwrap();
            touch(&copy, start - std::time::Duration::from_secs(i as u64));
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
                t[21] = Path::new(&t[21])
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                t
            })
            .collect::<Vec<_>>()
    };
    let one = run(1);
    assert_eq!(one.len(), 1 + 4 + 50 * 4 + 2);
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
    // Sent again with other figures: not the same form (that would be a
    // duplicate, left out before reconciling) but the same project twice.
    let again = dir.path().join("jiaoyu-a-again.json");
    let mut changed = records(&fixture("jiaoyu-a.json")).unwrap();
    for r in &mut changed {
        r.funds.total.spent = r.funds.total.spent.map(|s| s + Decimal::ONE);
    }
    std::fs::write(&again, serde_json::to_string(&changed).unwrap()).unwrap();
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
    let opts = options(dir.path(), forms_in(dir.path()));
    consolidate_with(&opts, import).unwrap();
    let out = &opts.output;
    for n in 1..=5 {
        let xml = part(out, &format!("xl/worksheets/sheet{n}.xml")).unwrap();
        assert!(xml.contains(r#"ySplit="3""#), "sheet{n} header frozen");
        assert!(xml.contains("<autoFilter ref=\"A3:"), "sheet{n} autofilter");
        assert!(xml.contains("<cols>"), "sheet{n} widths set");
        assert!(
            xml.contains("fitToWidth") || xml.contains("fitToPage"),
            "sheet{n} fit to width"
        );
        assert!(
            xml.contains("<oddFooter>&amp;C第 &amp;P 页"),
            "sheet{n} page numbers"
        );
    }
    let records = part(out, "xl/worksheets/sheet1.xml").unwrap();
    assert!(
        records.contains("<autoFilter ref=\"A3:W7\""),
        "totals rows outside the filter"
    );
    assert!(
        records.contains("<mergeCell ref=\"A1:U1\"/>"),
        "title over the printed columns"
    );
    for grade in ["优", "良", "中", "差"] {
        assert!(
            records.contains(&format!(
                "<formula>NOT(ISERROR(SEARCH(\"{grade}\",O4)))</formula>"
            )),
            "{grade}"
        );
    }
    // Printed without the technical columns, the header repeated.
    let workbook = part(out, "xl/workbook.xml").unwrap();
    assert!(
        workbook.contains("汇总!$A$1:$U$9") || workbook.contains("'汇总'!$A$1:$U$9"),
        "{workbook}"
    );
    assert!(
        workbook.contains("汇总!$3:$3") || workbook.contains("'汇总'!$3:$3"),
        "{workbook}"
    );
    let styles = part(out, "xl/styles.xml").unwrap();
    assert!(styles.contains("#,##0.00_ ") && styles.contains("0.00%_ "));
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
    let opts = options(dir.path(), forms_in(dir.path()));
    consolidate_with(&opts, import).unwrap();
    let out = &opts.output;
    let plain = |code: &str| (code.to_string(), false, false);
    let total = |code: &str| (code.to_string(), true, false);
    // 汇总: 序号, 年初预算数, 执行率, 自评总分, 项目名称; the totals row (8).
    assert_eq!(look(out, 1, "A4"), plain("0_ "));
    assert_eq!(look(out, 1, "F5"), plain("#,##0.00_ "));
    assert_eq!(look(out, 1, "I4"), plain("0.00%_ "));
    assert_eq!(look(out, 1, "L4"), plain("0.00_ "));
    // Names wrap in their column.
    assert_eq!(look(out, 1, "E4"), ("General".to_string(), false, true));
    assert_eq!(look(out, 1, "A8"), total("General"));
    assert_eq!(look(out, 1, "F8"), total("#,##0.00_ "));
    assert_eq!(look(out, 1, "I8"), total("0.00%_ "));
    assert_eq!(look(out, 1, "Q8"), total("0_ "));
    // 计入表数 under the money: counts.
    assert_eq!(look(out, 1, "F9"), total("0_ "));
    // 指标明细 分值; 问题清单 说明 wraps; the header row.
    assert_eq!(look(out, 2, "K4"), plain("0.00_ "));
    assert_eq!(look(out, 4, "F4"), ("General".to_string(), false, true));
    assert_eq!(look(out, 4, "A3"), ("General".to_string(), true, true));
    // The sheet's extent covers the streamed rows.
    let records = part(out, "xl/worksheets/sheet1.xml").unwrap();
    assert!(records.contains("<dimension ref=\"A1:W9\"/>"));
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

/// Writes `records` as a JSON fixture for the fake importer.
fn write_records(path: &Path, records: &[Record]) -> PathBuf {
    std::fs::write(path, serde_json::to_string(records).unwrap()).unwrap();
    path.to_path_buf()
}

#[test]
fn a_sheet_past_the_row_limit_continues_on_numbered_sheets() {
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = forms_in(dir.path());
    inputs.push(fixture("missing.json"));
    let opts = options(dir.path(), inputs);
    // Title, unit line and header, then three body rows per sheet.
    jixiao::batch::consolidate::consolidate_with_sheet_rows(&opts, import, 6).unwrap();
    let out = &opts.output;
    let names = open_workbook_auto(out).unwrap().sheet_names();
    // The same run without a limit, to compare with.
    let mut whole = opts.clone();
    whole.output = dir.path().join("whole.xlsx");
    consolidate_with(&whole, import).unwrap();
    let unsplit = open_workbook_auto(&whole.output).unwrap().sheet_names();
    let parts = |sheet: &str| -> Vec<String> {
        let n = names.iter().filter(|n| n.starts_with(sheet)).count();
        (1..=n)
            .map(|i| match i {
                1 => sheet.to_string(),
                i => format!("{sheet}（{i}）"),
            })
            .collect()
    };
    let mut expected = Vec::new();
    for sheet in &unsplit {
        expected.extend(parts(sheet));
    }
    assert_eq!(names, expected, "parts in order after their first");
    assert_eq!(parts("指标明细").len(), 4, "11 rows, 3 a sheet");
    assert_eq!(parts("导入情况").len(), 2);
    // Every part has the header, its filter, frozen panes and print titles.
    let header = text(&sheet(out, "汇总")[0]);
    for (n, name) in names.iter().enumerate() {
        let rows = sheet(out, name);
        assert!(rows.len() <= 4, "{name}: at most the header and three rows");
        let xml = part(out, &format!("xl/worksheets/sheet{}.xml", n + 1)).unwrap();
        assert!(xml.contains("<autoFilter ref=\"A3:"), "{name} filter");
        assert!(xml.contains(r#"ySplit="3""#), "{name} frozen");
        assert!(xml.contains("<pageSetup"), "{name} print set-up");
        if name.starts_with("汇总") {
            assert_eq!(text(&rows[0]), header, "{name} header repeated");
        }
    }
    // No row lost: 4 forms, 11 indicators, each file listed once; the
    // totals on the last part of 汇总.
    let count = |prefix: &str| -> usize {
        names
            .iter()
            .filter(|n| n.starts_with(prefix))
            .map(|n| sheet(out, n).len() - 1)
            .sum()
    };
    for (prefix, rows) in [("汇总", 4 + 2), ("指标明细", 11), ("导入情况", 4)] {
        assert_eq!(count(prefix), rows, "{prefix}");
    }
    let findings = sheet(&whole.output, "问题清单").len() - 1;
    assert!(findings > 6, "enough findings to continue twice");
    assert_eq!(count("问题清单"), findings);
    let last = sheet(out, "汇总（2）");
    assert_eq!(last[last.len() - 2][0].to_string(), "合计");
    let workbook = part(out, "xl/workbook.xml").unwrap();
    assert!(
        workbook.contains("指标明细（3）'!$3:$3"),
        "print titles repeated"
    );
}

#[test]
fn a_form_whose_total_row_is_zero_is_counted_by_its_sub_rows_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut forms = records(&fixture("weijian.json")).unwrap();
    let form = &mut forms[0];
    form.funds.total.budget = Some(Decimal::ZERO);
    form.funds.total.spent = Some(Decimal::ZERO);
    form.funds.fiscal.budget = Some(Decimal::new(600, 0));
    form.funds.fiscal.spent = Some(Decimal::new(540, 0));
    form.funds.other.budget = Some(Decimal::new(2005, 1));
    form.funds.other.spent = Some(Decimal::new(1605, 1));
    let input = write_records(&dir.path().join("zero-total.json"), &forms);
    let mut opts = options(dir.path(), vec![input]);
    opts.summary = Some(dir.path().join("汇总说明.md"));
    consolidate_with(&opts, import).unwrap();
    let rows = sheet(&opts.output, "汇总");
    let header = text(&rows[0]);
    let col = |label: &str| header.iter().position(|h| h == label).unwrap();
    // 600 + 200.5 and 540 + 160.5: what the review used.
    assert_eq!(rows[1][col("全年预算数\n（万元）")], Data::Float(800.5));
    assert_eq!(rows[1][col("全年执行数\n（万元）")], Data::Float(700.5));
    assert!(rows[1][col("资金\n说明")].to_string().contains("分项合计"));
    assert_eq!(rows[2][col("全年预算数\n（万元）")], Data::Float(800.5));
    let summary = std::fs::read_to_string(opts.summary.as_ref().unwrap()).unwrap();
    assert!(
        summary.contains("其中 1 张表年度资金总额为0或未填"),
        "{summary}"
    );
}

#[test]
fn unread_cells_are_counted_per_file_and_per_form() {
    let dir = tempfile::tempdir().unwrap();
    let mut forms = records(&fixture("jiaoyu-a.json")).unwrap();
    for (i, form) in forms.iter_mut().enumerate() {
        form.source.unread = (0..=i)
            .map(|k| jixiao::model::Unread {
                cell: format!("H{}", 11 + k),
                text: "备注".into(),
                kind: jixiao::model::UnreadKind::Cell,
            })
            .collect();
    }
    let n = forms.len();
    let input = write_records(&dir.path().join("unread.json"), &forms);
    let opts = options(dir.path(), vec![input]);
    consolidate_with(&opts, import).unwrap();
    let files = sheet(&opts.output, "导入情况");
    assert_eq!(text(&files[0])[5], "未读单元格");
    // 1 + 2 + … + n cells.
    assert_eq!(files[1][5], Data::Float((n * (n + 1) / 2) as f64));
    let rows = sheet(&opts.output, "汇总");
    let col = text(&rows[0])
        .iter()
        .position(|h| h == "未读\n单元格")
        .unwrap();
    assert_eq!(rows[1][col], Data::Float(1.0));
}

#[test]
fn department_wide_forms_are_summed_apart_from_projects() {
    let dir = tempfile::tempdir().unwrap();
    let mut whole = records(&fixture("weijian.json")).unwrap();
    whole[0].kind = jixiao::model::Kind::Department;
    whole[0].project = None;
    let input = write_records(&dir.path().join("zhengti.json"), &whole);
    // Older than the project forms: read last.
    touch(
        &input,
        std::time::SystemTime::now() - std::time::Duration::from_secs(600),
    );
    let mut inputs = forms_in(dir.path());
    inputs.push(input);
    let opts = options(dir.path(), inputs);
    let report = consolidate_with(&opts, import).unwrap();
    assert_eq!(report.records(), 4, "project forms only");
    let rows = sheet(&opts.output, "汇总");
    assert_eq!(rows[5][6], Data::Float(exact_sum(|r| r.funds.total.budget)));
    let block = sheet(&opts.output, "部门整体");
    assert_eq!(text(&block[0]), text(&rows[0]), "same columns");
    assert_eq!(block[1][2].to_string(), "县卫健委");
    assert_eq!(block[2][0].to_string(), "合计");
    assert_eq!(block[2][6], Data::Float(880.0));
    // Its 序号 follows the project forms' (one number per record).
    assert_eq!(block[1][0], Data::Float(5.0));
}

#[test]
fn a_roster_orders_the_departments_and_matches_units_and_coded_names() {
    let dir = tempfile::tempdir().unwrap();
    let roster = dir.path().join("名单.csv");
    // Units, coded and 本级 names, 卫健委 before 教育局 (not pinyin order).
    std::fs::write(
        &roster,
        "序号,单位名称\n1,219-县卫健委（本级）\n2,219001-县教育局\n3,县疾控中心\n",
    )
    .unwrap();
    let mut opts = options(dir.path(), forms_in(dir.path()));
    opts.roster = Some(roster);
    consolidate_with(&opts, import).unwrap();
    let names: Vec<String> = sheet(&opts.output, "部门汇总")[1..3]
        .iter()
        .map(|r| r[0].to_string())
        .collect();
    assert_eq!(names, ["县卫健委", "县教育局"]);
    // Every roster line matched: 县疾控中心 is the 实施单位 of 疫苗接种.
    let issues = sheet(&opts.output, "名单核对");
    assert_eq!(issues.len(), 1, "{issues:?}");
}

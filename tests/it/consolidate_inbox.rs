//! `batch::consolidate` with the real importer on an inbox as a bureau gets
//! it: the same form twice in two formats (twice), a department-wide form,
//! a form without a 全年预算数, an earlier consolidated workbook and a PDF.
//! The totals must be the exact sums over the distinct project forms, and
//! every file must be listed with what happened to it.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use calamine::{open_workbook_auto, Data, Reader};
use jixiao::batch::{consolidate, Options};
use jixiao::model::Record;
use jixiao::review::Profile;
use rust_decimal::Decimal;

const FIXTURES: &str = "tests/fixtures";

/// The inbox, oldest first; pairs of one form in two formats are marked.
const INBOX: [&str; 9] = [
    "import/rendashi-daibiao-2023.csv",  // duplicate of the .ods below
    "rebuilt/yongde-yingyang-2022.xlsx", // duplicate of the .xls below
    "import/jiaoyu-xiaoshe-2023.xlsx",
    "rebuilt/haidian-baojie-2016.xlsx", // no 全年预算数
    "rebuilt/tianchang-shuihan-2022.xlsx",
    "import/taibai-zhengti-2023.xlsx", // department-wide
    "import/rendashi-daibiao-2023.ods",
    "rebuilt/yongde-yingyang-2022.xls",
    "import/jiaotong-gonglu-2023.xlsx",
];

/// The distinct project forms, by their fixture.
const PROJECTS: [&str; 6] = [
    "import/rendashi-daibiao-2023.ods",
    "rebuilt/yongde-yingyang-2022.xls",
    "import/jiaoyu-xiaoshe-2023.xlsx",
    "rebuilt/haidian-baojie-2016.xlsx",
    "rebuilt/tianchang-shuihan-2022.xlsx",
    "import/jiaotong-gonglu-2023.xlsx",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(FIXTURES)
        .join(name)
}

fn expected(name: &str) -> Vec<Record> {
    let text = std::fs::read_to_string(fixture(&format!("{name}.expected.json"))).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    match value {
        serde_json::Value::Array(_) => serde_json::from_value(value).unwrap(),
        one => vec![serde_json::from_value(one).unwrap()],
    }
}

fn file_name(fixture: &str) -> &str {
    fixture.rsplit('/').next().unwrap()
}

/// Copies the inbox, each file a minute newer than the one before.
fn inbox(dir: &Path) -> PathBuf {
    let inbox = dir.join("收件");
    std::fs::create_dir_all(&inbox).unwrap();
    let start = SystemTime::now() - Duration::from_secs(3600);
    for (i, name) in INBOX.iter().enumerate() {
        let copy = inbox.join(file_name(name));
        std::fs::copy(fixture(name), &copy).unwrap();
        set_modified(&copy, start + Duration::from_secs(60 * i as u64));
    }
    inbox
}

fn set_modified(path: &Path, when: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

fn options(inputs: Vec<PathBuf>, output: PathBuf) -> Options {
    Options {
        inputs,
        output,
        roster: None,
        jsonl: None,
        summary: None,
        region: None,
        profile: Profile::default(),
        mappings: Default::default(),
        progress: false,
    }
}

/// The rows of a sheet from its header row on (below the title block).
fn rows(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut wb = open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    range.rows().skip(2).map(|r| r.to_vec()).collect()
}

fn float(d: Decimal) -> Data {
    Data::Float(d.to_string().parse().unwrap())
}

#[test]
fn an_inbox_with_duplicates_a_department_form_an_old_output_and_a_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox(dir.path());
    // An earlier run's workbook left in the inbox, older than every form.
    let old = inbox.join("汇总.xlsx");
    consolidate(&options(
        vec![fixture("import/jiaoyu-xiaoshe-2023.xlsx")],
        old.clone(),
    ))
    .unwrap();
    set_modified(&old, SystemTime::now() - Duration::from_secs(7200));
    // A PDF sent with the forms: named too, so that it is listed whether
    // or not the folder walk lists non-spreadsheets.
    let pdf = inbox.join("说明.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n").unwrap();
    set_modified(&pdf, SystemTime::now() - Duration::from_secs(7200));

    let out = dir.path().join("汇总.xlsx");
    let opts = options(vec![inbox.clone(), pdf.clone()], out.clone());
    let report = consolidate(&opts).unwrap();

    // Every file is listed once, with its status.
    let files = rows(&out, "导入情况");
    let listed: Vec<(String, String, String)> = files[1..]
        .iter()
        .map(|r| {
            let name = Path::new(&r[0].to_string())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, r[1].to_string(), r[6].to_string())
        })
        .collect();
    assert_eq!(listed.len(), INBOX.len() + 2, "{listed:#?}");
    let status = |name: &str| {
        listed
            .iter()
            .find(|(n, _, _)| n == name)
            .unwrap_or_else(|| panic!("{name} not listed: {listed:#?}"))
            .clone()
    };
    for dup in ["rendashi-daibiao-2023.csv", "yongde-yingyang-2022.xlsx"] {
        let (_, state, note) = status(dup);
        assert_eq!(state, "重复，未计入", "{dup}");
        let kept = dup.replace(".csv", ".ods").replace(".xlsx", ".xls");
        assert!(note.contains(&kept), "{dup} names the kept {kept}: {note}");
    }
    for kept in PROJECTS.iter().chain(&["import/taibai-zhengti-2023.xlsx"]) {
        assert_eq!(status(file_name(kept)).1, "已导入", "{kept}");
    }
    // Never read back as a form, never counted.
    assert!(!["已导入", "重复，未计入"].contains(&status("汇总.xlsx").1.as_str()));
    assert!(!["已导入", "重复，未计入"].contains(&status("说明.pdf").1.as_str()));
    // Reasons name no path (the file is in the first column), duplicates
    // the kept file by its name (it is in the same folder).
    let root = dir.path().display().to_string();
    for (name, _, note) in &listed {
        assert!(!note.contains(&root), "{name}: no path: {note}");
    }
    // Newest first: the files were read in that order.
    assert_eq!(listed[0].0, "jiaotong-gonglu-2023.xlsx");

    // 汇总: the distinct project forms, and exact totals over them.
    let projects: Vec<Record> = PROJECTS.iter().flat_map(|p| expected(p)).collect();
    assert_eq!(report.records(), projects.len());
    let sheet = rows(&out, "汇总");
    assert_eq!(sheet.len(), 1 + projects.len() + 2, "{sheet:#?}");
    let (total, covered) = (&sheet[projects.len() + 1], &sheet[projects.len() + 2]);
    assert_eq!(total[0].to_string(), "合计");
    assert_eq!(covered[0].to_string(), "计入表数");
    let sum = |pick: fn(&Record) -> Option<Decimal>| {
        let present: Vec<Decimal> = projects.iter().filter_map(pick).collect();
        (present.iter().sum::<Decimal>(), present.len())
    };
    for (col, pick) in [
        (
            5,
            (|r: &Record| r.funds.total.initial) as fn(&Record) -> Option<Decimal>,
        ),
        (6, |r: &Record| r.funds.total.budget),
        (7, |r: &Record| r.funds.total.spent),
    ] {
        let (value, count) = sum(pick);
        assert_eq!(total[col], float(value), "column {col}");
        assert_eq!(covered[col], Data::Float(count as f64), "column {col}");
    }
    // haidian reports spending without a 全年预算数: the rate is over the
    // forms with both, and says how many.
    let paired: Vec<(Decimal, Decimal)> = projects
        .iter()
        .filter_map(|r| r.funds.total.budget.zip(r.funds.total.spent))
        .collect();
    assert_eq!(paired.len(), projects.len() - 1);
    let rate =
        paired.iter().map(|p| p.1).sum::<Decimal>() / paired.iter().map(|p| p.0).sum::<Decimal>();
    assert_eq!(total[8], float(rate));
    assert_eq!(covered[8], Data::Float(paired.len() as f64));

    // The department-wide form has its own sheet and totals.
    let whole = rows(&out, "部门整体");
    assert_eq!(whole.len(), 1 + 1 + 2);
    assert_eq!(whole[1][2].to_string(), "太白镇人民政府");
    let taibai = &expected("import/taibai-zhengti-2023.xlsx")[0];
    assert_eq!(whole[2][7], float(taibai.funds.total.spent.unwrap()));
    let departments = rows(&out, "部门汇总");
    assert!(departments
        .iter()
        .all(|r| r[0] != Data::String("太白镇人民政府".into())));
}

/// `--jsonl` holds the records the workbook counts, duplicates left out, so
/// consolidating the lines gives the workbook's totals again.
#[test]
fn the_json_lines_hold_what_the_workbook_counts() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收件");
    std::fs::create_dir_all(&inbox).unwrap();
    let pair = [
        "rebuilt/yongde-yingyang-2022.xlsx",
        "rebuilt/yongde-yingyang-2022.xls",
    ];
    for name in pair.iter().chain(&["import/jiaotong-gonglu-2023.xlsx"]) {
        std::fs::copy(fixture(name), inbox.join(file_name(name))).unwrap();
    }
    let out = dir.path().join("汇总.xlsx");
    let mut opts = options(vec![inbox], out.clone());
    opts.jsonl = Some(dir.path().join("记录.jsonl"));
    let report = consolidate(&opts).unwrap();
    let statuses: Vec<String> = rows(&out, "导入情况")[1..]
        .iter()
        .map(|r| r[1].to_string())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| *s == "重复，未计入").count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(report.records(), 2);

    let lines = std::fs::read_to_string(opts.jsonl.as_ref().unwrap()).unwrap();
    let projects: Vec<String> = lines
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| v["record"]["project"].as_str().unwrap().to_string())
        .collect();
    let yongde = &expected(pair[1])[0];
    assert_eq!(projects.len(), 2, "{projects:?}");
    assert_eq!(
        projects
            .iter()
            .filter(|p| Some(p.as_str()) == yongde.project.as_deref())
            .count(),
        1,
        "{projects:?}"
    );

    let again = dir.path().join("再汇总.xlsx");
    let report = consolidate(&options(vec![opts.jsonl.clone().unwrap()], again.clone())).unwrap();
    assert_eq!(report.records(), 2);
    let totals = |path: &Path| {
        let sheet = rows(path, "汇总");
        sheet[sheet.len() - 2..].to_vec()
    };
    assert_eq!(totals(&out), totals(&again));
    assert_eq!(totals(&out)[0][0].to_string(), "合计");
}

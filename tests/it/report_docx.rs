//! The Word reports: `jixiao report samples -o DIR` writes one .docx per
//! form; each is opened as what it is (a zip of XML) and checked for the
//! five section headings, the funds table's numbers and the absence of cell
//! addresses; LibreOffice converts each to PDF.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use jixiao::model::{Imported, Kind};
use jixiao::write::numbers::money;

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// The text of each paragraph of a .docx, and the text of each table cell,
/// read from word/document.xml.
struct Docx {
    paragraphs: Vec<String>,
    cells: Vec<String>,
}

fn open(path: &Path) -> Docx {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let text = regex::Regex::new(r"<w:t(?: [^>]*)?>([^<]*)</w:t>").unwrap();
    let texts = |xml: &str| -> String {
        text.captures_iter(xml)
            .map(|c| unescape(&c[1]))
            .collect::<Vec<_>>()
            .concat()
    };
    let paragraph = regex::Regex::new(r"(?s)<w:p[ >].*?</w:p>").unwrap();
    let cell = regex::Regex::new(r"(?s)<w:tc>.*?</w:tc>").unwrap();
    Docx {
        paragraphs: paragraph
            .find_iter(&xml)
            .map(|m| texts(m.as_str()))
            .collect(),
        cells: cell.find_iter(&xml).map(|m| texts(m.as_str())).collect(),
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

const PROJECT: [&str; 5] = [
    "一、项目基本情况",
    "二、绩效评价工作情况",
    "三、绩效评价指标分析",
    "四、评价结论",
    "五、主要经验及做法、存在的问题和建议",
];
const DEPARTMENT: [&str; 5] = [
    "一、部门基本情况",
    "二、绩效评价工作情况",
    "三、部门整体支出绩效情况分析",
    "四、评价结论",
    "五、存在的问题及改进措施",
];

/// The records of the samples, in the order `report` writes them.
fn sample_records() -> Vec<(PathBuf, Vec<Imported>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(samples())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let imported = jixiao::mapping::import_file(&f, None).unwrap();
            (f, imported)
        })
        .collect()
}

#[test]
fn report_writes_one_word_file_per_form() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("报告");
    Command::cargo_bin("jixiao")
        .unwrap()
        .arg("report")
        .arg(samples())
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let cell_address =
        regex::Regex::new(r"(^|[^A-Za-z0-9])[A-Z]{1,3}[0-9]{1,7}([^A-Za-z0-9]|$)").unwrap();
    let mut written = 0;
    for (file, records) in sample_records() {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        for imported in records {
            let record = &imported.record;
            let name = match (&record.source.sheet, written_names(&out, &stem)) {
                (_, names) if names.len() == 1 => names[0].clone(),
                (Some(sheet), _) => out.join(format!("{stem}-{sheet}.docx")),
                (None, names) => panic!("{stem}: {names:?}"),
            };
            let doc = open(&name);
            written += 1;
            let headings = match record.kind {
                Kind::Department => DEPARTMENT,
                _ => PROJECT,
            };
            let at: Vec<Option<usize>> = headings
                .iter()
                .map(|h| doc.paragraphs.iter().position(|p| p == h))
                .collect();
            assert!(
                at.iter().all(Option::is_some) && at.windows(2).all(|w| w[0] < w[1]),
                "{}: headings {at:?} in {:?}",
                name.display(),
                doc.paragraphs
            );
            // The funds table: its 年度资金总额 row holds the record's money
            // to 2 places.
            let total = &record.funds.total;
            let row = doc
                .cells
                .iter()
                .position(|c| c == "年度资金总额")
                .unwrap_or_else(|| panic!("{}: no funds table", name.display()));
            let expected: Vec<String> = [total.initial, total.budget, total.spent]
                .map(|d| d.map_or_else(|| "（未填报）".to_string(), money))
                .to_vec();
            assert_eq!(
                doc.cells[row + 1..row + 4],
                expected[..],
                "{}",
                name.display()
            );
            for p in &doc.paragraphs {
                assert!(
                    !cell_address.is_match(p) && !p.contains("单元格"),
                    "{}: a cell address in {p}",
                    name.display()
                );
            }
        }
    }
    let files = std::fs::read_dir(&out).unwrap().count();
    assert_eq!(files, written, "one .docx per form");
    assert!(written >= 10);
    to_pdf(&out);
}

fn written_names(out: &Path, stem: &str) -> Vec<PathBuf> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_stem().unwrap().to_string_lossy();
            n == stem || n.starts_with(&format!("{stem}-"))
        })
        .collect();
    names.sort();
    names
}

/// LibreOffice converts every report to PDF; skipped with a message where
/// it is not installed, except under CI, which installs it.
fn to_pdf(dir: &Path) {
    let ci = std::env::var_os("CI").is_some();
    let Ok(status) = Process::new("soffice").arg("--version").output() else {
        assert!(!ci, "CI is set but LibreOffice (soffice) is missing");
        eprintln!(
            "skipped: LibreOffice (soffice) is not installed, the PDF conversion was not tried"
        );
        return;
    };
    assert!(status.status.success());
    let profile = tempfile::tempdir().unwrap();
    let pdf = tempfile::tempdir().unwrap();
    let docs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let run = Process::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.path().display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(pdf.path())
        .args(&docs)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    for doc in &docs {
        let stem = doc.file_stem().unwrap().to_string_lossy().into_owned();
        let converted = pdf.path().join(format!("{stem}.pdf"));
        let bytes =
            std::fs::read(&converted).unwrap_or_else(|e| panic!("{}: no PDF: {e}", doc.display()));
        assert!(
            bytes.starts_with(b"%PDF") && bytes.len() > 5000,
            "{}",
            converted.display()
        );
    }
}

#[test]
fn consolidate_writes_a_word_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("汇总说明.docx");
    Command::cargo_bin("jixiao")
        .unwrap()
        .arg("consolidate")
        .arg(samples())
        .arg("-o")
        .arg(dir.path().join("汇总.xlsx"))
        .arg("--summary")
        .arg(&summary)
        .assert()
        .success();
    let doc = open(&summary);
    assert!(
        doc.paragraphs.iter().any(|p| p == "一、收表情况"),
        "{:?}",
        doc.paragraphs
    );
    assert!(doc.cells.iter().any(|c| c == "等级"));
}

#[test]
fn a_rerun_replaces_its_own_reports_and_leaves_others_alone() {
    let dir = tempfile::tempdir().unwrap();
    let form = samples().join("sifa-anke-2023.xlsx");
    let foreign = dir.path().join("sifa-anke-2023.docx");
    std::fs::write(&foreign, b"PK\x03\x04 a report someone wrote").unwrap();
    for _ in 0..2 {
        Command::cargo_bin("jixiao")
            .unwrap()
            .arg("report")
            .arg(&form)
            .arg("-o")
            .arg(dir.path())
            .assert()
            .success();
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The first run took the next free name; the second replaced it.
    assert_eq!(names, ["sifa-anke-2023 (2).docx", "sifa-anke-2023.docx"]);
    assert_eq!(
        std::fs::read(&foreign).unwrap(),
        b"PK\x03\x04 a report someone wrote"
    );
    assert!(jixiao::write::atomic::is_jixiao_output(
        &dir.path().join("sifa-anke-2023 (2).docx")
    ));
}

#[test]
fn word_files_are_a4_in_chinese_fonts_with_placeholders_highlighted() {
    let bytes = jixiao::write::report::docx::from_markdown(
        "# 标题\n\n## 一、概况\n\n正文【请填写：说明】\n",
    )
    .unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(
        xml.contains(r#"w:w="11906""#) && xml.contains(r#"w:h="16838""#),
        "A4"
    );
    for font in ["宋体", "黑体", "仿宋"] {
        assert!(xml.contains(&format!(r#"w:eastAsia="{font}""#)), "{font}");
    }
    assert!(
        xml.contains(r#"<w:highlight w:val="yellow""#),
        "placeholder highlighted"
    );
}

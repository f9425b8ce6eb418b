//! Consolidation throughput and peak memory against a floor.
//!
//! `cargo bench --bench consolidate -- [N...]` (default 250 1000 2000):
//! generates N standard forms with the project's own writer
//! (`write::standard::to_bytes`, saved without jixiao's marker, as
//! departments send them), then times, each in a fresh child process so
//! that peak memory (VmHWM) is its own:
//! - floor: open and read every sheet of the same files with calamine, in
//!   parallel on the same rayon pool, nothing else;
//! - consolidate: `batch::consolidate` — read, import, review, write the
//!   consolidated workbook.
//!
//! Prints forms per second and peak memory for both, and their ratio.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use calamine::{open_workbook_auto, Reader};
use rayon::prelude::*;
use rust_decimal::Decimal;

use jixiao::batch::{consolidate, Options};
use jixiao::model::{FundRow, Funds, Goals, Indicator, Kind, Record, Source};
use jixiao::review::Profile;

// The same allocator as the `jixiao` binary, so that the floor and
// consolidation are measured on equal terms.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DEFAULT_SIZES: [usize; 3] = [250, 1000, 2000];
const DEPARTMENTS: usize = 23;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.first().map(String::as_str) {
        Some("--child") => child(&args[1..]),
        // Keep a generated set for profiling: `-- --generate DIR N`.
        Some("--generate") if args.len() == 3 => {
            generate(Path::new(&args[1]), args[2].parse().expect("N"))
        }
        _ => parent(&args),
    }
}

fn parent(args: &[String]) {
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() {
        DEFAULT_SIZES.to_vec()
    } else {
        sizes
    };
    let root = tempfile::tempdir().expect("temp dir");
    println!(
        "{:>6} | {:>9} {:>9} {:>8} | {:>9} {:>9} {:>8} | {:>10} {:>9}",
        "N",
        "floor f/s",
        "CPU ms/f",
        "peak MB",
        "cons. f/s",
        "CPU ms/f",
        "peak MB",
        "ratio wall",
        "ratio CPU"
    );
    for n in sizes {
        let dir = root.path().join(format!("n{n}"));
        generate(&dir, n);
        let dir_arg = dir.display().to_string();
        let floor = measure(&["floor", &dir_arg]);
        if std::env::var_os("BENCH_STAGES").is_some() {
            for mode in ["open", "import", "review"] {
                let run = measure(&[mode, &dir_arg]);
                eprintln!(
                    "  {mode}: {:.1} forms/s, {:.2} CPU ms/form, {:.1} MB",
                    n as f64 / run.wall,
                    1000.0 * run.cpu / n as f64,
                    run.peak_kib as f64 / 1024.0
                );
            }
        }
        let out = root.path().join(format!("汇总-{n}.xlsx"));
        let cons = measure(&["consolidate", &dir_arg, &out.display().to_string()]);
        let per_form = |cpu: f64| 1000.0 * cpu / n as f64;
        println!(
            "{n:>6} | {:>9.1} {:>9.2} {:>8.1} | {:>9.1} {:>9.2} {:>8.1} | {:>9.0}% {:>8.0}%",
            n as f64 / floor.wall,
            per_form(floor.cpu),
            floor.peak_kib as f64 / 1024.0,
            n as f64 / cons.wall,
            per_form(cons.cpu),
            cons.peak_kib as f64 / 1024.0,
            100.0 * floor.wall / cons.wall,
            100.0 * floor.cpu / cons.cpu,
        );
    }
}

/// What one child run measured.
struct Run {
    wall: f64,
    peak_kib: u64,
    cpu: f64,
}

/// Runs this bench binary as a child in `mode`.
fn measure(mode: &[&str]) -> Run {
    let exe = std::env::current_exe().expect("bench executable");
    let output = Command::new(exe)
        .arg("--child")
        .args(mode)
        .output()
        .expect("run child");
    assert!(
        output.status.success(),
        "child {mode:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let mut fields = text.split_whitespace();
    let secs = fields.next().and_then(|s| s.parse().ok()).expect("seconds");
    let peak = fields.next().and_then(|s| s.parse().ok()).expect("peak");
    let cpu = fields.next().and_then(|s| s.parse().ok()).expect("cpu");
    Run {
        wall: secs,
        peak_kib: peak,
        cpu,
    }
}

fn child(args: &[String]) {
    let dir = PathBuf::from(&args[1]);
    let start = Instant::now();
    match args[0].as_str() {
        "floor" => floor(&dir),
        "open" => stage(&dir, |p| {
            jixiao::source::open(p).expect("open");
        }),
        "import" => stage(&dir, |p| {
            jixiao::mapping::import_file(p, None).expect("import");
        }),
        "review" => {
            let profile = Profile::default();
            stage(&dir, |p| {
                for r in jixiao::mapping::import_file(p, None).expect("import") {
                    jixiao::review::review(&r, &profile);
                }
            })
        }
        _ => {
            let options = Options {
                inputs: vec![dir],
                output: PathBuf::from(&args[2]),
                roster: None,
                jsonl: None,
                summary: None,
                region: None,
                profile: Profile::default(),
                mappings: Default::default(),
                progress: false,
            };
            let report = consolidate(&options).expect("consolidate");
            assert!(report.failed().is_empty(), "{:?}", report.failed().first());
        }
    }
    println!(
        "{} {} {}",
        start.elapsed().as_secs_f64(),
        peak_kib(),
        cpu_seconds()
    );
}

/// User + system CPU time of this process, all threads (Linux; 0 elsewhere).
/// On a shared machine wall time depends on the neighbours; CPU time much
/// less so.
fn cpu_seconds() -> f64 {
    /// `USER_HZ`, fixed at 100 on Linux for /proc.
    const TICKS_PER_SECOND: f64 = 100.0;
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses; utime and
    // stime are fields 14 and 15 of the whole line.
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / TICKS_PER_SECOND
}

/// Runs one pipeline stage on every file, in parallel (for profiling).
fn stage(dir: &Path, run: impl Fn(&Path) + Sync) {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.par_iter().for_each(|f| run(f));
}

/// Opens every file and reads every sheet's cells, in parallel.
fn floor(dir: &Path) {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    let cells: usize = files
        .par_iter()
        .map(|f| {
            let mut wb = open_workbook_auto(f).expect("open");
            let names = wb.sheet_names().to_vec();
            names
                .iter()
                .filter_map(|n| wb.worksheet_range(n).ok())
                .map(|r| r.used_cells().count())
                .sum::<usize>()
        })
        .sum();
    assert!(cells > 0);
}

/// Peak resident set size of this process in KiB (Linux; 0 elsewhere).
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn generate(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir).expect("create dir");
    (0..n).into_par_iter().for_each(|i| {
        let path = dir.join(format!("form-{i:05}.xlsx"));
        let bytes = jixiao::write::standard::to_bytes(&record(i), None).expect("standard form");
        std::fs::write(&path, unmarked(&bytes)).expect("write form");
    });
}

/// The form as a department sends it from its own workbook: without
/// jixiao's marker, which a consolidation reads as jixiao's own unchanged
/// output and skips.
fn unmarked(package: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(package)).expect("zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).expect("part");
        if part.name().is_ok_and(|n| n == "docProps/custom.xml") {
            continue;
        }
        let name = part.name().expect("part name").to_string();
        let mut data = Vec::new();
        part.read_to_end(&mut data).expect("inflate");
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start");
        out.write_all(&data).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

/// A plausible, varied record: department, money with 4–6 places, 8 to 15
/// indicators.
fn record(i: usize) -> Record {
    let mut r = Record::new(
        Kind::Project,
        Source {
            file: format!("form-{i:05}.xlsx"),
            sheet: None,
            mapping: None,
            ..Default::default()
        },
    );
    let budget = Decimal::new(1_000_000 + (i as i64 * 7919) % 9_000_000, 4);
    let rate = Decimal::new(96 + (i as i64 % 5), 2);
    let spent = budget * rate;
    let row = FundRow {
        initial: Some(budget),
        budget: Some(budget),
        spent: Some(spent.round_dp(6)),
    };
    r.year = Some(2023);
    r.project = Some(format!("第{i}号项目专项经费"));
    r.department = Some(format!("第{}主管部门", i % DEPARTMENTS));
    r.unit = Some(format!("第{i}号实施单位"));
    r.funds = Funds {
        total: row.clone(),
        fiscal: row,
        weight: Some(Decimal::TEN),
        ..Funds::default()
    };
    r.goals = Some(Goals {
        planned: Some("完成年度建设任务，保障项目按期实施，服务对象满意度不低于90%。".into()),
        achieved: Some("已按计划完成年度建设任务。".into()),
    });
    r.indicators = indicators(i);
    // The total a department reports: the scores it gave, plus the funds
    // line's execution rate times its weight of 10 (what the review
    // recomputes), so that the findings are the
    // few a real form has, not a dozen on every form.
    let scores: Decimal = r.indicators.iter().filter_map(|x| x.score).sum();
    r.total_score = Some(scores + Decimal::TEN * rate);
    r
}

/// The kinds of indicator a standard form has, with a plausible name and
/// unit each, and the weight of each 一级指标 (产出 50, 效益 30, 满意度 10).
const KINDS: [(&str, &str, &str, &str); 6] = [
    ("产出指标", "数量指标", "新建校舍面积", "平方米"),
    ("产出指标", "质量指标", "工程验收合格率", "%"),
    ("产出指标", "时效指标", "按期完工率", "%"),
    ("产出指标", "成本指标", "单位面积造价", "元"),
    ("效益指标", "社会效益指标", "受益学生人数", "人"),
    ("满意度指标", "服务对象满意度指标", "师生满意度", "%"),
];

fn level1_weight(level1: &str) -> i64 {
    match level1 {
        "产出指标" => 50,
        "效益指标" => 30,
        _ => 10,
    }
}

/// 8 to 15 indicators; every level-1 group's weights sum to its standard
/// weight (the first of a group takes the remainder). One form in seven
/// falls short on one indicator, with a deduction and a reason.
fn indicators(i: usize) -> Vec<Indicator> {
    let n = 8 + i % 8;
    let kind = |k: usize| KINDS[k % KINDS.len()];
    let in_group = |level1: &str| (0..n).filter(|&k| kind(k).0 == level1).count() as i64;
    let mut given = std::collections::HashMap::new();
    (0..n)
        .map(|k| {
            let (level1, level2, name, unit) = kind(k);
            let (total, count) = (level1_weight(level1), in_group(level1));
            let first = !given.contains_key(level1);
            given.insert(level1, ());
            let weight = Decimal::from(total / count + if first { total % count } else { 0 });
            // Percentages from 90 to 95, counts from 10 up.
            let target = if unit == "%" {
                90 + (k + i) % 6
            } else {
                10 + k + i % 5
            };
            let short = i % 7 == 3 && k == 0;
            let actual = if short { target - 2 } else { target + i % 3 };
            let score = if short { weight - Decimal::ONE } else { weight };
            Indicator {
                level1: Some(level1.into()),
                level2: Some(level2.into()),
                name: Some(format!("{name}（第{}批）", k / KINDS.len() + 1)),
                target: Some(format!("≥{target}{unit}")),
                actual: Some(format!("{actual}{unit}")),
                weight: Some(weight),
                score: Some(score),
                note: short.then(|| "受雨季影响，部分工程延期至次年完工。".into()),
            }
        })
        .collect()
}

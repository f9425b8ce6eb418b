//! Throughput of `source::open` against a bare calamine read of the same
//! generated forms (open + every sheet's range + merged regions).
//!
//! `cargo bench --bench read [-- FILES ROUNDS]`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use calamine::{open_workbook_auto, Reader, Sheets};
use rust_xlsxwriter::{Format, Formula, Workbook};

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with('-'));
    let files: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let dir = tempfile::tempdir().expect("temp dir");
    let paths: Vec<PathBuf> = (0..files)
        .map(|i| {
            let path = dir.path().join(format!("form-{i:04}.xlsx"));
            write_form(&path, i);
            path
        })
        .collect();
    // Each file is read by both sides back to back, and each side keeps its
    // fastest time per file over the rounds: on a shared machine this
    // filters out preemption, which would otherwise swamp the difference.
    let mut bare = vec![Duration::MAX; files];
    let mut ours = vec![Duration::MAX; files];
    for _ in 0..rounds {
        for (i, path) in paths.iter().enumerate() {
            bare[i] = bare[i].min(time(path, bare_calamine));
            ours[i] = ours[i].min(time(path, jixiao_open));
        }
    }
    let (bare, ours): (Duration, Duration) = (bare.iter().sum(), ours.iter().sum());
    let rate = |d: Duration| files as f64 / d.as_secs_f64();
    println!("forms: {files} generated .xlsx, fastest of {rounds} rounds per file");
    println!("bare calamine : {:>8.1} files/s", rate(bare));
    println!("source::open  : {:>8.1} files/s", rate(ours));
    println!(
        "overhead      : {:>+8.1} %",
        (ours.as_secs_f64() / bare.as_secs_f64() - 1.0) * 100.0
    );
}

fn time(path: &Path, read: fn(&Path) -> usize) -> Duration {
    let start = Instant::now();
    let cells = read(path);
    let took = start.elapsed();
    assert!(cells > 0);
    took
}

fn bare_calamine(path: &Path) -> usize {
    let mut wb = open_workbook_auto(path).expect("calamine opens the form");
    let mut cells = 0;
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).expect("range");
        cells += range.used_cells().count();
        if let Sheets::Xlsx(x) = &mut wb {
            cells += x.merge_cells_by_sheet_name(&name).map_or(0, |m| m.len());
        }
    }
    cells
}

fn jixiao_open(path: &Path) -> usize {
    let wb = jixiao::source::open(path).expect("jixiao opens the form");
    wb.sheets
        .iter()
        .map(|s| s.cell_count() + s.merges().len())
        .sum()
}

/// A 自评表-shaped form: title merges, funds block, about 30 indicator rows.
fn write_form(path: &Path, seed: usize) {
    let mut wb = Workbook::new();
    let f = Format::new();
    let ws = wb.add_worksheet();
    ws.set_name("自评表").expect("name");
    ws.merge_range(0, 0, 0, 9, "项目支出绩效自评表", &f)
        .expect("merge");
    ws.merge_range(1, 0, 1, 9, "（2021年度）", &f)
        .expect("merge");
    ws.write_string(2, 0, "项目名称").expect("write");
    ws.merge_range(2, 1, 2, 9, &format!("项目{seed}"), &f)
        .expect("merge");
    ws.write_string(3, 0, "主管部门").expect("write");
    ws.merge_range(3, 1, 3, 4, "某局", &f).expect("merge");
    ws.merge_range(3, 6, 3, 9, "某中心", &f).expect("merge");
    ws.merge_range(4, 0, 8, 0, "项目资金（万元）", &f)
        .expect("merge");
    for (k, label) in ["年度资金总额", "财政拨款", "上年结转", "其他资金"]
        .iter()
        .enumerate()
    {
        let r = 5 + k as u32;
        ws.merge_range(r, 1, r, 2, label, &f).expect("merge");
        for c in 3..6 {
            ws.write_number(r, c, (seed * 7 + k * 13 + c as usize) as f64 / 3.0)
                .expect("write");
        }
        ws.write_formula(r, 6, Formula::new(format!("=F{}/E{}", r + 1, r + 1)))
            .expect("write");
    }
    for i in 0..30u32 {
        let r = 10 + i;
        ws.write_string(r, 1, "产出指标").expect("write");
        ws.write_string(r, 2, "数量指标").expect("write");
        ws.write_string(r, 3, format!("指标{i}：完成数量"))
            .expect("write");
        ws.write_string(r, 4, "≥95%").expect("write");
        ws.write_number(r, 5, 0.9 + f64::from(i) / 1000.0)
            .expect("write");
        ws.write_number(r, 6, 10).expect("write");
        ws.write_number(r, 7, 9.5).expect("write");
        ws.write_string(r, 8, "无偏差").expect("write");
    }
    ws.merge_range(10, 0, 39, 0, "绩效指标", &f).expect("merge");
    wb.save(path).expect("save form");
}

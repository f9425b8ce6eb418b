//! Generates the sample forms in `samples/` and the import test fixtures in
//! `tests/fixtures/import/` (each with the `.expected.json` record the form
//! was written from).
//!
//! ```sh
//! cargo run --example make_samples            # writes both directories
//! ```
//!
//! Every form is described once as data ([`Form`]) and laid out by one of the
//! template families of `shared/spec/domain.md` §1 ([`Layout`]); the expected
//! record comes from the same data, never from the importer.

use std::path::Path;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use serde_json::{json, Value as Json};

/// One indicator row: 一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因.
type Ind = [&'static str; 8];

/// A form's content, independent of its layout. Money is in 万元.
#[derive(Clone)]
struct Form {
    year: i32,
    project: &'static str,
    department: &'static str,
    unit: &'static str,
    /// 年度资金总额, 财政拨款, 上年结转, 其他 × 年初预算数, 全年预算数, 全年执行数.
    funds: [[&'static str; 3]; 4],
    weight: &'static str,
    /// The 执行率 cell as written (`0.9909` number, or `99.09%` text) and
    /// its value in the record.
    rate: (&'static str, &'static str),
    score: &'static str,
    planned: &'static str,
    achieved: &'static str,
    indicators: Vec<Ind>,
    total: &'static str,
}

/// The template families the samples are laid out in.
#[derive(Clone, Copy, PartialEq)]
enum Layout {
    /// 财预〔2020〕10号 canonical grid (domain.md §1.1).
    Standard,
    /// The standard form with drifted labels, shifted to B2, weight column
    /// before the target, text numbers and placeholder rows.
    Drifted,
    /// The standard form with money in 元 (`项目资金（元）`).
    Yuan,
    /// 湖北式样: 预算执行情况（万元）（20分）, two 年度绩效目标 blocks, no 分值.
    Hubei,
    /// 四川: 指标性质 | 指标值 | 度量单位 split target, 总额 / 财政资金 rows.
    Sichuan,
    /// 重庆 部门整体: flat indicator list, 自评总分 in the header.
    Chongqing,
    /// 贵州 部门整体支出绩效自评表: 部门(单位)名称, 基本支出/项目支出 rows.
    Guizhou,
}

/// Cells and merges of one sheet, written in one go.
struct Grid {
    cells: Vec<(u32, u16, String)>,
    merges: Vec<(u32, u16, u32, u16)>,
}

impl Grid {
    fn new() -> Self {
        Grid {
            cells: Vec::new(),
            merges: Vec::new(),
        }
    }

    fn put(&mut self, row: u32, col: u16, text: &str) {
        if !text.is_empty() {
            self.cells.push((row, col, text.to_string()));
        }
    }

    fn merge(&mut self, row: u32, col: u16, last_row: u32, last_col: u16, text: &str) {
        self.merges.push((row, col, last_row, last_col));
        self.put(row, col, text);
    }

    /// Text that parses as a number becomes a number cell, unless it starts
    /// with `'` (kept as text, the quote dropped) — how forms end up with
    /// numbers stored as text.
    fn write(&self, ws: &mut Worksheet) -> Result<(), XlsxError> {
        let fmt = Format::new()
            .set_border(FormatBorder::Thin)
            .set_text_wrap()
            .set_align(FormatAlign::VerticalCenter);
        for &(r, c, lr, lc) in &self.merges {
            ws.merge_range(r, c, lr, lc, "", &fmt)?;
        }
        for (r, c, text) in &self.cells {
            match (text.strip_prefix('\''), text.parse::<f64>()) {
                (Some(t), _) => ws.write_string_with_format(*r, *c, t, &fmt)?,
                (None, Ok(n)) => ws.write_number_with_format(*r, *c, n, &fmt)?,
                (None, Err(_)) => ws.write_string_with_format(*r, *c, text, &fmt)?,
            };
        }
        for col in 0..12 {
            ws.set_column_width(col, if col == 3 { 28 } else { 14 })?;
        }
        Ok(())
    }
}

/// The standard 项目资金 block's row labels, or a layout's drift of them.
const STANDARD_LINES: [&str; 4] = [
    "年度资金总额",
    "其中：当年财政拨款",
    "上年结转资金",
    "其他资金",
];
const DRIFTED_LINES: [&str; 4] = [
    "年度资金总额：",
    "其中：本年财政拨款",
    "上年结转资金",
    "其他资金",
];

/// Lays a form out in the canonical grid; `Drifted` and `Yuan` vary labels,
/// origin, column order and units.
fn standard(form: &Form, layout: Layout) -> Grid {
    let mut g = Grid::new();
    let (r0, c0): (u32, u16) = if layout == Layout::Drifted {
        (1, 1)
    } else {
        (0, 0)
    };
    let c = |i: u16| c0 + i;
    let drift = layout == Layout::Drifted;
    g.merge(r0, c(0), r0, c(8), "项目支出绩效自评表");
    g.merge(
        r0 + 1,
        c(0),
        r0 + 1,
        c(8),
        &format!("（{}年度）", form.year),
    );
    g.put(
        r0 + 2,
        c(0),
        if drift {
            "项 目 名 称"
        } else {
            "项目名称"
        },
    );
    g.merge(r0 + 2, c(1), r0 + 2, c(8), form.project);
    g.put(
        r0 + 3,
        c(0),
        if drift {
            "主管部门："
        } else {
            "主管部门"
        },
    );
    g.merge(r0 + 3, c(1), r0 + 3, c(3), form.department);
    g.put(r0 + 3, c(4), "实施单位");
    g.merge(r0 + 3, c(5), r0 + 3, c(8), form.unit);
    let r = r0 + 4;
    let block = if layout == Layout::Yuan {
        "项目资金\n（元）"
    } else {
        "项目资金\n（万元）"
    };
    g.merge(r, c(0), r + 4, c(0), block);
    g.merge(r, c(1), r, c(2), "");
    let heads: [&str; 6] = if drift {
        [
            "年初预算数",
            "全年预算数（A）",
            "全年执行数（B）",
            "分值",
            "执行率（B/A）",
            "得分",
        ]
    } else {
        [
            "年初预算数",
            "全年预算数",
            "全年执行数",
            "分值",
            "执行率",
            "得分",
        ]
    };
    for (i, h) in heads.iter().enumerate() {
        g.put(r, c(3 + i as u16), h);
    }
    let lines = if drift { DRIFTED_LINES } else { STANDARD_LINES };
    for (i, (label, amounts)) in lines.iter().zip(form.funds.iter()).enumerate() {
        let row = r + 1 + i as u32;
        g.merge(row, c(1), row, c(2), label);
        for (j, amount) in amounts.iter().enumerate() {
            g.put(row, c(3 + j as u16), &money_cell(amount, layout));
        }
        let (w, rate, s) = if i == 0 {
            (form.weight, form.rate.0, form.score)
        } else {
            ("—", "—", "—")
        };
        g.put(row, c(6), w);
        g.put(row, c(7), rate);
        g.put(row, c(8), s);
    }
    let r = r + 5;
    g.merge(r, c(0), r + 1, c(0), "年度总体目标");
    g.merge(r, c(1), r, c(3), "预期目标");
    g.merge(r, c(4), r, c(8), "实际完成情况");
    g.merge(r + 1, c(1), r + 1, c(3), form.planned);
    g.merge(r + 1, c(4), r + 1, c(8), form.achieved);
    let r = r + 2;
    // 中江/海淀 put the weight before the target: columns follow headers.
    let order: [usize; 8] = if drift {
        [0, 1, 2, 5, 3, 4, 6, 7]
    } else {
        [0, 1, 2, 3, 4, 5, 6, 7]
    };
    let heads = if drift {
        [
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值（A）",
            "实际完成值（B）",
            "指标权重",
            "得分",
            "未完成原因及拟采取的改进措施",
        ]
    } else {
        [
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ]
    };
    for (pos, &field) in order.iter().enumerate() {
        g.put(r, c(1 + pos as u16), heads[field]);
    }
    let rows = with_placeholders(&form.indicators, drift);
    let last = indicator_rows(&mut g, r + 1, &rows, |i| {
        Some(c(1 + order.iter().position(|&f| f == i).unwrap_or(i) as u16))
    });
    g.merge(r, c(0), last, c(0), "绩效指标");
    g.merge(last + 1, c(0), last + 1, c(5), "总分");
    g.put(last + 1, c(6), "100");
    g.put(last + 1, c(7), form.total);
    if drift {
        g.merge(
            last + 2,
            c(0),
            last + 2,
            c(8),
            "填表人：　　　联系电话：　　　填报日期：2024年3月",
        );
    }
    g
}

/// Money as the layout writes it: in 元 the amount × 10000, some as text
/// with thousands separators.
fn money_cell(amount: &str, layout: Layout) -> String {
    if layout != Layout::Yuan || amount.is_empty() {
        return amount.to_string();
    }
    let yuan = scale(amount, 4);
    if yuan.len() > 6 {
        format!("'{}", thousands(&yuan))
    } else {
        yuan
    }
}

/// `amount` × 10^places, exactly, on the decimal text.
fn scale(amount: &str, places: usize) -> String {
    let (int, frac) = amount.split_once('.').unwrap_or((amount, ""));
    let mut frac = frac.to_string();
    while frac.len() < places {
        frac.push('0');
    }
    let (moved, rest) = frac.split_at(places);
    let int = format!("{int}{moved}").trim_start_matches('0').to_string();
    let int = if int.is_empty() { "0".to_string() } else { int };
    if rest.trim_end_matches('0').is_empty() {
        int
    } else {
        format!("{int}.{rest}")
    }
}

fn thousands(n: &str) -> String {
    let (int, frac) = n.split_once('.').map_or((n, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    match frac {
        Some(f) => format!("{out}.{f}"),
        None => format!("{out}.00"),
    }
}

/// Template rows left in (`指标2：`, `……`) after each 二级 block's first row.
fn with_placeholders(rows: &[Ind], on: bool) -> Vec<Ind> {
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        out.push(*row);
        let block_ends = rows.get(i + 1).is_none_or(|n| n[1] != row[1]);
        if on && block_ends && i % 3 == 0 {
            out.push([row[0], row[1], "指标2：", "", "", "", "", ""]);
            out.push([row[0], row[1], "……", "", "", "", "", ""]);
        }
    }
    out
}

/// Writes indicator rows from `start`, merging 一级/二级 over their runs;
/// returns the last row written. `col(i)` places field `i` of an [`Ind`].
fn indicator_rows(
    g: &mut Grid,
    start: u32,
    rows: &[Ind],
    col: impl Fn(usize) -> Option<u16>,
) -> u32 {
    for level in 0..2 {
        let mut run_start = 0;
        for i in 1..=rows.len() {
            let same = i < rows.len()
                && rows[i][level] == rows[run_start][level]
                && (level == 0 || rows[i][0] == rows[run_start][0]);
            if !same {
                let (a, b) = (start + run_start as u32, start + i as u32 - 1);
                match col(level) {
                    Some(c) if a == b => g.put(a, c, rows[run_start][level]),
                    Some(c) => g.merge(a, c, b, c, rows[run_start][level]),
                    None => {}
                }
                run_start = i;
            }
        }
    }
    for (i, row) in rows.iter().enumerate() {
        for (field, text) in row.iter().enumerate().skip(2) {
            if let Some(c) = col(field) {
                g.put(start + i as u32, c, text);
            }
        }
    }
    start + rows.len() as u32 - 1
}

/// 湖北式样 2020: 预算执行情况（万元）（20分）; indicators in two 年度绩效目标
/// blocks with 年初目标值（A）/实际完成值（B）/得分 and no 分值 column.
fn hubei(form: &Form) -> Grid {
    let mut g = Grid::new();
    g.merge(0, 0, 0, 8, &format!("{}年度项目支出绩效自评表", form.year));
    g.merge(1, 0, 1, 4, &format!("单位名称：{}", form.unit));
    g.merge(1, 5, 1, 8, "填报日期：2024年3月20日");
    g.merge(2, 0, 2, 1, "项目名称");
    g.merge(2, 2, 2, 8, form.project);
    g.merge(3, 0, 3, 1, "主管部门");
    g.merge(3, 2, 3, 3, form.department);
    g.merge(3, 4, 3, 5, "项目实施单位");
    g.merge(3, 6, 3, 8, form.unit);
    g.merge(4, 0, 4, 1, "项目类别");
    g.merge(
        4,
        2,
        4,
        8,
        "1、部门预算项目 R 2、市直专项 □ 3、市对下转移支付项目 □",
    );
    g.merge(
        5,
        0,
        6,
        1,
        &format!("预算执行情况（万元）\n（{}分）", form.weight),
    );
    g.put(5, 3, "预算数（A）");
    g.put(5, 4, "执行数（B）");
    g.put(5, 5, "执行率（B/A）");
    g.merge(5, 6, 5, 8, &format!("得分\n（{}分*执行率）", form.weight));
    g.put(6, 2, "年度财政资金总额");
    g.put(6, 3, form.funds[0][1]);
    g.put(6, 4, form.funds[0][2]);
    g.put(6, 5, form.rate.0);
    g.merge(6, 6, 6, 8, form.score);
    let mut row = 7;
    let half = form.indicators.len().div_ceil(2);
    for (n, block) in form.indicators.chunks(half).enumerate() {
        g.put(row, 1, "一级指标");
        g.put(row, 2, "二级指标");
        g.merge(row, 3, row, 4, "三级指标");
        g.put(row, 5, "年初目标值（A）");
        g.put(row, 6, "实际完成值（B）");
        g.merge(row, 7, row, 8, "得分");
        let first = row;
        // Columns: 一级 B, 二级 C, 三级 D:E, 目标 F, 完成 G, 得分 H:I.
        let cols = [
            Some(1u16),
            Some(2),
            Some(3),
            Some(5),
            Some(6),
            None,
            Some(7),
            None,
        ];
        let last = indicator_rows(&mut g, row + 1, block, |i| cols[i]);
        for r in row + 1..=last {
            g.merges.push((r, 3, r, 4));
            g.merges.push((r, 7, r, 8));
        }
        g.merge(
            first,
            0,
            last,
            0,
            &format!("年度绩效目标{}\n（40分）", n + 1),
        );
        row = last + 1;
    }
    g.merge(row, 0, row, 2, "总分（100分）");
    g.put(row, 3, form.total);
    g.merge(row, 4, row, 5, "自评等级");
    g.merge(row, 6, row, 8, "优");
    g.merge(row + 1, 0, row + 1, 1, "偏差大或\n目标未完成\n原因分析");
    g.merge(row + 1, 2, row + 1, 8, "无");
    g
}

/// Splits a target into 指标性质 | 指标值 | 度量单位 (`≥95%` → `≥`, `95`, `%`).
fn split_target(target: &str) -> [String; 3] {
    let cmp: String = target
        .chars()
        .take_while(|c| "≥≤=＝<>＜＞".contains(*c))
        .collect();
    let rest = &target[cmp.len()..];
    let num: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    if num.is_empty() {
        return [cmp, rest.to_string(), String::new()];
    }
    [cmp, num.clone(), rest[num.len()..].to_string()]
}

/// 四川 部门预算项目支出绩效自评表: split target, 总额/财政资金 rows, 合计 row.
fn sichuan(form: &Form) -> Grid {
    let mut g = Grid::new();
    g.merge(
        0,
        0,
        0,
        10,
        &format!("部门预算项目支出绩效自评表（{}年度）", form.year),
    );
    g.put(1, 0, "项目名称");
    g.merge(1, 1, 1, 10, form.project);
    g.put(2, 0, "主管部门");
    g.merge(2, 1, 2, 4, form.department);
    g.merge(2, 5, 2, 6, "实施单位");
    g.merge(2, 7, 2, 10, form.unit);
    g.merge(3, 0, 5, 0, "项目基本情况");
    g.merge(3, 1, 4, 2, "1.项目年度目标完成情况");
    g.merge(3, 3, 3, 6, "项目年度目标");
    g.merge(3, 7, 3, 10, "年度目标完成情况");
    g.merge(4, 3, 4, 6, form.planned);
    g.merge(4, 7, 4, 10, form.achieved);
    g.merge(5, 1, 5, 2, "2.项目实施内容及过程概述");
    g.merge(5, 3, 5, 10, "按计划组织实施，资金按进度拨付。");
    g.merge(6, 0, 11, 0, "预算执行情况（10分）");
    g.merge(6, 1, 6, 2, "年度预算数（万元）");
    for (i, h) in [
        "年初预算",
        "调整后预算数",
        "预算执行数",
        "预算执行率",
        "权重",
        "得分",
    ]
    .iter()
    .enumerate()
    {
        g.put(6, 3 + i as u16, h);
    }
    g.merge(6, 9, 6, 10, "原因");
    let lines: [(&str, Option<usize>); 5] = [
        ("总额", Some(0)),
        ("其中：财政资金", Some(1)),
        ("财政专户管理资金", None),
        ("单位资金", None),
        ("其他资金", Some(3)),
    ];
    for (i, (label, src)) in lines.iter().enumerate() {
        let row = 7 + i as u32;
        g.merge(row, 1, row, 2, label);
        let amounts = src.map_or(["0", "0", "0"], |s| form.funds[s]);
        for (j, a) in amounts.iter().enumerate() {
            g.put(row, 3 + j as u16, a);
        }
        let (w, s) = if i == 0 {
            (form.weight, form.score)
        } else {
            ("/", "/")
        };
        g.put(row, 6, if i == 0 { form.rate.0 } else { "" });
        g.put(row, 7, w);
        g.put(row, 8, s);
    }
    g.merge(7, 9, 11, 10, "预算执行率=预算执行数/调整后预算数");
    let heads = [
        "一级指标",
        "二级指标",
        "三级指标",
        "指标性质",
        "指标值",
        "度量单位",
        "完成值",
        "权重",
        "得分",
        "未完成原因分析",
    ];
    for (i, h) in heads.iter().enumerate() {
        g.put(12, 1 + i as u16, h);
    }
    let rows: Vec<Ind> = form.indicators.clone();
    let cols = [
        Some(1u16),
        Some(2),
        Some(3),
        None,
        Some(7),
        Some(8),
        Some(9),
        Some(10),
    ];
    let last = indicator_rows(&mut g, 13, &rows, |i| cols[i]);
    for (i, row) in rows.iter().enumerate() {
        let parts = split_target(row[3]);
        for (j, p) in parts.iter().enumerate() {
            // A bare number in 指标值 is a number cell.
            g.put(13 + i as u32, 4 + j as u16, p);
        }
    }
    g.merge(12, 0, last, 0, "绩效指标（90分）");
    g.merge(last + 1, 0, last + 1, 7, "合计");
    g.put(last + 1, 8, "100");
    g.put(last + 1, 9, form.total);
    g.put(last + 2, 0, "评价结论");
    g.merge(last + 2, 1, last + 2, 10, "项目完成较好。");
    g
}

/// 重庆 部门整体绩效自评表: header fields, one execution row, a flat list.
fn chongqing(form: &Form) -> Grid {
    let mut g = Grid::new();
    g.merge(0, 0, 0, 9, &format!("{}年度部门整体绩效自评表", form.year));
    g.put(1, 0, "主管部门");
    g.merge(1, 1, 1, 4, form.department);
    g.put(1, 5, "自评总分(分)");
    g.put(1, 6, form.total);
    g.put(1, 7, "部门联系人");
    g.put(1, 8, "（略）");
    g.merge(2, 0, 3, 0, "部门预算执行情况(万元)");
    for (i, h) in [
        "年初预算数",
        "全年(调整)预算数",
        "全年执行数",
        "执行率(%)",
        "执行率权重",
        "执行率得分(分)",
    ]
    .iter()
    .enumerate()
    {
        g.put(2, 1 + i as u16, h);
    }
    for (i, a) in form.funds[0].iter().enumerate() {
        g.put(3, 1 + i as u16, a);
    }
    g.put(3, 4, form.rate.0);
    g.put(3, 5, form.weight);
    g.put(3, 6, form.score);
    g.merge(4, 0, 5, 0, "当年绩效目标");
    g.merge(4, 1, 4, 4, "年初绩效目标");
    g.merge(4, 5, 4, 9, "全年目标实际完成情况");
    g.merge(5, 1, 5, 4, form.planned);
    g.merge(5, 5, 5, 9, form.achieved);
    let heads = [
        "指标名称",
        "计量单位",
        "指标性质",
        "年初指标值",
        "调整指标值",
        "全年完成值",
        "得分系数(%)",
        "指标权重(分)",
        "指标得分(分)",
        "是否核心指标",
    ];
    for (i, h) in heads.iter().enumerate() {
        g.put(6, i as u16, h);
    }
    for (i, row) in form.indicators.iter().enumerate() {
        let r = 7 + i as u32;
        let unit = if row[3].ends_with('%') { "%" } else { "" };
        g.put(r, 0, row[2]);
        g.put(r, 1, unit);
        g.put(
            r,
            2,
            if row[3].chars().any(|c| c.is_ascii_digit()) {
                "定量"
            } else {
                "定性"
            },
        );
        g.put(r, 3, row[3]);
        g.put(r, 5, row[4]);
        g.put(r, 6, "100%");
        g.put(r, 7, row[5]);
        g.put(r, 8, row[6]);
        g.put(r, 9, "是");
    }
    g
}

/// 贵州 部门整体支出绩效自评表: 部门(单位)总体资金 with 资金来源 rows
/// (年度资金总额 / 基本支出 / 项目支出 / 其他), no 全年预算数 column.
fn guizhou(form: &Form) -> Grid {
    let mut g = Grid::new();
    g.merge(0, 0, 0, 8, "部门整体支出绩效自评表");
    g.merge(1, 0, 1, 8, &format!("（{}年度）", form.year));
    g.put(2, 0, "部门(单位)名称");
    g.merge(2, 1, 2, 8, form.department);
    g.merge(3, 0, 7, 0, "部门(单位)总体资金(万元)");
    for (i, h) in [
        "资金来源",
        "年初预算数(A)",
        "全年执行数(B)",
        "分值(10分)",
        "得分",
    ]
    .iter()
    .enumerate()
    {
        g.put(3, 1 + i as u16, h);
    }
    g.merge(3, 6, 3, 8, "得分计算方法");
    let lines = [
        ("年度资金总额", form.funds[0]),
        ("基本支出", form.funds[1]),
        ("项目支出", form.funds[2]),
        ("其他", form.funds[3]),
    ];
    for (i, (label, f)) in lines.iter().enumerate() {
        let r = 4 + i as u32;
        g.put(r, 1, label);
        g.put(r, 2, f[0]);
        g.put(r, 3, f[2]);
        g.merge(
            r,
            6,
            r,
            8,
            if i == 0 {
                "执行率*该指标分值，最高不得超过分值上限"
            } else {
                ""
            },
        );
    }
    g.put(4, 4, form.weight);
    g.put(4, 5, form.score);
    g.merge(8, 0, 9, 0, "年度总体目标");
    g.merge(8, 1, 8, 4, "年初设定目标");
    g.merge(8, 5, 8, 8, "年度总体目标完成情况");
    g.merge(9, 1, 9, 4, form.planned);
    g.merge(9, 5, 9, 8, form.achieved);
    for (i, h) in [
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值(A)",
        "全年实际值(B)",
        "分值",
        "得分计算方法",
        "得分",
    ]
    .iter()
    .enumerate()
    {
        g.put(10, 1 + i as u16, h);
    }
    let cols = [
        Some(1u16),
        Some(2),
        Some(3),
        Some(4),
        Some(5),
        Some(6),
        Some(8),
        None,
    ];
    let last = indicator_rows(&mut g, 11, &form.indicators, |i| cols[i]);
    g.merge(10, 0, last, 0, "绩效指标");
    g.merge(last + 1, 0, last + 1, 5, "总分");
    g.put(last + 1, 6, "100");
    g.put(last + 1, 8, form.total);
    g
}

fn layout(form: &Form, layout: Layout) -> Grid {
    match layout {
        Layout::Standard | Layout::Drifted | Layout::Yuan => standard(form, layout),
        Layout::Hubei => hubei(form),
        Layout::Sichuan => sichuan(form),
        Layout::Chongqing => chongqing(form),
        Layout::Guizhou => guizhou(form),
    }
}

/// The record `jixiao import --json` must print for `form` laid out so.
fn expected(form: &Form, layout: Layout, file: &str, sheet: &str) -> Json {
    let dec = |s: &str| -> Json {
        match s {
            "" | "—" | "/" | "-" => Json::Null,
            s => Json::String(s.trim_start_matches('\'').to_string()),
        }
    };
    let text = |s: &str| if s.is_empty() { Json::Null } else { json!(s) };
    let row = |i: usize, has_initial: bool| {
        let f = form.funds[i];
        json!({"initial": if has_initial { dec(f[0]) } else { Json::Null }, "budget": dec(f[1]), "spent": dec(f[2])})
    };
    let none = json!({"initial": null, "budget": null, "spent": null});
    let dept = matches!(layout, Layout::Chongqing | Layout::Guizhou);
    let flat = layout == Layout::Chongqing;
    let (total, fiscal, carry, other) = match layout {
        Layout::Hubei => (row(0, false), none.clone(), none.clone(), none.clone()),
        Layout::Chongqing => (row(0, true), none.clone(), none.clone(), none.clone()),
        Layout::Guizhou => {
            let f = form.funds[0];
            let total = json!({"initial": dec(f[0]), "budget": null, "spent": dec(f[2])});
            (total, none.clone(), none.clone(), none.clone())
        }
        Layout::Sichuan => (row(0, true), row(1, true), none.clone(), row(3, true)),
        _ => (row(0, true), row(1, true), row(2, true), row(3, true)),
    };
    let indicators: Vec<Json> = form
        .indicators
        .iter()
        .map(|i| {
            json!({
                "level1": if flat { Json::Null } else { text(i[0]) },
                "level2": if flat { Json::Null } else { text(i[1]) },
                "name": text(i[2]),
                "target": text(i[3]),
                "actual": text(i[4]),
                "weight": if layout == Layout::Hubei { Json::Null } else { dec(i[5]) },
                "score": dec(i[6]),
                "note": text(i[7]),
            })
        })
        .collect();
    let goals = if layout == Layout::Hubei {
        json!({"planned": null, "achieved": null})
    } else {
        json!({"planned": text(form.planned), "achieved": text(form.achieved)})
    };
    json!({
        "schema": "jixiao.evaluation/1",
        "kind": if dept { "department" } else { "project" },
        "year": form.year,
        "project": if dept { Json::Null } else { json!(form.project) },
        "department": form.department,
        "unit": if dept { Json::Null } else { json!(form.unit) },
        "funds": {
            "total": total, "fiscal": fiscal, "carryover": carry, "other": other,
            "weight": dec(form.weight),
            "rate": if layout == Layout::Guizhou { Json::Null } else { dec(form.rate.1) },
            "score": dec(form.score),
        },
        "goals": goals,
        "indicators": indicators,
        "total_score": dec(form.total),
        "source": {"file": file, "sheet": sheet, "mapping": null},
    })
}

/// One workbook: its file name and its forms, one per sheet.
struct Book {
    file: &'static str,
    sheets: Vec<(&'static str, Form, Layout)>,
}

fn write_book(
    dir: &Path,
    book: &Book,
    with_expected: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut wb = Workbook::new();
    let mut records = Vec::new();
    for (name, form, lay) in &book.sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name)?;
        layout(form, *lay).write(ws)?;
        records.push(expected(form, *lay, book.file, name));
    }
    wb.save(dir.join(book.file))?;
    if with_expected {
        let value = if records.len() == 1 {
            records.remove(0)
        } else {
            Json::Array(records)
        };
        let text = serde_json::to_string_pretty(&value)? + "\n";
        std::fs::write(dir.join(format!("{}.expected.json", book.file)), text)?;
    }
    Ok(())
}

const STANDARD_INDICATORS: &[Ind] = &[
    [
        "产出指标（50分）",
        "数量指标",
        "组织代表履职培训",
        "≥4期",
        "4期",
        "10",
        "10",
        "",
    ],
    [
        "产出指标（50分）",
        "数量指标",
        "组织视察调研活动",
        "≥6次",
        "7次",
        "10",
        "10",
        "",
    ],
    [
        "产出指标（50分）",
        "质量指标",
        "培训参训率",
        "≥90%",
        "93%",
        "10",
        "10",
        "",
    ],
    [
        "产出指标（50分）",
        "时效指标",
        "经费拨付及时性",
        "及时",
        "及时",
        "10",
        "10",
        "",
    ],
    [
        "产出指标（50分）",
        "成本指标",
        "活动经费总额",
        "≤77万元",
        "76.3万元",
        "10",
        "10",
        "",
    ],
    [
        "效益指标（30分）",
        "社会效益指标",
        "代表建议按期办结率",
        "100%",
        "98%",
        "10",
        "9",
        "2件建议延期办结，加强督办。",
    ],
    [
        "效益指标（30分）",
        "社会效益指标",
        "代表履职能力提升",
        "明显提升",
        "有所提升",
        "10",
        "8",
        "培训针对性不足。",
    ],
    [
        "效益指标（30分）",
        "可持续影响指标",
        "联络站常态化运行",
        "长期",
        "长期",
        "10",
        "10",
        "",
    ],
    [
        "满意度指标（10分）",
        "服务对象满意度指标",
        "代表满意度",
        "≥90%",
        "92%",
        "10",
        "9.6",
        "",
    ],
];

fn forms() -> Vec<(Book, bool)> {
    let base = Form {
        year: 2023,
        project: "市人大代表活动经费",
        department: "市人大常委会办公室",
        unit: "市人大常委会办公室",
        funds: [
            ["77", "77", "76.3"],
            ["77", "77", "76.3"],
            ["", "", ""],
            ["", "", ""],
        ],
        weight: "10",
        rate: ("0.9909", "0.9909"),
        score: "9.91",
        planned: "组织代表履职培训和视察调研，保障代表联络站常态化运行。",
        achieved: "组织培训4期、视察调研7次，联络站全年正常运行。",
        indicators: STANDARD_INDICATORS.to_vec(),
        total: "96.5",
    };
    // Inflated: every indicator at full marks although 执行率 < 100% and
    // targets were missed.
    let road = Form {
        year: 2023,
        project: "农村公路养护补助资金",
        department: "县交通运输局",
        unit: "县公路事务中心",
        funds: [
            ["320", "350", "298.6"],
            ["300", "330", "280.1"],
            ["20", "20", "18.5"],
            ["", "", ""],
        ],
        rate: ("85.31%", "0.8531"),
        score: "10",
        planned: "完成农村公路日常养护里程1200公里，优良中等路率达到80%以上。",
        achieved: "完成养护里程1100公里，优良中等路率82%。",
        indicators: vec![
            [
                "产出指标（50分）",
                "数量指标",
                "日常养护里程",
                "≥1200公里",
                "1100公里",
                "20",
                "20",
                "",
            ],
            [
                "产出指标（50分）",
                "质量指标",
                "优良中等路率",
                "≥80%",
                "82%",
                "15",
                "15",
                "",
            ],
            [
                "产出指标（50分）",
                "时效指标",
                "资金拨付及时率",
                "100%",
                "90%",
                "15",
                "15",
                "",
            ],
            [
                "效益指标（30分）",
                "社会效益指标",
                "群众出行条件改善",
                "明显改善",
                "明显改善",
                "30",
                "30",
                "",
            ],
            [
                "满意度指标（10分）",
                "服务对象满意度指标",
                "沿线群众满意度",
                "≥85%",
                "88%",
                "10",
                "10",
                "",
            ],
        ],
        total: "100",
        ..base.clone()
    };
    // The funds total does not add up (F1) and a target lacks its unit (Q3).
    let school = Form {
        year: 2023,
        project: "义务教育学校校舍维修改造",
        department: "县教育局",
        unit: "县第二实验小学",
        funds: [
            ["150", "150", "146.2"],
            ["120", "120", "118"],
            ["10", "10", "8.2"],
            ["", "", ""],
        ],
        rate: ("0.9747", "0.9747"),
        score: "9.75",
        planned: "完成教学楼屋面防水、门窗更换等维修改造项目。",
        achieved: "完成屋面防水3200平方米、门窗更换420樘，工程验收合格。",
        indicators: vec![
            [
                "产出指标（50分）",
                "数量指标",
                "屋面防水面积",
                "≥3000",
                "3200平方米",
                "15",
                "15",
                "",
            ],
            [
                "产出指标（50分）",
                "数量指标",
                "门窗更换数量",
                "≥400樘",
                "420樘",
                "10",
                "10",
                "",
            ],
            [
                "产出指标（50分）",
                "质量指标",
                "工程验收合格率",
                "100%",
                "100%",
                "15",
                "15",
                "",
            ],
            [
                "产出指标（50分）",
                "时效指标",
                "开学前完工",
                "8月31日前",
                "8月25日",
                "10",
                "10",
                "",
            ],
            [
                "效益指标（30分）",
                "社会效益指标",
                "校舍安全隐患消除率",
                "100%",
                "100%",
                "30",
                "30",
                "",
            ],
            [
                "满意度指标（10分）",
                "服务对象满意度指标",
                "师生满意度",
                "≥90%",
                "95%",
                "10",
                "10",
                "",
            ],
        ],
        total: "99.75",
        ..base.clone()
    };
    let health = Form {
        year: 2023,
        project: "基本公共卫生服务补助",
        department: "县卫生健康局",
        unit: "城关镇卫生院",
        funds: [
            ["0", "207.4538", "207.4538"],
            ["0", "207.4538", "207.4538"],
            ["", "", ""],
            ["", "", ""],
        ],
        rate: ("100%", "1"),
        score: "10",
        planned: "为辖区居民提供基本公共卫生服务。",
        achieved: "居民健康档案建档率、慢病规范管理率均达到目标。",
        indicators: vec![
            [
                "产出指标",
                "数量指标",
                "指标1：居民健康档案",
                "38508人",
                "37442人",
                "10",
                "9.7",
                "部分流动人口未建档。",
            ],
            [
                "产出指标",
                "数量指标",
                "指标2：健康教育讲座",
                "不少于12 次",
                "14次",
                "10",
                "10",
                "",
            ],
            [
                "产出指标",
                "质量指标",
                "高血压规范管理率",
                "≥60%",
                "62%",
                "15",
                "15",
                "",
            ],
            [
                "产出指标",
                "时效指标",
                "资金到位及时率",
                "100%",
                "100%",
                "15",
                "15",
                "",
            ],
            [
                "效益指标",
                "社会效益指标",
                "城乡居民公共卫生差距",
                "不断缩小",
                "不断缩小",
                "30",
                "28",
                "服务均等化仍有差距。",
            ],
            [
                "满意度指标",
                "服务对象满意度指标",
                "居民满意度",
                "≥85%",
                "90%",
                "10",
                "10",
                "",
            ],
        ],
        total: "97.7",
        ..base.clone()
    };
    let water = Form {
        year: 2023,
        project: "农村饮水安全巩固提升工程",
        department: "县水利局",
        unit: "县农村供水服务站",
        funds: [
            ["265.5", "265.5", "251.32"],
            ["200", "200", "190.12"],
            ["65.5", "65.5", "61.2"],
            ["", "", ""],
        ],
        rate: ("0.9466", "0.9466"),
        score: "9.47",
        planned: "新建集中供水工程4处，改造管网36公里。",
        achieved: "新建供水工程4处，改造管网35.2公里。",
        indicators: vec![
            [
                "产出指标（50分）",
                "数量指标",
                "新建集中供水工程",
                "=4处",
                "4处",
                "20",
                "20",
                "",
            ],
            [
                "产出指标（50分）",
                "数量指标",
                "改造供水管网长度",
                "≥36公里",
                "35.2公里",
                "15",
                "14.67",
                "1处穿越道路段待审批。",
            ],
            [
                "产出指标（50分）",
                "成本指标",
                "工程造价控制",
                "≤265.5万元",
                "251.32万元",
                "15",
                "15",
                "",
            ],
            [
                "效益指标（30分）",
                "社会效益指标",
                "受益人口",
                "≥12000人",
                "12650人",
                "30",
                "30",
                "",
            ],
            [
                "满意度指标（10分）",
                "服务对象满意度指标",
                "受益群众满意度",
                "≥90%",
                "93%",
                "10",
                "10",
                "",
            ],
        ],
        total: "99.14",
        ..base.clone()
    };
    let veterans = Form {
        year: 2022,
        project: "春节走访慰问经费",
        department: "市退役军人事务局",
        unit: "市退役军人服务中心",
        funds: [
            ["", "34.64", "34.64"],
            ["", "", ""],
            ["", "", ""],
            ["", "", ""],
        ],
        weight: "20",
        rate: ("100%", "1"),
        score: "20",
        indicators: vec![
            [
                "产出指标（60分）",
                "数量指标",
                "走访慰问重点优抚对象",
                "≥150人",
                "156人",
                "",
                "20",
                "",
            ],
            [
                "产出指标（60分）",
                "质量指标",
                "补助经费足额拨付率",
                "100%",
                "100%",
                "",
                "20",
                "",
            ],
            [
                "产出指标（60分）",
                "时效指标",
                "春节前完成走访慰问",
                "按时完成",
                "100%",
                "",
                "20",
                "",
            ],
            [
                "效益指标（10分）",
                "社会效益指标",
                "群体性事件",
                "0次",
                "0次",
                "",
                "10",
                "",
            ],
            [
                "满意度指标（10分）",
                "服务对象满意度指标",
                "优抚对象满意率",
                "≥95%",
                "100%",
                "",
                "10",
                "",
            ],
        ],
        total: "100",
        ..base.clone()
    };
    let justice = Form {
        year: 2023,
        project: "51092324T000010263357-全县安可替代补助资金",
        department: "县司法局",
        unit: "县司法局",
        funds: [
            ["0", "3.36", "3.36"],
            ["0", "3.36", "3.36"],
            ["", "", ""],
            ["", "", ""],
        ],
        rate: ("100.00%", "1"),
        score: "10",
        planned: "根据要求购买安可设备，并完成项目资金支付。",
        achieved: "完成",
        indicators: vec![
            [
                "产出指标",
                "质量指标",
                "安可设备购置并支付",
                "=100%",
                "100",
                "60",
                "60",
                "",
            ],
            [
                "效益指标",
                "社会效益指标",
                "办公系统安全可控",
                "≥95%",
                "96",
                "30",
                "30",
                "",
            ],
        ],
        total: "100",
        ..base.clone()
    };
    let dept = Form {
        year: 2022,
        project: "",
        department: "区融媒体中心",
        unit: "",
        funds: [
            ["1280.5", "1312.8", "1220.4"],
            ["", "", ""],
            ["", "", ""],
            ["", "", ""],
        ],
        rate: ("92.96", "92.96"),
        score: "9.3",
        planned: "完成全年新闻宣传任务，推进媒体融合。",
        achieved: "播发稿件2859篇，融媒体平台全年稳定运行。",
        indicators: vec![
            ["", "", "财政供养人员控制率", "100%", "92%", "10", "10", ""],
            ["", "", "预算完成率", "70%", "76%", "10", "10", ""],
            ["", "", "政府采购执行率", "100%", "72.74%", "10", "10", ""],
            ["", "", "播发稿件数量", "2200篇", "2859篇", "40", "40", ""],
            ["", "", "管理制度健全性", "高", "高", "20", "18", ""],
        ],
        total: "97.3",
        ..base.clone()
    };
    let culture = Form {
        year: 2023,
        project: "文化馆免费开放补助",
        department: "区文化和旅游局",
        unit: "区文化馆",
        funds: [
            ["45", "45", "45"],
            ["45", "45", "45"],
            ["", "", ""],
            ["", "", ""],
        ],
        rate: ("1", "1"),
        score: "10",
        planned: "文化馆全年免费开放。",
        achieved: "全年免费开放，举办公益培训48期。",
        indicators: vec![
            [
                "产出指标（50分）",
                "数量指标",
                "公益培训期数",
                "≥40期",
                "48期",
                "25",
                "25",
                "",
            ],
            [
                "产出指标（50分）",
                "时效指标",
                "免费开放天数",
                "≥300天",
                "306天",
                "25",
                "25",
                "",
            ],
            [
                "效益指标（30分）",
                "社会效益指标",
                "群众文化参与度",
                "显著提升",
                "显著提升",
                "30",
                "27",
                "宣传覆盖面不足。",
            ],
            [
                "满意度指标（10分）",
                "服务对象满意度指标",
                "群众满意度",
                "≥90%",
                "98%",
                "10",
                "10",
                "",
            ],
        ],
        total: "97",
        ..base.clone()
    };
    let town = Form {
        year: 2023,
        project: "",
        department: "太白镇人民政府",
        unit: "",
        funds: [
            ["1172.55", "", "1268.72"],
            ["820.3", "", "842.1"],
            ["352.25", "", "426.62"],
            ["", "", ""],
        ],
        rate: ("", ""),
        score: "10",
        planned: "保障机关正常运转，完成乡村振兴重点任务。",
        achieved: "机关运转正常，完成人居环境整治村12个。",
        indicators: vec![
            [
                "产出指标（50分）",
                "数量指标",
                "人居环境整治村数",
                "≥12个",
                "12个",
                "20",
                "20",
                "",
            ],
            [
                "产出指标（50分）",
                "质量指标",
                "项目验收合格率",
                "100%",
                "100%",
                "15",
                "15",
                "",
            ],
            [
                "产出指标（50分）",
                "时效指标",
                "重点任务按期完成率",
                "≥95%",
                "96%",
                "15",
                "15",
                "",
            ],
            [
                "效益指标（30分）",
                "社会效益指标",
                "群众生产生活条件",
                "明显改善",
                "明显改善",
                "30",
                "30",
                "",
            ],
            [
                "满意度指标（10分）",
                "服务对象满意度指标",
                "群众满意度",
                "≥90%",
                "95%",
                "10",
                "10",
                "",
            ],
        ],
        total: "100",
        ..base.clone()
    };
    vec![
        (
            Book {
                file: "taibai-zhengti-2023.xlsx",
                sheets: vec![("部门整体自评表", town, Layout::Guizhou)],
            },
            true,
        ),
        (
            Book {
                file: "rendashi-daibiao-2023.xlsx",
                sheets: vec![("自评表", base.clone(), Layout::Standard)],
            },
            true,
        ),
        (
            Book {
                file: "jiaotong-gonglu-2023.xlsx",
                sheets: vec![("自评表", road, Layout::Standard)],
            },
            true,
        ),
        (
            Book {
                file: "jiaoyu-xiaoshe-2023.xlsx",
                sheets: vec![("自评表", school, Layout::Drifted)],
            },
            true,
        ),
        (
            Book {
                file: "weijian-gongwei-2023.xlsx",
                sheets: vec![("项目支出绩效自评表", health, Layout::Yuan)],
            },
            true,
        ),
        (
            Book {
                file: "tuiyi-weiwen-2022.xlsx",
                sheets: vec![("项目自评表", veterans, Layout::Hubei)],
            },
            true,
        ),
        (
            Book {
                file: "sifa-anke-2023.xlsx",
                sheets: vec![("Sheet1", justice, Layout::Sichuan)],
            },
            true,
        ),
        (
            Book {
                file: "rongmei-bumen-2022.xlsx",
                sheets: vec![("部门整体", dept, Layout::Chongqing)],
            },
            true,
        ),
        (
            Book {
                file: "shuili-wenhua-2023.xlsx",
                sheets: vec![
                    ("饮水工程", water, Layout::Standard),
                    ("文化馆", culture, Layout::Drifted),
                ],
            },
            true,
        ),
    ]
}

/// A workbook of one sheet from `(row, col, text)` cells (0-based).
fn write_cells(path: &Path, sheet: &str, cells: &[(u32, u16, &str)]) -> Result<(), XlsxError> {
    let mut g = Grid::new();
    for (r, c, t) in cells {
        g.put(*r, *c, t);
    }
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet)?;
    g.write(ws)?;
    wb.save(path)
}

/// Bad input for the error tests (`bad/`) and a form in a layout of its own
/// for the user-mapping test (`custom/`, read by `custom/jianbiao.toml`).
fn special_fixtures(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let bad = dir.join("bad");
    std::fs::create_dir_all(&bad)?;
    let base = &forms()[1].0.sheets[0].1;
    let no_project = Form {
        project: "",
        ..base.clone()
    };
    let mut funds = base.funds;
    funds[0][1] = "abc";
    let abc = Form {
        funds,
        ..base.clone()
    };
    for (file, form) in [("no-project.xlsx", no_project), ("money-abc.xlsx", abc)] {
        let book = Book {
            file,
            sheets: vec![("自评表", form, Layout::Standard)],
        };
        write_book(&bad, &book, false)?;
    }
    let phone_list = [
        (0, 0, "姓名"),
        (0, 1, "电话"),
        (1, 0, "张三"),
        (1, 1, "12345"),
    ];
    write_cells(&bad.join("no-form.xlsx"), "通讯录", &phone_list)?;
    let custom = dir.join("custom");
    std::fs::create_dir_all(&custom)?;
    let cells = [
        (0, 0, "2024年度 绩效自评简表"),
        (1, 0, "名称"),
        (1, 1, "社区养老服务补贴"),
        (2, 0, "归口部门"),
        (2, 1, "区民政局"),
        (2, 2, "执行单位"),
        (2, 3, "街道养老服务中心"),
        (4, 1, "自评得分"),
        (4, 2, "自评等级"),
        (5, 0, "自评结果"),
        (5, 1, "91.5"),
        (5, 2, "优"),
        (7, 0, "资金"),
        (7, 1, "年初"),
        (7, 2, "预算"),
        (7, 3, "执行"),
        (8, 0, "合计"),
        (8, 1, "100000"),
        (8, 2, "120000"),
        (8, 3, "114000"),
        (10, 0, "类别"),
        (10, 1, "指标"),
        (10, 2, "目标"),
        (10, 3, "完成"),
        (10, 4, "分值"),
        (10, 5, "得分"),
        (11, 0, "产出"),
        (11, 1, "服务老人人次"),
        (11, 2, "≥5000人次"),
        (11, 3, "5230人次"),
        (11, 4, "50"),
        (11, 5, "50"),
        (12, 1, "补贴发放及时率"),
        (12, 2, "100%"),
        (12, 3, "95%"),
        (12, 4, "30"),
        (12, 5, "27"),
        (13, 0, "满意度"),
        (13, 1, "老人满意度"),
        (13, 2, "≥90%"),
        (13, 3, "93%"),
        (13, 4, "20"),
        (13, 5, "14.5"),
    ];
    write_cells(&custom.join("jianbiao.xlsx"), "简表", &cells)?;
    Ok(())
}

/// `.xls`, `.ods` and CSV copies of one fixture, made by LibreOffice when it
/// is installed (`apt-get install -y libreoffice-calc-nogui`); the expected
/// record is the `.xlsx` one with its source adjusted (CSV has no sheet).
fn converted_copies(dir: &Path, stem: &str) -> Result<(), Box<dyn std::error::Error>> {
    let xlsx = dir.join(format!("{stem}.xlsx"));
    let expected: Json = serde_json::from_str(&std::fs::read_to_string(
        dir.join(format!("{stem}.xlsx.expected.json")),
    )?)?;
    let tmp = std::env::temp_dir().join("jixiao-make-samples");
    std::fs::create_dir_all(&tmp)?;
    // filter options: comma, double quote, UTF-8
    for (ext, filter) in [
        ("xls", "xls"),
        ("ods", "ods"),
        ("csv", "csv:Text - txt - csv (StarCalc):44,34,76"),
    ] {
        let status = std::process::Command::new("soffice")
            .args(["--headless", "--convert-to", filter, "--outdir"])
            .arg(&tmp)
            .arg(&xlsx)
            .output();
        match status {
            Ok(out) if out.status.success() => {}
            _ => {
                eprintln!("soffice not available: {stem}.{ext} not made");
                return Ok(());
            }
        }
        let name = format!("{stem}.{ext}");
        std::fs::copy(tmp.join(&name), dir.join(&name))?;
        let mut record = expected.clone();
        record["source"]["file"] = json!(name);
        if ext == "csv" {
            record["source"]["sheet"] = Json::Null;
        }
        let text = serde_json::to_string_pretty(&record)? + "\n";
        std::fs::write(dir.join(format!("{name}.expected.json")), text)?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let samples = root.join("samples");
    let fixtures = root.join("tests/fixtures/import");
    std::fs::create_dir_all(&samples)?;
    std::fs::create_dir_all(&fixtures)?;
    for (book, _) in forms() {
        write_book(&samples, &book, false)?;
        write_book(&fixtures, &book, true)?;
        println!("wrote {}", book.file);
    }
    special_fixtures(&fixtures)?;
    converted_copies(&fixtures, "rendashi-daibiao-2023")?;
    Ok(())
}

//! Label drift of domain.md §1.2 on an in-memory standard grid: each variant
//! replaces one label of the canonical form and must still land in the same
//! field.

use std::path::PathBuf;

use super::{import, ImportError, Mapping};
use crate::model::Record;
use crate::source::{Area, CellRef, Format, Sheet, Value, Workbook};

/// The canonical grid (domain.md §1.1). Numbers are given as numbers.
const STANDARD: &[(&str, &str)] = &[
    ("A1", "项目支出绩效自评表"),
    ("A2", "（2021年度）"),
    ("A3", "项目名称"),
    ("B3", "代表活动经费"),
    ("A4", "主管部门"),
    ("B4", "市人大办"),
    ("E4", "实施单位"),
    ("F4", "市人大机关"),
    ("A5", "项目资金（万元）"),
    ("D5", "年初预算数"),
    ("E5", "全年预算数"),
    ("F5", "全年执行数"),
    ("G5", "分值"),
    ("H5", "执行率"),
    ("I5", "得分"),
    ("B6", "年度资金总额"),
    ("D6", "#70"),
    ("E6", "#77"),
    ("F6", "#76.3"),
    ("G6", "#10"),
    ("H6", "#0.9909"),
    ("I6", "#9.91"),
    ("B7", "其中：当年财政拨款"),
    ("D7", "#60"),
    ("E7", "#67"),
    ("F7", "#66.3"),
    ("B8", "上年结转资金"),
    ("D8", "#10"),
    ("E8", "#10"),
    ("F8", "#10"),
    ("B9", "其他资金"),
    ("A10", "年度总体目标"),
    ("B10", "预期目标"),
    ("E10", "实际完成情况"),
    ("B11", "计划目标"),
    ("E11", "完成情况"),
    ("A12", "绩效指标"),
    ("B12", "一级指标"),
    ("C12", "二级指标"),
    ("D12", "三级指标"),
    ("E12", "年度指标值"),
    ("F12", "实际完成值"),
    ("G12", "分值"),
    ("H12", "得分"),
    ("I12", "偏差原因分析及改进措施"),
    ("B13", "产出指标"),
    ("C13", "数量指标"),
    ("D13", "培训期数"),
    ("E13", "≥4期"),
    ("F13", "3期"),
    ("G13", "#50"),
    ("H13", "#37.5"),
    ("I13", "疫情停训一期"),
    ("B14", "满意度指标"),
    ("C14", "服务对象满意度指标"),
    ("D14", "代表满意度"),
    ("E14", "≥90%"),
    ("F14", "92%"),
    ("G14", "#40"),
    ("H14", "#40"),
    ("A15", "总分"),
    ("G15", "#100"),
    ("H15", "#87.41"),
];

const MERGES: &[&str] = &[
    "A1:I1", "A2:I2", "B3:I3", "B4:D4", "F4:I4", "A5:A9", "B6:C6", "B7:C7", "A10:A11", "B10:D10",
    "E10:I10", "B11:D11", "E11:I11", "A12:A14", "A15:F15",
];

/// The standard grid with some cells replaced (or added): `#12` is a
/// number, `!#DIV/0!` a formula error, anything else text.
fn sheet(replace: &[(&str, &str)]) -> Sheet {
    sheet_merged(replace, &[])
}

/// [`sheet`] with more merged ranges.
fn sheet_merged(replace: &[(&str, &str)], more_merges: &[&str]) -> Sheet {
    let added = replace
        .iter()
        .filter(|(a, _)| STANDARD.iter().all(|(b, _)| a != b));
    let cells = STANDARD
        .iter()
        .chain(added)
        .map(|&(at, text)| {
            let text = replace
                .iter()
                .find(|(a, _)| *a == at)
                .map_or(text, |(_, t)| *t);
            let value = match (text.strip_prefix('#'), text.strip_prefix('!')) {
                (Some(n), _) => Value::Number(n.to_string()),
                (_, Some(e)) => Value::Error(e.to_string()),
                _ => Value::Text(text.to_string()),
            };
            (at.parse().unwrap_or(CellRef::new(0, 0)), value)
        })
        .collect();
    let merges = MERGES
        .iter()
        .chain(more_merges)
        .filter_map(|m| m.parse::<Area>().ok())
        .collect();
    Sheet::new("自评表".into(), cells, merges)
}

fn import_sheet(sheet: Sheet) -> Result<Record, ImportError> {
    let wb = Workbook {
        path: PathBuf::from("mem.xlsx"),
        format: Format::Xlsx,
        sheets: vec![sheet],
    };
    let mut records = import(&wb, None)?;
    Ok(records.remove(0).record)
}

fn import_with(replace: &[(&str, &str)]) -> Result<Record, ImportError> {
    import_sheet(sheet(replace))
}

fn record(replace: &[(&str, &str)]) -> Record {
    match import_with(replace) {
        Ok(r) => r,
        Err(e) => panic!("{replace:?}: {e}"),
    }
}

fn s(d: Option<rust_decimal::Decimal>) -> String {
    d.map(|d| d.normalize().to_string()).unwrap_or_default()
}

#[test]
fn the_standard_grid_reads_completely() {
    let r = record(&[]);
    assert_eq!(r.year, Some(2021));
    assert_eq!(r.project.as_deref(), Some("代表活动经费"));
    assert_eq!(s(r.funds.carryover.spent), "10");
    assert_eq!(r.indicators.len(), 2);
    assert_eq!(r.indicators[0].note.as_deref(), Some("疫情停训一期"));
    assert_eq!(s(r.total_score), "87.41");
}

#[test]
fn funds_row_variants() {
    for label in [
        "年度资金总额：",
        "总额",
        "年度财政资金总额",
        "年度资金总额:",
    ] {
        assert_eq!(
            s(record(&[("B6", label)]).funds.total.spent),
            "76.3",
            "{label}"
        );
    }
    for label in [
        "其中：本年财政拨款",
        "其中：本年一般公共预算拨款",
        "其中：财政资金",
        "财政拨款",
        "其中:当年财政拨款",
    ] {
        assert_eq!(
            s(record(&[("B7", label)]).funds.fiscal.budget),
            "67",
            "{label}"
        );
    }
    // 贵州's last row is just 其他.
    let r = record(&[("B9", "其他"), ("D9", "#5"), ("F9", "#4")]);
    assert_eq!(s(r.funds.other.initial), "5");
    assert_eq!(s(r.funds.other.spent), "4");
}

#[test]
fn funds_column_variants() {
    for label in ["年初预算", "年初预算数（A）"] {
        assert_eq!(
            s(record(&[("D5", label)]).funds.total.initial),
            "70",
            "{label}"
        );
    }
    for label in [
        "全年预算数（A）",
        "调整后预算数",
        "预算数(A)",
        "全年(调整)预算数",
        "全年预算数(A)",
    ] {
        assert_eq!(
            s(record(&[("E5", label)]).funds.total.budget),
            "77",
            "{label}"
        );
    }
    for label in ["全年执行数（B）", "预算执行数", "执行数(B)"] {
        assert_eq!(
            s(record(&[("F5", label)]).funds.total.spent),
            "76.3",
            "{label}"
        );
    }
    for label in ["执行率（B/A）", "预算执行率", "执行率(%)"] {
        assert_eq!(s(record(&[("H5", label)]).funds.rate), "0.9909", "{label}");
    }
    for label in ["权重", "分值(10分)", "执行率权重", "分值（10分）"] {
        assert_eq!(s(record(&[("G5", label)]).funds.weight), "10", "{label}");
    }
}

#[test]
fn goals_label_variants() {
    let pairs = [
        ("年初设定目标", "年度总体目标完成情况"),
        ("年初设定目标", "年度总体目标完成情况综述"),
        ("项目年度目标", "年度目标完成情况"),
        ("年初绩效目标", "全年目标实际完成情况"),
        ("年初预期目标", "年度实际完成情况"),
        ("预期目标", "全年实际完成情况"),
    ];
    for (planned, achieved) in pairs {
        let r = record(&[("B10", planned), ("E10", achieved)]);
        let goals = r.goals.unwrap_or_default();
        assert_eq!(goals.planned.as_deref(), Some("计划目标"), "{planned}");
        assert_eq!(goals.achieved.as_deref(), Some("完成情况"), "{achieved}");
    }
}

#[test]
fn indicator_header_variants() {
    for label in [
        "年度指标值（A）",
        "年初目标值（A）",
        "指标值",
        "预期指标值（A）",
    ] {
        let r = record(&[("E12", label)]);
        assert_eq!(r.indicators[0].target.as_deref(), Some("≥4期"), "{label}");
    }
    for label in [
        "实际完成值（B）",
        "全年实际值（B）",
        "全年实际值",
        "完成值",
        "全年完成值",
        "实际完成指标值（B）",
    ] {
        let r = record(&[("F12", label)]);
        assert_eq!(r.indicators[0].actual.as_deref(), Some("3期"), "{label}");
    }
    for label in ["权重", "指标权重(分)", "指标权重（分）", "参考\n分值"] {
        assert_eq!(
            s(record(&[("G12", label)]).indicators[0].weight),
            "50",
            "{label}"
        );
    }
    for label in ["指标得分(分)", "得分"] {
        assert_eq!(
            s(record(&[("H12", label)]).indicators[0].score),
            "37.5",
            "{label}"
        );
    }
    for label in [
        "未完成原因分析",
        "未完成原因及拟采取的改进措施",
        "偏差原因及改进措施",
        "未完成原因",
    ] {
        let r = record(&[("I12", label)]);
        assert_eq!(
            r.indicators[0].note.as_deref(),
            Some("疫情停训一期"),
            "{label}"
        );
    }
}

#[test]
fn header_and_title_variants() {
    let r = record(&[
        ("A3", "项 目 名 称："),
        ("A4", "主管部门:"),
        ("E4", "项目实施单位"),
    ]);
    assert_eq!(r.project.as_deref(), Some("代表活动经费"));
    assert_eq!(r.department.as_deref(), Some("市人大办"));
    assert_eq!(r.unit.as_deref(), Some("市人大机关"));
    // 湖南 专项资金 forms; 四川 stamps the unit's label.
    let r = record(&[
        ("A3", "专项资金名称"),
        ("A4", "县级主管部门"),
        ("E4", "实施单位 （盖章）"),
    ]);
    assert_eq!(r.project.as_deref(), Some("代表活动经费"));
    assert_eq!(r.department.as_deref(), Some("市人大办"));
    assert_eq!(r.unit.as_deref(), Some("市人大机关"));
    let titles = [
        ("部门预算项目支出绩效自评表(2023年度)", 2023),
        ("2020年度长江禁捕项目自评表", 2020),
        ("（ 2019 年度）", 2019),
        ("（２０２２年度）", 2022),
    ];
    for (title, year) in titles {
        let r = record(&[("A1", title), ("A2", "")]);
        assert_eq!(r.year, Some(year), "{title}");
    }
}

#[test]
fn columns_follow_headers_not_letters() {
    // 分值 before 年度指标值 (中江, 海淀): swap the two header cells and values.
    let r = record(&[
        ("E12", "分值"),
        ("G12", "年度指标值"),
        ("E13", "#50"),
        ("G13", "≥4期"),
        ("E14", "#40"),
        ("G14", "≥90%"),
    ]);
    assert_eq!(r.indicators[0].target.as_deref(), Some("≥4期"));
    assert_eq!(s(r.indicators[0].weight), "50");
}

#[test]
fn text_numbers_and_not_applicable_cells() {
    let r = record(&[
        ("E6", "77.00"),
        ("F6", "７６.３"),
        ("D6", "—"),
        ("H6", "99.09%"),
    ]);
    assert_eq!(s(r.funds.total.budget), "77");
    assert_eq!(s(r.funds.total.spent), "76.3");
    assert_eq!(r.funds.total.initial, None);
    assert_eq!(s(r.funds.rate), "0.9909");
}

#[test]
fn formula_errors_in_number_cells_are_no_value() {
    // 执行率 =F6/E6 with a budget of 0; `values` tests the same as text.
    let r = record(&[("H6", "!#DIV/0!"), ("H13", "!#VALUE!")]);
    assert_eq!(r.funds.rate, None);
    assert_eq!(r.indicators[0].score, None);
    assert_eq!(s(r.indicators[0].weight), "50");
}

#[test]
fn a_printed_note_is_never_a_value() {
    // `主管部门（盖章）：` on the title line, followed by the unit note.
    let r = record(&[("J2", "主管部门（盖章）："), ("K2", "单位：万元")]);
    assert_eq!(r.department.as_deref(), Some("市人大办"));
    // 重庆's header line: an empty 主管部门 cell, then the next label.
    let r = record(&[("J2", "主管部门"), ("L2", "财政处室")]);
    assert_eq!(r.department.as_deref(), Some("市人大办"));
}

#[test]
fn a_year_named_in_a_sentence_is_not_the_form_year() {
    let prose = "中心2021年较好地完成了各项任务，群众满意";
    let r = record(&[("A1", "部门整体绩效自评表"), ("A2", ""), ("J3", prose)]);
    assert_eq!(r.year, None);
    let r = record(&[("A1", "2020年长江禁捕项目自评表"), ("A2", "")]);
    assert_eq!(r.year, Some(2020));
}

#[test]
fn rows_under_the_table_without_a_name_are_not_indicators() {
    // No 总分 row; a sign-off line with text in the 分值/得分 columns.
    let r = record(&[
        ("A15", "填报人："),
        ("G15", "联系电话："),
        ("H15", "填报日期："),
    ]);
    assert_eq!(r.indicators.len(), 2);
    assert_eq!(r.total_score, None);
    // A placeholder row marked not applicable (`/`) is no indicator either.
    let r = record(&[
        ("D14", "指标1："),
        ("E14", "/"),
        ("F14", "/"),
        ("G14", "/"),
        ("H14", "/"),
    ]);
    assert_eq!(r.indicators.len(), 1);
    // A real name keeps its row, and text in its 得分 is still an error.
    assert!(import_with(&[("H14", "填报日期：")]).is_err());
}

#[test]
fn an_indicator_named_like_the_total_row_under_merged_levels() {
    let replace = [
        ("C14", ""),
        ("B14", ""),
        ("D14", "总分"),
        ("B13", "效益指标"),
    ];
    let r = import_sheet(sheet_merged(&replace, &["B13:B14", "C13:C14"])).unwrap();
    assert_eq!(r.indicators.len(), 2);
    assert_eq!(r.indicators[1].name.as_deref(), Some("总分"));
    assert_eq!(r.indicators[1].level1.as_deref(), Some("效益指标"));
    assert_eq!(s(r.total_score), "87.41");
    // On its own row, 总分 in the 三级 column still ends the table.
    let r = record(&[("A15", ""), ("D15", "总分")]);
    assert_eq!(s(r.total_score), "87.41");
}

#[test]
fn bad_cells_name_the_cell() {
    let err = import_with(&[("E6", "abc")])
        .map(|_| ())
        .err()
        .map(|e| e.to_string());
    let err = err.unwrap_or_default();
    assert!(
        err.starts_with("mem.xlsx: 自评表!E6: expected an amount of money"),
        "{err}"
    );
    let err = import_with(&[("H13", "满分")])
        .map(|_| ())
        .err()
        .map(|e| e.to_string());
    assert!(err.unwrap_or_default().contains("自评表!H13"));
}

#[test]
fn an_empty_required_field_is_an_error_with_its_cell() {
    let strict = "id = \"strict\"\nname = \"s\"\nextends = \"mof-2020\"\n\n\
                  [fields.project]\nlabel = \"项目名称\"\nrequired = true\n";
    let strict = Mapping::from_toml(strict, std::path::Path::new("strict.toml"));
    let strict = strict.unwrap_or_else(|e| panic!("{e}"));
    let wb = Workbook {
        path: PathBuf::from("mem.xlsx"),
        format: Format::Xlsx,
        sheets: vec![sheet(&[("B3", "")])],
    };
    let err = import(&wb, Some(&strict))
        .map(|_| ())
        .err()
        .map(|e| e.to_string());
    let err = err.unwrap_or_default();
    assert_eq!(
        err,
        "mem.xlsx: 自评表!B3: project is required but the cell is empty"
    );
    // Without the requirement the form imports with no project.
    assert_eq!(record(&[("B3", "")]).project, None);
}

#[test]
fn a_mapping_can_be_given_explicitly() {
    let wb = Workbook {
        path: PathBuf::from("mem.xlsx"),
        format: Format::Xlsx,
        sheets: vec![sheet(&[])],
    };
    let mof = Mapping::builtin("mof-2020").map_err(|e| e.to_string());
    let records = mof.map(|m| {
        import(&wb, Some(m))
            .map(|r| r.len())
            .map_err(|e| e.to_string())
    });
    assert_eq!(records, Ok(Ok(1)));
}

#[test]
fn total_row_label_variants() {
    for label in ["总 分", "总分（100分）", "总分：", "合计", "总计"] {
        assert_eq!(s(record(&[("A15", label)]).total_score), "87.41", "{label}");
    }
}

#[test]
fn a_label_and_its_value_in_one_cell() {
    let r = record(&[("B10", "预期目标：开展培训4期"), ("B11", "")]);
    let planned = r.goals.and_then(|g| g.planned);
    assert_eq!(planned.as_deref(), Some("开展培训4期"));
}

#[test]
fn an_instructions_sheet_quoting_the_labels_is_not_a_form() {
    let prose = "填表说明：项目名称填写预算批复的项目全称；三级指标按年度绩效目标填写；年度资金总额为全年预算数。";
    let notes = Sheet::new(
        "填表说明".into(),
        vec![(CellRef::new(0, 0), Value::Text(prose.into()))],
        Vec::new(),
    );
    let wb = Workbook {
        path: PathBuf::from("mem.xlsx"),
        format: Format::Xlsx,
        sheets: vec![sheet(&[]), notes],
    };
    let records = import(&wb, None)
        .map(|r| r.len())
        .map_err(|e| e.to_string());
    assert_eq!(records, Ok(1));
}

#[test]
fn an_empty_total_is_not_taken_from_the_weight_column() {
    assert_eq!(record(&[("H15", "")]).total_score, None);
    // With the total beside the weight, it is found.
    assert_eq!(s(record(&[("H15", ""), ("I15", "#88")]).total_score), "88");
}

#[test]
fn header_style_labels_with_values_below() {
    // 项目名称 | 主管部门 | 实施单位 as a header row, the values under it.
    let r = record(&[
        ("A3", "项目名称"),
        ("B3", "主管部门"),
        ("E3", "实施单位"),
        ("A4", "代表活动经费"),
        ("B4", "市人大办"),
        ("E4", ""),
        ("F4", ""),
        ("E4", "市人大机关"),
    ]);
    assert_eq!(r.project.as_deref(), Some("代表活动经费"));
    assert_eq!(r.department.as_deref(), Some("市人大办"));
}

#[test]
fn year_from_the_sheet_name_when_the_form_has_none() {
    let mut grid = sheet(&[("A2", "")]);
    grid.name = "2021年自评表".into();
    let wb = Workbook {
        path: PathBuf::from("mem.xlsx"),
        format: Format::Xlsx,
        sheets: vec![grid],
    };
    let year = import(&wb, None)
        .map(|r| r[0].record.year)
        .map_err(|e| e.to_string());
    assert_eq!(year, Ok(Some(2021)));
}

// Issue 11: the classes of variation seen on real forms (headers and labels
// that combine or decorate the known ones, decoys, funds rows, totals and
// years), and the report of what no field took.

fn unread_of(r: &Record) -> Vec<(String, String)> {
    r.source
        .unread
        .iter()
        .map(|u| (u.cell.clone(), u.text.clone()))
        .collect()
}

#[test]
fn the_standard_grid_leaves_nothing_unread() {
    assert_eq!(unread_of(&record(&[])), Vec::new());
}

#[test]
fn decorated_headers_name_their_column_by_the_key_term_inside() {
    let r = record(&[
        ("E12", "年度指标值（A）"),
        ("F12", "指标实际完成值"),
        ("G12", "指标分值权重"),
        ("H12", "指标得分"),
        ("H5", "预算执行率（B/A×100%）"),
        ("E5", "全年预算数（A）"),
    ]);
    let mut standard = record(&[]);
    standard.source = r.source.clone();
    assert_eq!(r, standard);
    assert_eq!(unread_of(&r), Vec::new());
    assert_eq!(
        r.indicators[0].weight.map(|d| d.to_string()),
        Some("50".into())
    );
    assert_eq!(s(r.funds.rate), "0.9909");
}

#[test]
fn decoy_columns_are_not_taken_and_are_reported() {
    let r = record(&[
        ("J12", "上年完成值"),
        ("J13", "2期"),
        ("J14", "88%"),
        ("K12", "指标值设置依据"),
        ("K13", "历年平均"),
    ]);
    assert_eq!(r.indicators[0].actual.as_deref(), Some("3期"));
    assert_eq!(r.indicators[0].target.as_deref(), Some("≥4期"));
    assert_eq!(
        unread_of(&r),
        [
            ("J13:J14".to_string(), "上年完成值".to_string()),
            ("K13".to_string(), "指标值设置依据".to_string())
        ]
    );
}

#[test]
fn of_two_headers_for_one_column_the_better_match_wins() {
    // 实际完成值 exactly beats 指标实际完成值 (a contained label), wherever
    // it stands; the loser is reported.
    let r = record(&[
        ("F12", "指标实际完成值"),
        ("J12", "实际完成值"),
        ("J13", "4期"),
        ("J14", "95%"),
    ]);
    assert_eq!(r.indicators[0].actual.as_deref(), Some("4期"));
    assert_eq!(
        unread_of(&r),
        [("F13:F14".to_string(), "指标实际完成值".to_string())]
    );
}

#[test]
fn a_header_matching_no_column_is_reported_with_its_values() {
    let r = record(&[("G12", "赋值")]);
    assert_eq!(r.indicators[0].weight, None);
    assert_eq!(unread_of(&r), [("G13:G14".to_string(), "赋值".to_string())]);
    assert_eq!(r.source.unread[0].kind, crate::model::UnreadKind::Header);
}

#[test]
fn funds_rows_subtotals_breakdowns_and_a_total_last() {
    let r = record(&[
        ("B6", "其中：中央财政资金"),
        ("G6", ""),
        ("H6", ""),
        ("I6", ""),
        ("B7", "财政资金小计"),
        ("B8", "其他资金（包括以前年度结转资金）"),
        ("B9", "合计"),
        ("D9", "#70"),
        ("E9", "#77"),
        ("F9", "#76.3"),
        ("G9", "#10"),
        ("H9", "#0.9909"),
        ("I9", "#9.91"),
    ]);
    assert_eq!(s(r.funds.total.budget), "77");
    assert_eq!(s(r.funds.fiscal.budget), "67");
    assert_eq!(s(r.funds.other.budget), "10");
    assert_eq!(s(r.funds.score), "9.91");
    // The share by level is no line of the model: reported, not dropped.
    assert_eq!(
        unread_of(&r),
        [("D6:F6".to_string(), "其中：中央财政资金".to_string())]
    );
}

#[test]
fn breakdown_rows_under_a_sub_heading_inside_the_block_are_reported() {
    // `按支出性质分：` holds no amount, but the block's label (A5:A9) still
    // covers the rows under it: their amounts are not dropped silently.
    let r = record(&[
        ("B7", "按支出性质分："),
        ("D7", ""),
        ("E7", ""),
        ("F7", ""),
        ("B8", "其中：基本支出"),
        ("D8", "#50"),
        ("E8", "#57"),
        ("F8", "#56.3"),
        ("B9", "项目支出"),
        ("D9", "#20"),
        ("E9", "#20"),
        ("F9", "#20"),
    ]);
    assert_eq!(s(r.funds.total.budget), "77");
    assert_eq!(
        unread_of(&r),
        [
            ("D8:F8".to_string(), "其中：基本支出".to_string()),
            ("D9:F9".to_string(), "项目支出".to_string())
        ]
    );
}

#[test]
fn a_label_with_a_short_qualifier_in_front() {
    let r = record(&[("A3", "本级项目名称"), ("A4", "市县级主管部门")]);
    assert_eq!(r.project.as_deref(), Some("代表活动经费"));
    assert_eq!(r.department.as_deref(), Some("市人大办"));
}

#[test]
fn a_total_row_labelled_right_of_the_first_column() {
    let r = record(&[
        ("A15", ""),
        ("G15", ""),
        ("H15", ""),
        ("A16", "其他需要说明事项"),
        ("B16", "无"),
        ("F16", "总分"),
        ("G16", "#100"),
        ("H16", "#87.41"),
        ("I16", "优"),
    ]);
    assert_eq!(r.indicators.len(), 2);
    assert_eq!(s(r.total_score), "87.41");
}

/// The standard grid's 总分 row emptied, and `cells` below it.
fn without_total_row<'a>(cells: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    [("A15", ""), ("G15", ""), ("H15", "")]
        .into_iter()
        .chain(cells.iter().copied())
        .collect()
}

#[test]
fn a_total_row_shifted_left_puts_its_score_under_the_weight_column() {
    // `总分 | 100 | 87.41` one column left of 分值/得分 (a decoy column
    // before 分值 on the real form): the points come before the score, even
    // when the score lands under 分值.
    let r = record(&without_total_row(&[
        ("D16", "总分"),
        ("F16", "#100"),
        ("G16", "#87.41"),
    ]));
    assert_eq!(r.indicators.len(), 2);
    assert_eq!(s(r.total_score), "87.41");
}

#[test]
fn a_paragraph_merged_over_every_value_column_is_no_indicator() {
    // 云南 department form: `四、部门自评结论 | 本部门年度目标全面完成…` under
    // the table, which has no 总分 row.
    let conclusion = without_total_row(&[
        ("B16", "四、部门自评结论"),
        ("D16", "本部门年度目标全面完成，绩效指标达到预期。"),
    ]);
    let r = import_sheet(sheet_merged(&conclusion, &["B16:C16", "D16:I16"])).unwrap();
    assert_eq!(r.indicators.len(), 2, "{:?}", r.indicators);
    assert_eq!(r.total_score, None);
    // A name merged over its target only still has values: an indicator.
    let named = without_total_row(&[
        ("D16", "培训人次"),
        ("F16", "120人次"),
        ("G16", "#10"),
        ("H16", "#10"),
    ]);
    let r = import_sheet(sheet_merged(&named, &["D16:E16"])).unwrap();
    assert_eq!(r.indicators.len(), 3);
    assert_eq!(r.indicators[2].actual.as_deref(), Some("120人次"));
}

#[test]
fn a_total_in_a_header_cell_beside_other_text() {
    let r = record(&[
        ("A15", ""),
        ("G15", ""),
        ("H15", ""),
        ("J1", "填报日期：2022年3月18日\u{3000}总分：95分"),
    ]);
    assert_eq!(s(r.total_score), "95");
    assert_eq!(r.year, Some(2021));
}

#[test]
fn the_year_is_never_a_filing_date_nor_the_end_of_a_range() {
    let r = record(&[("A2", "填报日期：2022年3月18日")]);
    assert_eq!(r.year, None);
    let r = record(&[("A1", "2019-2020年农村饮水项目支出绩效自评表"), ("A2", "")]);
    assert_eq!(r.year, None);
    let r = record(&[("A1", "2021年度项目支出绩效自评表"), ("A2", "")]);
    assert_eq!(r.year, Some(2021));
    let r = record(&[("A2", "年度：2020")]);
    assert_eq!(r.year, Some(2020));
}

#[test]
fn goals_labelled_as_overall_goal_and_its_completion() {
    let r = record(&[("B10", "总体目标"), ("E10", "总体目标完成情况")]);
    let goals = r.goals.unwrap_or_default();
    assert_eq!(goals.planned.as_deref(), Some("计划目标"));
    assert_eq!(goals.achieved.as_deref(), Some("完成情况"));
}

#[test]
fn numbered_goal_lines_over_several_cells_are_joined() {
    let r = record(&[
        ("B10", ""),
        ("B11", ""),
        ("J5", "预期目标"),
        ("J6", "1.培训4期"),
        ("J7", "2.满意度达90%"),
        ("J8", "（3）不发生安全事故"),
    ]);
    let planned = r.goals.and_then(|g| g.planned);
    assert_eq!(
        planned.as_deref(),
        Some("1.培训4期\n2.满意度达90%\n（3）不发生安全事故")
    );
}

// Held-out QA (issue 11): goals written as label | text on one row, as two
// labelled rows, or under 年初目标 / 年度绩效目标 sub-labels; a block title
// over sub-labels the mapping does not know; a table with money headers
// above the funds block.

fn goals_of(r: &Record) -> (Option<String>, Option<String>) {
    let g = r.goals.clone().unwrap_or_default();
    (g.planned, g.achieved)
}

/// The standard grid with its goals block (rows 10–11) emptied.
const NO_GOALS: &[(&str, &str)] = &[
    ("A10", ""),
    ("B10", ""),
    ("E10", ""),
    ("B11", ""),
    ("E11", ""),
];

fn goals_elsewhere(cells: &[(&str, &str)]) -> Record {
    let replace: Vec<(&str, &str)> = NO_GOALS.iter().chain(cells).copied().collect();
    record(&replace)
}

#[test]
fn goals_as_label_text_label_text_on_one_row() {
    let r = goals_elsewhere(&[
        ("A17", "年度总体目标"),
        ("B17", "计划目标"),
        ("E17", "年度目标完成情况"),
        ("F17", "完成情况"),
    ]);
    let planned_achieved = (Some("计划目标".into()), Some("完成情况".into()));
    assert_eq!(goals_of(&r), planned_achieved);
    assert_eq!(unread_of(&r), Vec::new());
}

#[test]
fn goals_as_two_labelled_rows() {
    let r = goals_elsewhere(&[
        ("A17", "年度绩效目标"),
        ("B17", "计划目标"),
        ("A18", "年度目标完成情况"),
        ("B18", "完成情况"),
    ]);
    assert_eq!(
        goals_of(&r),
        (Some("计划目标".into()), Some("完成情况".into()))
    );
}

#[test]
fn goals_headed_by_sub_labels_over_the_text() {
    let r = record(&[("B10", "年初目标"), ("E10", "全年实际完成情况")]);
    assert_eq!(
        goals_of(&r),
        (Some("计划目标".into()), Some("完成情况".into()))
    );
    // The transfer form's 年度绩效目标 / 年度目标完成情况 columns.
    let wb = Workbook {
        path: PathBuf::from("mem.xlsx"),
        format: Format::Xlsx,
        sheets: vec![sheet(&[
            ("A1", "转移支付（项目）绩效目标自评表"),
            ("B10", "年度绩效目标"),
            ("E10", "年度目标完成情况"),
        ])],
    };
    let transfer = Mapping::builtin("transfer-2021").map_err(|e| e.to_string());
    let goals = transfer.map(|m| {
        import(&wb, Some(m))
            .map(|r| goals_of(&r[0].record))
            .map_err(|e| e.to_string())
    });
    let expected = (Some("计划目标".to_string()), Some("完成情况".to_string()));
    assert_eq!(goals, Ok(Ok(expected)));
}

#[test]
fn goals_under_unknown_sub_labels_are_reported_not_guessed() {
    // 年度总体目标 is merged over the block's two rows: the cell right of it
    // is a sub-label, never the goal; what no goal took is reported.
    let r = record(&[
        ("B10", "目标内容"),
        ("E10", "完成情况说明"),
        ("B11", "培训4期，满意度达90%。"),
        ("E11", "培训3期，满意度92%。"),
    ]);
    assert_eq!(goals_of(&r), (None, None));
    let unread = unread_of(&r);
    // The texts are reported; the unknown sub-labels are not.
    assert_eq!(unread.len(), 2, "{unread:?}");
    for cell in ["B11", "E11"] {
        assert!(unread.iter().any(|(c, _)| c == cell), "{cell}: {unread:?}");
    }
    // Numbered lines joined into a goal are taken, not reported.
    let r = record(&[("B11", "1.培训4期"), ("B12", "2.满意度达90%")]);
    assert_eq!(unread_of(&r), Vec::new());
}

#[test]
fn funds_figures_left_of_the_first_column_read_are_reported() {
    // 历年结余结转 names no funds column: its amounts are not lost silently.
    let r = record(&[("D5", "历年结余结转")]);
    assert_eq!(r.funds.total.initial, None);
    assert_eq!(s(r.funds.total.budget), "77");
    assert_eq!(
        unread_of(&r),
        [
            ("D6".to_string(), "年度资金总额".to_string()),
            ("D7".to_string(), "其中：当年财政拨款".to_string()),
            ("D8".to_string(), "上年结转资金".to_string()),
        ]
    );
}

/// A department form with a 年度主要任务 table (预算数 / 执行数 per task)
/// above its funds block.
const TASKS_ABOVE_FUNDS: &[(&str, &str)] = &[
    ("A1", "部门整体支出绩效自评表"),
    ("A2", "（2022年度）"),
    ("A3", "部门名称"),
    ("B3", "某区应急管理局"),
    ("A4", "年度主要任务"),
    ("B4", "任务名称"),
    ("D4", "主要内容"),
    ("G4", "预算数（万元）"),
    ("H4", "执行数（万元）"),
    ("B5", "安全生产监管执法"),
    ("D5", "开展执法检查"),
    ("G5", "#86.5"),
    ("H5", "#84.2"),
    ("A6", "年度预算执行情况（万元）"),
    ("D6", "年初预算数"),
    ("E6", "全年预算数"),
    ("F6", "全年执行数"),
    ("G6", "分值"),
    ("H6", "执行率"),
    ("I6", "得分"),
    ("B7", "年度资金总额"),
    ("D7", "#100"),
    ("E7", "#120"),
    ("F7", "#110"),
    ("G7", "#10"),
    ("H7", "#0.9167"),
    ("I7", "#9.17"),
    ("A8", "绩效指标"),
    ("B8", "一级指标"),
    ("C8", "二级指标"),
    ("D8", "三级指标"),
    ("E8", "年度指标值"),
    ("F8", "实际完成值"),
    ("G8", "分值"),
    ("H8", "得分"),
    ("B9", "产出指标"),
    ("C9", "数量指标"),
    ("D9", "执法检查次数"),
    ("E9", "≥240次"),
    ("F9", "265次"),
    ("G9", "#90"),
    ("H9", "#90"),
    ("A10", "总分"),
    ("G10", "#100"),
    ("H10", "#99.17"),
];

#[test]
fn the_funds_columns_come_from_the_funds_block_own_header() {
    let cells = TASKS_ABOVE_FUNDS
        .iter()
        .map(|&(at, text)| {
            let value = match text.strip_prefix('#') {
                Some(n) => Value::Number(n.to_string()),
                None => Value::Text(text.to_string()),
            };
            (at.parse().unwrap_or(CellRef::new(0, 0)), value)
        })
        .collect();
    let merges = [
        "A1:I1", "A2:I2", "B3:I3", "A4:A5", "B4:C4", "B5:C5", "B7:C7",
    ]
    .iter()
    .filter_map(|m| m.parse::<Area>().ok())
    .collect();
    let r = match import_sheet(Sheet::new("自评表".into(), cells, merges)) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(s(r.funds.total.initial), "100");
    assert_eq!(s(r.funds.total.budget), "120");
    assert_eq!(s(r.funds.total.spent), "110");
    assert_eq!(s(r.funds.weight), "10");
    assert_eq!(s(r.funds.score), "9.17");
    // The tasks' amounts are no line of the model: reported, not dropped.
    assert_eq!(
        unread_of(&r),
        [("G5:H5".to_string(), "安全生产监管执法".to_string())]
    );
}

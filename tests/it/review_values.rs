//! Every value string of domain.md §5 (62 real rows) through the value
//! parser: kind, comparator, number and unit.

use jixiao::review::value::{parse, Role};
use jixiao::review::{Achievement, ParsedValue};

use Role::{Actual as A, Target as T};

/// The expected reading in a compact form:
/// `q <cmp|-> <number> <unit|->`, `qual <达成|部分达成|未达成|->`, `deadline`,
/// `range <low> <high> <unit|->`, `na`, `empty`, `placeholder`, `unknown`.
fn describe(p: &ParsedValue) -> String {
    match p {
        ParsedValue::Quantitative(q) => format!(
            "q {} {} {}",
            q.comparator.map(|c| c.symbol()).unwrap_or("-"),
            q.number.normalize(),
            q.unit.as_deref().unwrap_or("-")
        ),
        ParsedValue::Qualitative { grade } => format!(
            "qual {}",
            match grade {
                Some(Achievement::Achieved) => "达成",
                Some(Achievement::Partial) => "部分达成",
                Some(Achievement::NotAchieved) => "未达成",
                None => "-",
            }
        ),
        ParsedValue::Deadline => "deadline".into(),
        ParsedValue::Range { low, high, unit } => {
            format!(
                "range {} {} {}",
                low.normalize(),
                high.normalize(),
                unit.as_deref().unwrap_or("-")
            )
        }
        ParsedValue::NotApplicable => "na".into(),
        ParsedValue::Empty => "empty".into(),
        ParsedValue::Placeholder => "placeholder".into(),
        ParsedValue::Unknown => "unknown".into(),
    }
}

/// (§5 row, text, role, expected)
const CASES: &[(u32, &str, Role, &str)] = &[
    (1, "≥50个", T, "q ≥ 50 个"),
    (1, "50", A, "q - 50 -"),
    (2, "≥100百分比", T, "q ≥ 100 %"),
    (2, "100", A, "q - 100 -"),
    (3, "严格执行相关制度规定", T, "qual -"),
    (3, "达成预期指标", A, "qual 达成"),
    (4, "在项目计划完成时间内完成", T, "qual -"),
    (5, "≤90万元", T, "q ≤ 90 万元"),
    (5, "90", A, "q - 90 -"),
    (6, "符合相关规定", T, "qual -"),
    (7, "效果明显", T, "qual 达成"),
    (8, "", T, "empty"),
    (8, "", A, "empty"),
    (9, "1", T, "q - 1 -"),
    (10, "", T, "empty"),
    (11, "", T, "empty"),
    (12, "/", T, "na"),
    (12, "/", A, "na"),
    (13, "90%", T, "q - 90 %"),
    (13, "100%", A, "q - 100 %"),
    (14, "43.2", T, "q - 43.2 -"),
    (14, "37.24", A, "q - 37.24 -"),
    (15, "100", T, "q - 100 -"),
    (16, "=100%", T, "q = 100 %"),
    (17, "=100%", T, "q = 100 %"),
    (18, "=100%", T, "q = 100 %"),
    (19, "≤10次", T, "q ≤ 10 次"),
    (20, "=100%", T, "q = 100 %"),
    (21, "≤5%", T, "q ≤ 5 %"),
    (22, "≤30万元", T, "q ≤ 30 万元"),
    (22, "完成", A, "qual 达成"),
    (23, "=100", T, "q = 100 -"),
    (24, "≥266米", T, "q ≥ 266 米"),
    (24, "≥266米", A, "q ≥ 266 米"),
    (25, "≥50厘米", T, "q ≥ 50 厘米"),
    (26, "100%", T, "q - 100 %"),
    (27, "≥90%", T, "q ≥ 90 %"),
    (28, "20万元", T, "q - 20 万元"),
    (29, "≥1000人", T, "q ≥ 1000 人"),
    (30, "显著提升", T, "qual 达成"),
    (30, "显著提升", A, "qual 达成"),
    (31, "≥95%", T, "q ≥ 95 %"),
    (32, "100%", T, "q - 100 %"),
    (33, "98%", T, "q - 98 %"),
    (35, "6", T, "q - 6 -"),
    (36, "100%", T, "q - 100 %"),
    (37, "12月底之前完成", T, "deadline"),
    (38, "90%", T, "q - 90 %"),
    (38, "290%", A, "q - 290 %"),
    (39, "至少全年完成2次宣传", T, "q ≥ 2 次"),
    (39, "已完成100%", A, "qual 达成"),
    (40, "按质按量完成", T, "qual -"),
    (41, "1-12月", T, "deadline"),
    (42, "10万元", T, "q - 10 万元"),
    (43, "不断提升", T, "qual -"),
    (44, "90%", T, "q - 90 %"),
    (45, "2020年全年。", T, "deadline"),
    (45, "2020年全年。", A, "deadline"),
    (46, "15万元。", T, "q - 15 万元"),
    (46, "按合同10.5万元。", A, "q - 10.5 万元"),
    (47, "辖区企业满意率达95%以上。", T, "q ≥ 95 %"),
    (48, "100%", T, "q - 100 %"),
    (48, "92%", A, "q - 92 %"),
    (49, "70%", T, "q - 70 %"),
    (49, "76%", A, "q - 76 %"),
    (50, "3%", T, "q - 3 %"),
    (50, "2%", T, "q - 2 %"),
    (50, "0", A, "q - 0 -"),
    (51, "100%", T, "q - 100 %"),
    (51, "72.74%", A, "q - 72.74 %"),
    (52, "高", T, "qual 达成"),
    (52, "好", A, "qual 达成"),
    (53, "26次", T, "q - 26 次"),
    (53, "12次", A, "q - 12 次"),
    (54, "2200篇", T, "q - 2200 篇"),
    (54, "2859篇", A, "q - 2859 篇"),
    (55, "群众满意率90%以上得10分…", T, "q ≥ 90 %"),
    (55, "98%", A, "q - 98 %"),
    (56, "±10%", T, "range -10 10 %"),
    (56, "达标", A, "qual 达成"),
    (57, "≤99%", T, "q ≤ 99 %"),
    (58, "超13万元/年", T, "q > 13 万元/年"),
    (59, "100%", T, "q - 100 %"),
    (60, "100%（1.0）", T, "q - 100 %"),
    (61, "=902000元", T, "q = 902000 元"),
    (62, "**元/人·月", T, "placeholder"),
];

#[test]
fn every_value_string_of_domain_section_5() {
    let mut failures = Vec::new();
    for (row, text, role, expected) in CASES {
        let got = describe(&parse(text, *role));
        if got != *expected {
            failures.push(format!(
                "#{row} {text:?} ({role:?}): expected {expected}, got {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn extra_spellings_from_the_issue() {
    for (text, role, expected) in [
        ("≧95%", T, "q ≥ 95 %"),
        ("≦3次", T, "q ≤ 3 次"),
        ("＞５次", T, "q > 5 次"),
        ("＜1％", T, "q < 1 %"),
        ("＝100％", T, "q = 100 %"),
        ("不低于90%", T, "q ≥ 90 %"),
        ("不少于12 种", T, "q ≥ 12 种"),
        ("不超过5个工作日", T, "q ≤ 5 个工作日"),
        ("不高于3%", T, "q ≤ 3 %"),
        ("10天以内", T, "q ≤ 10 天"),
        ("达95%以上", T, "q ≥ 95 %"),
        ("1,200户", T, "q - 1200 户"),
        ("1.5万人次", T, "q - 15000 人次"),
        ("800元/人·月", T, "q - 800 元/人·月"),
        ("≥5台", T, "q ≥ 5 台"),
        ("3套", T, "q - 3 套"),
        ("4期", A, "q - 4 期"),
        ("≥95百分比", T, "q ≥ 95 %"),
        ("2021年12月31日前", T, "deadline"),
        ("全年", T, "deadline"),
        ("45%-60%", T, "range 45 60 %"),
        ("—", A, "na"),
        ("-", A, "na"),
        ("无", A, "na"),
        ("部分达成年度指标并具有一定效果", A, "qual 部分达成"),
        ("未达成年度指标且效果较差", A, "qual 未达成"),
        ("已完成", A, "qual 达成"),
        ("无上访", A, "unknown"),
        ("指标2：", T, "placeholder"),
        ("≥**人次", T, "placeholder"),
        ("≥3000㎡", T, "q ≥ 3000 m2"),
        ("≥1次/年", T, "q ≥ 1 次/年"),
        ("0起", A, "q - 0 起"),
        ("100辆次", A, "q - 100 辆次"),
        ("2021年12月底前", T, "deadline"),
        ("2021年底前完成", T, "deadline"),
        ("≥98%以上", T, "q ≥ 98 %"),
        ("≤5个工作日", T, "q ≤ 5 个工作日"),
    ] {
        assert_eq!(describe(&parse(text, role)), expected, "{text:?}");
    }
}

#[test]
fn same_input_same_digits() {
    let a = serde_json::to_string(&parse("≥1,234.5600万元", T)).unwrap();
    let b = serde_json::to_string(&parse("≥1,234.5600万元", T)).unwrap();
    assert_eq!(a, b);
    assert!(a.contains(r#""number":"1234.5600""#), "{a}");
}

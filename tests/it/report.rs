//! The drafted 绩效自评报告: the published structure, figures from the
//! record, deviations per indicator, problems from the findings.

use assert_cmd::Command;
use jixiao::model::{Location, Record};
use jixiao::review::{Finding, Grade, IndicatorReview, Method, Review, Severity};
use jixiao::write::report::render;
use rust_decimal::Decimal;

use crate::convert_support::{all_records, fixture_dir, read_records, record};
use proptest::prelude::*;

const SECTIONS: [&str; 5] = [
    "## 一、项目基本情况",
    "## 二、资金情况",
    "## 三、绩效目标完成情况",
    "## 四、存在问题",
    "## 五、建议",
];

fn fixture(name: &str) -> Record {
    read_records(&fixture_dir().join(name)).remove(0)
}

fn finding(
    rule: &'static str,
    severity: Severity,
    message: &str,
    indicator: Option<usize>,
    cell: &str,
) -> Finding {
    Finding {
        rule,
        severity,
        message: message.into(),
        indicator,
        cells: vec![Location {
            sheet: Some("自评表".into()),
            cell: cell.parse().unwrap(),
        }],
    }
}

fn section<'a>(report: &'a str, heading: &str) -> &'a str {
    let start = report
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading} in\n{report}"));
    let rest = &report[start + heading.len()..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

fn assert_sections_in_order(report: &str) {
    let positions: Vec<usize> = SECTIONS
        .iter()
        .map(|s| report.find(s).unwrap_or(usize::MAX))
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "sections out of order: {positions:?}\n{report}"
    );
}

#[test]
fn figures_come_from_the_record() {
    let report = render(&fixture("groups.json"), None);
    assert_sections_in_order(&report);
    assert!(report.starts_with("# 2023年度项目支出绩效自评报告（乡村道路养护补助资金）"));
    let funds = section(&report, SECTIONS[1]);
    for figure in [
        "全年预算数1,350.12万元",
        "全年执行数1,288.00万元",
        "预算执行率95.4%",
        "得分9.54分",
        "| 上年结转资金 | 200.50 | 200.00 | 188.00 |",
    ] {
        assert!(funds.contains(figure), "funds lack {figure}:\n{funds}");
    }
    assert!(section(&report, SECTIONS[0]).contains("县交通运输局所属县公路事业发展中心"));
    assert!(section(&report, SECTIONS[2]).contains("项目自评得分97.79分"));
    assert!(section(&report, SECTIONS[3]).contains("未附复核结果"));
}

#[test]
fn unmet_and_over_achieved_indicators_are_listed_with_reasons() {
    let record = fixture("groups.json");
    let mut review = Review {
        findings: vec![finding(
            "P6",
            Severity::Warning,
            "实际完成值远超年度指标值",
            Some(1),
            "F14",
        )],
        ..Review::default()
    };
    // 路况优良率 reports full marks, but the review recomputes it lower;
    // 群众出行条件 is marked down although the review finds it met.
    review.indicators = vec![IndicatorReview::default(); record.indicators.len()];
    review.indicators[2].recomputed_score = Some(Decimal::new(95, 1));
    review.indicators[4].recomputed_score = Some(Decimal::new(15, 0));
    let report = render(&record, Some(&review));
    let performance = section(&report, SECTIONS[2]);
    let (unmet, over) = performance.split_at(performance.find("超额完成").unwrap());
    for name in ["“养护里程”", "“路况优良率”", "偏差原因：部分路段因汛期延后"]
    {
        assert!(unmet.contains(name), "unmet lacks {name}:\n{unmet}");
    }
    assert!(!unmet.contains("“桥梁检测座数”") && !unmet.contains("“群众出行条件”"));
    assert!(
        over.contains("“桥梁检测座数”") && !over.contains("“养护里程”"),
        "{over}"
    );
    assert!(performance.contains("绩效指标共7项，其中5项得满分"));
}

#[test]
fn problems_and_advice_follow_the_findings() {
    let review = Review {
        total_recomputed: Some(Decimal::new(8812, 2)),
        grade_reported: Some(Grade::Excellent),
        grade_recomputed: Some(Grade::Good),
        findings: vec![
            finding(
                "Q3",
                Severity::Warning,
                "年度指标值“≥6”缺少计量单位",
                Some(1),
                "E14",
            ),
            finding(
                "F1",
                Severity::Error,
                "年度资金总额不等于各资金来源之和",
                None,
                "C6",
            ),
        ],
        ..Review::default()
    };
    let report = render(&fixture("groups.json"), Some(&review));
    assert!(report.contains("自评等级为“优”") && report.contains("得分88.12分，等级为“良”"));
    let problems = section(&report, SECTIONS[3]);
    let error = problems.find("1. 年度资金总额不等于各资金来源之和（单元格 自评表!C6）");
    let warning = problems.find("2. 年度指标值“≥6”缺少计量单位（单元格 自评表!E14）");
    assert!(
        error.is_some() && warning.is_some(),
        "errors first, with cells:\n{problems}"
    );
    let advice = section(&report, SECTIONS[4]);
    assert!(
        advice.contains("预算执行管理") && advice.contains("量化程度"),
        "{advice}"
    );
    assert!(
        !advice.contains("权重设置"),
        "no W finding, no weight advice:\n{advice}"
    );
}

#[test]
fn every_record_gives_a_complete_report() {
    for (name, record) in all_records() {
        let report = render(&record, Some(&Review::default()));
        assert_sections_in_order(&report);
        assert!(
            !report.contains('{'),
            "{name}: unfilled placeholder\n{report}"
        );
        let rows = report.lines().filter(|l| l.starts_with("| ")).count();
        // Header, separator and rows: 4 funds rows, one row per indicator.
        let tables = if record.indicators.is_empty() {
            6
        } else {
            8 + record.indicators.len()
        };
        assert_eq!(rows, tables, "{name}: funds and indicator tables");
    }
}

#[test]
fn cli_writes_the_report_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("报告.md");
    Command::cargo_bin("jixiao")
        .unwrap()
        .arg("report")
        .arg(fixture_dir().join("sparse.json"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    let marker = format!("{}\n", jixiao::write::atomic::MARKDOWN_MARKER);
    let text = text.strip_prefix(&marker).expect("marked as jixiao's");
    assert!(
        text.starts_with("# （未填报）年度项目支出绩效自评报告（未填年度的项目）"),
        "{text}"
    );
    assert!(text.contains("自评表未填报年度总体目标"));
    let input = fixture_dir().join("sparse.json");
    Command::cargo_bin("jixiao")
        .unwrap()
        .arg("report")
        .arg(&input)
        .arg("-o")
        .arg(&input)
        .assert()
        .code(2);
    assert!(std::fs::read_to_string(&input)
        .unwrap()
        .contains("\"schema\""));
}

#[test]
fn a_target_far_exceeded_counts_even_with_a_reason_given() {
    let record = fixture("groups.json");
    let mut review = Review {
        indicators: vec![IndicatorReview::default(); record.indicators.len()],
        ..Review::default()
    };
    // 养护里程 (with a 偏差原因, so no P6) at 150% of a positive target;
    // 每公里养护成本 at 150% of a reverse (≤) target is overspending, not over-achieving.
    for i in [0, 3] {
        review.indicators[i].ratio = Some(Decimal::new(15, 1));
    }
    review.indicators[0].method = Method::Positive;
    review.indicators[3].method = Method::Reverse;
    let report = render(&record, Some(&review));
    let over = &report[report.find("超额完成").unwrap()..report.find(SECTIONS[3]).unwrap()];
    assert!(
        over.contains("“养护里程”") && over.contains("偏差原因：部分路段因汛期延后"),
        "{over}"
    );
    assert!(!over.contains("“每公里养护成本”"), "{over}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any record gives the five sections, every placeholder filled, and
    /// every indicator in the table on one line, its pipes escaped.
    #[test]
    fn any_record_gives_a_complete_report(record in record()) {
        let report = render(&record, None);
        assert_sections_in_order(&report);
        // Generated texts hold no braces: any left is an unfilled placeholder.
        let unfilled = report.contains('{');
        prop_assert!(!unfilled, "unfilled placeholder:\n{}", report);
        for ind in &record.indicators {
            let name = ind.name.as_deref().unwrap_or_default();
            let cell = name.replace('|', "\\|").replace('\n', " ");
            prop_assert!(report.lines().any(|l| l.starts_with("| ") && l.contains(&cell)), "{} missing", name);
        }
    }
}

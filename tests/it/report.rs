//! The drafted 绩效自评报告: the published structure, figures from the
//! record, deviations per indicator, problems in the department's voice,
//! placeholders for what the form cannot tell; and the Word files.

use assert_cmd::Command;
use jixiao::model::{Kind, Location, Record};
use jixiao::review::{Finding, Grade, IndicatorReview, Method, Review, Severity};
use jixiao::write::report::render;
use rust_decimal::Decimal;

use crate::convert_support::{all_records, fixture_dir, read_records, record};
use proptest::prelude::*;

const SECTIONS: [&str; 5] = [
    "## 一、项目基本情况",
    "## 二、绩效评价工作情况",
    "## 三、绩效评价指标分析",
    "## 四、评价结论",
    "## 五、主要经验及做法、存在的问题和建议",
];

/// The 部门整体 report's sections.
const DEPARTMENT_SECTIONS: [&str; 5] = [
    "## 一、部门基本情况",
    "## 二、绩效评价工作情况",
    "## 三、部门整体支出绩效情况分析",
    "## 四、评价结论",
    "## 五、存在的问题及改进措施",
];

fn sections(kind: Kind) -> [&'static str; 5] {
    match kind {
        Kind::Department => DEPARTMENT_SECTIONS,
        _ => SECTIONS,
    }
}

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
    assert_in_order(report, &SECTIONS);
}

fn assert_in_order(report: &str, sections: &[&str]) {
    let positions: Vec<usize> = sections
        .iter()
        .map(|s| report.find(s).unwrap_or(usize::MAX))
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]) && positions[4] < usize::MAX,
        "sections out of order: {positions:?}\n{report}"
    );
}

#[test]
fn figures_come_from_the_record() {
    let report = render(&fixture("groups.json"), None);
    assert_sections_in_order(&report);
    assert!(report.starts_with("# 2023年度项目支出绩效自评报告（乡村道路养护补助资金）"));
    let basic = section(&report, SECTIONS[0]);
    for figure in [
        "县交通运输局所属县公路事业发展中心",
        // Money to 2 places: the record's 1350.123456 and 188.0001.
        "全年预算数1,350.12万元",
        "| 上年结转资金 | 200.50 | 200.00 | 188.00 |",
    ] {
        assert!(basic.contains(figure), "basic lacks {figure}:\n{basic}");
    }
    let analysis = section(&report, SECTIONS[2]);
    for figure in ["全年执行数1,288.00万元", "预算执行率95.4%", "得分9.54分"] {
        assert!(
            analysis.contains(figure),
            "analysis lacks {figure}:\n{analysis}"
        );
    }
    assert!(section(&report, SECTIONS[3]).contains("自评得分97.79分"));
    // What the form cannot tell is asked for, not invented.
    assert!(section(&report, SECTIONS[1]).contains("【请填写："));
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
    let unmet: Vec<&str> = performance
        .lines()
        .filter(|l| l.contains("未完全达到年度目标"))
        .collect();
    let over: Vec<&str> = performance
        .lines()
        .filter(|l| l.contains("超出目标较多"))
        .collect();
    for name in ["“养护里程”", "“路况优良率”"] {
        assert!(
            unmet.iter().any(|l| l.contains(name)),
            "unmet lacks {name}:\n{performance}"
        );
    }
    assert!(performance.contains("偏差原因：部分路段因汛期延后"));
    let listed = |lines: &[&str], name: &str| lines.iter().any(|l| l.contains(name));
    assert!(!listed(&unmet, "“桥梁检测座数”") && !listed(&unmet, "“群众出行条件”"));
    assert!(
        listed(&over, "“桥梁检测座数”") && !listed(&over, "“养护里程”"),
        "{performance}"
    );
    // The department's own reason is restated among its problems.
    let problems = section(&report, SECTIONS[4]);
    assert!(
        problems.contains("“养护里程”未达到年度指标值。部分路段因汛期延后"),
        "{problems}"
    );
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
    assert!(report.contains("自评等级为“优”") && report.contains("得分为88.12分，等级为“良”"));
    let lessons = section(&report, SECTIONS[4]);
    let problems = &lessons[..lessons.find("（三）").unwrap()];
    // In the department's voice, errors first, and without the reviewer's
    // wording or cells.
    let error = problems.find("年度资金总额与其中各项资金合计不一致");
    let warning = problems.find("部分指标值缺少度量单位");
    assert!(
        matches!((error, warning), (Some(e), Some(w)) if e < w),
        "errors first:\n{problems}"
    );
    assert!(!report.contains("C6") && !report.contains("E14") && !report.contains("单元格"));
    assert!(!report.contains("年度资金总额不等于各资金来源之和"));
    let advice = &lessons[lessons.find("（三）").unwrap()..];
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
        assert_in_order(&report, &sections(record.kind));
        assert!(
            !report.contains('{'),
            "{name}: unfilled placeholder\n{report}"
        );
        for ind in &record.indicators {
            let cell = ind.name.as_deref().unwrap_or("（未填报）");
            assert!(
                report
                    .lines()
                    .any(|l| l.starts_with("| ") && l.contains(cell)),
                "{name}: {cell} not in a table"
            );
        }
    }
}

#[test]
fn an_unfilled_form_gets_placeholders_not_claims() {
    let record = Record::new(Kind::Project, Default::default());
    let report = render(&record, Some(&Review::default()));
    assert_sections_in_order(&report);
    assert!(
        !report.contains("均已达到") && !report.contains("均得满分"),
        "{report}"
    );
    for section in SECTIONS {
        let body = report.split(section).nth(1).unwrap();
        let body = &body[..body.find("\n## ").unwrap_or(body.len())];
        assert!(
            body.contains("【请填写："),
            "{section} has no placeholder:\n{body}"
        );
    }
}

#[test]
fn a_department_record_gets_the_department_structure() {
    let mut record = fixture("groups.json");
    record.kind = Kind::Department;
    record.project = None;
    let report = render(&record, None);
    assert!(report.starts_with("# 2023年度部门整体支出绩效自评报告（县交通运输局）"));
    assert_in_order(&report, &DEPARTMENT_SECTIONS);
}

#[test]
fn cli_writes_the_report_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("报告.md");
    Command::cargo_bin("jixiao")
        .unwrap()
        .args(["report", "--format", "md"])
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
    assert!(text.contains("【请填写：年度总体绩效目标（自评表未填报）】"));
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
fn a_template_dir_rewords_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let embedded = jixiao::write::report::EMBEDDED_TEMPLATE;
    let edited = embedded.replace("## 二、绩效评价工作情况", "## 二、自评工作开展情况");
    std::fs::write(dir.path().join("report.toml"), edited).unwrap();
    let out = dir.path().join("out.md");
    Command::cargo_bin("jixiao")
        .unwrap()
        .args(["report", "--format", "md", "--template-dir"])
        .arg(dir.path())
        .arg(fixture_dir().join("groups.json"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("## 二、自评工作开展情况"), "{text}");
    std::fs::write(dir.path().join("report.toml"), "missing = 1").unwrap();
    Command::cargo_bin("jixiao")
        .unwrap()
        .args(["report", "--format", "md", "--template-dir"])
        .arg(dir.path())
        .arg(fixture_dir().join("groups.json"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("report.toml"));
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
    let over: Vec<&str> = report
        .lines()
        .filter(|l| l.contains("超出目标较多"))
        .collect();
    assert!(over.iter().any(|l| l.contains("“养护里程”")), "{report}");
    assert!(
        !over.iter().any(|l| l.contains("“每公里养护成本”")),
        "{report}"
    );
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
            let cell = name.replace('|', "\\|").replace(['\n', '\r'], " ");
            prop_assert!(report.lines().any(|l| l.starts_with("| ") && l.contains(&cell)), "{} missing", name);
        }
    }
}

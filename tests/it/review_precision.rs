//! Review precision (issue 12): one regression test per false or missed
//! finding seen on real forms, each on a record built in code to show it.

use crate::review_support::{clean, row};
use jixiao::model::*;
use jixiao::review::{review, Method, Profile, Review, Severity};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn run(r: Record) -> Review {
    review(
        &Imported {
            record: r,
            provenance: Provenance::default(),
        },
        &Profile::default(),
    )
}

fn with(change: impl FnOnce(&mut Record)) -> Record {
    let mut r = clean();
    change(&mut r);
    r
}

fn ids(v: &Review) -> Vec<&'static str> {
    v.findings.iter().map(|f| f.rule).collect()
}

fn fires(rule: &str, v: &Review) {
    assert!(ids(v).contains(&rule), "{rule} expected: {:#?}", v.findings);
}

fn silent(rule: &str, v: &Review) {
    assert!(
        !ids(v).contains(&rule),
        "{rule} unexpected: {:#?}",
        v.findings
    );
}

fn message<'a>(rule: &str, v: &'a Review) -> &'a str {
    v.findings
        .iter()
        .find(|f| f.rule == rule)
        .map(|f| f.message.as_str())
        .unwrap_or_else(|| panic!("{rule} missing: {:#?}", v.findings))
}

/// Replaces indicator 0 (数量指标, 10 points, full marks) by a row.
fn first(name: &str, target: &str, actual: &str) -> Record {
    with(|r| {
        let w = r.indicators[0].weight.unwrap();
        r.indicators[0] = row("产出指标（50分）", "数量指标", name, target, actual, w);
    })
}

#[test]
fn an_actual_without_unit_takes_the_targets_unit_and_scale() {
    for (name, target, actual) in [
        ("图书外借册次", "≥5万册次", "5.2"),
        ("到馆读者人次", "≥8万人次", "8.6"),
        ("项目总投资", "≥10万元", "12"),
        ("医疗收入", "≥5亿元", "6"),
        ("新建道路", "≥3千米", "3.2"),
        ("图书外借册次", "≥5万册次", "52000"),
    ] {
        let v = run(first(name, target, actual));
        silent("P8", &v);
        silent("Q4", &v);
        let r = &v.indicators[0];
        assert!(
            r.ratio.is_some_and(|x| x >= Decimal::ONE && x < dec!(1.25)),
            "{target} / {actual}: {:?}",
            r.ratio
        );
        assert_eq!(r.recomputed_score, Some(dec!(10)), "{target} / {actual}");
    }
    // A real shortfall in the same scale is still one.
    fires("P8", &run(first("图书外借册次", "≥5万册次", "4.2")));
}

#[test]
fn lower_is_better_from_the_comparator_first_and_the_name_second() {
    for (name, target, actual) in [
        ("财政供养人员控制率", "100%", "92%"),
        ("公用经费控制率", "100%", "97%"),
        ("投诉率", "5%", "3%"),
        ("差错率", "2%", "1%"),
        ("超支率", "0%", "0%"),
        ("安全事故发生次数", "0起", "0起"),
        ("会议费不超过", "10万元", "9万元"),
        ("培训人数", "≤100人", "90人"),
    ] {
        let v = run(first(name, target, actual));
        assert_eq!(v.indicators[0].method, Method::Reverse, "{name}");
        silent("P8", &v);
        silent("Q7", &v);
    }
    // The comparator wins over the name: `≥` on a 控制率 is scored upward.
    let v = run(first("成本控制率", "≥95%", "96%"));
    assert_eq!(v.indicators[0].method, Method::Positive);
    silent("Q7", &v);
    // A bare 控制率 is not lower-is-better: 高血压控制率 should rise.
    let v = run(first("高血压控制率", "60%", "55%"));
    assert_eq!(v.indicators[0].method, Method::Positive);
    fires("P8", &v);
    // A real overrun on a lower-is-better name is a shortfall.
    fires("P8", &run(first("公用经费控制率", "100%", "103%")));
}

#[test]
fn a_unit_in_the_name_or_a_storage_unit_satisfies_q3() {
    for (name, target, actual) in [
        ("公猪舍（≥**平方米）", "1200", "1250"),
        ("项目总投资（万元）", "≥20", "20"),
        ("存储备份器", "25TB", "25TB"),
        ("带宽", "≥100GB", "120GB"),
        ("低保标准", "≥600元/户·月", "620元/户·月"),
        ("服务次数", "≥500户·月", "520户·月"),
        ("培训人次", "≥200人次", "210人次"),
        ("外借册次", "≥800册次", "820册次"),
    ] {
        let v = run(first(name, target, actual));
        silent("Q3", &v);
        silent("Q4", &v);
    }
    fires("Q3", &run(first("公猪舍面积", "1200", "1250")));
}

#[test]
fn level2_labels_without_zhibiao_count_for_c1() {
    let v = run(with(|r| {
        for (ind, bare) in
            r.indicators
                .iter_mut()
                .zip(["数量", "质量", "时效", "成本", "社会效益", "可持续性"])
        {
            ind.level2 = Some(bare.into());
        }
    }));
    silent("C1", &v);
    // `时效` is `时效指标` written short, not a label to report; only the
    // one that is not the standard name at all (可持续性) is noted.
    let c3: Vec<&str> = v
        .findings
        .iter()
        .filter(|f| f.rule == "C3")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        c3,
        ["二级指标“可持续性”不是标准名称，按“可持续影响指标”处理。"]
    );
}

/// The template sent back unfilled: no 完成值, 得分 or 总分.
fn unfilled() -> Record {
    with(|r| {
        for ind in &mut r.indicators {
            ind.actual = None;
            ind.score = None;
        }
        r.funds.score = None;
        r.funds.rate = None;
        r.funds.total.spent = None;
        r.funds.fiscal.spent = None;
        r.total_score = None;
        r.goals.as_mut().unwrap().achieved = None;
    })
}

#[test]
fn a_form_nobody_scored_is_one_finding_without_score_or_grade() {
    let v = run(unfilled());
    assert_eq!(ids(&v), ["C11"], "{:#?}", v.findings);
    assert_eq!(v.findings[0].severity, Severity::Error);
    assert!(v.findings[0]
        .message
        .starts_with("完成值、得分未填写，无法复核"));
    assert!(v.unscored);
    assert_eq!(v.total_recomputed, None);
    assert_eq!(v.grade_recomputed, None);
    assert_eq!(v.grade_reported, None);
    let record = unfilled();
    let report = jixiao::write::report::render(&record, Some(&v));
    assert!(!report.contains("均已达到"), "{report}");
    assert!(report.contains("未能判断"), "{report}");
}

#[test]
fn a_form_with_completion_values_but_no_scores_gets_no_score_and_no_grade() {
    let v = run(with(|r| {
        for ind in &mut r.indicators {
            ind.score = None;
        }
        r.funds.score = None;
        r.total_score = None;
    }));
    assert!(v.unscored);
    silent("C11", &v);
    assert_eq!(v.total_recomputed, None);
    assert_eq!(v.grade_recomputed, None);
}

#[test]
fn scores_over_100_give_no_review_score_and_no_grade() {
    // 110 weights: the indicators make 100 and the funds block 10 more.
    let v = run(with(|r| {
        r.indicators[0].weight = Some(dec!(20));
        r.indicators[0].score = Some(dec!(20));
    }));
    fires("W2", &v);
    assert!(
        message("W2", &v).contains("超过满分100分"),
        "{}",
        message("W2", &v)
    );
    assert_eq!(v.total_recomputed, None);
    assert_eq!(v.grade_recomputed, None);
    silent("P9", &v);
    // A bogus row scoring above its weight, on a row whose score can only
    // be carried as reported.
    let v = run(with(|r| {
        r.indicators[2].actual = Some("见附件".into());
        r.indicators[2].score = Some(dec!(30));
        r.total_score = Some(dec!(120));
    }));
    fires("P1", &v);
    fires("P10", &v);
    assert_eq!(v.total_recomputed, None);
    assert_eq!(v.grade_reported, None);
    assert_eq!(v.grade_recomputed, None);
}

#[test]
fn a_shortfall_at_full_marks_is_one_finding_listing_its_consequences() {
    let v = run(with(|r| {
        r.indicators[1].actual = Some("45%".into());
        r.indicators[3].actual = Some("100万元".into());
    }));
    let p8: Vec<&str> = ids(&v).into_iter().filter(|id| *id == "P8").collect();
    assert_eq!(p8.len(), 2);
    for rule in ["P4", "P7", "P9"] {
        silent(rule, &v);
    }
    let lead = message("P8", &v);
    assert!(lead.contains("应得7.5分"), "{lead}");
    assert!(lead.contains("全部7个指标满分"), "{lead}");
    assert!(lead.contains("等级由“优”变为“良”"), "{lead}");
}

#[test]
fn thresholds_p6_strictly_above_and_p7_at_the_profile_rate() {
    // Exactly 1.2 times the target is not "超过1.2倍".
    silent("P6", &run(first("培训期数", "≥5期", "6期")));
    fires("P6", &run(first("培训期数", "≥5期", "7期")));
}

#[test]
fn a_hubei_form_is_checked_with_the_hubei_profile() {
    let hubei = |mapping: &str| {
        with(|r| {
            r.source.mapping = Some(mapping.into());
            r.funds.weight = Some(dec!(20));
            r.funds.score = Some(dec!(20));
            // 产出 40 (10 + 5 + 10 + 15), 效益 30, 满意度 10.
            r.indicators[1].weight = Some(dec!(5));
            r.indicators[1].score = Some(dec!(5));
            for i in 0..3 {
                r.indicators[i].level1 = Some("产出指标".into());
            }
            r.indicators[3].level1 = Some("产出指标".into());
            for i in 4..6 {
                r.indicators[i].level1 = Some("效益指标".into());
            }
            r.indicators[6].level1 = Some("满意度指标".into());
        })
    };
    let v = run(hubei("hubei-2020"));
    assert_eq!(v.profile, "湖北 2020");
    silent("W1", &v);
    let v = run(hubei("mof-2020"));
    fires("W1", &v);
    // A chosen profile is kept whatever the mapping.
    let chosen = Profile::from_toml("name = \"本局\"").unwrap();
    let r = hubei("hubei-2020");
    let v = review(
        &Imported {
            record: r,
            provenance: Provenance::default(),
        },
        &chosen,
    );
    assert_eq!(v.profile, "本局");
}

#[test]
fn a_department_form_without_its_name_is_an_error() {
    let dept = |name: Option<&str>| {
        with(|r| {
            r.kind = Kind::Department;
            r.project = None;
            r.department = name.map(String::from);
            r.unit = None;
        })
    };
    let v = run(dept(None));
    let c7: Vec<_> = v.findings.iter().filter(|f| f.rule == "C7").collect();
    assert_eq!(c7.len(), 1, "{c7:#?}");
    assert_eq!(c7[0].severity, Severity::Error);
    assert!(c7[0].message.contains("部门名称"));
    silent("C7", &run(dept(Some("区融媒体中心"))));
}

/// A 宁夏-style form: 项目决策 / 项目管理 rows with `—` targets, the
/// 预算执行率 as a 三级 indicator, no 分值 on the funds block.
fn ningxia() -> Record {
    let mut r = clean();
    r.funds.weight = None;
    r.funds.score = None;
    let (d, m) = ("项目决策（10分）", "项目管理（20分）");
    let mut rows = vec![
        row(d, "项目立项", "立项依据充分性", "—", "依据充分", dec!(5)),
        row(d, "绩效目标", "绩效目标合理性", "—", "目标明确", dec!(5)),
        row(m, "投入管理", "预算执行率", "—", "100%", dec!(10)),
        row(m, "财务管理", "资金使用合规性", "—", "合规", dec!(10)),
    ];
    // 产出 30 (10 + 5 + 5 + 10), 效益 30, 满意度 10.
    let mut rest = clean().indicators;
    rest[1].weight = Some(dec!(5));
    rest[1].score = Some(dec!(5));
    rest[2].weight = Some(dec!(5));
    rest[2].score = Some(dec!(5));
    rest[3].weight = Some(dec!(10));
    rest[3].score = Some(dec!(10));
    rows.extend(rest);
    r.indicators = rows;
    r
}

#[test]
fn budget_execution_as_an_indicator_adds_no_default_funds_points() {
    let v = run(ningxia());
    silent("W2", &v);
    silent("C9", &v);
    silent("P3", &v);
    assert_eq!(v.total_recomputed, Some(dec!(100)));
    assert!(v.indicators[..4].iter().all(|r| r.applicable()));
}

#[test]
fn a_deduction_on_the_budget_execution_line_needs_a_reason() {
    let v = run(with(|r| {
        *r = ningxia();
        r.indicators[2].actual = Some("90%".into());
        r.indicators[2].score = Some(dec!(9));
        r.total_score = Some(dec!(99));
    }));
    fires("P2", &v);
    assert_eq!(
        v.findings
            .iter()
            .find(|f| f.rule == "P2")
            .unwrap()
            .indicator,
        Some(2)
    );
}

#[test]
fn leftover_template_rows_are_one_c4() {
    let v = run(with(|r| {
        let blank = |name: &str| Indicator {
            level1: Some("效益指标（30分）".into()),
            level2: Some("生态效益指标".into()),
            name: Some(name.into()),
            ..Indicator::default()
        };
        r.indicators.push(blank("指标2："));
        r.indicators.push(blank("……"));
        r.indicators.push(Indicator {
            target: Some("-".into()),
            actual: Some("-".into()),
            ..blank("-")
        });
    }));
    let c4: Vec<_> = v.findings.iter().filter(|f| f.rule == "C4").collect();
    assert_eq!(c4.len(), 1, "{c4:#?}");
    assert!(
        c4[0].message.contains("第8、9、10个指标行"),
        "{}",
        c4[0].message
    );
    for rule in ["W5", "C9", "C8"] {
        silent(rule, &v);
    }
}

#[test]
fn a_total_that_leaves_out_the_budget_score_is_said_so() {
    // 100 points of indicators, 10 of funds, 总分 100 = the indicators alone.
    let v = run(with(|r| {
        r.indicators[0].weight = Some(dec!(20));
        r.indicators[0].score = Some(dec!(20));
        r.total_score = Some(dec!(100));
    }));
    let w2 = message("W2", &v);
    assert!(w2.contains("未计入预算执行得分10分"), "{w2}");
    assert!(w2.contains("不给出复核总分和等级"), "{w2}");
}

#[test]
fn a_goal_cell_holding_the_template_prompt_is_not_filled() {
    let v = run(with(|r| {
        r.goals.as_mut().unwrap().achieved =
            Some("对照年度目标，说明相关任务目标的完成情况（100字以内）".into());
    }));
    let c5 = message("C5", &v);
    assert!(c5.contains("填写说明"), "{c5}");
}

#[test]
fn a_large_overshoot_without_weights_is_p6() {
    // 湖北-style rows carry no 分值; 6.47亿 against 5亿 is still far above.
    let v = run(with(|r| {
        r.indicators[4] = Indicator {
            weight: None,
            score: None,
            ..row(
                "效益指标",
                "经济效益",
                "医院东津医疗收入",
                "5亿元",
                "6.47亿元",
                Decimal::ZERO,
            )
        };
    }));
    fires("P6", &v);
    let v = run(first("医疗收入", "5亿", "6.47亿"));
    fires("P6", &v);
}

#[test]
fn the_markdown_report_shows_no_float_artifacts() {
    let record = with(|r| {
        r.funds.total.budget = Some(dec!(1350.123456));
        r.funds.total.spent = Some(dec!(1337.8));
        r.funds.rate = Some(dec!(0.990909090909091));
        r.funds.score = Some(dec!(9.90909090909091));
        r.total_score = Some(dec!(96.83480472416765));
    });
    let v = run(record.clone());
    let report = jixiao::write::report::render(&record, Some(&v));
    for artifact in [
        "0.990909",
        "99.0909090",
        "96.834804",
        "9.909090",
        "1350.123456",
    ] {
        assert!(!report.contains(artifact), "{artifact} in:\n{report}");
    }
    for shown in ["99.09%", "96.83", "1,350.12"] {
        assert!(report.contains(shown), "{shown} missing:\n{report}");
    }
}

//! Every rule of the finding catalogue (domain.md §7): a change to a clean
//! standard form that triggers it, and the clean form (plus near misses)
//! that does not.

use crate::review_support::clean;
use jixiao::model::*;
use jixiao::review::{review, Profile, Review, Severity};
use jixiao::source::CellRef;
use rust_decimal_macros::dec;

/// Provenance as the standard grid puts it: funds on rows 6–9, indicators
/// from row 13, columns B…I.
fn provenance(r: &Record) -> Provenance {
    let at = |a1: &str| Location {
        sheet: Some("自评表".into()),
        cell: a1.parse::<CellRef>().unwrap(),
    };
    let mut p = Provenance::default();
    for (line, row) in [
        (FundLine::Total, 6),
        (FundLine::Fiscal, 7),
        (FundLine::Carryover, 8),
        (FundLine::Other, 9),
    ] {
        for (col, letter) in [
            (FundColumn::Initial, "C"),
            (FundColumn::Budget, "D"),
            (FundColumn::Spent, "E"),
        ] {
            p.set(Field::Fund(line, col), at(&format!("{letter}{row}")));
        }
    }
    p.set(Field::FundsWeight, at("F6"));
    p.set(Field::FundsRate, at("G6"));
    p.set(Field::FundsScore, at("H6"));
    p.set(Field::GoalsPlanned, at("B11"));
    p.set(Field::GoalsAchieved, at("F11"));
    p.set(Field::Year, at("A2"));
    p.set(Field::Project, at("B3"));
    use IndicatorColumn::*;
    let columns = [
        (Level1, "B"),
        (Level2, "C"),
        (Name, "D"),
        (Target, "E"),
        (Actual, "F"),
        (Weight, "G"),
        (Score, "H"),
        (Note, "I"),
    ];
    for i in 0..r.indicators.len() {
        for (col, letter) in columns {
            p.set(Field::Indicator(i, col), at(&format!("{letter}{}", 13 + i)));
        }
    }
    p.set(
        Field::TotalScore,
        at(&format!("H{}", 13 + r.indicators.len())),
    );
    p
}

fn run_with(r: Record, profile: &Profile) -> Review {
    let provenance = provenance(&r);
    review(
        &Imported {
            record: r,
            provenance,
        },
        profile,
    )
}

fn run(r: Record) -> Review {
    run_with(r, &Profile::default())
}

fn ids(v: &Review) -> Vec<&'static str> {
    v.findings.iter().map(|f| f.rule).collect()
}

fn fires(rule: &str, v: &Review) {
    assert!(
        ids(v).contains(&rule),
        "{rule} expected, got {:#?}",
        v.findings
    );
}

fn silent(rule: &str, v: &Review) {
    assert!(
        !ids(v).contains(&rule),
        "{rule} unexpected: {:#?}",
        v.findings
    );
}

fn cells_of(rule: &str, v: &Review) -> Vec<String> {
    v.findings
        .iter()
        .filter(|f| f.rule == rule)
        .flat_map(|f| f.cells.iter().map(|c| c.to_string()))
        .collect()
}

fn with(change: impl FnOnce(&mut Record)) -> Record {
    let mut r = clean();
    change(&mut r);
    r
}

#[test]
fn the_clean_form_has_no_finding_and_scores_100() {
    let v = run(clean());
    assert!(v.findings.is_empty(), "{:#?}", v.findings);
    assert_eq!(v.total_recomputed, Some(dec!(100)));
    assert_eq!(v.grade_recomputed, Some(jixiao::review::Grade::Excellent));
}

#[test]
fn f1_total_not_the_sum_of_its_parts() {
    let v = run(with(|r| r.funds.total.budget = Some(dec!(110))));
    fires("F1", &v);
    assert!(cells_of("F1", &v).contains(&"自评表!D6".to_string()));
    assert_eq!(
        v.findings.iter().find(|f| f.rule == "F1").unwrap().severity,
        Severity::Error
    );
    silent("F1", &run(with(|r| r.funds.other.budget = None)));
    // A total written to fewer places than its parts: display rounding.
    silent(
        "F1",
        &run(with(|r| r.funds.fiscal.initial = Some(dec!(100.2)))),
    );
}

#[test]
fn f1_with_a_nonstandard_breakdown_only_when_parts_exceed_the_total() {
    // A 四川-style block: no 上年结转 row, and money in rows the model has
    // no place for, so the mapped parts may fall short of the total.
    let sichuan = |r: Record| {
        let mut p = Provenance::default();
        for (field, at) in provenance(&r).iter() {
            if !matches!(field, Field::Fund(FundLine::Carryover, _)) {
                p.set(*field, at.clone());
            }
        }
        review(
            &Imported {
                record: r,
                provenance: p,
            },
            &Profile::default(),
        )
    };
    silent(
        "F1",
        &sichuan(with(|r| r.funds.fiscal.budget = Some(dec!(90)))),
    );
    fires(
        "F1",
        &sichuan(with(|r| r.funds.fiscal.budget = Some(dec!(110)))),
    );
}

#[test]
fn f2_zero_total_row_with_money_below() {
    let v = run(with(|r| {
        r.funds.total = FundRow {
            initial: Some(dec!(0)),
            budget: Some(dec!(0)),
            spent: Some(dec!(0)),
        };
        r.funds.rate = Some(dec!(0));
        r.funds.score = Some(dec!(0));
        r.total_score = Some(dec!(90));
    }));
    fires("F2", &v);
    silent("F1", &v);
    assert!(v.funds_from_subrows);
    assert_eq!(v.budget_score_recomputed, Some(dec!(10)));
    silent("F2", &run(clean()));
}

#[test]
fn f3_reported_rate_off() {
    fires("F3", &run(with(|r| r.funds.rate = Some(dec!(0.8)))));
    // 76.3 / 77 = 0.990909…, shown as 99.09%: display rounding only.
    let v = run(with(|r| {
        r.funds.total.spent = Some(dec!(76.3));
        r.funds.fiscal.spent = Some(dec!(76.3));
        r.funds.total.budget = Some(dec!(77));
        r.funds.fiscal.budget = Some(dec!(77));
        r.funds.total.initial = Some(dec!(77));
        r.funds.fiscal.initial = Some(dec!(77));
        r.funds.rate = Some(dec!(0.9909));
    }));
    silent("F3", &v);
    // A bare percentage (99.09) is read as one.
    let v = run(with(|r| r.funds.rate = Some(dec!(100))));
    silent("F3", &v);
}

#[test]
fn f4_budget_score_off_warning_or_rounding_info() {
    let v = run(with(|r| r.funds.score = Some(dec!(7))));
    let f4 = v.findings.iter().find(|f| f.rule == "F4").unwrap();
    assert_eq!(f4.severity, Severity::Warning);
    let v = run(with(|r| {
        r.funds.total.spent = Some(dec!(96.2));
        r.funds.fiscal.spent = Some(dec!(96.2));
        r.funds.rate = Some(dec!(0.962));
        r.funds.score = Some(dec!(10));
    }));
    let f4 = v.findings.iter().find(|f| f.rule == "F4").unwrap();
    assert_eq!(f4.severity, Severity::Info);
    silent("F4", &run(clean()));
}

#[test]
fn f5_spent_more_than_budget() {
    let v = run(with(|r| {
        r.funds.total.spent = Some(dec!(120));
        r.funds.fiscal.spent = Some(dec!(120));
        r.funds.rate = Some(dec!(1.2));
    }));
    fires("F5", &v);
    // Capped: the budget score stays at its 分值.
    assert_eq!(v.budget_score_recomputed, Some(dec!(10)));
    silent("F5", &run(clean()));
}

fn low_rate(r: &mut Record) {
    r.funds.total.spent = Some(dec!(80));
    r.funds.fiscal.spent = Some(dec!(80));
    r.funds.rate = Some(dec!(0.8));
    r.funds.score = Some(dec!(8));
    r.total_score = Some(dec!(98));
}

#[test]
fn f6_low_rate_unexplained() {
    fires("F6", &run(with(low_rate)));
    let v = run(with(|r| {
        low_rate(r);
        r.indicators[0].note = Some("部分资金年底未支付".into());
    }));
    silent("F6", &v);
}

#[test]
fn f7_budget_adjusted_without_note() {
    let v = run(with(|r| {
        r.funds.total.initial = Some(dec!(80));
        r.funds.fiscal.initial = Some(dec!(80));
    }));
    let f7 = v.findings.iter().find(|f| f.rule == "F7").unwrap();
    assert_eq!(f7.severity, Severity::Info);
    silent("F7", &run(clean()));
}

#[test]
fn w1_level1_weights_off_standard() {
    let v = run(with(|r| {
        for i in &mut r.indicators[..4] {
            i.level1 = Some("产出指标".into());
        }
        r.indicators[0].weight = Some(dec!(20));
        r.indicators[0].score = Some(dec!(20));
        r.indicators[4].level1 = Some("效益指标".into());
        r.indicators[5].level1 = Some("效益指标".into());
        r.indicators[4].weight = Some(dec!(5));
        r.indicators[4].score = Some(dec!(5));
    }));
    fires("W1", &v);
    silent("W2", &v);
    silent("W1", &run(clean()));
}

#[test]
fn w2_weights_do_not_add_to_100() {
    let v = run(with(|r| {
        r.indicators[0].weight = Some(dec!(12));
        r.indicators[0].score = Some(dec!(12));
        r.total_score = Some(dec!(102));
    }));
    fires("W2", &v);
    silent("W2", &run(clean()));
}

#[test]
fn w3_children_do_not_add_to_label_weight() {
    let v = run(with(|r| {
        for i in &mut r.indicators[..4] {
            i.level1 = Some("产出指标（40分）".into());
        }
    }));
    fires("W3", &v);
    assert!(cells_of("W3", &v).contains(&"自评表!B13".to_string()));
    silent("W3", &run(clean()));
}

#[test]
fn w4_one_indicator_too_heavy() {
    let strict = Profile::from_toml("[thresholds]\nmax_indicator_share = \"0.12\"").unwrap();
    let v = run_with(clean(), &strict);
    assert_eq!(v.findings.iter().filter(|f| f.rule == "W4").count(), 4);
    silent("W4", &run(clean()));
}

#[test]
fn w5_scored_row_without_weight() {
    fires("W5", &run(with(|r| r.indicators[0].weight = None)));
    fires("W5", &run(with(|r| r.indicators[0].weight = Some(dec!(0)))));
    // A template without any 分值 column is not blamed row by row.
    let v = review(
        &Imported {
            record: with(|r| r.indicators.iter_mut().for_each(|i| i.weight = None)),
            provenance: Provenance::default(),
        },
        &Profile::default(),
    );
    silent("W5", &v);
}

#[test]
fn w5_not_raised_for_a_weight_merged_over_two_rows() {
    // 分值 and 得分 merged over rows 0 and 1: the value sits on row 0 only.
    let v = run(with(|r| {
        r.indicators[0].weight = Some(dec!(25));
        r.indicators[0].score = Some(dec!(25));
        r.indicators[1].weight = None;
        r.indicators[1].score = None;
    }));
    silent("W5", &v);
    // A blank 分值 on a row that has its own 得分 is still blamed.
    fires("W5", &run(with(|r| r.indicators[1].weight = None)));
}

#[test]
fn p1_score_above_weight() {
    let v = run(with(|r| r.indicators[0].score = Some(dec!(12))));
    fires("P1", &v);
    assert_eq!(cells_of("P1", &v), vec!["自评表!H13", "自评表!G13"]);
    silent("P1", &run(clean()));
}

#[test]
fn p2_deduction_without_reason() {
    let v = run(with(|r| {
        r.indicators[2].score = Some(dec!(9));
        r.total_score = Some(dec!(99));
    }));
    fires("P2", &v);
    let v = run(with(|r| {
        r.indicators[2].score = Some(dec!(9));
        r.indicators[2].note = Some("个别批次拨付延迟".into());
        r.total_score = Some(dec!(99));
    }));
    silent("P2", &v);
}

#[test]
fn p2_names_the_reason_column_only_on_a_form_that_has_one() {
    let mut r = clean();
    r.indicators[2].score = Some(dec!(9));
    r.total_score = Some(dec!(99));
    let message = |v: &Review| {
        v.findings
            .iter()
            .find(|f| f.rule == "P2")
            .map(|f| f.message.clone())
            .unwrap_or_default()
    };
    // The form read a 偏差原因 column (provenance has its cells).
    let with_column = run(r.clone());
    assert!(message(&with_column).contains("“偏差原因分析及改进措施”未填写"));
    // No column on the form: the reason is missing, no column is named.
    let mut without_notes = Provenance::default();
    for (field, at) in provenance(&r).iter() {
        if !matches!(field, Field::Indicator(_, IndicatorColumn::Note)) {
            without_notes.set(*field, at.clone());
        }
    }
    let imported = Imported {
        record: r,
        provenance: without_notes,
    };
    let without = review(&imported, &Profile::default());
    let text = message(&without);
    assert!(text.contains("没有说明扣分原因"), "{text}");
    assert!(!text.contains("”未填写"), "{text}");
}

#[test]
fn p3_parts_do_not_add_to_total() {
    fires("P3", &run(with(|r| r.total_score = Some(dec!(95)))));
    // 99.99 shown as 100: within the reported total's own rounding.
    silent("P3", &run(with(|r| r.funds.score = Some(dec!(9.99)))));
    // A template without a funds 得分 cell: the recomputed budget score
    // (10 here) stands in for it.
    silent("P3", &run(with(|r| r.funds.score = None)));
    fires(
        "P3",
        &run(with(|r| {
            r.funds.score = None;
            r.total_score = Some(dec!(95));
        })),
    );
}

#[test]
fn p4_reported_score_not_the_formula() {
    let v = run(with(|r| {
        r.indicators[1].actual = Some("85%".into());
        r.indicators[1].score = Some(dec!(13));
        r.indicators[1].note = Some("部分代表因公务未参训".into());
        r.total_score = Some(dec!(98));
    }));
    fires("P4", &v);
    let ir = &v.indicators[1];
    // 85 / 90 × 15, exact.
    assert_eq!(
        jixiao::review::display(ir.recomputed_score.unwrap()),
        "14.17"
    );
    let v = run(with(|r| {
        r.indicators[1].actual = Some("85%".into());
        r.indicators[1].score = Some(dec!(14.2));
        r.indicators[1].note = Some("部分代表因公务未参训".into());
        r.total_score = Some(dec!(99.2));
    }));
    silent("P4", &v);
}

#[test]
fn p5_qualitative_score_outside_band() {
    let v = run(with(|r| {
        r.indicators[2].actual = Some("未达成年度指标且效果较差".into())
    }));
    fires("P5", &v);
    let v = run(with(|r| {
        r.indicators[2].actual = Some("部分达成年度指标并具有一定效果".into());
        r.indicators[2].score = Some(dec!(7));
        r.indicators[2].note = Some("部分拨付延迟".into());
        r.total_score = Some(dec!(97));
    }));
    silent("P5", &v);
}

#[test]
fn p5_band_follows_the_profile() {
    let change = |r: &mut Record| {
        r.indicators[2].actual = Some("部分达成年度指标并具有一定效果".into());
        r.indicators[2].score = Some(dec!(5.5));
        r.indicators[2].note = Some("部分拨付延迟".into());
        r.total_score = Some(dec!(95.5));
    };
    fires("P5", &run(with(change)));
    let hubei = Profile::from_toml("[qualitative]\npartial = \"0.5\"").unwrap();
    silent("P5", &run_with(with(change), &hubei));
}

#[test]
fn p6_far_over_target_unexplained() {
    fires(
        "P6",
        &run(with(|r| r.indicators[0].actual = Some("6期".into()))),
    );
    let v = run(with(|r| {
        r.indicators[0].actual = Some("6期".into());
        r.indicators[0].note = Some("追加2期专题培训".into());
    }));
    silent("P6", &v);
    silent(
        "P6",
        &run(with(|r| r.indicators[0].actual = Some("4期".into()))),
    );
}

fn spent(r: &mut Record, amount: rust_decimal::Decimal) {
    r.funds.total.spent = Some(amount);
    r.funds.fiscal.spent = Some(amount);
    r.funds.rate = Some(amount / dec!(100));
    r.funds.score = Some(amount / dec!(10));
    r.total_score = Some(dec!(90) + amount / dec!(10));
}

#[test]
fn p7_everything_full_while_rate_below_the_profile_threshold() {
    fires("P7", &run(with(|r| spent(r, dec!(85)))));
    silent("P7", &run(clean()));
    // 97.8% spent is no reason to call full marks inflated.
    silent("P7", &run(with(|r| spent(r, dec!(97.8)))));
    silent("P7", &run(with(|r| spent(r, dec!(90)))));
}

#[test]
fn p8_full_marks_on_a_shortfall() {
    let v = run(with(|r| r.indicators[0].actual = Some("3期".into())));
    fires("P8", &v);
    assert!(cells_of("P8", &v).contains(&"自评表!H13".to_string()));
    // Reverse: 52万元 against ≤50万元 is a shortfall too.
    fires(
        "P8",
        &run(with(|r| r.indicators[3].actual = Some("52万元".into()))),
    );
    silent("P8", &run(clean()));
}

#[test]
fn p9_grade_of_reported_total_not_of_recomputed() {
    // A 达成 row scored in the 未达成 band is rescored up; the 部分达成 one
    // down: the grade moves for reasons that are not one shortfall.
    let v = run(with(|r| {
        r.indicators[2].actual = Some("未达成".into());
        r.indicators[2].note = Some("拨付延迟".into());
        r.indicators[5].actual = Some("未达成".into());
        r.indicators[5].note = Some("机制未建立".into());
        r.indicators[4].actual = Some("80%".into());
        r.indicators[4].note = Some("部分学员未结业".into());
    }));
    fires("P9", &v);
    silent("P9", &run(clean()));
}

#[test]
fn q1_quantity_indicator_in_words() {
    fires(
        "Q1",
        &run(with(|r| r.indicators[0].target = Some("按计划完成".into()))),
    );
    // A 时效 indicator may be words.
    silent("Q1", &run(clean()));
}

#[test]
fn q2_too_few_quantitative_indicators() {
    let demanding = Profile::from_toml("[thresholds]\nmin_quantitative_share = \"0.9\"").unwrap();
    fires("Q2", &run_with(clean(), &demanding));
    silent("Q2", &run(clean()));
}

#[test]
fn q3_number_without_or_with_odd_unit() {
    fires(
        "Q3",
        &run(with(|r| r.indicators[0].target = Some("≥4".into()))),
    );
    let v = run(with(|r| r.indicators[1].target = Some("≥90百分比".into())));
    assert!(v
        .findings
        .iter()
        .any(|f| f.rule == "Q3" && f.message.contains("百分比")));
    silent("Q3", &run(clean()));
}

#[test]
fn q4_units_that_do_not_convert() {
    let v = run(with(|r| r.indicators[0].actual = Some("4人".into())));
    fires("Q4", &v);
    // 万元 against 元 converts: 480000元 = 48万元.
    let v = run(with(|r| r.indicators[3].actual = Some("480000元".into())));
    silent("Q4", &v);
    assert_eq!(v.indicators[3].recomputed_score, Some(dec!(15)));
}

#[test]
fn q5_words_for_a_quantitative_actual() {
    fires(
        "Q5",
        &run(with(|r| r.indicators[0].actual = Some("已完成".into()))),
    );
    silent("Q5", &run(clean()));
}

#[test]
fn q6_actual_copies_target() {
    let v = run(with(|r| r.indicators[0].actual = Some("≥4期".into())));
    assert_eq!(
        v.findings.iter().find(|f| f.rule == "Q6").unwrap().severity,
        Severity::Info
    );
    silent("Q6", &run(clean()));
}

#[test]
fn q7_direction_mismatch() {
    fires(
        "Q7",
        &run(with(|r| r.indicators[1].target = Some("≤90%".into()))),
    );
    fires(
        "Q7",
        &run(with(|r| r.indicators[3].target = Some("≥50万元".into()))),
    );
    // 成本控制率 is a control rate, not a cost: either way is accepted.
    silent(
        "Q7",
        &run(with(|r| r.indicators[3].name = Some("成本控制率".into()))),
    );
    silent("Q7", &run(clean()));
}

#[test]
fn q8_unreasonable_percentage_targets() {
    fires(
        "Q8",
        &run(with(|r| r.indicators[6].target = Some("≥70%".into()))),
    );
    fires(
        "Q8",
        &run(with(|r| r.indicators[1].target = Some("≥120%".into()))),
    );
    silent("Q8", &run(clean()));
}

#[test]
fn q9_value_in_name_target_empty() {
    let v = run(with(|r| {
        r.indicators[0].name = Some("完成培训4期".into());
        r.indicators[0].target = None;
    }));
    fires("Q9", &v);
    silent(
        "Q9",
        &run(with(|r| r.indicators[0].name = Some("完成培训4期".into()))),
    );
}

#[test]
fn c1_incomplete_indicator_system() {
    fires(
        "C1",
        &run(with(|r| r.indicators[2].level2 = Some("质量指标".into()))),
    );
    silent("C1", &run(clean()));
}

#[test]
fn c2_no_satisfaction_indicator() {
    let v = run(with(|r| {
        r.indicators.pop();
    }));
    fires("C2", &v);
    silent("C2", &run(clean()));
}

#[test]
fn c3_level2_outside_vocabulary() {
    let v = run(with(|r| r.indicators[2].level2 = Some("进度指标".into())));
    let c3 = v.findings.iter().find(|f| f.rule == "C3").unwrap();
    assert_eq!(c3.severity, Severity::Info);
    assert!(c3.message.contains("时效指标"));
    silent("C1", &v);
    fires(
        "C3",
        &run(with(|r| r.indicators[2].level2 = Some("管理指标".into()))),
    );
    silent("C3", &run(clean()));
}

#[test]
fn c4_placeholder_left_in() {
    fires(
        "C4",
        &run(with(|r| r.indicators[0].name = Some("指标2：".into()))),
    );
    fires(
        "C4",
        &run(with(|r| r.indicators[0].target = Some("≥**期".into()))),
    );
    // A real name that starts with 指标N： is not a placeholder.
    silent(
        "C4",
        &run(with(|r| {
            r.indicators[0].name = Some("指标1：培训期数".into())
        })),
    );
}

#[test]
fn c5_goals_missing_or_copied() {
    fires(
        "C5",
        &run(with(|r| {
            r.goals = Some(Goals {
                planned: Some("培训".into()),
                achieved: Some("培训".into()),
            })
        })),
    );
    fires(
        "C5",
        &run(with(|r| {
            r.goals = Some(Goals {
                planned: None,
                achieved: Some("完成".into()),
            })
        })),
    );
    silent("C5", &run(clean()));
}

#[test]
fn c6_goal_is_only_money() {
    let v = run(with(|r| {
        r.goals = Some(Goals {
            planned: Some("43.2".into()),
            achieved: Some("37.24".into()),
        })
    }));
    assert_eq!(v.findings.iter().filter(|f| f.rule == "C6").count(), 2);
    silent("C6", &run(clean()));
}

#[test]
fn c7_year_or_project_wrong() {
    fires("C7", &run(with(|r| r.year = Some(2020))));
    fires("C7", &run(with(|r| r.project = None)));
    let year_2022 = Profile::from_toml("year = 2022").unwrap();
    fires("C7", &run_with(clean(), &year_2022));
    let year_2021 = Profile::from_toml("year = 2021").unwrap();
    silent("C7", &run_with(clean(), &year_2021));
    silent("C7", &run(clean()));
}

#[test]
fn c8_repeated_indicator_name() {
    fires(
        "C8",
        &run(with(|r| r.indicators[4].name = Some("参训率".into()))),
    );
    silent("C8", &run(clean()));
}

#[test]
fn an_empty_row_is_not_applicable() {
    let v = run(with(|r| {
        let mut empty = r.indicators[5].clone();
        empty.name = Some("生态效益".into());
        empty.level2 = Some("生态效益指标".into());
        empty.target = None;
        empty.actual = None;
        empty.weight = None;
        empty.score = None;
        r.indicators.push(empty);
    }));
    assert!(v.findings.is_empty(), "{:#?}", v.findings);
    assert_eq!(
        v.indicators[7].method,
        jixiao::review::Method::NotApplicable
    );
}

#[test]
fn c9_not_applicable_row_with_weight_rescales() {
    let v = run(with(|r| {
        r.indicators[5].target = Some("/".into());
        r.indicators[5].actual = Some("/".into());
        r.indicators[5].score = None;
        r.total_score = Some(dec!(100));
    }));
    fires("C9", &v);
    // 85 points earned out of 85 applicable: rescaled to 100.
    assert_eq!(v.total_recomputed, Some(dec!(100)));
    silent("P3", &v);
    silent("C9", &run(clean()));
}

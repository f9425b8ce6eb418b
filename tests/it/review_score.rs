//! Re-scoring by domain.md §2: formulas, unit conversion, bands, N/A
//! rescaling, grades, exact decimals and display rounding.

use jixiao::model::{FundRow, Funds, Indicator};
use jixiao::review::score::{self, Method};
use jixiao::review::{display, Grade, Profile};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn ind(name: &str, target: &str, actual: &str, w: Decimal, s: Decimal) -> Indicator {
    Indicator {
        name: Some(name.into()),
        target: Some(target.into()),
        actual: Some(actual.into()),
        weight: Some(w),
        score: Some(s),
        ..Indicator::default()
    }
}

fn rescore(i: &Indicator, profile: &Profile) -> (Method, Option<Decimal>) {
    let r = score::indicator(i, profile);
    (r.method, r.recomputed_score)
}

#[test]
fn positive_is_b_over_a_capped() {
    let p = Profile::default();
    assert_eq!(
        rescore(&ind("人数", "≥1000人", "800人", dec!(10), dec!(10)), &p),
        (Method::Positive, Some(dec!(8)))
    );
    assert_eq!(
        rescore(&ind("人数", "≥1000人", "1500人", dec!(10), dec!(10)), &p),
        (Method::Positive, Some(dec!(10)))
    );
    // Negative actuals count as 0.
    assert_eq!(
        rescore(&ind("增长", "≥5%", "-2%", dec!(10), dec!(0)), &p).1,
        Some(dec!(0))
    );
}

#[test]
fn reverse_ratio_or_linear_penalty() {
    let ratio = Profile::default();
    let linear = Profile::from_toml("[quantitative]\nreverse = \"linear\"").unwrap();
    let i = ind("投诉次数", "≤10次", "15次", dec!(10), dec!(10));
    // A ÷ B × w = 10/15 × 10
    assert_eq!(display(rescore(&i, &ratio).1.unwrap()), "6.67");
    // (1 − (B − A)/A) × w = 0.5 × 10
    assert_eq!(rescore(&i, &linear).1, Some(dec!(5)));
    let double = ind("投诉次数", "≤10次", "20次", dec!(10), dec!(10));
    assert_eq!(rescore(&double, &linear).1, Some(dec!(0)));
    assert_eq!(
        rescore(&ind("投诉次数", "≤10次", "3次", dec!(10), dec!(10)), &ratio).1,
        Some(dec!(10))
    );
}

#[test]
fn equal_with_zero_target_is_all_or_nothing() {
    let p = Profile::default();
    assert_eq!(
        rescore(&ind("事故", "=0起", "0起", dec!(5), dec!(5)), &p).1,
        Some(dec!(5))
    );
    assert_eq!(
        rescore(&ind("事故", "=0起", "1起", dec!(5), dec!(5)), &p).1,
        Some(dec!(0))
    );
    assert_eq!(
        rescore(&ind("覆盖率", "=100%", "90%", dec!(10), dec!(10)), &p),
        (Method::Equal, Some(dec!(9)))
    );
}

#[test]
fn no_comparator_follows_the_name_then_the_profile() {
    let p = Profile::default();
    // 成本 without ≤ is still a cost: lower is better.
    assert_eq!(
        rescore(
            &ind("项目计划总投资成本", "20万元", "18万元", dec!(10), dec!(10)),
            &p
        )
        .0,
        Method::Reverse
    );
    assert_eq!(
        rescore(&ind("验收合格率", "90%", "81%", dec!(10), dec!(9)), &p),
        (Method::Positive, Some(dec!(9)))
    );
}

#[test]
fn units_convert_and_fractions_read_as_percent() {
    let p = Profile::default();
    // 480000元 = 48万元 ≤ 50万元.
    assert_eq!(
        rescore(&ind("成本", "≤50万元", "480000元", dec!(10), dec!(10)), &p).1,
        Some(dec!(10))
    );
    // A % cell stores 0.93 for 93%; the target is 95%.
    let r = score::indicator(&ind("合格率", "≥95%", "0.93", dec!(10), dec!(9)), &p);
    assert_eq!(r.actual.number(), Some(dec!(93.00)));
    // …and a % target stored as 0.95 beside a written 96%.
    let r = score::indicator(&ind("合格率", "0.95", "96%", dec!(10), dec!(10)), &p);
    assert_eq!(r.target.number(), Some(dec!(95.00)));
    assert_eq!(r.recomputed_score, Some(dec!(10)));
    // Incompatible units are not scored (Q4 reports them).
    assert_eq!(
        rescore(&ind("期数", "≥4期", "4人", dec!(10), dec!(10)), &p),
        (Method::Reported, None)
    );
}

#[test]
fn qualitative_band_keeps_a_score_inside_and_clamps_one_outside() {
    let p = Profile::default();
    let r = score::indicator(
        &ind(
            "质量",
            "好",
            "部分达成年度指标并具有一定效果",
            dec!(10),
            dec!(7),
        ),
        &p,
    );
    assert_eq!(r.band, Some([dec!(6.0), dec!(8.0)]));
    assert_eq!(r.recomputed_score, Some(dec!(7)));
    let r = score::indicator(
        &ind(
            "质量",
            "好",
            "部分达成年度指标并具有一定效果",
            dec!(10),
            dec!(10),
        ),
        &p,
    );
    assert_eq!(r.recomputed_score, Some(dec!(8.0)));
    // An actual that repeats a descriptive target word for word achieved it.
    let r = score::indicator(&ind("长效", "长期坚持", "长期坚持", dec!(10), dec!(9)), &p);
    assert_eq!(r.grade, Some(jixiao::review::Achievement::Achieved));
    // 100% reported against a deadline or a descriptive target: done.
    let r = score::indicator(&ind("时效", "春节前完成", "100%", dec!(10), dec!(10)), &p);
    assert_eq!(r.grade, Some(jixiao::review::Achievement::Achieved));
    let r = score::indicator(&ind("时效", "春节前完成", "90%", dec!(10), dec!(10)), &p);
    assert_eq!(r.grade, None);
}

#[test]
fn strict_bands_exclude_the_shared_bound() {
    let strict = Profile::from_toml("[qualitative]\nstrict = true").unwrap();
    let band = score::band(jixiao::review::Achievement::Partial, dec!(10), &strict);
    assert!(!score::in_band(dec!(8), band, false, &strict));
    assert!(score::in_band(dec!(8), band, false, &Profile::default()));
}

#[test]
fn execution_rate_and_capped_budget_score() {
    let p = Profile::default();
    let row = |b: Decimal, s: Decimal| FundRow {
        initial: Some(b),
        budget: Some(b),
        spent: Some(s),
    };
    let f = Funds {
        total: row(dec!(43.2), dec!(37.24)),
        weight: Some(dec!(10)),
        ..Funds::default()
    };
    let r = score::funds(&f, &p);
    assert_eq!(display(r.score.unwrap()), "8.62");
    let f = Funds {
        total: row(dec!(1172.55), dec!(1268.72)),
        weight: Some(dec!(10)),
        ..Funds::default()
    };
    assert_eq!(score::funds(&f, &p).score, Some(dec!(10)));
    // No 全年预算数 column: the rate is on 年初预算数.
    let f = Funds {
        total: FundRow {
            initial: Some(dec!(45)),
            budget: None,
            spent: Some(dec!(45)),
        },
        weight: Some(dec!(10)),
        ..Funds::default()
    };
    assert_eq!(score::funds(&f, &p).rate, Some(dec!(1)));
}

#[test]
fn grades_follow_the_profile() {
    let p = Profile::default();
    assert_eq!(p.grade(dec!(90)), Grade::Excellent);
    assert_eq!(p.grade(dec!(79.99)), Grade::Fair);
    let old = Profile::from_toml("[grades]\nexcellent = 80\ngood = 70\nfair = 60").unwrap();
    assert_eq!(old.grade(dec!(80)), Grade::Excellent);
}

#[test]
fn display_is_two_places_half_up() {
    assert_eq!(display(dec!(8.625)), "8.63");
    assert_eq!(display(dec!(8.624999)), "8.62");
    assert_eq!(display(dec!(-0.005)), "-0.01");
    assert_eq!(display(dec!(10.00)), "10");
    // Exact: 2/3 × 10 keeps 28 digits until display.
    let x = dec!(2) / dec!(3) * dec!(10);
    assert_eq!(x.to_string(), (dec!(2) / dec!(3) * dec!(10)).to_string());
    assert_eq!(display(x), "6.67");
}

#[test]
fn shipped_profiles_load() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let p = Profile::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!p.name.is_empty());
    }
    let hubei = Profile::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/hubei-2020.toml"),
    )
    .unwrap();
    assert_eq!(hubei.qualitative.partial, dec!(0.5));
    assert_eq!(hubei.weights.funds, dec!(20));
    assert_eq!(hubei.mappings, ["hubei-2020"]);
    // The unified 90/80/60 grades (财政部预算司), not an old vendor's.
    assert_eq!(hubei.grade(dec!(75)), Grade::Fair);
}

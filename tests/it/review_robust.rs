//! Hostile values never panic the review: extreme decimals, huge or tiny
//! numbers in text, odd Unicode, empty everything.

use crate::review_support::clean;
use jixiao::model::{FundRow, Imported, Indicator, Provenance, Record};
use jixiao::review::value::{parse_actual, parse_target};
use jixiao::review::{review, Profile};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn run(record: Record) {
    let r = review(
        &Imported {
            record,
            provenance: Provenance::default(),
        },
        &Profile::default(),
    );
    // Serializing must not fail either.
    serde_json::to_string(&r).unwrap();
}

const EXTREMES: [Decimal; 6] = [
    Decimal::MAX,
    Decimal::MIN,
    Decimal::ZERO,
    Decimal::ONE,
    Decimal::from_parts(1, 0, 0, false, 28),
    Decimal::NEGATIVE_ONE,
];

#[test]
fn extreme_decimals_everywhere() {
    for &x in &EXTREMES {
        for &y in &EXTREMES {
            let mut r = clean();
            r.funds.total = FundRow {
                initial: Some(x),
                budget: Some(y),
                spent: Some(x),
            };
            r.funds.fiscal = FundRow {
                initial: Some(y),
                budget: Some(x),
                spent: Some(y),
            };
            r.funds.weight = Some(x);
            r.funds.rate = Some(y);
            r.funds.score = Some(x);
            r.total_score = Some(y);
            for ind in &mut r.indicators {
                ind.weight = Some(x);
                ind.score = Some(y);
            }
            run(r);
        }
    }
}

#[test]
fn extreme_numbers_in_text() {
    let huge = "79228162514264337593543950335";
    let tiny = "0.0000000000000000000000000001";
    let texts = [
        format!("≥{huge}亿人"),
        format!("{huge}万人"),
        format!("≤{tiny}%"),
        tiny.to_string(),
        format!("-{huge}%"),
        format!("{huge}-{huge}%"),
        format!("±{huge}%"),
        "9".repeat(400),
        "１".repeat(50) + "万",
        "≥".repeat(1000),
        "\u{0}\u{202e}≥5个".into(),
    ];
    for t in &texts {
        for a in &texts {
            let mut r = clean();
            r.indicators[0].target = Some(t.clone());
            r.indicators[0].actual = Some(a.clone());
            r.indicators[1].name = Some(t.clone());
            run(r);
        }
    }
}

#[test]
fn an_empty_record() {
    let mut r = clean();
    r.indicators = vec![Indicator::default(); 3];
    r.funds = Default::default();
    r.goals = None;
    r.total_score = None;
    r.project = None;
    run(r);
}

proptest! {
    #[test]
    fn any_text_parses(s in "\\PC{0,40}") {
        let _ = parse_target(&s);
        let _ = parse_actual(&s);
    }

    #[test]
    fn any_numbers_review(w in any::<i64>(), s in any::<i64>(), scale in 0u32..28, t in "[≥≤=]?[0-9]{0,30}(\\.[0-9]{0,30})?(万|亿|千)?(人|%|万元|元)?") {
        let mut r = clean();
        r.indicators[0].weight = Some(Decimal::new(w, scale));
        r.indicators[0].score = Some(Decimal::new(s, scale));
        r.indicators[0].target = Some(t.clone());
        r.indicators[0].actual = Some(t);
        run(r);
    }
}

//! How figures are shown to people, in every output: the number formats of
//! workbook cells and the same rounding in Markdown text. Stored values stay
//! exact; only what is displayed is rounded (money and scores to 2 places,
//! half away from zero; rates as percentages to 2 places).
//!
//! ```
//! use jixiao::write::numbers;
//! use rust_decimal_macros::dec;
//! assert_eq!(numbers::points(dec!(96.83480472416765)), "96.83");
//! assert_eq!(numbers::money(dec!(1234.5)), "1,234.50");
//! assert_eq!(numbers::percent(dec!(0.990909090909091)), "99.09%");
//! assert_eq!(numbers::percent(dec!(86)), "86%");
//! ```

use rust_decimal::{Decimal, RoundingStrategy};

/// Money in a cell: thousands separated, 2 places (`_ ` keeps the figure
/// clear of the right border).
pub const MONEY_FORMAT: &str = "#,##0.00_ ";
/// A rate stored as a fraction, shown as a percentage with 2 places.
pub const RATE_FORMAT: &str = "0.00%";
/// A rate a form wrote as a bare percentage number (`86` for 86%).
pub const PERCENT_NUMBER_FORMAT: &str = "0.00\"%\"";
/// 分值, 得分 and totals: 2 places.
pub const POINTS_FORMAT: &str = "0.00";

/// A rate a form reports above this is a bare percentage (`86`), not a
/// fraction: no real rate exceeds 200%.
const BARE_PERCENT_FROM: Decimal = Decimal::TWO;

fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Scores and other figures: 2 places, trailing zeros dropped (`8.625` →
/// `8.63`, `10.00` → `10`).
pub fn points(d: Decimal) -> String {
    round2(d).normalize().to_string()
}

/// Money: 2 places with thousands separators (`1,234.50`).
pub fn money(d: Decimal) -> String {
    let r = round2(d);
    let text = format!("{:.2}", r.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if r.is_sign_negative() && !r.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped}.{frac}")
}

/// A rate as a percentage to 2 places, trailing zeros dropped: a fraction
/// (`0.9909` → `99.09%`) or a bare percentage the form wrote (`86` → `86%`).
pub fn percent(rate: Decimal) -> String {
    let pct = if rate.abs() > BARE_PERCENT_FROM {
        rate
    } else {
        rate.checked_mul(Decimal::ONE_HUNDRED).unwrap_or(rate)
    };
    format!("{}%", points(pct))
}

/// The cell format of a rate: a fraction as a percentage, a bare percentage
/// number with a `%` after it.
pub fn rate_format(rate: Decimal) -> &'static str {
    if rate.abs() > BARE_PERCENT_FROM {
        PERCENT_NUMBER_FORMAT
    } else {
        RATE_FORMAT
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn money_groups_thousands_and_keeps_two_places() {
        assert_eq!(money(dec!(0)), "0.00");
        assert_eq!(money(dec!(999.999)), "1,000.00");
        assert_eq!(money(dec!(-1234567.891)), "-1,234,567.89");
        assert_eq!(money(dec!(89.974)), "89.97");
    }

    #[test]
    fn no_float_artifacts_survive() {
        assert_eq!(points(dec!(96.83480472416765)), "96.83");
        assert_eq!(percent(dec!(0.990909090909091)), "99.09%");
        assert_eq!(percent(dec!(1)), "100%");
        assert_eq!(percent(dec!(0.978)), "97.8%");
        assert_eq!(rate_format(dec!(0.95)), RATE_FORMAT);
        assert_eq!(rate_format(dec!(95)), PERCENT_NUMBER_FORMAT);
    }
}

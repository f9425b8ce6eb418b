//! Cell values → field values: text as written, exact decimals, rates,
//! money in 万元.

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::source::Value;
use crate::text::trim;

/// What a decimal cell should have held, for the error message.
pub(crate) type Expected = &'static str;

/// Texts that mean "not applicable" in a number cell.
const NOT_APPLICABLE: &[&str] = &["-", "—", "——", "－", "–", "/", "／", "\\", "无", "—/—"];

/// Excel's error values, as a cached formula result or as text in an export:
/// the number they stand for is unknown.
const FORMULA_ERRORS: &[&str] = &[
    "#DIV/0!",
    "#N/A",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
];

/// Units tolerated after a number (`9.5分`, `77万元`).
const NUMBER_UNITS: &[&str] = &["分", "万元", "元"];

/// The cell as text: trimmed, inner whitespace kept; a number as its plain
/// decimal text. `None` when empty.
pub(crate) fn text(value: &Value) -> Option<String> {
    let t = match value {
        Value::Empty | Value::FormulaNoValue(_) => return None,
        Value::Bool(true) => "TRUE",
        Value::Bool(false) => "FALSE",
        Value::Text(s) | Value::Number(s) | Value::Date(s) | Value::Error(s) => trim(s),
    };
    (!t.is_empty()).then(|| t.to_string())
}

/// Whether text in a number cell means "no value": a not-applicable mark
/// (`-`, `—`, `/`, `无`) or a formula error (`#DIV/0!`).
pub(crate) fn is_no_value(text: &str) -> bool {
    let t = trim(text);
    t.is_empty() || NOT_APPLICABLE.contains(&t) || FORMULA_ERRORS.contains(&t)
}

/// A decimal cell: empty, `-`/`—`/`/` or a formula error (`#DIV/0!` where
/// a budget is 0) is `None`; text numbers (`"880"`, `"200,000.00"`,
/// full-width digits, `9.5分`) are numbers.
pub(crate) fn decimal(value: &Value) -> Result<Option<Decimal>, Expected> {
    const WHAT: Expected = "a number";
    match value {
        Value::Empty | Value::FormulaNoValue(_) | Value::Error(_) => Ok(None),
        Value::Number(s) => parse_plain(s).map(Some).ok_or(WHAT),
        Value::Text(s) => {
            let t = trim(s);
            if is_no_value(t) {
                return Ok(None);
            }
            let folded = crate::text::fold(t).replace(',', "");
            let bare = NUMBER_UNITS
                .iter()
                .find_map(|u| folded.strip_suffix(u))
                .unwrap_or(&folded);
            parse_plain(bare).map(Some).ok_or(WHAT)
        }
        Value::Bool(_) | Value::Date(_) => Err(WHAT),
    }
}

/// A rate: `99.5%` text → 0.995; a number cell keeps its stored value; a
/// bare text number is kept as written.
pub(crate) fn rate(value: &Value) -> Result<Option<Decimal>, Expected> {
    const WHAT: Expected = "a rate such as 99.5% or 0.995";
    if let Value::Text(s) = value {
        let folded = crate::text::fold(trim(s));
        if let Some(number) = folded.strip_suffix('%') {
            let n = parse_plain(&number.replace(',', "")).ok_or(WHAT)?;
            return Ok(Some((n / Decimal::ONE_HUNDRED).normalize()));
        }
    }
    decimal(value).map_err(|_| WHAT)
}

/// Money converted to 万元: `yuan` amounts are divided by 10000 exactly.
pub(crate) fn money(value: &Value, yuan: bool) -> Result<Option<Decimal>, Expected> {
    const WHAT: Expected = "an amount of money";
    let amount = decimal(value).map_err(|_| WHAT)?;
    Ok(amount.map(|a| {
        if yuan {
            (a / Decimal::from(10_000)).normalize()
        } else {
            a
        }
    }))
}

/// A whole number such as a year.
pub(crate) fn integer(value: &Value) -> Result<Option<i32>, Expected> {
    const WHAT: Expected = "a whole number";
    match decimal(value).map_err(|_| WHAT)? {
        None => Ok(None),
        Some(d) if d.fract().is_zero() => i32::try_from(d.mantissa() / 10i128.pow(d.scale()))
            .map(Some)
            .map_err(|_| WHAT),
        Some(_) => Err(WHAT),
    }
}

/// Parses plain decimal text (optional sign, digits, one point).
fn parse_plain(s: &str) -> Option<Decimal> {
    let s = s.trim();
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let ok = !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == '.')
        && body.chars().filter(|&c| c == '.').count() <= 1
        && body.chars().any(|c| c.is_ascii_digit());
    if !ok {
        return None;
    }
    Decimal::from_str(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    fn d(s: &str) -> Option<Decimal> {
        Decimal::from_str(s).ok()
    }

    #[test]
    fn decimals_from_text_and_numbers() {
        assert_eq!(decimal(&Value::Number("76.3".into())), Ok(d("76.3")));
        assert_eq!(decimal(&t("200,000.00")), Ok(d("200000.00")));
        assert_eq!(decimal(&t("８８０")), Ok(d("880")));
        assert_eq!(decimal(&t("9.5分")), Ok(d("9.5")));
        assert_eq!(decimal(&t(" — ")), Ok(None));
        assert_eq!(decimal(&Value::Empty), Ok(None));
        assert!(decimal(&t("abc")).is_err());
        assert_eq!(decimal(&Value::Error("#DIV/0!".into())), Ok(None));
        assert_eq!(decimal(&t("#VALUE!")), Ok(None));
        assert_eq!(rate(&Value::Error("#DIV/0!".into())), Ok(None));
        assert!(decimal(&t("1.2.3")).is_err());
    }

    #[test]
    fn rates_and_money() {
        assert_eq!(rate(&t("97.80%")), Ok(d("0.978")));
        assert_eq!(rate(&t("100.00%")), Ok(d("1")));
        assert_eq!(rate(&Value::Number("0.9909".into())), Ok(d("0.9909")));
        assert_eq!(rate(&t("20")), Ok(d("20")));
        assert_eq!(money(&Value::Number("902000".into()), true), Ok(d("90.2")));
        assert_eq!(money(&t("72890"), true), Ok(d("7.289")));
        assert!(money(&t("abc"), false).is_err());
    }

    #[test]
    fn text_keeps_inner_whitespace() {
        assert_eq!(text(&t("  不少于12 种\n")), Some("不少于12 种".into()));
        assert_eq!(text(&t("　")), None);
        assert_eq!(text(&Value::Number("43.2".into())), Some("43.2".into()));
        assert_eq!(integer(&t("2021")), Ok(Some(2021)));
    }
}

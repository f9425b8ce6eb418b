//! Overflow-safe exact arithmetic on values read from forms. A form may hold
//! any number up to `Decimal::MAX`; plain `+ - * /` would panic on overflow,
//! so sums and products saturate and quotients are checked. Real forms stay
//! far from the limits, where these are the ordinary operations.

use rust_decimal::Decimal;

/// Σ, saturating at the limits.
pub fn sum(values: impl IntoIterator<Item = Decimal>) -> Decimal {
    values
        .into_iter()
        .fold(Decimal::ZERO, |acc, v| acc.saturating_add(v))
}

/// Σ when every value is present, else `None`.
pub fn sum_all(values: impl IntoIterator<Item = Option<Decimal>>) -> Option<Decimal> {
    values
        .into_iter()
        .try_fold(Decimal::ZERO, |acc, v| v.map(|v| acc.saturating_add(v)))
}

/// Σ of the values present, `None` when none is.
pub fn sum_present(values: impl IntoIterator<Item = Option<Decimal>>) -> Option<Decimal> {
    values
        .into_iter()
        .flatten()
        .reduce(|a, b| a.saturating_add(b))
}

/// `a − b`, saturating.
pub fn diff(a: Decimal, b: Decimal) -> Decimal {
    a.saturating_sub(b)
}

/// `|a − b|`, saturating.
pub fn distance(a: Decimal, b: Decimal) -> Decimal {
    a.saturating_sub(b).abs()
}

/// `a × b`, saturating.
pub fn mul(a: Decimal, b: Decimal) -> Decimal {
    a.saturating_mul(b)
}

/// `a ÷ b × c`; `None` when `b` is 0 or the quotient overflows.
pub fn ratio_of(a: Decimal, b: Decimal, c: Decimal) -> Option<Decimal> {
    a.checked_div(b).map(|q| q.saturating_mul(c))
}

/// A fraction as a percentage (`0.95` → `95`).
pub fn percent(fraction: Decimal) -> Decimal {
    fraction.saturating_mul(Decimal::ONE_HUNDRED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturates_instead_of_panicking() {
        assert_eq!(sum([Decimal::MAX, Decimal::MAX]), Decimal::MAX);
        assert_eq!(sum_all([Some(Decimal::ONE), None]), None);
        assert_eq!(sum_present([None, Some(Decimal::ONE)]), Some(Decimal::ONE));
        assert_eq!(diff(Decimal::MIN, Decimal::MAX), Decimal::MIN);
        assert_eq!(mul(Decimal::MAX, Decimal::TWO), Decimal::MAX);
        assert_eq!(ratio_of(Decimal::ONE, Decimal::ZERO, Decimal::TEN), None);
        assert_eq!(
            ratio_of(Decimal::MAX, Decimal::new(1, 28), Decimal::ONE),
            None
        );
    }
}

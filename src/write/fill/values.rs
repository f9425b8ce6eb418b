//! Record values in the template's conventions: a split target, a rate as
//! percent text, a weight restated in a block label, percent styles.

use regex::Regex;
use rust_decimal::Decimal;

/// Comparators a split target's 指标性质 column holds.
const COMPARATORS: &[char] = &[
    '≥', '≤', '>', '<', '=', '＞', '＜', '≧', '≦', '═', '＝', '≠', '≈', '＋', '+', '~', '～',
];

/// A target split into 指标性质 | 指标值 | 度量单位 (`≥95%` → `≥`, `95`,
/// `%`) such that the parts, joined, give the target back as the importer
/// joins them; `None` when no such split exists (the whole target then
/// goes into the 指标值 column).
pub fn split_target(target: &str) -> Option<(String, String, String)> {
    let comp_len: usize = target
        .chars()
        .take_while(|c| COMPARATORS.contains(c))
        .map(char::len_utf8)
        .sum();
    let rest = &target[comp_len..];
    let value_len: usize = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',' || *c == '-')
        .map(char::len_utf8)
        .sum();
    let parts = (
        target[..comp_len].to_string(),
        rest[..value_len].to_string(),
        rest[value_len..].to_string(),
    );
    let trimmed = |s: &str| crate::text::trim(s) == s;
    let ok = trimmed(&parts.0) && trimmed(&parts.1) && trimmed(&parts.2) && !parts.1.is_empty();
    ok.then_some(parts)
}

/// A rate as percent text: 0.995 → `99.5%`.
pub fn percent_text(rate: Decimal) -> String {
    match rate.checked_mul(Decimal::ONE_HUNDRED) {
        Some(p) => format!("{}%", p.normalize()),
        None => rate.to_string(),
    }
}

/// `label` with its printed weight (`（20分）`) replaced by `weight`.
pub fn restate_weight(label: &str, printed: &str, weight: Decimal) -> Option<String> {
    let at = label.find(&format!("{printed}分"))?;
    Some(format!(
        "{}{}{}",
        &label[..at],
        weight,
        &label[at + printed.len()..]
    ))
}

/// The cell styles (`s` indexes into `cellXfs`) whose number format shows
/// a percent.
pub fn percent_styles(styles: &[u8]) -> Vec<u32> {
    let text = String::from_utf8_lossy(styles);
    let num_fmt = Regex::new(r#"<(?:\w+:)?numFmt\b[^>]*numFmtId="(\d+)"[^>]*formatCode="([^"]*)""#)
        .expect("valid");
    let mut percent: Vec<u32> = vec![9, 10];
    for c in num_fmt.captures_iter(&text) {
        if c[2].contains('%') {
            if let Ok(id) = c[1].parse() {
                percent.push(id);
            }
        }
    }
    let Some(start) = text.find("<cellXfs") else {
        return Vec::new();
    };
    let end = text[start..]
        .find("</cellXfs>")
        .map_or(text.len(), |e| start + e);
    let xf = Regex::new(r"<(?:\w+:)?xf\b[^>]*>").expect("valid");
    let id = Regex::new(r#"numFmtId="(\d+)""#).expect("valid");
    xf.find_iter(&text[start..end])
        .enumerate()
        .filter(|(_, m)| {
            id.captures(m.as_str())
                .and_then(|c| c[1].parse::<u32>().ok())
                .is_some_and(|n| percent.contains(&n))
        })
        .map(|(i, _)| i as u32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn targets_split_only_where_they_join_back() {
        let s = |t: &str| split_target(t);
        assert_eq!(s("≥95%"), Some(("≥".into(), "95".into(), "%".into())));
        assert_eq!(s("100"), Some(("".into(), "100".into(), "".into())));
        assert_eq!(s("≥ 95%"), None);
        assert_eq!(s("较上年提高"), None);
        assert_eq!(
            s("=3.5万人次"),
            Some(("=".into(), "3.5".into(), "万人次".into()))
        );
        assert_eq!(s("95 %"), None);
    }

    #[test]
    fn rates_and_weights_in_the_template_wording() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(percent_text(d("0.995")), "99.5%");
        assert_eq!(percent_text(d("1")), "100%");
        assert_eq!(
            restate_weight("预算执行情况（万元）（20分）", "20", d("15")).as_deref(),
            Some("预算执行情况（万元）（15分）")
        );
    }

    #[test]
    fn percent_styles_are_found_by_format() {
        let styles = r#"<styleSheet><numFmts count="1"><numFmt numFmtId="164" formatCode="0.00%"/></numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="10"/></cellXfs></styleSheet>"#;
        assert_eq!(percent_styles(styles.as_bytes()), vec![1, 2]);
    }
}

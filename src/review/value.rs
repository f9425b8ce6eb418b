//! The value parser: a 年度指标值 or 实际完成值 text → what it says
//! (a quantity with comparator and unit, a deadline, a range, a qualitative
//! grade, not-applicable, or unknown). Pure functions; the words come from
//! `vocabulary.toml`.

use std::sync::LazyLock;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::vocab::{vocabulary, Vocabulary};
use crate::pattern::Pattern;

/// `≥ > ≤ < =`: how the actual is held against the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Comparator {
    #[serde(rename = "≥")]
    AtLeast,
    #[serde(rename = ">")]
    Above,
    #[serde(rename = "≤")]
    AtMost,
    #[serde(rename = "<")]
    Below,
    #[serde(rename = "=")]
    Equal,
}

impl Comparator {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::AtLeast => "≥",
            Comparator::Above => ">",
            Comparator::AtMost => "≤",
            Comparator::Below => "<",
            Comparator::Equal => "=",
        }
    }

    /// Lower is better (`≤`, `<`).
    pub fn is_reverse(self) -> bool {
        matches!(self, Comparator::AtMost | Comparator::Below)
    }

    /// Higher is better (`≥`, `>`).
    pub fn is_positive(self) -> bool {
        matches!(self, Comparator::AtLeast | Comparator::Above)
    }
}

/// The three official qualitative grades (财预〔2020〕10号).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Achievement {
    /// 达成年度指标
    #[serde(rename = "达成")]
    Achieved,
    /// 部分达成年度指标并具有一定效果
    #[serde(rename = "部分达成")]
    Partial,
    /// 未达成年度指标且效果较差
    #[serde(rename = "未达成")]
    NotAchieved,
}

impl Achievement {
    pub fn label(self) -> &'static str {
        match self {
            Achievement::Achieved => "达成年度指标",
            Achievement::Partial => "部分达成年度指标并具有一定效果",
            Achievement::NotAchieved => "未达成年度指标且效果较差",
        }
    }
}

/// A measured value: comparator, number and unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Quantity {
    /// `None` when the text has no comparator (`90%`, `50`).
    pub comparator: Option<Comparator>,
    pub number: Decimal,
    /// The standard spelling (`%` for `百分比`); `None` when none is written.
    pub unit: Option<String>,
    /// The unit as written when it is not the standard spelling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_written: Option<String>,
    /// The unit was not written but follows from the indicator (a bare `100`
    /// on a …率 indicator is a percentage).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unit_implied: bool,
    /// The multiplier written before the unit (`5万册次` → 10000), already
    /// applied to `number`: an actual written without it (`5.2`) may mean
    /// the same scale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<Decimal>,
}

/// What a target or actual text says.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ParsedValue {
    Quantitative(Quantity),
    /// `2021年12月31日前`, `12月底之前完成`, `1-12月`, `全年`: scored as qualitative.
    Deadline,
    /// `±10%`, `45%-60%`: no default formula, left to manual review.
    Range {
        low: Decimal,
        high: Decimal,
        unit: Option<String>,
    },
    /// A grade label; `grade` is `None` for a descriptive target
    /// (`严格执行相关制度规定`), which states no grade.
    Qualitative {
        grade: Option<Achievement>,
    },
    /// `/`, `—`, `-`, `无`: the indicator does not apply.
    NotApplicable,
    /// Nothing written.
    #[default]
    Empty,
    /// A template placeholder left in (`**元/人·月`, `指标1：`).
    Placeholder,
    /// Text the parser does not understand; kept, never guessed.
    Unknown,
}

/// The kind of a parsed value, without its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    Quantitative,
    Deadline,
    Range,
    Qualitative,
    NotApplicable,
    Empty,
    Placeholder,
    Unknown,
}

impl ParsedValue {
    pub fn kind(&self) -> ValueKind {
        match self {
            ParsedValue::Quantitative(_) => ValueKind::Quantitative,
            ParsedValue::Deadline => ValueKind::Deadline,
            ParsedValue::Range { .. } => ValueKind::Range,
            ParsedValue::Qualitative { .. } => ValueKind::Qualitative,
            ParsedValue::NotApplicable => ValueKind::NotApplicable,
            ParsedValue::Empty => ValueKind::Empty,
            ParsedValue::Placeholder => ValueKind::Placeholder,
            ParsedValue::Unknown => ValueKind::Unknown,
        }
    }

    pub fn quantity(&self) -> Option<&Quantity> {
        match self {
            ParsedValue::Quantitative(q) => Some(q),
            _ => None,
        }
    }

    pub fn comparator(&self) -> Option<Comparator> {
        self.quantity().and_then(|q| q.comparator)
    }

    pub fn number(&self) -> Option<Decimal> {
        self.quantity().map(|q| q.number)
    }

    pub fn unit(&self) -> Option<&str> {
        match self {
            ParsedValue::Quantitative(q) => q.unit.as_deref(),
            ParsedValue::Range { unit, .. } => unit.as_deref(),
            _ => None,
        }
    }

    pub fn grade(&self) -> Option<Achievement> {
        match self {
            ParsedValue::Qualitative { grade } => *grade,
            _ => None,
        }
    }
}

/// Whether the text is a 年度指标值 (free text is a descriptive qualitative
/// target) or a 实际完成值 (free text is unknown).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Target,
    Actual,
}

/// Normalizes a cell text for parsing: NFKC (full-width ＞＝＜％ and digits
/// fold to ASCII), every whitespace removed, trailing sentence punctuation
/// dropped.
pub fn normalize(text: &str) -> String {
    let mut folded = crate::text::nfkc_without_whitespace(text);
    let kept = folded
        .trim_end_matches(['。', '.', ';', '；', ',', '，', '!', '！'])
        .len();
    folded.truncate(kept);
    folded
}

/// Parses a 年度指标值 text.
pub fn parse_target(text: &str) -> ParsedValue {
    parse(text, Role::Target)
}

/// Parses a 实际完成值 text.
pub fn parse_actual(text: &str) -> ParsedValue {
    parse(text, Role::Actual)
}

/// Parses a value text in the given role.
pub fn parse(text: &str, role: Role) -> ParsedValue {
    parse_normalized(&normalize(text), role)
}

/// Parses a value text already passed through [`normalize`].
pub fn parse_normalized(s: &str, role: Role) -> ParsedValue {
    let v = vocabulary();
    if s.is_empty() {
        return ParsedValue::Empty;
    }
    if v.is_not_applicable(s) {
        return ParsedValue::NotApplicable;
    }
    if v.placeholders.is_match(s) {
        return ParsedValue::Placeholder;
    }
    if let Some(grade) = v.grades.get(s) {
        return ParsedValue::Qualitative {
            grade: Some(*grade),
        };
    }
    if v.deadlines.is_match(s) {
        return ParsedValue::Deadline;
    }
    if let Some(range) = range(v, s) {
        return range;
    }
    if let Some(parsed) = quantity(v, s, role) {
        return parsed;
    }
    match role {
        Role::Target => ParsedValue::Qualitative { grade: None },
        Role::Actual => ParsedValue::Unknown,
    }
}

static NUMBER: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+").expect("number regex is valid")
});

/// Compiles the number pattern ahead of the first review (see [`super::prepare`]).
pub(super) fn prepare() {
    LazyLock::force(&NUMBER);
}

fn decimal(digits: &str) -> Option<Decimal> {
    if digits.contains(',') {
        digits.replace(',', "").parse().ok()
    } else {
        digits.parse().ok()
    }
}

/// `±10%` or `45%-60%`.
fn range(v: &Vocabulary, s: &str) -> Option<ParsedValue> {
    if let Some(rest) = s.strip_prefix('±') {
        let m = NUMBER.find(rest).filter(|m| m.start() == 0)?;
        let n = decimal(m.as_str())?;
        let (unit, tail) = unit_at(v, &rest[m.end()..]);
        return tail.is_empty().then(|| ParsedValue::Range {
            low: -n,
            high: n,
            unit: unit.map(|(u, _)| u),
        });
    }
    let caps = v.range.captures(s)?;
    let low = decimal(caps.get(1)?.as_str())?;
    let high = decimal(caps.get(3)?.as_str())?;
    let unit_of = |text: &str| -> Option<Option<String>> {
        match unit_at(v, text) {
            (None, "") => Some(None),
            (Some((u, _)), "") => Some(Some(u)),
            _ => None,
        }
    };
    let first = unit_of(caps.get(2)?.as_str())?;
    let second = unit_of(caps.get(4)?.as_str())?;
    (low <= high).then(|| ParsedValue::Range {
        low,
        high,
        unit: second.or(first),
    })
}

/// The unit at the start of `text` (standard spelling, and the spelling as
/// written when that differs) and what follows it. Longest match wins; a
/// compound tail (`元/平方米`) is kept.
fn unit_at<'a>(v: &Vocabulary, text: &'a str) -> (Option<(String, Option<String>)>, &'a str) {
    let Some(unit) = v.unit_at_start(text) else {
        return (None, text);
    };
    let mut end = unit.len();
    let rest = &text[end..];
    if let Some(after_slash) = rest.strip_prefix('/') {
        let extra: usize = after_slash
            .chars()
            .take_while(|c| c.is_alphabetic() || *c == '·' || *c == '/')
            .map(char::len_utf8)
            .sum();
        if extra > 0 {
            end += 1 + extra;
        }
    }
    let written = &text[..end];
    let standard = v.standard_unit(written).to_string();
    let as_written = (standard != written).then(|| written.to_string());
    (Some((standard, as_written)), &text[end..])
}

/// A multiplier (`万`, `千`) that scales the number because a unit follows
/// it and the pair is not itself a unit (`1.2万人` but not `10万元`).
fn multiplier<'a>(v: &Vocabulary, tail: &'a str) -> Option<(Decimal, &'a str)> {
    v.multipliers.iter().find_map(|(word, factor)| {
        let rest = tail.strip_prefix(word.as_str())?;
        let (unit, _) = unit_at(v, rest);
        let (whole, _) = unit_at(v, tail);
        let pair_is_unit = whole.is_some_and(|(u, w)| {
            let w = w.unwrap_or(u);
            w.chars().count() > word.chars().count()
        });
        (unit.is_some() && !pair_is_unit).then_some((*factor, rest))
    })
}

/// A scale (`万`) before a word the vocabulary knows no unit for
/// (`50万页`): the scale applies and the word is the unit as written. Else
/// `万` would read as the money spelling of `万元` (`45万`), which a page
/// count is not.
fn scale_before_word<'a>(v: &Vocabulary, tail: &'a str) -> Option<(Decimal, &'a str, &'a str)> {
    const LONGEST_WORD: usize = 4;
    v.multipliers.iter().find_map(|(scale, factor)| {
        let rest = tail.strip_prefix(scale.as_str())?;
        let (known, _) = unit_at(v, rest);
        let (whole, _) = unit_at(v, tail);
        // `万元` is a unit, not a scale; `1.2万人` is handled by the caller.
        let pair_is_unit =
            whole.is_some_and(|(u, w)| w.unwrap_or(u).chars().count() > scale.chars().count());
        if known.is_some() || pair_is_unit {
            return None;
        }
        let end = rest
            .char_indices()
            .take_while(|&(i, c)| {
                c.is_alphabetic()
                    && !v
                        .words_after
                        .iter()
                        .any(|(w, _)| rest[i..].starts_with(w.as_str()))
            })
            .take(LONGEST_WORD)
            .last()
            .map(|(i, c)| i + c.len_utf8())?;
        Some((*factor, &rest[..end], &rest[end..]))
    })
}

fn comparator_in(v: &Vocabulary, lead: &str, after: &str) -> Option<Comparator> {
    // The symbol written last; of two starting together, the later listed.
    let symbol = v
        .symbols
        .matches(lead)
        .max_by_key(|m| (m.start, m.index))
        .map(|m| v.symbol_comparators[m.index]);
    symbol
        .or_else(|| {
            v.words_before
                .first_in(lead)
                .map(|i| v.before_comparators[i])
        })
        .or_else(|| {
            v.words_after
                .iter()
                .find(|(w, _)| after.starts_with(w.as_str()))
                .map(|(_, c)| *c)
        })
}

/// The first number in the text with its comparator and unit; or, for an
/// actual, a completion statement (`已完成100%`) read as a grade.
fn quantity(v: &Vocabulary, s: &str, role: Role) -> Option<ParsedValue> {
    let m = NUMBER.find(s)?;
    let mut number = decimal(m.as_str())?;
    let mut lead = &s[..m.start()];
    if let Some(rest) = lead.strip_suffix(['-', '−']) {
        // A sign, not a range or date separator: nothing numeric before it.
        if !rest.ends_with(|c: char| c.is_ascii_digit()) {
            number = -number;
            lead = rest;
        }
    }
    let mut tail = &s[m.end()..];
    let mut scale = None;
    if let Some((factor, rest)) = multiplier(v, tail) {
        number = number.saturating_mul(factor);
        scale = Some(factor);
        tail = rest;
    }
    let (unit, after) = match scale_before_word(v, tail) {
        Some((factor, word, rest)) if scale.is_none() => {
            number = number.saturating_mul(factor);
            scale = Some(factor);
            (Some((word.to_string(), None)), rest)
        }
        _ => unit_at(v, tail),
    };
    let comparator = comparator_in(v, lead, after);
    let (unit, unit_written) = match unit {
        Some((u, w)) => (Some(u), w),
        None => (None, None),
    };
    if role == Role::Actual && comparator.is_none() && unit.as_deref() == Some("%") {
        if let Some(grade) = completion(v, lead, number) {
            return Some(grade);
        }
    }
    Some(ParsedValue::Quantitative(Quantity {
        comparator,
        number,
        unit,
        unit_written,
        unit_implied: false,
        scale,
    }))
}

/// `已完成100%`: the actual states a completion grade, not a measurement.
fn completion(v: &Vocabulary, lead: &str, percent: Decimal) -> Option<ParsedValue> {
    v.completion.iter().find(|w| lead.ends_with(w.as_str()))?;
    let grade = if percent >= Decimal::ONE_HUNDRED {
        Achievement::Achieved
    } else {
        Achievement::Partial
    };
    Some(ParsedValue::Qualitative { grade: Some(grade) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn q(c: Option<Comparator>, n: Decimal, unit: Option<&str>) -> ParsedValue {
        ParsedValue::Quantitative(Quantity {
            comparator: c,
            number: n,
            unit: unit.map(str::to_string),
            unit_written: None,
            unit_implied: false,
            scale: None,
        })
    }

    #[test]
    fn comparators_in_every_spelling() {
        use Comparator::*;
        for (text, c) in [
            ("≥50个", AtLeast),
            ("＞5次", Above),
            ("≧90%", AtLeast),
            ("≦10次", AtMost),
            ("＜3%", Below),
            ("＝100%", Equal),
            ("﹦100%", Equal),
            ("不低于95%", AtLeast),
            ("不少于12 种", AtLeast),
            ("以内", AtMost),
            ("5次以内", AtMost),
            ("不超过10万元", AtMost),
            ("不高于3%", AtMost),
            ("超13万元/年", Above),
            ("达95%以上", AtLeast),
        ] {
            let p = parse_target(text);
            if text == "以内" {
                assert_eq!(p.kind(), ValueKind::Qualitative);
                continue;
            }
            assert_eq!(p.comparator(), Some(c), "{text}");
        }
    }

    #[test]
    fn numbers_with_separators_and_multipliers() {
        assert_eq!(
            parse_target("200,000.00元"),
            q(None, dec!(200000.00), Some("元"))
        );
        let scaled = |n, unit: &str, factor| {
            let mut p = q(None, n, Some(unit));
            if let ParsedValue::Quantitative(q) = &mut p {
                q.scale = Some(factor);
            }
            p
        };
        assert_eq!(
            parse_target("1.2万人"),
            scaled(dec!(12000), "人", dec!(10000))
        );
        assert_eq!(parse_target("3千户"), scaled(dec!(3000), "户", dec!(1000)));
        assert_eq!(parse_target("10万元"), q(None, dec!(10), Some("万元")));
        assert_eq!(parse_target("１２０人"), q(None, dec!(120), Some("人")));
        assert_eq!(parse_actual("-2%"), q(None, dec!(-2), Some("%")));
        assert_eq!(
            parse_target("≥−1.5%"),
            q(Some(Comparator::AtLeast), dec!(-1.5), Some("%"))
        );
    }

    #[test]
    fn nonstandard_units_fold_but_are_remembered() {
        let p = parse_target("≥100百分比");
        let qty = p.quantity().unwrap();
        assert_eq!(qty.unit.as_deref(), Some("%"));
        assert_eq!(qty.unit_written.as_deref(), Some("百分比"));
        assert_eq!(parse_target("95％").unit(), Some("%"));
        assert_eq!(parse_target("45万").unit(), Some("万元"));
    }

    #[test]
    fn a_scale_before_an_unknown_word_is_no_money() {
        // 万 scales the page count; it is not the money spelling of 万元.
        let p = parse_target("≥50万页");
        let qty = p.quantity().unwrap();
        assert_eq!(qty.unit.as_deref(), Some("页"));
        assert_eq!(qty.unit_written, None);
        assert_eq!(qty.number, dec!(500000));
        assert_eq!(qty.comparator, Some(Comparator::AtLeast));
        let p = parse_target("5万字以上");
        assert_eq!(p.unit(), Some("字"));
        assert_eq!(p.comparator(), Some(Comparator::AtLeast));
        assert_eq!(parse_target("1.2万人").unit(), Some("人"));
        assert_eq!(parse_target("10万元").unit(), Some("万元"));
    }

    #[test]
    fn compound_units_are_kept() {
        assert_eq!(parse_target("超13万元/年").unit(), Some("万元/年"));
        assert_eq!(parse_target("≤500元/平方米").unit(), Some("元/平方米"));
        assert_eq!(parse_target("800元/人·月").unit(), Some("元/人·月"));
    }

    #[test]
    fn deadlines() {
        for text in [
            "2021年12月31日前",
            "12月底之前完成",
            "1-12月",
            "全年",
            "2020年全年。",
            "年底前完成",
            "6月30日前",
        ] {
            assert_eq!(parse_target(text), ParsedValue::Deadline, "{text}");
        }
        // A count that merely mentions the year is not a deadline.
        assert_eq!(parse_target("至少全年完成2次宣传").number(), Some(dec!(2)));
    }

    #[test]
    fn ranges() {
        assert_eq!(
            parse_target("±10%"),
            ParsedValue::Range {
                low: dec!(-10),
                high: dec!(10),
                unit: Some("%".into())
            }
        );
        assert_eq!(
            parse_target("45%-60%"),
            ParsedValue::Range {
                low: dec!(45),
                high: dec!(60),
                unit: Some("%".into())
            }
        );
        assert_eq!(parse_target("14-24℃").kind(), ValueKind::Range);
    }

    #[test]
    fn qualitative_and_markers() {
        assert_eq!(
            parse_actual("达成预期指标").grade(),
            Some(Achievement::Achieved)
        );
        assert_eq!(parse_actual("有所提升"), ParsedValue::Unknown);
        assert_eq!(parse_actual("基本完成").grade(), Some(Achievement::Partial));
        assert_eq!(
            parse_actual("未达成年度指标且效果较差").grade(),
            Some(Achievement::NotAchieved)
        );
        assert_eq!(
            parse_actual("已完成100%").grade(),
            Some(Achievement::Achieved)
        );
        assert_eq!(
            parse_actual("已完成80%").grade(),
            Some(Achievement::Partial)
        );
        for na in ["/", "—", "-", "无", " ／ "] {
            assert_eq!(parse_actual(na), ParsedValue::NotApplicable, "{na}");
        }
        assert_eq!(parse_actual("  "), ParsedValue::Empty);
        assert_eq!(parse_actual("无上访"), ParsedValue::Unknown);
        assert_eq!(
            parse_target("严格执行相关制度规定"),
            ParsedValue::Qualitative { grade: None }
        );
        assert_eq!(parse_target("**元/人·月"), ParsedValue::Placeholder);
        assert_eq!(parse_target("≥**人次"), ParsedValue::Placeholder);
    }

    #[test]
    fn normalizing_narrows_and_composes() {
        assert_eq!(normalize("Ａ\u{300}：（１）。"), "À:(1)");
    }

    #[test]
    fn json_shape() {
        let json = serde_json::to_string(&parse_target("≥100百分比")).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"quantitative","comparator":"≥","number":"100","unit":"%","unit_written":"百分比"}"#
        );
        assert_eq!(
            serde_json::to_string(&parse_target("/")).unwrap(),
            r#"{"kind":"not_applicable"}"#
        );
    }
}

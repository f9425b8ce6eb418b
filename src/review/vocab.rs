//! The parser's and the rules' vocabulary, loaded once from the embedded
//! `vocabulary.toml`: every word a form may use lives in data, not code.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, Anchored, Input, MatchKind, StartKind};
use rust_decimal::Decimal;
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use super::value::{Achievement, Comparator};
use crate::pattern::Pattern;

const SOURCE: &str = include_str!("vocabulary.toml");

/// A 一级指标 family: which standard weight a label is held to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Output,
    Benefit,
    Satisfaction,
    Cost,
    /// 项目决策 / 项目管理 (宁夏-style): judged by the reviewer, no standard weight.
    Process,
}

#[derive(Deserialize)]
struct Raw {
    not_applicable: Vec<String>,
    placeholders: Vec<String>,
    deadlines: Vec<String>,
    multipliers: BTreeMap<String, Decimal>,
    comparators: RawComparators,
    units: RawUnits,
    percent_names: RawContains,
    qualitative: RawQualitative,
    level1: Vec<Level1>,
    level2: Vec<Level2>,
    direction: RawDirection,
    labels: RawLabels,
}

#[derive(Deserialize)]
struct RawComparators {
    symbols: BTreeMap<String, Comparator>,
    before: BTreeMap<String, Comparator>,
    after: BTreeMap<String, Comparator>,
}

#[derive(Deserialize)]
struct RawUnits {
    known: Vec<String>,
    nonstandard: BTreeMap<String, String>,
    groups: Vec<UnitGroup>,
}

#[derive(Deserialize)]
struct RawContains {
    contains: Vec<String>,
}

#[derive(Deserialize)]
struct RawQualitative {
    achieved: Vec<String>,
    partial: Vec<String>,
    not_achieved: Vec<String>,
    completion: Vec<String>,
}

#[derive(Deserialize)]
struct RawDirection {
    positive: Vec<String>,
    reverse: Vec<String>,
    reverse_by_default: Vec<String>,
    neutral: Vec<String>,
}

#[derive(Deserialize)]
struct RawLabels {
    weight: String,
    embedded_value: String,
    money_only: String,
    range: String,
    satisfaction: Vec<String>,
    level2_suffix: String,
    name_unit: String,
    goal_prompts: Vec<String>,
    funds_indicator: Vec<String>,
    sub_item_prefixes: Vec<String>,
    mention_suffixes: Vec<String>,
    mention_min_chars: usize,
    total_rows: Vec<String>,
}

/// Units that convert into each other.
#[derive(Clone, Debug, Deserialize)]
pub struct UnitGroup {
    pub name: String,
    pub factors: BTreeMap<String, Decimal>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Level1 {
    pub family: Family,
    pub label: String,
    pub words: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Level2 {
    pub label: String,
    pub family: Family,
    pub aliases: Vec<String>,
    /// Indicators under this label must be quantified (Q1).
    #[serde(default)]
    pub quantified: bool,
}

/// Which way an indicator name says its target should point (Q7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Positive,
    Reverse,
    /// Scored lower-is-better when the target has no comparator, but
    /// written either way (控制率): no Q7.
    ReverseByDefault,
    Neutral,
}

/// A list of words found in a text in one pass (Aho-Corasick) instead of
/// one substring search per word: names and labels are tested against
/// dozens of words for every indicator of every form.
pub struct Words {
    words: Vec<String>,
    automaton: AhoCorasick,
}

/// One occurrence of a word of a [`Words`] list.
#[derive(Clone, Copy, Debug)]
pub struct WordMatch {
    /// The word's position in the list.
    pub index: usize,
    pub start: usize,
    pub end: usize,
}

impl Words {
    fn new(words: Vec<String>) -> Self {
        // Embedded and covered by tests: a failure is a build defect.
        let automaton = AhoCorasick::new(&words).expect("embedded vocabulary words build");
        Words { words, automaton }
    }

    /// The words, in list order.
    pub fn as_slice(&self) -> &[String] {
        &self.words
    }

    /// Whether any word occurs in the text.
    pub fn any_in(&self, text: &str) -> bool {
        self.automaton.is_match(text)
    }

    /// Every occurrence of every word, overlapping ones included.
    pub fn matches<'a>(&'a self, text: &'a str) -> impl Iterator<Item = WordMatch> + 'a {
        self.automaton
            .find_overlapping_iter(text)
            .map(|m| WordMatch {
                index: m.pattern().as_usize(),
                start: m.start(),
                end: m.end(),
            })
    }

    /// The first word of the list that occurs in the text.
    pub fn first_in(&self, text: &str) -> Option<usize> {
        self.matches(text).map(|m| m.index).min()
    }
}

/// The compiled vocabulary.
pub struct Vocabulary {
    pub not_applicable: Vec<String>,
    /// Every placeholder pattern as one regex: matches when any does.
    pub placeholders: Pattern,
    /// Every deadline pattern as one regex: matches when any does.
    pub deadlines: Pattern,
    pub multipliers: BTreeMap<String, Decimal>,
    /// Comparator symbols, longest first, and what each means.
    pub symbols: Words,
    pub symbol_comparators: Vec<Comparator>,
    /// Words before the number, longest first, and what each means.
    pub words_before: Words,
    pub before_comparators: Vec<Comparator>,
    pub words_after: Vec<(String, Comparator)>,
    /// Every unit spelling (standard and not), longest first.
    pub units: Vec<String>,
    /// The same, to find the longest one a text starts with in one pass.
    unit_prefixes: AhoCorasick,
    pub nonstandard_units: BTreeMap<String, String>,
    pub unit_groups: Vec<UnitGroup>,
    pub percent_names: Words,
    pub grades: BTreeMap<String, Achievement>,
    pub completion: Vec<String>,
    pub level1: Vec<Level1>,
    pub level2: Vec<Level2>,
    /// The words of every 一级 family, and which `level1` entry each is of.
    level1_words: Words,
    level1_of_word: Vec<usize>,
    direction_words: Words,
    directions: Vec<Direction>,
    pub label_weight: Pattern,
    /// See `level2_suffix` in vocabulary.toml.
    level2_suffix: String,
    name_unit: Pattern,
    /// The template's prompt left in a goal cell (C5).
    pub goal_prompts: Pattern,
    /// Whole-cell words of a 总分 line read as an indicator.
    total_rows: Vec<String>,
    funds_indicator: Words,
    sub_item_prefixes: Vec<String>,
    mention_suffixes: Vec<String>,
    mention_min_chars: usize,
    pub embedded_value: Pattern,
    pub money_only: Pattern,
    pub range: Pattern,
    pub satisfaction_words: Words,
}

/// The vocabulary, compiled on first use.
pub fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
        // The file is embedded and covered by tests: failing here is a build
        // defect, never a property of the input.
        compile(toml::from_str(SOURCE).expect("embedded vocabulary.toml is valid"))
    });
    &VOCABULARY
}

fn regex(pattern: &str) -> Pattern {
    Pattern::new(pattern).expect("embedded vocabulary regex is valid")
}

/// One regex that matches where any of the patterns does: each is grouped,
/// so its anchors and flags stay its own.
fn any_of(patterns: &[String]) -> Pattern {
    let groups: Vec<String> = patterns.iter().map(|p| format!("(?:{p})")).collect();
    regex(&groups.join("|"))
}

/// A word list and, in the same order, what each word stands for.
fn split_words<V>(pairs: Vec<(String, V)>) -> (Words, Vec<V>) {
    let (words, values) = pairs.into_iter().unzip();
    (Words::new(words), values)
}

fn longest_first<V: Clone>(map: &BTreeMap<String, V>) -> Vec<(String, V)> {
    let mut v: Vec<(String, V)> = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    v.sort_by_key(|(k, _)| std::cmp::Reverse(k.chars().count()));
    v
}

/// Vocabulary words are matched against NFKC-normalized cell text, so they
/// are normalized the same way (`℃` is matched as `°C`).
fn nfkc(word: &str) -> String {
    word.nfkc().collect()
}

fn compile(raw: Raw) -> Vocabulary {
    let mut units: Vec<String> = raw.units.known.iter().map(|u| nfkc(u)).collect();
    units.extend(raw.units.nonstandard.keys().map(|u| nfkc(u)));
    units.sort_by_key(|u| std::cmp::Reverse(u.chars().count()));
    units.dedup();
    let q = &raw.qualitative;
    let mut grades = BTreeMap::new();
    for (words, grade) in [
        (&q.achieved, Achievement::Achieved),
        (&q.partial, Achievement::Partial),
        (&q.not_achieved, Achievement::NotAchieved),
    ] {
        for w in words {
            grades.insert(nfkc(w), grade);
        }
    }
    let d = &raw.direction;
    let mut direction_words = Vec::new();
    for (words, dir) in [
        (&d.positive, Direction::Positive),
        (&d.reverse, Direction::Reverse),
        (&d.reverse_by_default, Direction::ReverseByDefault),
        (&d.neutral, Direction::Neutral),
    ] {
        direction_words.extend(words.iter().map(|w| (w.clone(), dir)));
    }
    let (direction_words, directions) = split_words(direction_words);
    let (level1_words, level1_of_word) = split_words(
        raw.level1
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.words.iter().map(move |w| (w.clone(), i)))
            .collect(),
    );
    let (symbols, symbol_comparators) = split_words(longest_first(&raw.comparators.symbols));
    let (words_before, before_comparators) = split_words(longest_first(&raw.comparators.before));
    let mut completion = q.completion.clone();
    completion.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    Vocabulary {
        not_applicable: raw.not_applicable.iter().map(|w| nfkc(w)).collect(),
        placeholders: any_of(&raw.placeholders),
        deadlines: any_of(&raw.deadlines),
        multipliers: raw.multipliers,
        symbols,
        symbol_comparators,
        words_before,
        before_comparators,
        words_after: longest_first(&raw.comparators.after),
        unit_prefixes: AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Anchored)
            .build(&units)
            .expect("embedded units build"),
        units,
        nonstandard_units: raw.units.nonstandard,
        unit_groups: raw.units.groups,
        percent_names: Words::new(raw.percent_names.contains),
        grades,
        completion,
        level1: raw.level1,
        level2: raw.level2,
        level1_words,
        level1_of_word,
        direction_words,
        directions,
        label_weight: regex(&raw.labels.weight),
        embedded_value: regex(&raw.labels.embedded_value),
        money_only: regex(&raw.labels.money_only),
        range: regex(&raw.labels.range),
        satisfaction_words: Words::new(raw.labels.satisfaction),
        level2_suffix: nfkc(&raw.labels.level2_suffix),
        name_unit: regex(&raw.labels.name_unit),
        goal_prompts: any_of(&raw.labels.goal_prompts),
        total_rows: raw.labels.total_rows.iter().map(|w| nfkc(w)).collect(),
        funds_indicator: Words::new(raw.labels.funds_indicator),
        mention_suffixes: raw
            .labels
            .mention_suffixes
            .iter()
            .map(|w| nfkc(w))
            .collect(),
        mention_min_chars: raw.labels.mention_min_chars,
        sub_item_prefixes: raw
            .labels
            .sub_item_prefixes
            .iter()
            .map(|w| nfkc(w))
            .collect(),
    }
}

impl Vocabulary {
    /// Whether a whole normalized cell text says "does not apply".
    pub fn is_not_applicable(&self, text: &str) -> bool {
        self.not_applicable.iter().any(|w| w == text)
    }

    /// The longest unit spelling the text starts with.
    pub fn unit_at_start(&self, text: &str) -> Option<&str> {
        let found = self
            .unit_prefixes
            .find(Input::new(text).anchored(Anchored::Yes))?;
        Some(&self.units[found.pattern().as_usize()])
    }

    /// The standard spelling of a unit (`百分比` → `%`).
    pub fn standard_unit<'a>(&'a self, unit: &'a str) -> &'a str {
        self.nonstandard_units
            .get(unit)
            .map(String::as_str)
            .unwrap_or(unit)
    }

    /// The factor that converts `from` into `to`, when both are in one group.
    /// A rate unit converts with its base when the other side has none
    /// (`次/年` against `次`: the year is the form's own period).
    pub fn conversion(&self, from: &str, to: &str) -> Option<Decimal> {
        self.direct_conversion(from, to).or_else(|| {
            let (fb, fp) = from
                .split_once('/')
                .map_or((from, None), |(b, p)| (b, Some(p)));
            let (tb, tp) = to.split_once('/').map_or((to, None), |(b, p)| (b, Some(p)));
            let one_side_only = fp.is_none() || tp.is_none();
            (one_side_only && (fp.is_some() || tp.is_some()))
                .then(|| self.direct_conversion(fb, tb))
                .flatten()
        })
    }

    fn direct_conversion(&self, from: &str, to: &str) -> Option<Decimal> {
        if from == to {
            return Some(Decimal::ONE);
        }
        self.unit_groups.iter().find_map(|g| {
            let f = g.factors.get(from)?;
            let t = g.factors.get(to)?;
            f.checked_div(*t)
        })
    }

    /// Whether a bare number on an indicator of this name is a percentage.
    pub fn names_a_percentage(&self, name: &str) -> bool {
        self.percent_names.any_in(name)
    }

    /// The direction an indicator name calls for: the keyword written last
    /// wins, so `成本控制率` reads as a 控制率; of two ending together the
    /// longer wins, and of the same word listed twice the later entry.
    pub fn direction_of(&self, name: &str) -> Option<Direction> {
        self.direction_words
            .matches(name)
            .max_by_key(|m| (m.end, m.end - m.start, m.index))
            .map(|m| self.directions[m.index])
    }

    /// The 一级 family a label belongs to: the first entry with a word in it.
    pub fn family_of_level1(&self, label: &str) -> Option<Family> {
        let word = self.level1_words.first_in(label)?;
        Some(self.level1[self.level1_of_word[word]].family)
    }

    /// The standard 二级 entry for a label, through its aliases; a label
    /// written without the suffix (`成本`) as the label with it (`成本指标`).
    pub fn level2_of(&self, label: &str) -> Option<&'_ Level2> {
        let find = |label: &str| {
            self.level2
                .iter()
                .find(|l| l.label == label || l.aliases.iter().any(|a| a == label))
        };
        find(label).or_else(|| self.with_level2_suffix(label).and_then(|l| find(&l)))
    }

    /// Whether a 二级 label is the standard one, written in full or without
    /// its suffix (`时效` for `时效指标`): no C3 for it.
    pub fn is_standard_level2(&self, label: &str, standard: &Level2) -> bool {
        standard.label == label
            || self
                .with_level2_suffix(label)
                .is_some_and(|l| l == standard.label)
    }

    fn with_level2_suffix(&self, label: &str) -> Option<String> {
        (!self.level2_suffix.is_empty()
            && !label.is_empty()
            && !label.ends_with(&self.level2_suffix))
        .then(|| format!("{label}{}", self.level2_suffix))
    }

    /// The unit written inside an indicator name (`公猪舍（≥**平方米）` →
    /// `平方米`), in its standard spelling; the name is normalized.
    pub fn unit_in_name(&self, name: &str) -> Option<&str> {
        self.name_unit.captures_iter(name).find_map(|caps| {
            let inside = caps.get(1)?.as_str();
            let unit = self
                .unit_at_start(inside)
                .filter(|u| u.len() == inside.len())?;
            Some(self.standard_unit(unit))
        })
    }

    /// Whether a 三级 name is the budget execution rate itself.
    pub fn is_funds_indicator(&self, name: &str) -> bool {
        self.funds_indicator.any_in(name)
    }

    /// Whether a text names the indicator `name` (both normalized): the
    /// name without an `指标N：` prefix, with or without a listed ending.
    pub fn mentions(&self, text: &str, name: &str) -> bool {
        // `指标14:早孕建册数`: the template's numbering is not the name.
        let core = name
            .split_once([':', '：'])
            .filter(|(head, _)| head.starts_with("指标"))
            .map_or(name, |(_, rest)| rest);
        let long_enough = |s: &str| s.chars().count() >= self.mention_min_chars;
        std::iter::once(core)
            .chain(
                self.mention_suffixes
                    .iter()
                    .filter_map(|x| core.strip_suffix(x.as_str())),
            )
            .any(|c| long_enough(c) && text.contains(c))
    }

    /// Whether a 三级 name is a breakdown of the row above (`其中…`).
    pub fn is_sub_item(&self, name: &str) -> bool {
        self.sub_item_prefixes
            .iter()
            .any(|p| name.starts_with(p.as_str()))
    }

    /// Whether a normalized cell text is a 总分 line's label.
    pub fn is_total_row(&self, text: &str) -> bool {
        self.total_rows.iter().any(|w| w == text)
    }

    /// The weight printed in a label (`产出指标（50分）` → 50).
    pub fn weight_in_label(&self, label: &str) -> Option<Decimal> {
        let caps = self.label_weight.captures(label)?;
        caps.get(1)?.as_str().parse().ok()
    }

    pub fn is_satisfaction(&self, name: &str) -> bool {
        self.satisfaction_words.any_in(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_vocabulary_compiles() {
        let v = vocabulary();
        assert!(v.units.iter().any(|u| u == "万元"));
        assert_eq!(v.grades.get("达成预期指标"), Some(&Achievement::Achieved));
        assert!(v.deadlines.is_match("2021年12月31日前"));
        assert!(v.placeholders.is_match("指标1："));
    }

    #[test]
    fn last_direction_keyword_wins() {
        let v = vocabulary();
        assert_eq!(v.direction_of("项目总成本"), Some(Direction::Reverse));
        assert_eq!(
            v.direction_of("成本控制率"),
            Some(Direction::ReverseByDefault)
        );
        assert_eq!(
            v.direction_of("财政供养人员控制率"),
            Some(Direction::ReverseByDefault)
        );
        assert_eq!(v.direction_of("会议费不超过"), Some(Direction::Reverse));
        assert_eq!(v.direction_of("高血压控制率"), Some(Direction::Neutral));
        assert_eq!(v.direction_of("高血压随访控制数"), Some(Direction::Neutral));
        assert_eq!(v.direction_of("预算偏差率"), Some(Direction::Neutral));
        assert_eq!(
            v.direction_of("档案存储设施稳定运行率"),
            Some(Direction::Positive)
        );
        assert_eq!(v.direction_of("培训人数"), None);
        assert_eq!(v.direction_of("参训率"), Some(Direction::Positive));
        assert_eq!(v.direction_of("差错率"), Some(Direction::Reverse));
        assert_eq!(v.direction_of("产品不合格率"), Some(Direction::Reverse));
    }

    #[test]
    fn level2_labels_without_their_suffix_are_standard() {
        let v = vocabulary();
        for (bare, standard) in [
            ("成本", "成本指标"),
            ("时效", "时效指标"),
            ("质量", "质量指标"),
            ("数量", "数量指标"),
            ("可持续性", "可持续影响指标"),
        ] {
            let l = v.level2_of(bare).unwrap_or_else(|| panic!("{bare}"));
            assert_eq!(l.label, standard);
        }
        assert!(v.is_standard_level2("时效", v.level2_of("时效").unwrap()));
        assert!(!v.is_standard_level2("进度指标", v.level2_of("进度指标").unwrap()));
    }

    #[test]
    fn units_written_in_the_name() {
        let v = vocabulary();
        assert_eq!(v.unit_in_name("公猪舍(≥**平方米)"), Some("平方米"));
        assert_eq!(v.unit_in_name("项目总投资(万元)"), Some("万元"));
        assert_eq!(v.unit_in_name("服务外包在岸(万美元)"), Some("万美元"));
        assert_eq!(v.unit_in_name("受益脱贫(含监测对象)户人口数"), None);
        assert_eq!(v.unit_in_name("培训人数"), None);
    }

    #[test]
    fn units_convert_within_a_group_only() {
        let v = vocabulary();
        assert_eq!(v.conversion("万元", "元"), Some(Decimal::from(10000)));
        assert_eq!(v.conversion("个", "%"), None);
        assert_eq!(v.conversion("次", "次/年"), Some(Decimal::ONE));
        assert_eq!(v.conversion("万元/年", "元"), Some(Decimal::from(10000)));
        assert_eq!(v.conversion("元/人", "元/年"), None);
        assert_eq!(v.standard_unit("百分比"), "%");
    }

    #[test]
    fn label_weight() {
        let v = vocabulary();
        assert_eq!(
            v.weight_in_label("产出指标（50分）"),
            Some(Decimal::from(50))
        );
        assert_eq!(v.weight_in_label("效益指标(30分)"), Some(Decimal::from(30)));
        assert_eq!(v.weight_in_label("产出指标"), None);
    }

    #[test]
    fn a_note_mentions_an_indicator_by_its_core_name() {
        let v = vocabulary();
        let note = "老年人体检、早孕建册完成率偏低,下一步加强入户宣传动员";
        assert!(v.mentions(note, "指标14:早孕建册数"));
        assert!(v.mentions(note, "指标15:老年人体检数"));
        assert!(!v.mentions(note, "指标8:适龄儿童疫苗接种率"));
        assert!(!v.mentions("率偏低", "率"));
    }
}

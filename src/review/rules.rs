//! The finding catalogue of domain.md §7: every rule F1–F7, W1–W5, P1–P9,
//! Q1–Q9, C1–C9. Severities, titles and the Chinese messages live in
//! `rules.toml`; the checks here only decide when a rule applies and fill in
//! the message's `{placeholders}`.

mod completeness;
mod funds;
mod labels;
mod points;
mod values;
mod weights;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::score::{FundsReview, IndicatorTexts};
use super::value::normalize;
use super::vocab::vocabulary;
use super::{display, Finding, Profile, Review, Severity};
use crate::model::{Field, Imported, Indicator, IndicatorColumn, Location, Record};

const SOURCE: &str = include_str!("rules.toml");

#[derive(Deserialize)]
struct Catalogue {
    columns: BTreeMap<String, String>,
    families: BTreeMap<String, String>,
    rules: BTreeMap<String, RuleText>,
    report: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RuleText {
    severity: Severity,
    title: String,
    message: String,
    #[serde(flatten)]
    extra: BTreeMap<String, String>,
}

/// One rule of the catalogue, for listings and documentation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
}

/// Parses the catalogue and compiles the rules' patterns ahead of the first
/// review (see [`super::prepare`]).
pub(super) fn prepare() {
    catalogue_data();
    completeness::prepare();
}

fn catalogue_data() -> &'static Catalogue {
    static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
        // Embedded and covered by tests: a failure is a build defect.
        toml::from_str(SOURCE).expect("embedded rules.toml is valid")
    });
    &CATALOGUE
}

/// Every rule, in catalogue order (F, W, P, Q, C; by number).
pub fn catalogue() -> Vec<RuleInfo> {
    let order = |id: &str| {
        (
            "FWPQC".find(&id[..1]).unwrap_or(9),
            id[1..].parse::<u32>().unwrap_or(0),
        )
    };
    let mut rules: Vec<RuleInfo> = catalogue_data()
        .rules
        .iter()
        .map(|(id, r)| RuleInfo {
            id: id.as_str(),
            severity: r.severity,
            title: r.title.as_str(),
        })
        .collect();
    rules.sort_by_key(|r| order(r.id));
    rules
}

/// A label of the text report (`total` → 总分); empty when unknown.
pub fn report_label(key: &str) -> &'static str {
    catalogue_data()
        .report
        .get(key)
        .map(String::as_str)
        .unwrap_or("")
}

/// Runs every rule over a reviewed record; `texts` are its indicators'
/// normalized texts, in order.
pub fn findings(
    imported: &Imported,
    review: &Review,
    texts: &[IndicatorTexts],
    funds: &FundsReview,
    profile: &Profile,
) -> Vec<Finding> {
    let record = &imported.record;
    let labels = labels::labels(record);
    let families = weights::families(record, &labels);
    let mut cx = Cx {
        imported,
        record,
        review,
        texts,
        labels,
        families,
        funds,
        profile,
        out: Vec::new(),
    };
    if review.unscored && super::unfilled(record) {
        // One clear finding instead of every rule tripping over the blanks.
        completeness::unscored(&mut cx);
        return cx.out;
    }
    funds::check(&mut cx);
    weights::check(&mut cx);
    points::check(&mut cx);
    values::check(&mut cx);
    completeness::check(&mut cx);
    points::group_by_cause(&mut cx.out, review, cx.profile);
    cx.out
}

/// What every rule sees, and where findings go.
pub(crate) struct Cx<'a> {
    imported: &'a Imported,
    record: &'a Record,
    review: &'a Review,
    /// Each indicator's normalized texts.
    texts: &'a [IndicatorTexts],
    /// Each indicator's 一级 and 二级 labels.
    labels: Vec<labels::Labels>,
    /// The indicators and weight of each 一级 family.
    families: weights::FamilyWeights,
    funds: &'a FundsReview,
    profile: &'a Profile,
    out: Vec<Finding>,
}

/// A finding about to be emitted.
pub(crate) struct Emit {
    rule: &'static str,
    template: &'static str,
    vars: Vec<(&'static str, String)>,
    indicator: Option<usize>,
    fields: Vec<Field>,
    severity: Option<Severity>,
}

impl Emit {
    fn new(rule: &'static str) -> Self {
        Emit {
            rule,
            template: "message",
            vars: Vec::new(),
            indicator: None,
            fields: Vec::new(),
            severity: None,
        }
    }

    fn template(mut self, key: &'static str) -> Self {
        self.template = key;
        self
    }

    fn var(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.vars.push((name, value.into()));
        self
    }

    fn num(self, name: &'static str, value: Decimal) -> Self {
        self.var(name, display(value))
    }

    fn indicator(mut self, i: usize, columns: &[IndicatorColumn]) -> Self {
        self.indicator = Some(i);
        self.fields
            .extend(columns.iter().map(|c| Field::Indicator(i, *c)));
        self
    }

    fn fields(mut self, fields: impl IntoIterator<Item = Field>) -> Self {
        self.fields.extend(fields);
        self
    }

    fn severity(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }
}

/// Fills `{name}` placeholders, as replacing one variable after the other
/// would; in one pass over the template where that gives the same text.
fn fill(template: &str, vars: &[(&str, String)]) -> String {
    if !one_pass_fills_alike(template, vars) {
        return vars.iter().fold(template.to_string(), |text, (k, v)| {
            text.replace(&format!("{{{k}}}"), v)
        });
    }
    let values: usize = vars.iter().map(|(_, v)| v.len()).sum();
    let mut out = String::with_capacity(template.len() + values);
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        // Braces are paired (checked), so a `}` closes this one.
        let (key, tail) = after.split_once('}').unwrap_or((after, ""));
        match vars.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => out.push_str(v),
            None => {
                out.push('{');
                out.push_str(key);
                out.push('}');
            }
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Whether no replacement can make a new placeholder: the template's braces
/// pair up without nesting, and no name or value holds a brace. Then filling
/// in one pass equals filling variable by variable.
fn one_pass_fills_alike(template: &str, vars: &[(&str, String)]) -> bool {
    let braced = |s: &str| s.contains(['{', '}']);
    if vars.iter().any(|(k, v)| braced(k) || braced(v)) {
        return false;
    }
    let mut open = false;
    for c in template.chars() {
        match c {
            '{' if open => return false,
            '}' if !open => return false,
            '{' | '}' => open = !open,
            _ => {}
        }
    }
    !open
}

/// A named text of a rule (`message`, `consequences` …); empty when absent.
fn rule_text(id: &str, key: &str) -> &'static str {
    let Some(rule) = catalogue_data().rules.get(id) else {
        return "";
    };
    match key {
        "message" => rule.message.as_str(),
        _ => rule.extra.get(key).map(String::as_str).unwrap_or(""),
    }
}

impl<'a> Cx<'a> {
    fn rule(&self, id: &str) -> &'static RuleText {
        // Every id used in code is in rules.toml (tested).
        &catalogue_data().rules[id]
    }

    /// A named text of a rule (`message_rounding`, `missing_output`).
    fn text(&self, id: &str, key: &str) -> &'static str {
        rule_text(id, key)
    }

    fn column_label(&self, key: &str) -> &'static str {
        catalogue_data()
            .columns
            .get(key)
            .map(String::as_str)
            .unwrap_or("")
    }

    fn family_label(&self, key: &str) -> &'static str {
        catalogue_data()
            .families
            .get(key)
            .map(String::as_str)
            .unwrap_or("")
    }

    fn emit(&mut self, e: Emit) {
        let rule = self.rule(e.rule);
        let message = fill(self.text(e.rule, e.template), &e.vars);
        let cells = self.cells(&e.fields);
        let id: &'static str = catalogue_data()
            .rules
            .get_key_value(e.rule)
            .map(|(k, _)| k.as_str())
            .unwrap_or("");
        self.out.push(Finding {
            rule: id,
            severity: e.severity.unwrap_or(rule.severity),
            message,
            indicator: e.indicator,
            cells,
        });
    }

    fn cells(&self, fields: &[Field]) -> Vec<Location> {
        let mut cells: Vec<Location> = fields
            .iter()
            .filter_map(|f| self.imported.provenance.get(*f).cloned())
            .collect();
        cells.dedup();
        cells
    }

    /// An indicator's name as shown in messages.
    fn name(&self, i: usize) -> String {
        self.record.indicators[i]
            .name
            .as_deref()
            .map(|n| crate::text::trim(n).to_string())
            .unwrap_or_else(|| format!("#{}", i + 1))
    }

    /// An indicator's name as rules compare it: normalized, `#n` when
    /// blank (as [`Cx::name`] shows it).
    fn compared_name(&self, i: usize) -> std::borrow::Cow<'_, str> {
        match self.record.indicators[i].name {
            Some(_) => self.texts[i].name.as_str().into(),
            None => self.name(i).into(),
        }
    }

    fn target_text(&self, i: usize) -> String {
        self.record.indicators[i].target.clone().unwrap_or_default()
    }

    fn actual_text(&self, i: usize) -> String {
        self.record.indicators[i].actual.clone().unwrap_or_default()
    }

    /// Whether the 偏差原因 cell of an indicator says something (`0`, `/`,
    /// `无` say nothing).
    fn note_filled(&self, i: usize) -> bool {
        self.record.indicators[i]
            .note
            .as_deref()
            .is_some_and(meaningful)
    }

    /// Whether any 偏差原因 cell of the form says something.
    fn any_note(&self) -> bool {
        (0..self.record.indicators.len()).any(|i| self.note_filled(i))
    }

    /// Whether the form shows a 偏差原因 column: some indicator's note was
    /// read from one. (A column left empty everywhere cannot be told from
    /// none, so the wording without it must hold for both.)
    fn has_note_column(&self) -> bool {
        self.has_column(IndicatorColumn::Note, |i| i.note.is_some())
    }

    /// Whether the form has a 分值 column at all (some templates have none).
    fn has_weight_column(&self) -> bool {
        self.has_column(IndicatorColumn::Weight, |i| i.weight.is_some())
    }

    /// Whether some indicator holds a value of `column` or some cell was
    /// read for it.
    fn has_column(&self, column: IndicatorColumn, holds: fn(&Indicator) -> bool) -> bool {
        self.record.indicators.iter().any(holds)
            || self
                .imported
                .provenance
                .iter()
                .any(|(f, _)| matches!(f, Field::Indicator(_, c) if *c == column))
    }

    /// Indices of indicators that count (not N/A).
    fn applicable(&self) -> impl Iterator<Item = usize> + '_ {
        self.review
            .indicators
            .iter()
            .enumerate()
            .filter(|(_, r)| r.applicable())
            .map(|(i, _)| i)
    }

    fn scored(&self) -> bool {
        self.record.kind != crate::model::Kind::Target
    }
}

fn meaningful(text: &str) -> bool {
    let s = normalize(text);
    !(s.is_empty() || s == "0" || vocabulary().not_applicable.contains(&s))
}

/// Half a unit of the last digit a reported value shows (`96.5` → 0.05,
/// `9` → 0.5): the difference display rounding explains.
fn display_tolerance(reported: Decimal) -> Decimal {
    let scale = (reported.normalize().scale() + 1).min(Decimal::MAX_SCALE);
    Decimal::try_new(5, scale).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_every_rule_once() {
        let ids: Vec<&str> = catalogue().iter().map(|r| r.id).collect();
        let mut expected = Vec::new();
        for (prefix, n) in [("F", 7), ("W", 5), ("P", 10), ("Q", 9), ("C", 11)] {
            expected.extend((1..=n).map(|k| format!("{prefix}{k}")));
        }
        assert_eq!(ids, expected.iter().map(String::as_str).collect::<Vec<_>>());
    }

    #[test]
    fn display_tolerance_follows_the_last_digit() {
        assert_eq!(display_tolerance(Decimal::new(965, 1)), Decimal::new(5, 2));
        assert_eq!(display_tolerance(Decimal::from(9)), Decimal::new(5, 1));
        assert_eq!(display_tolerance(Decimal::new(1000, 2)), Decimal::new(5, 1));
    }

    #[test]
    fn fills_placeholders() {
        assert_eq!(
            fill("{a}与{b}", &[("a", "1".into()), ("b", "2".into())]),
            "1与2"
        );
        assert_eq!(fill("{a}{c}{a}", &[("a", "x".into())]), "x{c}x");
    }

    #[test]
    fn fills_variable_by_variable_when_braces_are_odd() {
        let vars = [("b", String::new()), ("a", "{b}".into())];
        assert_eq!(fill("{a{b}}", &vars), "{b}");
        assert_eq!(fill("{a}", &vars), "{b}");
        let later = [("a", "{b}".into()), ("b", "2".into())];
        assert_eq!(fill("{a}", &later), "2");
        assert_eq!(fill("}{a}{", &later), "}2{");
    }
}

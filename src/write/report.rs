//! A project's 绩效自评报告 drafted from its record and review (Markdown).
//!
//! The structure follows published reports: 项目基本情况 / 资金情况 /
//! 绩效目标完成情况 (each unmet or over-achieved indicator) / 存在问题 (the
//! findings) / 建议. Every heading and sentence comes from the embedded
//! `report/template.toml`; this module only picks the figures.

mod template;

use rust_decimal::Decimal;

use crate::model::{Indicator, Record};
use crate::review::{Finding, Profile, Review};
use crate::write::numbers;
use template::{fill, template, Template};

/// The report for `record`, with findings and recomputed figures when a
/// review is given, under the default review profile.
pub fn render(record: &Record, review: Option<&Review>) -> String {
    render_with(record, review, &Profile::default())
}

/// The report under `profile`, whose over-achievement threshold decides
/// which indicators count as far above their target.
pub fn render_with(record: &Record, review: Option<&Review>, profile: &Profile) -> String {
    let t = template();
    let fig = Figures::new(t);
    let mut out = vec![fill(
        &t.title,
        &[
            ("year", &fig.year(record.year)),
            ("project", &fig.text(record.project.as_deref())),
        ],
    )];
    out.extend(basic(t, &fig, record));
    out.extend(funds(t, &fig, record, review));
    out.extend(performance(t, &fig, record, review, profile));
    out.extend(problems(t, review));
    out.extend(advice(t, review));
    let mut text = out.join("\n\n");
    text.push('\n');
    text
}

/// How figures read in the report; a missing one reads as the template's
/// `missing`.
struct Figures<'a> {
    missing: &'a str,
}

impl<'a> Figures<'a> {
    fn new(t: &'a Template) -> Self {
        Figures {
            missing: &t.missing,
        }
    }

    /// A value the form supplies, as literal Markdown.
    fn text(&self, value: Option<&str>) -> String {
        value.map_or_else(|| self.missing.to_string(), md)
    }

    fn year(&self, year: Option<i32>) -> String {
        year.map_or_else(|| self.missing.to_string(), |y| y.to_string())
    }

    /// Money and points to 2 places, without trailing zeros
    /// ([`numbers::points`]): no float artifact of a cell reaches the text.
    fn number(&self, value: Option<Decimal>) -> String {
        value.map_or_else(|| self.missing.to_string(), numbers::points)
    }

    /// Money to 2 places with thousands separators ([`numbers::money`]).
    fn money(&self, value: Option<Decimal>) -> String {
        value.map_or_else(|| self.missing.to_string(), numbers::money)
    }

    /// A computed figure, shown to 2 places as the review displays it.
    fn computed(&self, value: Option<Decimal>) -> String {
        self.number(value)
    }

    /// A fraction as a percentage (`0.9909` → `99.09%`); a bare percentage
    /// the form wrote without `%` (`20`) as `20%` ([`numbers::percent`]).
    fn rate(&self, value: Option<Decimal>) -> String {
        value.map_or_else(|| self.missing.to_string(), numbers::percent)
    }
}

fn basic(t: &Template, fig: &Figures, record: &Record) -> Vec<String> {
    let b = &t.basic;
    let unit_clause = match (&record.department, &record.unit) {
        (Some(d), Some(u)) if d != u => fill(&b.unit_clause, &[("unit", &md(u))]),
        _ => String::new(),
    };
    let owner = record.department.as_deref().or(record.unit.as_deref());
    let total = &record.funds.total;
    let overview = fill(
        &b.overview,
        &[
            ("year", &fig.year(record.year)),
            ("department", &fig.text(owner)),
            ("unit_clause", &unit_clause),
            ("project", &fig.text(record.project.as_deref())),
            ("initial", &fig.money(total.initial)),
            ("budget", &fig.money(total.budget)),
        ],
    );
    let goals = match record.goals.as_ref().and_then(|g| g.planned.as_deref()) {
        Some(planned) => fill(&b.goals, &[("planned", &md(planned))]),
        None => b.no_goals.clone(),
    };
    vec![
        b.heading.clone(),
        b.overview_heading.clone(),
        overview,
        b.goals_heading.clone(),
        goals,
    ]
}

fn funds(t: &Template, fig: &Figures, record: &Record, review: Option<&Review>) -> Vec<String> {
    let f = &record.funds;
    let mut out = vec![t.funds.heading.clone()];
    out.push(fill(
        &t.funds.summary,
        &[
            ("budget", &fig.money(f.total.budget)),
            ("spent", &fig.money(f.total.spent)),
            ("rate", &fig.rate(f.rate)),
            ("score", &fig.number(f.score)),
            ("weight", &fig.number(f.weight)),
        ],
    ));
    if let Some(r) =
        review.filter(|r| r.rate_recomputed.is_some() || r.budget_score_recomputed.is_some())
    {
        out.push(fill(
            &t.funds.recomputed,
            &[
                ("rate", &fig.rate(r.rate_recomputed)),
                ("score", &fig.computed(r.budget_score_recomputed)),
            ],
        ));
    }
    let rows = [&f.total, &f.fiscal, &f.carryover, &f.other];
    let body = t.funds.rows.iter().zip(rows).map(|(label, row)| {
        let money = [row.initial, row.budget, row.spent].map(|d| fig.money(d));
        std::iter::once(label.clone()).chain(money).collect()
    });
    out.push(table(&t.funds.table_header, body));
    out
}

fn performance(
    t: &Template,
    fig: &Figures,
    record: &Record,
    review: Option<&Review>,
    profile: &Profile,
) -> Vec<String> {
    let p = &t.performance;
    let mut out = vec![p.heading.clone()];
    if let Some(achieved) = record.goals.as_ref().and_then(|g| g.achieved.as_deref()) {
        out.push(fill(&p.achieved, &[("achieved", &md(achieved))]));
    }
    out.push(scores(t, fig, record, review));
    let full = record
        .indicators
        .iter()
        .filter(|i| i.score.is_some() && i.score == i.weight)
        .count();
    out.push(fill(
        &p.count,
        &[
            ("count", &record.indicators.len().to_string()),
            ("full", &full.to_string()),
        ],
    ));
    if !record.indicators.is_empty() {
        let body = record.indicators.iter().map(|i| {
            let texts = [&i.level1, &i.level2, &i.name, &i.target, &i.actual]
                .map(|s| fig.text(s.as_deref()));
            texts
                .into_iter()
                .chain([fig.number(i.weight), fig.number(i.score)])
                .collect()
        });
        out.push(table(&p.table_header, body));
    }
    let (unmet, over) = deviations(record, review, &p.over_rules, profile);
    out.push(p.unmet_heading.clone());
    if review.is_some_and(|r| r.unscored) {
        // Nobody scored the form: nothing can be said to be met.
        out.push(p.unmet_unscored.clone());
    } else {
        out.push(indicator_list(t, fig, &unmet, &p.unmet, &p.unmet_none));
    }
    out.push(p.over_heading.clone());
    out.push(indicator_list(t, fig, &over, &p.over, &p.over_none));
    out
}

fn scores(t: &Template, fig: &Figures, record: &Record, review: Option<&Review>) -> String {
    let p = &t.performance;
    let total = fig.number(record.total_score);
    let mut text = match review.and_then(|r| r.grade_reported) {
        Some(g) => fill(&p.score, &[("total", &total), ("grade", g.label())]),
        None => fill(&p.score_only, &[("total", &total)]),
    };
    if let Some(r) = review.filter(|r| r.total_recomputed.is_some()) {
        let grade = r.grade_recomputed.map_or(t.missing.as_str(), |g| g.label());
        text.push_str(&fill(
            &p.recheck,
            &[
                ("total", &fig.computed(r.total_recomputed)),
                ("grade", grade),
            ],
        ));
    }
    text
}

/// The indicators that fell short and those far above their target. Short
/// means 得分 below 分值: the recomputed score when the review has one (a
/// target met but marked down is a scoring question, left to the findings),
/// else the reported score. Far above means a positive target exceeded by the
/// profile's over-achievement ratio, or a finding of an over-achievement rule.
fn deviations<'a>(
    record: &'a Record,
    review: Option<&Review>,
    over_rules: &[String],
    profile: &Profile,
) -> (Vec<&'a Indicator>, Vec<&'a Indicator>) {
    let mut unmet = Vec::new();
    let mut over = Vec::new();
    for (i, ind) in record.indicators.iter().enumerate() {
        let parsed = review.and_then(|r| r.indicators.get(i));
        let score = parsed.and_then(|r| r.recomputed_score).or(ind.score);
        if matches!((score, ind.weight), (Some(s), Some(w)) if s < w) {
            unmet.push(ind);
        }
        let far_above = parsed.is_some_and(|r| r.far_above(profile));
        let flagged = review.is_some_and(|r| {
            r.findings
                .iter()
                .any(|f| f.indicator == Some(i) && over_rules.iter().any(|id| id == f.rule))
        });
        if far_above || flagged {
            over.push(ind);
        }
    }
    (unmet, over)
}

fn indicator_list(
    t: &Template,
    fig: &Figures,
    items: &[&Indicator],
    line: &str,
    none: &str,
) -> String {
    if items.is_empty() {
        return none.to_string();
    }
    let lines: Vec<String> = items
        .iter()
        .map(|i| {
            let note = i.note.as_deref().map_or_else(String::new, |n| {
                fill(&t.performance.note, &[("note", &md(n))])
            });
            fill(
                line,
                &[
                    ("level2", &md(i.level2.as_deref().unwrap_or(""))),
                    ("name", &fig.text(i.name.as_deref())),
                    ("target", &fig.text(i.target.as_deref())),
                    ("actual", &fig.text(i.actual.as_deref())),
                    ("score", &fig.number(i.score)),
                    ("weight", &fig.number(i.weight)),
                    ("note", &note),
                ],
            )
        })
        .collect();
    lines.join("\n")
}

fn problems(t: &Template, review: Option<&Review>) -> Vec<String> {
    let p = &t.problems;
    let body = match review {
        None => p.no_review.clone(),
        Some(r) if r.findings.is_empty() => p.none.clone(),
        Some(r) => {
            let mut findings: Vec<&Finding> = r.findings.iter().collect();
            findings.sort_by_key(|f| f.severity);
            let lines: Vec<String> = (1..).zip(findings).map(|(n, f)| problem(t, n, f)).collect();
            lines.join("\n")
        }
    };
    vec![p.heading.clone(), body]
}

fn problem(t: &Template, n: usize, f: &Finding) -> String {
    let cells = if f.cells.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = f.cells.iter().map(|c| md(&c.to_string())).collect();
        fill(&t.problems.cells, &[("cells", &list.join("、"))])
    };
    // The template closes the sentence after the cells.
    let message = f.message.trim_end_matches(['。', '.']);
    fill(
        &t.problems.item,
        &[
            ("n", &n.to_string()),
            ("message", &md(message)),
            ("cells", &cells),
        ],
    )
}

fn advice(t: &Template, review: Option<&Review>) -> Vec<String> {
    let findings = review.map_or(&[][..], |r| &r.findings[..]);
    let mut out = vec![t.advice.heading.clone()];
    let relevant = t
        .advice
        .by_kind
        .iter()
        .filter(|a| findings.iter().any(|f| f.rule.starts_with(a.kind.as_str())))
        .map(|a| a.text.as_str())
        .chain([t.advice.closing.as_str()]);
    let lines: Vec<String> = (1..)
        .zip(relevant)
        .map(|(n, text)| format!("{n}. {text}"))
        .collect();
    out.push(lines.join("\n"));
    out
}

/// A form's text as literal Markdown (`|`, `<`, `[`, `#` … escaped).
fn md(text: &str) -> String {
    crate::text::markdown(text).into_owned()
}

/// A Markdown table; cell text is kept on one line. Values from the form
/// come escaped ([`md`]), pipes included.
fn table(header: &[String], rows: impl Iterator<Item = Vec<String>>) -> String {
    let line = |cells: &[String]| {
        let cells: Vec<String> = cells.iter().map(|c| c.replace('\n', " ")).collect();
        format!("| {} |", cells.join(" | "))
    };
    let mut lines = vec![line(header), format!("|{}", " --- |".repeat(header.len()))];
    lines.extend(rows.map(|r| line(&r)));
    lines.join("\n")
}

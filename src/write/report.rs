//! A form's 绩效自评报告 drafted from its record and review, as Markdown and
//! as a Word file ([`docx`]).
//!
//! The structure is that of published reports (docs/domain.md, "The written
//! report"): 一、基本情况（概况、资金来源和用途、绩效目标）/ 二、绩效评价工作情况
//! / 三、绩效评价指标分析（资金到位、使用、管理；组织和管理；产出、效益、满意度）
//! / 四、评价结论 / 五、经验、问题和建议. A department-wide record
//! (部门整体) gets the 部门整体支出绩效自评报告 headings. The report speaks as
//! the department: problems come from its own 偏差原因 and from the findings
//! said in its voice, never with cell addresses; what the form cannot tell
//! is a visible `【请填写：…】` placeholder, never invented text. Every
//! heading and sentence comes from the template (`report/template.toml`,
//! overridable with [`Template::load`]); this module only picks the figures.
//!
//! ```
//! use jixiao::model::{Kind, Record, Source};
//! use jixiao::write::report;
//!
//! let mut record = Record::new(Kind::Project, Source::default());
//! record.project = Some("乡村道路养护".into());
//! record.year = Some(2023);
//! let text = report::render(&record, None);
//! assert!(text.starts_with("# 2023年度项目支出绩效自评报告（乡村道路养护）"));
//! // An empty form gets placeholders, never a claim that targets were met.
//! assert!(text.contains("【请填写："));
//! assert!(!text.contains("均已达到"));
//! ```

pub mod docx;
mod template;

use rust_decimal::Decimal;

use crate::model::{Indicator, Kind, Record};
use crate::review::{Profile, Review};
use crate::write::numbers;
use template::{fill, template, Voice};
pub use template::{Template, TemplateError, EMBEDDED as EMBEDDED_TEMPLATE, FILE_NAME};

/// The report for `record`, with findings and recomputed figures when a
/// review is given, under the default review profile and template.
pub fn render(record: &Record, review: Option<&Review>) -> String {
    render_with(record, review, &Profile::default())
}

/// The report under `profile`, whose over-achievement threshold decides
/// which indicators count as far above their target.
pub fn render_with(record: &Record, review: Option<&Review>, profile: &Profile) -> String {
    render_in(template(), record, review, profile)
}

/// The report worded by template `t` (the embedded one is
/// [`Template::embedded`]).
pub fn render_in(
    t: &Template,
    record: &Record,
    review: Option<&Review>,
    profile: &Profile,
) -> String {
    let r = Report {
        t,
        voice: match record.kind {
            Kind::Department => &t.department,
            Kind::Project | Kind::Target => &t.project,
        },
        record,
        review,
        profile,
        out: Vec::new(),
    };
    r.build()
}

impl Template {
    /// The template embedded in the binary.
    pub fn embedded() -> &'static Template {
        template()
    }
}

/// One report being written: the template, the record, and the Markdown
/// blocks so far.
struct Report<'a> {
    t: &'a Template,
    voice: &'a Voice,
    record: &'a Record,
    review: Option<&'a Review>,
    profile: &'a Profile,
    out: Vec<String>,
}

impl Report<'_> {
    fn build(mut self) -> String {
        let name = self.name();
        self.push(fill(
            &self.voice.title,
            &[("year", &self.year()), ("name", &name)],
        ));
        self.basic();
        self.push(self.voice.s2.clone());
        self.hint(&self.t.text.work_hint);
        self.analysis();
        self.conclusion();
        self.lessons();
        let mut text = self.out.join("\n\n");
        text.push('\n');
        text
    }

    fn push(&mut self, block: String) {
        self.out.push(block);
    }

    /// A visible request to the department to write what the form lacks.
    fn hint(&mut self, hint: &str) {
        let text = fill(&self.t.placeholder, &[("hint", hint)]);
        self.push(text);
    }

    /// The project's name, or for a department-wide record the department's.
    fn name(&self) -> String {
        let r = self.record;
        let name = match r.kind {
            Kind::Department => r.department.as_deref().or(r.unit.as_deref()),
            Kind::Project | Kind::Target => r.project.as_deref(),
        };
        self.text(name)
    }

    /// A value from the form, as literal Markdown (`|`, `<`, `#` …
    /// escaped), or the template's word for missing.
    fn text(&self, value: Option<&str>) -> String {
        value.map_or_else(|| self.t.missing.clone(), md)
    }

    fn year(&self) -> String {
        self.record
            .year
            .map_or_else(|| self.t.missing.clone(), |y| y.to_string())
    }

    /// Money to 2 places with thousands separators, as people read it (the
    /// record keeps it exact), for a table cell under a 万元 header.
    fn money(&self, value: Option<Decimal>) -> String {
        value.map_or_else(|| self.t.missing.clone(), numbers::money)
    }

    /// Money in a sentence, with its unit (`77.00万元`).
    fn amount(&self, value: Option<Decimal>) -> String {
        value.map_or_else(
            || self.t.missing.clone(),
            |d| fill(&self.t.money, &[("amount", &numbers::money(d))]),
        )
    }

    /// Points to at most 2 places, trailing zeros dropped.
    fn points(&self, value: Option<Decimal>) -> String {
        value.map_or_else(|| self.t.missing.clone(), numbers::points)
    }

    /// A rate as a percentage to 2 places (`0.9909` → `99.09%`, a bare
    /// `86` → `86%`).
    fn rate(&self, value: Option<Decimal>) -> String {
        value.map_or_else(|| self.t.missing.clone(), numbers::percent)
    }

    fn basic(&mut self) {
        let (t, v, r) = (&self.t.text, self.voice, self.record);
        self.push(v.s1.clone());
        self.push(v.s1_overview.clone());
        let unit_clause = match (&r.department, &r.unit) {
            (Some(d), Some(u)) if d != u => fill(&t.unit_clause, &[("unit", u)]),
            _ => String::new(),
        };
        let owner = r.department.as_deref().or(r.unit.as_deref());
        let total = &r.funds.total;
        let overview = fill(
            &v.overview,
            &[
                ("year", &self.year()),
                ("department", &self.text(owner)),
                ("unit_clause", &unit_clause),
                ("name", &self.name()),
                ("initial", &self.amount(total.initial)),
                ("budget", &self.amount(total.budget)),
            ],
        );
        self.push(overview);
        self.hint(&v.overview_hint);
        self.push(v.s1_funds.clone());
        let f = &r.funds;
        let parts: Vec<String> = t
            .funds_source_names
            .iter()
            .zip([&f.fiscal, &f.carryover, &f.other])
            .filter_map(|(name, row)| Some(format!("{name}{}", self.amount(Some(row.budget?)))))
            .collect();
        let budget = self.amount(f.total.budget);
        let sources = if parts.is_empty() {
            fill(&t.funds_sources_none, &[("budget", &budget)])
        } else {
            fill(
                &t.funds_sources,
                &[("budget", &budget), ("parts", &parts.join("，"))],
            )
        };
        self.push(sources);
        let rows = [&f.total, &f.fiscal, &f.carryover, &f.other];
        let body: Vec<Vec<String>> = t
            .funds_rows
            .iter()
            .zip(rows)
            .map(|(label, row)| {
                let money = [row.initial, row.budget, row.spent].map(|d| self.money(d));
                std::iter::once(label.clone()).chain(money).collect()
            })
            .collect();
        self.push(table(&t.funds_table_header, &body));
        self.hint(&v.funds_use_hint);
        self.push(v.s1_goals.clone());
        match r.goals.as_ref().and_then(|g| g.planned.as_deref()) {
            Some(planned) => self.push(fill(&t.goals, &[("planned", &md(planned))])),
            None => self.hint(&t.goals_hint),
        }
    }

    fn analysis(&mut self) {
        let (t, v) = (&self.t.text, self.voice);
        self.push(v.s3.clone());
        self.push(v.s3_funds.clone());
        self.push(v.s3_arrival.clone());
        let f = &self.record.funds;
        let arrival = fill(
            &t.arrival,
            &[
                ("budget", &self.amount(f.total.budget)),
                ("initial", &self.amount(f.total.initial)),
            ],
        );
        self.push(arrival);
        self.hint(&t.arrival_hint);
        self.push(v.s3_use.clone());
        self.funds_use();
        self.push(v.s3_management.clone());
        self.hint(&t.management_hint);
        self.push(v.s3_organization.clone());
        self.hint(&v.organization_hint);
        self.push(v.s3_performance.clone());
        self.performance();
    }

    fn funds_use(&mut self) {
        let t = &self.t.text;
        let f = &self.record.funds;
        let used = fill(
            &t.r#use,
            &[
                ("spent", &self.amount(f.total.spent)),
                ("rate", &self.rate(f.rate)),
                ("score", &self.points(f.score)),
                ("weight", &self.points(f.weight)),
            ],
        );
        self.push(used);
        if let Some(r) = self.review {
            // Only a difference a reader can see at 2 places is worth a sentence.
            let recomputed = r.budget_score_recomputed.map(numbers::points);
            if recomputed.is_some() && recomputed != f.score.map(numbers::points) {
                let text = fill(
                    &t.use_recomputed,
                    &[
                        ("rate", &self.rate(r.rate_recomputed)),
                        ("score", &self.points(r.budget_score_recomputed)),
                    ],
                );
                self.push(text);
            }
        }
        let rate = self
            .review
            .and_then(|r| r.rate_recomputed)
            .or(f.rate)
            .map(|d| {
                if d >= Decimal::TWO {
                    d / Decimal::ONE_HUNDRED
                } else {
                    d
                }
            });
        if rate.is_some_and(|d| d < Decimal::ONE) {
            self.hint(&t.use_low_hint);
        }
    }

    fn performance(&mut self) {
        let t = &self.t.text;
        let goals = self.record.goals.as_ref();
        match goals.and_then(|g| g.achieved.as_deref()) {
            Some(achieved) => self.push(fill(&t.achieved, &[("achieved", &md(achieved))])),
            None => self.hint(&t.achieved_hint),
        }
        if self.record.indicators.is_empty() {
            self.hint(&t.indicators_none_hint);
            return;
        }
        if self.review.is_some_and(|r| r.unscored) {
            // Nobody scored the form: whether targets were met is not known.
            self.hint(&t.unscored_hint);
        }
        let (unmet, over) = self.deviations();
        let family_of = |ind: &Indicator| {
            let level1 = ind.level1.as_deref().unwrap_or("");
            t.families.iter().position(|f| level1.contains(&f.word))
        };
        let others = self
            .record
            .indicators
            .iter()
            .any(|i| family_of(i).is_none());
        let headings = t
            .families
            .iter()
            .map(|f| (Some(f), f.heading.as_str()))
            .chain(others.then_some((None, t.other_family.as_str())));
        for (n, (family, heading)) in headings.enumerate() {
            self.push(heading.to_string());
            let members: Vec<usize> = (0..self.record.indicators.len())
                .filter(|&i| family_of(&self.record.indicators[i]) == family.map(|_| n))
                .collect();
            if members.is_empty() {
                let name = heading.trim_start_matches('#').trim();
                let name = name.split_once(' ').map_or(name, |(_, rest)| rest);
                let name = name.trim_end_matches("完成情况");
                self.hint(&fill(&t.family_none_hint, &[("family", name)]));
                continue;
            }
            self.family(&members, &unmet, &over);
        }
    }

    /// One family's table and what fell short or far above.
    fn family(&mut self, members: &[usize], unmet: &[usize], over: &[usize]) {
        let t = &self.t.text;
        let inds = &self.record.indicators;
        let body: Vec<Vec<String>> = members
            .iter()
            .map(|&i| {
                let ind = &inds[i];
                let texts = [&ind.level2, &ind.name, &ind.target, &ind.actual]
                    .map(|s| self.text(s.as_deref()));
                texts
                    .into_iter()
                    .chain([self.points(ind.weight), self.points(ind.score)])
                    .collect()
            })
            .collect();
        self.push(table(&t.indicator_table_header, &body));
        let full = members
            .iter()
            .filter(|&&i| inds[i].score.is_some() && inds[i].score == inds[i].weight)
            .count();
        let count = members.len().to_string();
        // "All met" only when every indicator reports full marks: an empty
        // or unscored form never reads as achieved.
        let summary = if full == members.len() {
            fill(&t.family_all_full, &[("count", &count)])
        } else {
            fill(
                &t.family_count,
                &[("count", &count), ("full", &full.to_string())],
            )
        };
        self.push(summary);
        for &i in members.iter().filter(|i| unmet.contains(i)) {
            let ind = &inds[i];
            self.push(self.indicator_line(&t.unmet, ind));
            match ind.note.as_deref() {
                Some(note) => self.push(fill(&t.unmet_reason, &[("note", &md(note))])),
                None => {
                    let name = self.text(ind.name.as_deref());
                    self.hint(&fill(&t.unmet_reason_hint, &[("name", &name)]));
                }
            }
        }
        for &i in members.iter().filter(|i| over.contains(i)) {
            self.push(self.indicator_line(&t.over, &inds[i]));
        }
    }

    fn indicator_line(&self, line: &str, i: &Indicator) -> String {
        fill(
            line,
            &[
                ("name", &self.text(i.name.as_deref())),
                ("target", &self.text(i.target.as_deref())),
                ("actual", &self.text(i.actual.as_deref())),
                ("score", &self.points(i.score)),
                ("weight", &self.points(i.weight)),
            ],
        )
    }

    /// The indicators (by index) that fell short and those far above their
    /// target. Short means 得分 below 分值: the recomputed score when the
    /// review has one, else the reported score. Far above means a positive
    /// target exceeded by the profile's over-achievement ratio, or a finding
    /// of an over-achievement rule.
    fn deviations(&self) -> (Vec<usize>, Vec<usize>) {
        let over_rules = &self.t.text.over_rules;
        let mut unmet = Vec::new();
        let mut over = Vec::new();
        for (i, ind) in self.record.indicators.iter().enumerate() {
            let parsed = self.review.and_then(|r| r.indicators.get(i));
            let score = parsed.and_then(|r| r.recomputed_score).or(ind.score);
            if matches!((score, ind.weight), (Some(s), Some(w)) if s < w) {
                unmet.push(i);
            }
            let far_above = parsed.is_some_and(|r| r.far_above(self.profile));
            let flagged = self.review.is_some_and(|r| {
                r.findings
                    .iter()
                    .any(|f| f.indicator == Some(i) && over_rules.iter().any(|id| id == f.rule))
            });
            if far_above || flagged {
                over.push(i);
            }
        }
        (unmet, over)
    }

    fn conclusion(&mut self) {
        let t = &self.t.text;
        self.push(self.voice.s4.clone());
        let name = self.name();
        let Some(total) = self.record.total_score else {
            self.hint(&t.conclusion_hint);
            return;
        };
        let total = self.points(Some(total));
        let grade = self.review.and_then(|r| r.grade_reported);
        let text = match grade {
            Some(g) => fill(
                &t.conclusion,
                &[("name", &name), ("total", &total), ("grade", g.label())],
            ),
            None => fill(
                &t.conclusion_no_grade,
                &[("name", &name), ("total", &total)],
            ),
        };
        self.push(text);
        let recheck = self.review.filter(|r| {
            r.total_recomputed
                .is_some_and(|d| numbers::points(d) != self.points(self.record.total_score))
        });
        if let Some(r) = recheck {
            let grade = r
                .grade_recomputed
                .map_or(self.t.missing.as_str(), |g| g.label());
            let text = fill(
                &t.conclusion_recheck,
                &[
                    ("total", &self.points(r.total_recomputed)),
                    ("grade", grade),
                ],
            );
            self.push(text);
        }
    }

    fn lessons(&mut self) {
        let t = &self.t.text;
        let v = self.voice;
        self.push(v.s5.clone());
        self.push(v.s5_experience.clone());
        self.hint(&t.experience_hint);
        self.push(v.s5_problems.clone());
        let problems = self.problems();
        if problems.is_empty() {
            self.hint(&t.problems_hint);
        } else {
            self.push(numbered(&problems));
        }
        self.push(v.s5_advice.clone());
        let findings = self.review.map_or(&[][..], |r| &r.findings[..]);
        let mut advice: Vec<String> = self
            .t
            .advice
            .iter()
            .filter(|a| findings.iter().any(|f| f.rule.starts_with(a.kind.as_str())))
            .map(|a| a.text.clone())
            .collect();
        if advice.is_empty() {
            self.hint(&t.advice_hint);
        }
        advice.push(t.closing.clone());
        self.push(numbered(&advice));
    }

    /// The department's own 偏差原因 for what fell short, then each finding
    /// said in its voice, once.
    fn problems(&self) -> Vec<String> {
        let t = &self.t.text;
        let (unmet, _) = self.deviations();
        let mut out: Vec<String> = unmet
            .iter()
            .map(|&i| &self.record.indicators[i])
            .filter_map(|ind| {
                let note = ind.note.as_deref()?;
                let name = self.text(ind.name.as_deref());
                Some(fill(
                    &t.problem_unmet,
                    &[("name", &name), ("note", &md(note))],
                ))
            })
            .collect();
        let mut findings: Vec<_> = self
            .review
            .map_or(Vec::new(), |r| r.findings.iter().collect());
        findings.sort_by_key(|f| f.severity);
        for f in findings {
            // An omitted rule (a note on reading the file) is for the 复核
            // workbook, not the department's report.
            if let Some(sentence) = self.t.problems.get(f.rule) {
                if !out.contains(sentence) {
                    out.push(sentence.clone());
                }
            }
        }
        out
    }
}

/// A form's text as literal Markdown ([`crate::text::markdown`]).
fn md(text: &str) -> String {
    crate::text::markdown(text).into_owned()
}

/// `1. …` lines, one per item.
fn numbered(items: &[String]) -> String {
    let lines: Vec<String> = (1..)
        .zip(items)
        .map(|(n, text)| format!("{n}. {text}"))
        .collect();
    lines.join("\n")
}

/// A Markdown table; cell text is kept on one line. Values from the form
/// come escaped (`Report::text`), pipes included.
fn table(header: &[String], rows: &[Vec<String>]) -> String {
    let line = |cells: &[String]| {
        let cells: Vec<String> = cells.iter().map(|c| c.replace(['\n', '\r'], " ")).collect();
        format!("| {} |", cells.join(" | "))
    };
    let mut lines = vec![line(header), format!("|{}", " --- |".repeat(header.len()))];
    lines.extend(rows.iter().map(|r| line(r)));
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_sentence_in_the_departments_voice_or_is_omitted() {
        let t = Template::embedded();
        for rule in crate::review::rules::catalogue() {
            let said = t.problems.contains_key(rule.id);
            let omitted = t.omitted_rules.iter().any(|r| r == rule.id);
            assert!(
                said != omitted,
                "{}: give it a sentence in [problems] or list it in omitted_rules (not both)",
                rule.id
            );
        }
    }
}

//! The bureau-level summary (汇总说明) drafted from a consolidated batch
//! (Markdown). The prose is an embedded template
//! (`consolidated/summary.md`) with `{name}` placeholders; this module only
//! computes the figures and the tables that fill them.

use rust_decimal::Decimal;

use crate::outcome::stats::Sum;
use crate::outcome::{Stats, Tally, BIG_DIFFERENCE, GRADES, LOW_RATE};
use crate::write::consolidated::{explain, title_values, LABELS};

const TEMPLATE: &str = include_str!("consolidated/summary.md");

/// How many departments the "most findings" table lists.
const TOP_DEPARTMENTS: usize = 5;
/// How many rules the "most frequent problems" list names.
const TOP_RULES: usize = 5;

/// Drafts the summary of a consolidation; `region` (`XX市`) heads its
/// title as it does the workbook's.
pub fn draft(stats: &Stats, region: Option<&str>) -> String {
    let t = &stats.total;
    let imported = stats.files - stats.failed.len();
    let none = &LABELS.words.none;
    let mut values: Vec<(&str, String)> = title_values(stats, region).into();
    values.extend([
        ("files", stats.files.to_string()),
        ("imported_files", imported.to_string()),
        ("records", t.projects.to_string()),
        ("failed_files", stats.failed.len().to_string()),
        ("failed_list", failed_list(stats)),
        ("departments", stats.departments.len().to_string()),
        ("initial", money(&t.initial)),
        ("budget", money(&t.budget)),
        ("spent", money(&t.spent)),
        ("rate", percent(t.rate())),
        ("rate_covered", t.paired_budget.count.to_string()),
        ("rate_budget", money_text(t.paired_budget.value)),
        ("rate_spent", money_text(t.paired_spent.value)),
        ("from_subrows", from_subrows(t)),
        ("duplicates", stats.duplicates.to_string()),
        ("whole", whole(&stats.whole)),
        ("low_rate_threshold", threshold(LOW_RATE)),
        ("low_rate", t.low_rate.to_string()),
        ("grade_rows", grade_rows(t)),
        ("avg_self", score(t.average_self())),
        ("avg_review", score(t.average_review())),
        ("big_difference_threshold", BIG_DIFFERENCE.to_string()),
        ("big_difference", t.big_difference.to_string()),
        ("findings", t.findings().to_string()),
        ("errors", t.errors.to_string()),
        ("warnings", t.warnings.to_string()),
        ("infos", t.infos.to_string()),
        (
            "department_rows",
            or_none(
                department_rows(stats),
                &format!("| {none} | — | — | — | — |\n"),
            ),
        ),
        (
            "rule_rows",
            or_none(rule_rows(stats), &format!("- {none}\n")),
        ),
        ("roster", roster_line(stats)),
    ]);
    fill(TEMPLATE, &values)
}

/// Replaces every `{name}` of `template` by its value.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    values
        .iter()
        .fold(template.to_string(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
}

/// `1,234.50 万元（12 张表填报）`: the sum with the records it covers.
fn money(sum: &Sum) -> String {
    match sum.get() {
        Some(d) => format!("{} 万元（{} 张表填报）", money_text(d), sum.count),
        None => "—（无表填报）".to_string(),
    }
}

/// Money rounded for people: two decimals, thousands separated.
fn money_text(d: Decimal) -> String {
    let text = format!("{:.2}", d.round_dp(2));
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{frac}")
}

fn from_subrows(t: &Tally) -> String {
    if t.from_subrows == 0 {
        return String::new();
    }
    format!(
        "其中 {} 张表年度资金总额为0或未填，按财政拨款、上年结转、其他资金分项合计计入。",
        t.from_subrows
    )
}

/// The department-wide forms, counted apart from the projects.
fn whole(t: &Tally) -> String {
    if t.projects == 0 {
        return String::new();
    }
    format!(
        "另有部门整体支出绩效自评表 {} 张，单独汇总（见\"部门整体\"工作表），未计入上述项目合计：全年预算数 {}，全年执行数 {}，执行率 {}。",
        t.projects,
        money(&t.budget),
        money(&t.spent),
        percent(t.rate())
    )
}

fn percent(rate: Option<Decimal>) -> String {
    rate.map(|r| format!("{:.2}%", (r * Decimal::ONE_HUNDRED).round_dp(2)))
        .unwrap_or_else(|| "—".into())
}

/// Text from a form or a file name, as literal Markdown.
fn md(text: &str) -> std::borrow::Cow<'_, str> {
    crate::text::markdown(text)
}

/// A threshold as people say it: `90%`.
fn threshold(rate: Decimal) -> String {
    format!("{}%", (rate * Decimal::ONE_HUNDRED).normalize())
}

fn score(s: Option<Decimal>) -> String {
    s.map(|s| format!("{:.2}", s.round_dp(2)))
        .unwrap_or_else(|| "—".into())
}

fn failed_list(stats: &Stats) -> String {
    stats
        .failed
        .iter()
        .map(|(path, error)| {
            let line = format!("{}：{}", path.display(), explain(path, error));
            format!("- {}\n", md(&line).replace('\n', " "))
        })
        .collect()
}

fn grade_rows(t: &Tally) -> String {
    GRADES
        .iter()
        .enumerate()
        .map(|(i, g)| {
            format!(
                "| {} | {} | {} |\n",
                g.label(),
                t.grades_reported[i],
                t.grades_recomputed[i]
            )
        })
        .collect()
}

/// `rows`, or one line saying there is nothing, so no table is left empty.
fn or_none(rows: String, none: &str) -> String {
    if rows.is_empty() {
        none.to_string()
    } else {
        rows
    }
}

fn department_rows(stats: &Stats) -> String {
    let mut departments: Vec<(&String, &Tally)> = stats.departments.iter().collect();
    // Most findings first; errors break ties, then the name keeps it stable.
    departments.sort_by_key(|(name, t)| {
        (
            std::cmp::Reverse(t.findings()),
            std::cmp::Reverse(t.errors),
            *name,
        )
    });
    departments
        .iter()
        .take(TOP_DEPARTMENTS)
        .filter(|(_, t)| t.findings() > 0)
        .map(|(name, t)| {
            format!(
                "| {} | {} | {} | {} | {} |\n",
                md(name).replace('\n', " "),
                t.projects,
                t.errors,
                t.warnings,
                percent(t.rate())
            )
        })
        .collect()
}

fn rule_rows(stats: &Stats) -> String {
    let mut rules: Vec<_> = stats.rules.iter().collect();
    rules.sort_by_key(|(rule, c)| (std::cmp::Reverse(c.count), **rule));
    rules
        .iter()
        .take(TOP_RULES)
        .map(|(rule, c)| {
            let example = md(&c.example).replace('\n', " ");
            format!("- {rule}（{} 条），例：{example}\n", c.count)
        })
        .collect()
}

fn roster_line(stats: &Stats) -> String {
    use crate::outcome::roster::Issue;
    let Some(issues) = &stats.roster else {
        return String::new();
    };
    let count = |f: fn(&Issue) -> bool| issues.iter().filter(|i| f(i)).count();
    fill(
        ROSTER_TEMPLATE,
        &[
            (
                "missing",
                count(|i| matches!(i, Issue::Missing(_))).to_string(),
            ),
            (
                "duplicate",
                count(|i| matches!(i, Issue::Duplicate { .. })).to_string(),
            ),
            (
                "unlisted",
                count(|i| matches!(i, Issue::Unlisted(_))).to_string(),
            ),
        ],
    )
}

const ROSTER_TEMPLATE: &str = include_str!("consolidated/summary-roster.md");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_filled() {
        let mut stats = Stats {
            files: 3,
            failed: vec![("x.xlsx".into(), "x.xlsx: corrupt".into())],
            roster: Some(Vec::new()),
            ..Stats::default()
        };
        stats.total.projects = 2;
        stats.total.budget.add(Some(Decimal::new(1200, 1)));
        stats.total.spent.add(Some(Decimal::new(905, 1)));
        // Only records reporting both count toward the rate.
        stats.total.paired_budget.add(Some(Decimal::new(1000, 1)));
        stats.total.paired_spent.add(Some(Decimal::new(905, 1)));
        let text = draft(&stats, None);
        assert!(!text.contains('{') && !text.contains('}'), "{text}");
        assert!(text.starts_with("# 项目支出绩效自评汇总说明"), "{text}");
        stats.years.insert(2023, 2);
        let text = draft(&stats, Some("XX市"));
        assert!(
            text.starts_with("# XX市 2023年度项目支出绩效自评汇总说明"),
            "{text}"
        );
        assert!(text.contains("90.50%"), "{text}");
        assert!(
            text.contains("全年预算数合计 120.00 万元（1 张表填报）"),
            "{text}"
        );
        assert!(text.contains("- x.xlsx：文件已损坏"), "{text}");
    }
}

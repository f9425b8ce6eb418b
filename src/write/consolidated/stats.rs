//! Running totals of a consolidation: what the 部门汇总 sheet, the totals
//! row and the written summary are made from. Exact decimal sums throughout.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::labels::grade_index;
use crate::batch::roster::Issue;
use crate::batch::Reviewed;
use crate::review::Severity;

/// Execution below this rate needs an explanation (四川's 90% threshold).
pub const LOW_RATE: Decimal = dec!(0.9);
/// |自评 − 复核| at or above this many points is worth a manual re-check.
pub const BIG_DIFFERENCE: Decimal = dec!(5);

/// Sums and counts over a set of records (all, or one department's).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub projects: usize,
    pub initial: Decimal,
    pub budget: Decimal,
    pub spent: Decimal,
    /// Σ预算数 and Σ执行数 over records that report both, for the rate.
    pub paired_budget: Decimal,
    pub paired_spent: Decimal,
    pub low_rate: usize,
    pub self_sum: Decimal,
    pub self_count: usize,
    pub review_sum: Decimal,
    pub review_count: usize,
    pub big_difference: usize,
    /// Per grade in band order (优, 良, 中, 差).
    pub grades_reported: [usize; 4],
    pub grades_recomputed: [usize; 4],
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub indicators: usize,
}

/// The figures of one record that the sheets and the tallies share.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    pub rate: Option<Decimal>,
    pub difference: Option<Decimal>,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Figures {
    pub fn of(r: &Reviewed) -> Self {
        let funds = &r.imported.record.funds;
        let count = |s: Severity| r.review.findings.iter().filter(|f| f.severity == s).count();
        let rate = r.review.rate_recomputed.or(funds.rate).or_else(|| {
            let (budget, spent) = (funds.total.budget?, funds.total.spent?);
            spent.checked_div(budget)
        });
        Figures {
            rate,
            difference: r.review.total_difference,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
        }
    }
}

impl Tally {
    pub fn add(&mut self, r: &Reviewed, f: &Figures) {
        let (record, review) = (&r.imported.record, &r.review);
        let total = &record.funds.total;
        self.projects += 1;
        add(&mut self.initial, total.initial);
        add(&mut self.budget, total.budget);
        add(&mut self.spent, total.spent);
        if let (Some(budget), Some(spent)) = (total.budget, total.spent) {
            add(&mut self.paired_budget, Some(budget));
            add(&mut self.paired_spent, Some(spent));
        }
        self.low_rate += usize::from(f.rate.is_some_and(|x| x < LOW_RATE));
        if let Some(s) = review.total_reported.or(record.total_score) {
            add(&mut self.self_sum, Some(s));
            self.self_count += 1;
        }
        if let Some(s) = review.total_recomputed {
            add(&mut self.review_sum, Some(s));
            self.review_count += 1;
        }
        self.big_difference += usize::from(f.difference.is_some_and(|d| d.abs() >= BIG_DIFFERENCE));
        if let Some(g) = review.grade_reported {
            self.grades_reported[grade_index(g)] += 1;
        }
        if let Some(g) = review.grade_recomputed {
            self.grades_recomputed[grade_index(g)] += 1;
        }
        self.errors += f.errors;
        self.warnings += f.warnings;
        self.infos += f.infos;
        self.indicators += record.indicators.len();
    }

    /// Σ执行数 / Σ预算数 over the records that report both (a record with
    /// money spent but no budget would otherwise inflate the rate).
    pub fn rate(&self) -> Option<Decimal> {
        self.paired_spent.checked_div(self.paired_budget)
    }

    pub fn average_self(&self) -> Option<Decimal> {
        average(self.self_sum, self.self_count)
    }

    pub fn average_review(&self) -> Option<Decimal> {
        average(self.review_sum, self.review_count)
    }

    pub fn findings(&self) -> usize {
        self.errors + self.warnings + self.infos
    }
}

/// Adds to a sum, checked. Records are refused at import when an amount
/// reaches 10¹⁴ 万元 or a score 10⁶ (`Record::implausible`), so a sum would
/// need some 10¹⁴ records to reach `Decimal::MAX`; should one get there
/// anyway, it stays at the largest value rather than abort the batch.
fn add(sum: &mut Decimal, value: Option<Decimal>) {
    let value = value.unwrap_or_default();
    *sum = sum
        .checked_add(value)
        .unwrap_or(if value.is_sign_negative() {
            Decimal::MIN
        } else {
            Decimal::MAX
        });
}

fn average(sum: Decimal, n: usize) -> Option<Decimal> {
    (n > 0).then(|| (sum / Decimal::from(n)).round_dp(2))
}

/// How often a rule fired, with its first message as an example.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleCount {
    pub count: usize,
    pub example: String,
}

/// Everything counted while consolidating.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// Input files seen.
    pub files: usize,
    /// Files that failed, with the reason.
    pub failed: Vec<(PathBuf, String)>,
    pub total: Tally,
    pub departments: BTreeMap<String, Tally>,
    pub rules: BTreeMap<&'static str, RuleCount>,
    pub years: BTreeMap<i32, usize>,
    /// The reconciliation, when a roster was given.
    pub roster: Option<Vec<Issue>>,
}

impl Stats {
    pub fn add(&mut self, department: &str, r: &Reviewed, f: &Figures) {
        self.total.add(r, f);
        self.departments
            .entry(department.to_string())
            .or_default()
            .add(r, f);
        if let Some(year) = r.imported.record.year {
            *self.years.entry(year).or_default() += 1;
        }
        for finding in &r.review.findings {
            self.rules
                .entry(finding.rule)
                .or_insert_with(|| RuleCount {
                    count: 0,
                    example: finding.message.clone(),
                })
                .count += 1;
        }
    }

    /// The first and last year of the records.
    pub fn year_span(&self) -> Option<(i32, i32)> {
        let first = *self.years.keys().next()?;
        let last = *self.years.keys().next_back()?;
        Some((first, last))
    }
}

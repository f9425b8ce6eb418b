//! Running totals of a consolidation: what the 部门汇总 sheet, the totals
//! rows and the written summary are made from. Exact decimal sums
//! throughout; every sum carries how many records it covers.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::roster::Issue;
use super::Reviewed;
use crate::model::{FundRow, Kind};
use crate::review::{Grade, Severity};

/// Execution below this rate needs an explanation (四川's 90% threshold).
pub const LOW_RATE: Decimal = dec!(0.9);
/// |自评 − 复核| at or above this many points is worth a manual re-check.
pub const BIG_DIFFERENCE: Decimal = dec!(5);

/// Grades in band order, for per-grade columns and counts.
pub const GRADES: [Grade; 4] = [Grade::Excellent, Grade::Good, Grade::Fair, Grade::Poor];

pub fn grade_index(grade: Grade) -> usize {
    GRADES.iter().position(|g| *g == grade).unwrap_or(0)
}

/// A sum and how many records it covers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sum {
    pub value: Decimal,
    pub count: usize,
}

impl Sum {
    pub fn add(&mut self, value: Option<Decimal>) {
        if let Some(v) = value {
            self.value = self.value.saturating_add(v);
            self.count += 1;
        }
    }

    /// The sum, `None` when no record had the figure.
    pub fn get(&self) -> Option<Decimal> {
        (self.count > 0).then_some(self.value)
    }
}

/// Sums and counts over a set of records (all, or one department's).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub projects: usize,
    pub initial: Sum,
    pub budget: Sum,
    pub spent: Sum,
    /// Σ预算数 and Σ执行数 over records that report both, for the rate.
    pub paired_budget: Sum,
    pub paired_spent: Sum,
    /// Records whose 年度资金总额 row was empty or 0, summed from sub-rows.
    pub from_subrows: usize,
    pub low_rate: usize,
    pub self_score: Sum,
    pub review_score: Sum,
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
    /// The funds the review used: the 年度资金总额 row, or the sum of the
    /// sub-rows when that row is empty or 0 and they hold money.
    pub funds: FundRow,
    pub from_subrows: bool,
    pub rate: Option<Decimal>,
    pub difference: Option<Decimal>,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Figures {
    pub fn of(r: &Reviewed) -> Self {
        let funds = &r.imported.record.funds;
        let from_subrows = r.review.funds_from_subrows;
        let used = if from_subrows {
            let subs = crate::review::score::subrows(funds);
            let sum = |pick: fn(&FundRow) -> Option<Decimal>| {
                crate::review::exact::sum_present(subs.iter().map(|r| pick(r)))
            };
            FundRow {
                initial: sum(|r| r.initial),
                budget: sum(|r| r.budget),
                spent: sum(|r| r.spent),
            }
        } else {
            funds.total.clone()
        };
        let count = |s: Severity| r.review.count(s);
        let rate = r.review.rate_recomputed.or(funds.rate).or_else(|| {
            let (budget, spent) = (used.budget?, used.spent?);
            spent.checked_div(budget)
        });
        Figures {
            funds: used,
            from_subrows,
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
        let funds = &f.funds;
        self.projects += 1;
        self.initial.add(funds.initial);
        self.budget.add(funds.budget);
        self.spent.add(funds.spent);
        if let (Some(budget), Some(spent)) = (funds.budget, funds.spent) {
            self.paired_budget.add(Some(budget));
            self.paired_spent.add(Some(spent));
        }
        self.from_subrows += usize::from(f.from_subrows);
        self.low_rate += usize::from(f.rate.is_some_and(|x| x < LOW_RATE));
        self.self_score
            .add(review.total_reported.or(record.total_score));
        self.review_score.add(review.total_recomputed);
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
        self.paired_spent
            .value
            .checked_div(self.paired_budget.value)
    }

    pub fn average_self(&self) -> Option<Decimal> {
        average(&self.self_score)
    }

    pub fn average_review(&self) -> Option<Decimal> {
        average(&self.review_score)
    }

    pub fn findings(&self) -> usize {
        self.errors + self.warnings + self.infos
    }
}

fn average(sum: &Sum) -> Option<Decimal> {
    (sum.count > 0).then(|| (sum.value / Decimal::from(sum.count)).round_dp(2))
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
    /// Records left out as duplicates of a record counted from another file.
    pub duplicates: usize,
    /// Project forms (项目支出): the 合计 of the 汇总 sheet.
    pub total: Tally,
    /// Project forms per 主管部门.
    pub departments: BTreeMap<String, Tally>,
    /// The departments in the order the sheets list them (the roster's, else
    /// by pinyin), set by the batch when all records are in.
    /// Positions into `departments` (in its name order).
    pub order: Vec<usize>,
    /// Department-wide forms (部门整体支出), never added to project totals.
    pub whole: Tally,
    pub rules: BTreeMap<&'static str, RuleCount>,
    pub years: BTreeMap<i32, usize>,
    /// The reconciliation, when a roster was given.
    pub roster: Option<Vec<Issue>>,
}

impl Stats {
    /// Counts a record that the batch decided to count.
    pub fn add(&mut self, department: &str, r: &Reviewed, f: &Figures) {
        if r.imported.record.kind == Kind::Department {
            self.whole.add(r, f);
        } else {
            self.total.add(r, f);
            self.departments
                .entry(department.to_string())
                .or_default()
                .add(r, f);
        }
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

    /// The departments with their tallies in sheet order: [`Self::order`]
    /// once the batch has set it, else by name.
    pub fn departments_in_order(&self) -> Vec<(&str, &Tally)> {
        let by_name: Vec<(&str, &Tally)> = self
            .departments
            .iter()
            .map(|(d, t)| (d.as_str(), t))
            .collect();
        if self.order.len() != by_name.len() {
            return by_name;
        }
        self.order
            .iter()
            .filter_map(|&i| by_name.get(i).copied())
            .collect()
    }

    /// The first and last year of the records.
    pub fn year_span(&self) -> Option<(i32, i32)> {
        let first = *self.years.keys().next()?;
        let last = *self.years.keys().next_back()?;
        Some((first, last))
    }
}

//! The normalized model: the JSON contract of `jixiao import --json`
//! (docs/model.md, schema `jixiao.evaluation/1`).
//!
//! A [`Record`] holds what the form says, faithfully. Where each value came
//! from is kept beside it in [`Provenance`], never inside the JSON contract.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::source::CellRef;

pub const SCHEMA: &str = "jixiao.evaluation/1";

/// Which kind of form a record came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// 项目支出绩效自评表
    Project,
    /// 部门整体支出绩效自评表
    Department,
    /// 绩效目标申报表
    Target,
}

/// One imported form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub schema: String,
    pub kind: Kind,
    pub year: Option<i32>,
    pub project: Option<String>,
    pub department: Option<String>,
    pub unit: Option<String>,
    pub funds: Funds,
    pub goals: Option<Goals>,
    pub indicators: Vec<Indicator>,
    pub total_score: Option<Decimal>,
    pub source: Source,
}

/// The 项目资金（万元） block. All money is in 万元.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Funds {
    pub total: FundRow,
    pub fiscal: FundRow,
    pub carryover: FundRow,
    pub other: FundRow,
    pub weight: Option<Decimal>,
    pub rate: Option<Decimal>,
    pub score: Option<Decimal>,
}

/// One row of the funds block: 年初预算数 / 全年预算数 / 全年执行数.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FundRow {
    pub initial: Option<Decimal>,
    pub budget: Option<Decimal>,
    pub spent: Option<Decimal>,
}

/// 年度总体目标: 预期目标 / 实际完成情况.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Goals {
    pub planned: Option<String>,
    pub achieved: Option<String>,
}

/// One 三级指标 row of the 绩效指标 table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    pub level1: Option<String>,
    pub level2: Option<String>,
    pub name: Option<String>,
    pub target: Option<String>,
    pub actual: Option<String>,
    pub weight: Option<Decimal>,
    pub score: Option<Decimal>,
    pub note: Option<String>,
}

/// Where a record came from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub file: String,
    pub sheet: Option<String>,
    pub mapping: Option<String>,
    /// Cells inside the form's blocks that no field took: a record with any
    /// is not presented as complete. Absent from the JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<Unread>,
}

/// A non-empty cell inside the form's blocks (funds rows, indicator table,
/// goals) that the mapping did not read, or an indicator-table header that
/// matched no column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unread {
    /// A1 address or range on the record's sheet (`H11`, `H12:H17`).
    pub cell: String,
    /// The cell's text (for a range, the header or first cell's text).
    pub text: String,
    pub kind: UnreadKind,
}

/// What an [`Unread`] cell is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnreadKind {
    /// A column header in the indicator table that matched no column.
    Header,
    /// A value cell inside a block that no field took.
    Cell,
}

impl Record {
    /// A digest of what the record says, leaving out where it was read
    /// from (`source`): jixiao writes it into a form it makes, so that a
    /// batch can tell its own unchanged output (the form reads back to the
    /// same digest) from a form a department filled in or corrected.
    ///
    /// ```
    /// use jixiao::model::{Kind, Record, Source};
    /// let mut a = Record::new(Kind::Project, Source::default());
    /// a.project = Some("校舍维修".into());
    /// let mut b = a.clone();
    /// b.source.file = "elsewhere.xlsx".into();
    /// assert_eq!(a.content_digest(), b.content_digest());
    /// b.project = Some("校舍维修改造".into());
    /// assert_ne!(a.content_digest(), b.content_digest());
    /// ```
    pub fn content_digest(&self) -> u32 {
        let plain = Record {
            source: Source::default(),
            ..self.clone()
        };
        // Serializing a record cannot fail (no maps with non-string keys).
        crc32fast::hash(&serde_json::to_vec(&plain).unwrap_or_default())
    }

    /// An empty record of the given kind, ready to be filled by a mapping.
    pub fn new(kind: Kind, source: Source) -> Self {
        Record {
            schema: SCHEMA.to_string(),
            kind,
            year: None,
            project: None,
            department: None,
            unit: None,
            funds: Funds::default(),
            goals: None,
            indicators: Vec::new(),
            total_score: None,
            source,
        }
    }
}

/// A row of the funds block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FundLine {
    Total,
    Fiscal,
    Carryover,
    Other,
}

/// A column of the funds block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FundColumn {
    Initial,
    Budget,
    Spent,
}

/// A column of the indicator table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IndicatorColumn {
    Level1,
    Level2,
    Name,
    Target,
    Actual,
    Weight,
    Score,
    Note,
}

/// A field of a record: the key of [`Provenance`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Year,
    Project,
    Department,
    Unit,
    Fund(FundLine, FundColumn),
    FundsWeight,
    FundsRate,
    FundsScore,
    GoalsPlanned,
    GoalsAchieved,
    /// The indicator at this index of `Record::indicators`.
    Indicator(usize, IndicatorColumn),
    TotalScore,
}

/// A cell on a named sheet: what a finding points at.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// `None` for CSV, which has no sheets. Shared: every field read from a
    /// sheet and every finding about it names the same sheet, and a clone
    /// then costs no allocation.
    pub sheet: Option<Arc<str>>,
    pub cell: CellRef,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sheet {
            Some(sheet) => write!(f, "{sheet}!{}", self.cell),
            None => write!(f, "{}", self.cell),
        }
    }
}

/// Where every field of a record was read from. A field the form lacks has
/// no entry; a field with a value but no entry was derived (e.g. a weight
/// taken from a block label still points at that label's cell).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    /// Sorted by field, one entry per field: a map that a form's hundred or
    /// so fields fill mostly in order, cheaper to build and search than a
    /// tree.
    cells: Vec<(Field, Location)>,
}

impl Provenance {
    /// Records where `field` was read, replacing an earlier location.
    pub fn set(&mut self, field: Field, location: Location) {
        // Fields mostly arrive in order: check the end before searching.
        if self.cells.last().is_none_or(|(last, _)| *last < field) {
            self.cells.push((field, location));
            return;
        }
        match self.cells.binary_search_by(|(f, _)| f.cmp(&field)) {
            Ok(i) => self.cells[i].1 = location,
            Err(i) => self.cells.insert(i, (field, location)),
        }
    }

    pub fn get(&self, field: Field) -> Option<&Location> {
        self.cells
            .binary_search_by(|(f, _)| f.cmp(&field))
            .ok()
            .map(|i| &self.cells[i].1)
    }

    /// Every field with its location, in field order.
    pub fn iter(&self) -> impl Iterator<Item = (&Field, &Location)> {
        self.cells.iter().map(|(f, l)| (f, l))
    }
}

impl fmt::Debug for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provenance")
            .field("cells", &self.iter().collect::<BTreeMap<_, _>>())
            .finish()
    }
}

/// A record together with where its values came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    pub record: Record,
    pub provenance: Provenance,
}

/// The largest amount, in 万元, a budget form can state: 10¹⁴ 万元 is ten
/// thousand times China's yearly GDP. Larger is a typo or a crafted file;
/// it is refused at import so that sums over any batch stay exact.
pub const MAX_AMOUNT: Decimal = rust_decimal_macros::dec!(100_000_000_000_000);
/// Scores, weights and rates are points out of 100 or percentages: a
/// million is no form's.
pub const MAX_POINTS: Decimal = rust_decimal_macros::dec!(1_000_000);

/// A value no real form can hold, and which field holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Implausible {
    pub field: Field,
    pub value: Decimal,
}

impl fmt::Display for Implausible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, limit) = match self.field {
            Field::Fund(..) => ("amount", "10^14 万元"),
            _ => ("score, weight or rate", "10^6"),
        };
        write!(
            f,
            "{} = {} is not a plausible {what} (limit {limit}; a typo?)",
            field_path(self.field),
            self.value
        )
    }
}

/// A field as the JSON contract names it (`funds.total.spent`).
fn field_path(field: Field) -> String {
    let line = |l: FundLine| match l {
        FundLine::Total => "total",
        FundLine::Fiscal => "fiscal",
        FundLine::Carryover => "carryover",
        FundLine::Other => "other",
    };
    let column = |c: FundColumn| match c {
        FundColumn::Initial => "initial",
        FundColumn::Budget => "budget",
        FundColumn::Spent => "spent",
    };
    match field {
        Field::Fund(l, c) => format!("funds.{}.{}", line(l), column(c)),
        Field::FundsWeight => "funds.weight".into(),
        Field::FundsRate => "funds.rate".into(),
        Field::FundsScore => "funds.score".into(),
        Field::Indicator(i, IndicatorColumn::Weight) => format!("indicators[{i}].weight"),
        Field::Indicator(i, IndicatorColumn::Score) => format!("indicators[{i}].score"),
        Field::TotalScore => "total_score".into(),
        other => format!("{other:?}"),
    }
}

impl Record {
    /// The first value no real form can hold: an amount of [`MAX_AMOUNT`]
    /// or more (either sign), or a score, weight or rate of [`MAX_POINTS`]
    /// or more. Such a record is refused at import, so that the sums a
    /// batch makes of amounts and scores cannot overflow.
    ///
    /// ```
    /// use jixiao::model::{Field, FundColumn, FundLine, Kind, Record, Source};
    /// let mut record = Record::new(Kind::Project, Source::default());
    /// assert!(record.implausible().is_none());
    /// record.funds.total.spent = Some("5e28".parse().unwrap());
    /// let found = record.implausible().unwrap();
    /// assert_eq!(found.field, Field::Fund(FundLine::Total, FundColumn::Spent));
    /// ```
    pub fn implausible(&self) -> Option<Implausible> {
        let funds = &self.funds;
        let lines = [
            (FundLine::Total, &funds.total),
            (FundLine::Fiscal, &funds.fiscal),
            (FundLine::Carryover, &funds.carryover),
            (FundLine::Other, &funds.other),
        ];
        let amounts = lines.into_iter().flat_map(|(line, row)| {
            [
                (Field::Fund(line, FundColumn::Initial), row.initial),
                (Field::Fund(line, FundColumn::Budget), row.budget),
                (Field::Fund(line, FundColumn::Spent), row.spent),
            ]
        });
        let indicators = self.indicators.iter().enumerate().flat_map(|(i, ind)| {
            [
                (Field::Indicator(i, IndicatorColumn::Weight), ind.weight),
                (Field::Indicator(i, IndicatorColumn::Score), ind.score),
            ]
        });
        let points = [
            (Field::FundsWeight, funds.weight),
            (Field::FundsRate, funds.rate),
            (Field::FundsScore, funds.score),
            (Field::TotalScore, self.total_score),
        ]
        .into_iter()
        .chain(indicators);
        let over = |limit: Decimal| {
            move |(field, value): (Field, Option<Decimal>)| {
                let value = value?;
                (value.abs() >= limit).then_some(Implausible { field, value })
            }
        };
        amounts
            .filter_map(over(MAX_AMOUNT))
            .chain(points.filter_map(over(MAX_POINTS)))
            .next()
    }
}

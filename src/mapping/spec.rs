//! The mapping file format (TOML) and its validation.
//!
//! A mapping says *where* each field of a form lives and *how* to find it, so
//! the same file can drive import (grid → record) and, later, filling a
//! department's blank template (record → grid). Everything that names a cell
//! (`cell`, `at`), a pattern (`regex`, `placeholder`, `optional_suffix`) or a
//! key is checked when the file is loaded; a mistake is reported with the
//! file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::model::Kind;
use crate::source::CellRef;

/// Why a mapping file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("{file}: cannot read mapping: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    Syntax { file: PathBuf, message: String },
    #[error("{file}:{line}: {message}")]
    Invalid {
        file: PathBuf,
        line: usize,
        message: String,
    },
    #[error("unknown mapping {0:?} (run `jixiao mappings` for the built-in ids)")]
    UnknownBuiltin(String),
}

/// A list of alternative labels: either a TOML array or one string with
/// `|` between the alternatives (`"本年财政拨款 | 当年财政拨款"`).
///
/// Serde tries the variants in order and builds an error message for each
/// that fails, so the most common form comes first and `None`, which only
/// stands for a label left out, is never tried.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(untagged)]
pub enum Labels {
    One(String),
    Many(Vec<String>),
    #[default]
    #[serde(skip_deserializing)]
    None,
}

impl Labels {
    /// Every alternative, trimmed, empty ones dropped.
    pub fn alternatives(&self) -> Vec<String> {
        let parts: Vec<&str> = match self {
            Labels::None => Vec::new(),
            Labels::One(s) => s.split('|').collect(),
            Labels::Many(v) => v.iter().flat_map(|s| s.split('|')).collect(),
        };
        parts
            .into_iter()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.alternatives().is_empty()
    }
}

/// Which way the value lies from its label.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    Right,
    Below,
}

/// How a cell's content becomes a field value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    /// Trimmed text; a number cell becomes its plain decimal text.
    Text,
    /// A whole number (a year).
    Integer,
    /// A decimal (weights, scores).
    Decimal,
    /// Money, converted to 万元 from the field's unit.
    Money,
    /// A rate: `99.5%` text → 0.995, a number kept as stored.
    Rate,
}

/// The unit money is written in on the form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MoneyUnit {
    /// 万元 unless the form says 元 (a `yuan_marker` near the block).
    #[default]
    Auto,
    #[serde(rename = "万元")]
    Wan,
    #[serde(rename = "元")]
    Yuan,
}

/// The scalar fields a mapping can locate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScalarField {
    Year,
    Project,
    Department,
    Unit,
    GoalsPlanned,
    GoalsAchieved,
    /// A header field such as 自评得分, used when the table has no 总分 row.
    TotalScore,
}

impl ScalarField {
    pub fn default_type(self) -> ValueType {
        match self {
            ScalarField::Year => ValueType::Integer,
            ScalarField::TotalScore => ValueType::Decimal,
            _ => ValueType::Text,
        }
    }
}

/// How one scalar field is found. Exactly one locator applies, tried in
/// this order: `cell`; `row` × `column`; `label` (+ `direction`); `regex`
/// alone scans the top `rows` rows. A `regex` together with another locator
/// captures group 1 from the located text.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    /// Absolute cell, e.g. `"B3"`.
    pub cell: Option<Spanned<String>>,
    /// The label beside (or above) the value, with alternatives.
    #[serde(default)]
    pub label: Labels,
    #[serde(default)]
    pub direction: Direction,
    /// Row label of an intersection (`年度资金总额`).
    #[serde(default)]
    pub row: Labels,
    /// Column header of an intersection (`全年预算数`).
    #[serde(default)]
    pub column: Labels,
    /// Patterns whose group 1 is the value; the first that matches wins.
    #[serde(default)]
    pub regex: Vec<Spanned<String>>,
    /// How many top rows a bare `regex` scans.
    pub rows: Option<u32>,
    #[serde(rename = "type")]
    pub value_type: Option<ValueType>,
    /// Where the field sits on the blank template (for filling it back).
    pub at: Option<Spanned<String>>,
    #[serde(default)]
    pub required: bool,
}

/// Columns of the funds block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FundsColumnKey {
    Initial,
    Budget,
    Spent,
    Weight,
    Rate,
    Score,
}

/// Rows of the funds block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FundsRowKey {
    Total,
    Fiscal,
    Carryover,
    Other,
}

/// The 项目资金 block: a header row of column labels, rows named by labels.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundsRule {
    /// The block's own label (`项目资金（万元）`); its `（20分）` gives the
    /// weight when no weight column exists.
    #[serde(default)]
    pub block: Labels,
    #[serde(default)]
    pub columns: BTreeMap<FundsColumnKey, Labels>,
    #[serde(default)]
    pub rows: BTreeMap<FundsRowKey, Labels>,
    /// Per column: texts that rule a header out even though it contains one
    /// of the column's labels (`上年预算数` is not `预算数`).
    #[serde(default)]
    pub exclude: BTreeMap<FundsColumnKey, Labels>,
    /// Rows the mapping knows and deliberately does not read (parts of the
    /// total the model has no line for): not reported as unread.
    #[serde(default)]
    pub ignore_rows: Labels,
    /// Per row: the same for row labels (`中央财政资金` is a breakdown of
    /// the funds by level, not the `财政资金` line).
    #[serde(default)]
    pub row_exclude: BTreeMap<FundsRowKey, Labels>,
    #[serde(default)]
    pub unit: MoneyUnit,
    /// Texts that say the amounts are in 元 (`金额单位：元`, `项目资金（元）`).
    #[serde(default)]
    pub yuan_markers: Labels,
    /// Captures the block weight from the block label (`（20分）`).
    pub weight_in_label: Option<Spanned<String>>,
    /// With no matching row label, the first row under the header is the total
    /// (部门整体 forms with a single execution row).
    #[serde(default)]
    pub first_row_is_total: bool,
    /// Canonical cell of the header row's first column on the blank template.
    pub at: Option<Spanned<String>>,
}

/// Columns of the indicator table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableColumnKey {
    Level1,
    Level2,
    Name,
    Target,
    /// 指标性质 of a split target (`≥`).
    TargetComparator,
    /// 指标值 of a split target (`95`).
    TargetValue,
    /// 度量单位 of a split target (`%`).
    TargetUnit,
    Actual,
    Weight,
    Score,
    Note,
}

/// The repeating 绩效指标 table.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRule {
    #[serde(default)]
    pub columns: BTreeMap<TableColumnKey, Labels>,
    /// Per column: texts that rule a header out even though it contains one
    /// of the column's labels (`上年完成值` is not `完成值`).
    #[serde(default)]
    pub exclude: BTreeMap<TableColumnKey, Labels>,
    /// Headers the mapping knows and deliberately does not read
    /// (`是否核心指标`): not reported as unread.
    #[serde(default)]
    pub ignore: Labels,
    /// A row whose first label is one of these ends the table; its 得分 is
    /// the total score.
    #[serde(default)]
    pub terminator: Labels,
    /// A 三级指标 matching one of these (and with no values) is a template
    /// placeholder, not an indicator.
    #[serde(default)]
    pub placeholder: Vec<Spanned<String>>,
    /// Canonical cell of the header row's first column on the blank template.
    pub at: Option<Spanned<String>>,
}

/// Label normalization beyond [`crate::text::fold`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelRule {
    /// Prefixes ignored on labels (`其中：`).
    #[serde(default)]
    pub ignore_prefix: Labels,
    /// A trailing group that may follow any label (`（A）`, `(万元)`, `（20分）`).
    pub optional_suffix: Option<Spanned<String>>,
    /// Block titles (`年度总体目标`, `绩效指标`): never a field's value.
    #[serde(default)]
    pub sections: Labels,
    /// Other texts the template prints (`单位：万元`, `填报人：`): never a
    /// field's value either, so a search for one stops there.
    #[serde(default)]
    pub notes: Labels,
}

/// Which sheets the mapping reads.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetRule {
    pub name: Option<String>,
    pub pattern: Option<Spanned<String>>,
    /// 0-based sheet index.
    pub index: Option<usize>,
}

/// What a sheet must show for this mapping to apply.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectRule {
    /// Texts that must appear somewhere on the sheet (contained in a cell,
    /// after folding); each entry lists alternatives.
    #[serde(default)]
    pub anchors: Vec<Labels>,
    /// Texts whose presence counts for this mapping (family markers).
    #[serde(default)]
    pub markers: Vec<Labels>,
    /// Texts whose presence rules this mapping out.
    #[serde(default)]
    pub exclude: Vec<Labels>,
}

/// A mapping file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMapping {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub kind: Option<Kind>,
    /// A built-in mapping whose sections fill the ones this file leaves out.
    pub extends: Option<String>,
    pub sheet: Option<SheetRule>,
    pub detect: Option<DetectRule>,
    pub labels: Option<LabelRule>,
    #[serde(default)]
    pub fields: BTreeMap<ScalarField, FieldRule>,
    pub funds: Option<FundsRule>,
    pub indicators: Option<TableRule>,
}

/// Parses a mapping file's text; `file` names it in errors.
pub fn parse(text: &str, file: &Path) -> Result<RawMapping, MappingError> {
    let raw: RawMapping = toml::from_str(text).map_err(|e| MappingError::Syntax {
        file: file.to_path_buf(),
        message: one_line(&e.to_string()),
    })?;
    Checker { text, file }.check(&raw)?;
    Ok(raw)
}

/// toml's messages span several lines (a source excerpt); keep them on one.
fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !is_excerpt(l))
        .collect();
    lines.join(": ").replace(":: ", ": ")
}

/// A source-excerpt line of a toml message: `7 | text`, `|`, `^^^`.
fn is_excerpt(line: &str) -> bool {
    let gutter = line.split('|').next().unwrap_or("");
    (line.contains('|') && gutter.trim().chars().all(|c| c.is_ascii_digit()))
        || line.chars().all(|c| c == '^' || c == ' ')
}

/// The compiled regex of a mapping pattern. Compiling is the costly part of
/// loading the mappings, and each pattern is compiled once per process:
/// checking a file compiles its patterns, the mapping built from it reuses
/// them, and so do the mappings that extend it.
pub(crate) fn compiled(pattern: &str) -> Result<Regex, regex::Error> {
    static COMPILED: Mutex<BTreeMap<String, Regex>> = Mutex::new(BTreeMap::new());
    // The map is never left half-updated, so a poisoned lock is still usable.
    let mut compiled = COMPILED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(regex) = compiled.get(pattern) {
        return Ok(regex.clone());
    }
    let regex = Regex::new(pattern)?;
    compiled.insert(pattern.to_string(), regex.clone());
    Ok(regex)
}

/// Validates what serde cannot: cell addresses and regexes, with lines.
struct Checker<'a> {
    text: &'a str,
    file: &'a Path,
}

impl Checker<'_> {
    fn check(&self, raw: &RawMapping) -> Result<(), MappingError> {
        for rule in raw.fields.values() {
            self.cell(&rule.cell)?;
            self.cell(&rule.at)?;
            for r in &rule.regex {
                self.regex(r)?;
            }
        }
        if let Some(funds) = &raw.funds {
            self.cell(&funds.at)?;
            if let Some(r) = &funds.weight_in_label {
                self.regex(r)?;
            }
        }
        if let Some(table) = &raw.indicators {
            self.cell(&table.at)?;
            for r in &table.placeholder {
                self.regex(r)?;
            }
        }
        if let Some(r) = raw.labels.as_ref().and_then(|l| l.optional_suffix.as_ref()) {
            self.regex(r)?;
        }
        if let Some(r) = raw.sheet.as_ref().and_then(|s| s.pattern.as_ref()) {
            self.regex(r)?;
        }
        Ok(())
    }

    fn line_of(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .matches('\n')
            .count()
            + 1
    }

    fn invalid(&self, at: &Spanned<String>, message: String) -> MappingError {
        MappingError::Invalid {
            file: self.file.to_path_buf(),
            line: self.line_of(at.span().start),
            message,
        }
    }

    fn cell(&self, cell: &Option<Spanned<String>>) -> Result<(), MappingError> {
        match cell {
            Some(c) => c
                .get_ref()
                .parse::<CellRef>()
                .map(|_| ())
                .map_err(|e| self.invalid(c, e.to_string())),
            None => Ok(()),
        }
    }

    fn regex(&self, pattern: &Spanned<String>) -> Result<(), MappingError> {
        compiled(pattern.get_ref())
            .map(|_| ())
            .map_err(|e| self.invalid(pattern, format!("bad regex: {}", one_line(&e.to_string()))))
    }
}

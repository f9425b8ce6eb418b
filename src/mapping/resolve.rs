//! From mapping files to ready-to-use [`Mapping`]s: `extends` inheritance,
//! label normalization and compiled patterns.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;

use super::labels::{Matcher, Needle, Normalizer};
use super::spec::{
    self, DetectRule, Direction, FieldRule, FundsColumnKey, FundsRowKey, FundsRule, Labels,
    MappingError, MoneyUnit, RawMapping, ScalarField, TableColumnKey, TableRule, ValueType,
};
use crate::model::Kind;
use crate::source::CellRef;

/// The built-in mapping files, embedded in the binary. The first is the base
/// the others extend; detection prefers earlier ones on a tie.
const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "mappings/mof-2020.toml",
        include_str!("../../mappings/mof-2020.toml"),
    ),
    (
        "mappings/hubei-2020.toml",
        include_str!("../../mappings/hubei-2020.toml"),
    ),
    (
        "mappings/sichuan-2023.toml",
        include_str!("../../mappings/sichuan-2023.toml"),
    ),
    (
        "mappings/chongqing-dept.toml",
        include_str!("../../mappings/chongqing-dept.toml"),
    ),
    (
        "mappings/guizhou-dept.toml",
        include_str!("../../mappings/guizhou-dept.toml"),
    ),
    (
        "mappings/transfer-2021.toml",
        include_str!("../../mappings/transfer-2021.toml"),
    ),
];

/// A mapping ready to apply to sheets.
#[derive(Clone, Debug)]
pub struct Mapping {
    pub id: String,
    pub name: String,
    pub description: String,
    pub kind: Kind,
    /// Where the mapping came from: `builtin` or the file's path.
    pub origin: String,
    pub(crate) sheet: SheetSelect,
    pub(crate) detect: Detect,
    pub(crate) norm: Normalizer,
    /// Block titles and printed notes, never a value.
    pub(crate) never_values: Vec<String>,
    /// Printed notes and sign-off prompts (填报人, 填报日期): a row with one
    /// is under the form's blocks, not in them.
    pub(crate) notes: Vec<String>,
    pub(crate) fields: BTreeMap<ScalarField, FieldSpec>,
    pub(crate) funds: Option<FundsSpec>,
    pub(crate) table: Option<TableSpec>,
    /// Every label above (normalized): a search for a value stops at one.
    pub(crate) known: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct SheetSelect {
    pub name: Option<String>,
    pub pattern: Option<Regex>,
    pub index: Option<usize>,
}

impl SheetSelect {
    pub fn is_explicit(&self) -> bool {
        self.name.is_some() || self.pattern.is_some() || self.index.is_some()
    }

    pub fn accepts(&self, index: usize, name: &str) -> bool {
        self.name.as_deref().is_none_or(|n| n == name)
            && self.pattern.as_ref().is_none_or(|p| p.is_match(name))
            && self.index.is_none_or(|i| i == index)
    }
}

/// Anchor texts; each entry is a set of alternatives.
#[derive(Clone, Debug, Default)]
pub(crate) struct Detect {
    pub anchors: Vec<Vec<Needle>>,
    pub markers: Vec<Vec<Needle>>,
    pub exclude: Vec<Vec<Needle>>,
}

#[derive(Clone, Debug)]
pub(crate) enum Locator {
    Cell(CellRef),
    Cross {
        row: Vec<String>,
        column: Vec<String>,
    },
    Label {
        labels: Vec<String>,
        direction: Direction,
    },
    Scan {
        rows: u32,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct FieldSpec {
    pub locator: Locator,
    pub regex: Vec<Regex>,
    pub value_type: ValueType,
    pub required: bool,
    /// Where the field sits on the blank template (for filling it back).
    #[allow(dead_code)]
    pub at: Option<CellRef>,
}

#[derive(Clone, Debug)]
pub(crate) struct FundsSpec {
    pub block: Vec<String>,
    pub columns: BTreeMap<FundsColumnKey, Vec<String>>,
    pub column_keys: Matcher<FundsColumnKey>,
    /// The row labels (normalized), by the line they name.
    pub row_keys: Matcher<FundsRowKey>,
    pub unit: MoneyUnit,
    pub yuan_markers: Vec<String>,
    pub weight_in_label: Option<Regex>,
    pub first_row_is_total: bool,
    /// Rows deliberately not read (normalized).
    pub ignore_rows: Vec<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct TableSpec {
    pub columns: BTreeMap<TableColumnKey, Vec<String>>,
    pub column_keys: Matcher<TableColumnKey>,
    /// Headers deliberately not read (normalized).
    pub ignore: Vec<String>,
    pub terminator: Vec<String>,
    pub placeholder: Vec<Regex>,
}

impl Mapping {
    /// The built-in mapping with this id.
    pub fn builtin(id: &str) -> Result<&'static Mapping, MappingError> {
        builtins()
            .iter()
            .find(|m| m.id == id)
            .ok_or_else(|| MappingError::UnknownBuiltin(id.to_string()))
    }

    /// Loads a mapping file; `extends` may name a built-in mapping.
    pub fn load(path: &Path) -> Result<Mapping, MappingError> {
        let text = std::fs::read_to_string(path).map_err(|source| MappingError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// Parses mapping text; `file` names it in errors.
    pub fn from_toml(text: &str, file: &Path) -> Result<Mapping, MappingError> {
        let raw = spec::parse(text, file)?;
        let raw = inherit(raw, builtin_raws(), file)?;
        compile(raw, &file.display().to_string())
    }

    /// A built-in id, or else a path to a mapping file.
    pub fn from_arg(arg: &str) -> Result<Mapping, MappingError> {
        match Self::builtin(arg) {
            Ok(m) => Ok(m.clone()),
            Err(e) if !Path::new(arg).exists() => Err(e),
            Err(_) => Self::load(Path::new(arg)),
        }
    }
}

/// Every built-in mapping, in detection-preference order.
pub fn builtins() -> &'static [Mapping] {
    static BUILTINS: OnceLock<Vec<Mapping>> = OnceLock::new();
    BUILTINS.get_or_init(|| {
        builtin_raws()
            .iter()
            .filter_map(|raw| compile(raw.clone(), "builtin").ok())
            .collect()
    })
}

/// The built-in files, parsed with inheritance applied. A file that fails
/// is left out (a unit test guarantees none does).
fn builtin_raws() -> &'static [RawMapping] {
    static RAWS: OnceLock<Vec<RawMapping>> = OnceLock::new();
    RAWS.get_or_init(|| {
        let mut done: Vec<RawMapping> = Vec::new();
        for (file, text) in BUILTIN_FILES {
            let path = Path::new(file);
            if let Ok(raw) = spec::parse(text, path).and_then(|r| inherit(r, &done, path)) {
                done.push(raw);
            }
        }
        done
    })
}

/// Fills the sections `raw` leaves out from the mapping it extends.
fn inherit(raw: RawMapping, bases: &[RawMapping], file: &Path) -> Result<RawMapping, MappingError> {
    let Some(base_id) = raw.extends.clone() else {
        return Ok(raw);
    };
    let base = bases
        .iter()
        .find(|b| b.id == base_id)
        .ok_or_else(|| MappingError::Syntax {
            file: file.to_path_buf(),
            message: format!("extends unknown mapping {base_id:?}"),
        })?;
    Ok(merge(raw, base))
}

fn merge(child: RawMapping, base: &RawMapping) -> RawMapping {
    let mut fields = base.fields.clone();
    fields.extend(child.fields);
    RawMapping {
        kind: child.kind.or(base.kind),
        sheet: child.sheet.or_else(|| base.sheet.clone()),
        detect: child.detect.or_else(|| base.detect.clone()),
        labels: child.labels.or_else(|| base.labels.clone()),
        funds: merge_funds(child.funds, base.funds.as_ref()),
        indicators: merge_table(child.indicators, base.indicators.as_ref()),
        fields,
        extends: None,
        ..child
    }
}

fn or_labels(child: Labels, base: &Labels) -> Labels {
    if child.is_empty() {
        base.clone()
    } else {
        child
    }
}

fn merge_funds(child: Option<FundsRule>, base: Option<&FundsRule>) -> Option<FundsRule> {
    let (child, base) = match (child, base) {
        (Some(c), Some(b)) => (c, b),
        (c, b) => return c.or_else(|| b.cloned()),
    };
    let mut columns = base.columns.clone();
    columns.extend(child.columns);
    let mut rows = base.rows.clone();
    rows.extend(child.rows);
    let mut exclude = base.exclude.clone();
    exclude.extend(child.exclude);
    let mut row_exclude = base.row_exclude.clone();
    row_exclude.extend(child.row_exclude);
    Some(FundsRule {
        exclude,
        row_exclude,
        block: or_labels(child.block, &base.block),
        yuan_markers: or_labels(child.yuan_markers, &base.yuan_markers),
        ignore_rows: or_labels(child.ignore_rows, &base.ignore_rows),
        weight_in_label: child
            .weight_in_label
            .or_else(|| base.weight_in_label.clone()),
        at: child.at.or_else(|| base.at.clone()),
        columns,
        rows,
        ..child
    })
}

fn merge_table(child: Option<TableRule>, base: Option<&TableRule>) -> Option<TableRule> {
    let (child, base) = match (child, base) {
        (Some(c), Some(b)) => (c, b),
        (c, b) => return c.or_else(|| b.cloned()),
    };
    let mut columns = base.columns.clone();
    columns.extend(child.columns);
    let mut exclude = base.exclude.clone();
    exclude.extend(child.exclude);
    Some(TableRule {
        exclude,
        ignore: or_labels(child.ignore, &base.ignore),
        terminator: or_labels(child.terminator, &base.terminator),
        placeholder: if child.placeholder.is_empty() {
            base.placeholder.clone()
        } else {
            child.placeholder
        },
        at: child.at.or_else(|| base.at.clone()),
        columns,
    })
}

/// Turns a validated, inherited mapping into its ready form. Patterns were
/// checked by [`spec::parse`]; a failure here still reports cleanly.
fn compile(raw: RawMapping, origin: &str) -> Result<Mapping, MappingError> {
    let bad = |message: String| MappingError::Syntax {
        file: origin.into(),
        message,
    };
    let regex = |p: &str| spec::compiled(p).map_err(|e| bad(e.to_string()));
    let labels = raw.labels.unwrap_or_default();
    let suffix = labels
        .optional_suffix
        .as_ref()
        .map(|s| regex(s.get_ref()))
        .transpose()?;
    let norm = Normalizer::new(labels.ignore_prefix.alternatives(), suffix);
    let sheet = raw.sheet.unwrap_or_default();
    let mut fields = BTreeMap::new();
    for (key, rule) in &raw.fields {
        fields.insert(*key, compile_field(*key, rule, &norm, &regex)?);
    }
    let funds = raw
        .funds
        .map(|f| compile_funds(f, &norm, &regex))
        .transpose()?;
    let table = raw
        .indicators
        .map(|t| compile_table(t, &norm, &regex))
        .transpose()?;
    let mut mapping = Mapping {
        id: raw.id,
        name: raw.name,
        description: raw.description,
        kind: raw.kind.unwrap_or(Kind::Project),
        origin: origin.to_string(),
        sheet: SheetSelect {
            name: sheet.name,
            pattern: sheet.pattern.map(|p| regex(p.get_ref())).transpose()?,
            index: sheet.index,
        },
        detect: compile_detect(raw.detect.unwrap_or_default()),
        never_values: [norm.labels(&labels.sections), norm.labels(&labels.notes)].concat(),
        notes: norm.labels(&labels.notes),
        norm,
        fields,
        funds,
        table,
        known: Vec::new(),
    };
    mapping.known = known_labels(&mapping);
    Ok(mapping)
}

fn known_labels(m: &Mapping) -> Vec<String> {
    let mut known: Vec<String> = Vec::new();
    for spec in m.fields.values() {
        if let Locator::Label { labels, .. } = &spec.locator {
            known.extend(labels.iter().cloned());
        }
    }
    if let Some(t) = &m.table {
        known.extend(t.columns.values().flatten().cloned());
    }
    if let Some(f) = &m.funds {
        known.extend(f.columns.values().flatten().cloned());
        known.extend(f.block.iter().cloned());
    }
    known.extend(m.never_values.iter().cloned());
    known
}

fn compile_detect(d: DetectRule) -> Detect {
    let fold_all = |v: Vec<Labels>| -> Vec<Vec<Needle>> {
        v.iter()
            .map(|l| l.alternatives().iter().map(|a| Needle::new(a)).collect())
            .collect()
    };
    Detect {
        anchors: fold_all(d.anchors),
        markers: fold_all(d.markers),
        exclude: fold_all(d.exclude),
    }
}

fn compile_field(
    key: ScalarField,
    rule: &FieldRule,
    norm: &Normalizer,
    regex: &dyn Fn(&str) -> Result<Regex, MappingError>,
) -> Result<FieldSpec, MappingError> {
    let cell =
        |c: &Option<toml::Spanned<String>>| c.as_ref().and_then(|c| c.get_ref().parse().ok());
    let locator = if let Some(at) = cell(&rule.cell) {
        Locator::Cell(at)
    } else if !rule.row.is_empty() && !rule.column.is_empty() {
        Locator::Cross {
            row: norm.labels(&rule.row),
            column: norm.labels(&rule.column),
        }
    } else if !rule.label.is_empty() {
        Locator::Label {
            labels: norm.labels(&rule.label),
            direction: rule.direction,
        }
    } else {
        Locator::Scan {
            rows: rule.rows.unwrap_or(6),
        }
    };
    Ok(FieldSpec {
        locator,
        regex: rule
            .regex
            .iter()
            .map(|r| regex(r.get_ref()))
            .collect::<Result<_, _>>()?,
        value_type: rule.value_type.unwrap_or(key.default_type()),
        required: rule.required,
        at: cell(&rule.at),
    })
}

fn compile_funds(
    f: FundsRule,
    norm: &Normalizer,
    regex: &dyn Fn(&str) -> Result<Regex, MappingError>,
) -> Result<FundsSpec, MappingError> {
    let columns = f
        .columns
        .iter()
        .map(|(k, l)| (*k, norm.labels(l)))
        .collect();
    let rows: BTreeMap<_, _> = f.rows.iter().map(|(k, l)| (*k, norm.labels(l))).collect();
    Ok(FundsSpec {
        block: norm.labels(&f.block),
        column_keys: Matcher::new(&columns, folded(&f.exclude)),
        columns,
        row_keys: Matcher::new(&rows, folded(&f.row_exclude)),
        unit: f.unit,
        yuan_markers: f
            .yuan_markers
            .alternatives()
            .iter()
            .map(|a| crate::text::fold(a))
            .collect(),
        weight_in_label: f.weight_in_label.map(|r| regex(r.get_ref())).transpose()?,
        first_row_is_total: f.first_row_is_total,
        ignore_rows: norm.labels(&f.ignore_rows),
    })
}

/// Exclusions by key, [`crate::text::fold`]ed.
fn folded<K: Copy + Ord>(exclude: &BTreeMap<K, Labels>) -> BTreeMap<K, Vec<String>> {
    exclude
        .iter()
        .map(|(k, l)| {
            let texts = l
                .alternatives()
                .iter()
                .map(|a| crate::text::fold(a))
                .collect();
            (*k, texts)
        })
        .collect()
}

fn compile_table(
    t: TableRule,
    norm: &Normalizer,
    regex: &dyn Fn(&str) -> Result<Regex, MappingError>,
) -> Result<TableSpec, MappingError> {
    let columns = t
        .columns
        .iter()
        .map(|(k, l)| (*k, norm.labels(l)))
        .collect();
    Ok(TableSpec {
        column_keys: Matcher::new(&columns, folded(&t.exclude)),
        columns,
        ignore: norm.labels(&t.ignore),
        terminator: norm.labels(&t.terminator),
        placeholder: t
            .placeholder
            .iter()
            .map(|r| regex(r.get_ref()))
            .collect::<Result<_, _>>()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_loads() {
        assert_eq!(builtin_raws().len(), BUILTIN_FILES.len());
        assert_eq!(builtins().len(), BUILTIN_FILES.len());
        assert_eq!(builtins()[0].id, "mof-2020");
    }

    #[test]
    fn children_inherit_the_base_vocabulary() {
        let hubei = Mapping::builtin("hubei-2020").map_err(|e| e.to_string());
        let hubei = hubei
            .as_ref()
            .map(|m| m.table.is_some() && m.funds.is_some());
        assert_eq!(hubei, Ok(true));
    }
}

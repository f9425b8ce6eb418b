//! Writing a mapping for a form nobody has mapped yet: `jixiao mapping
//! draft` reads the form with the closest built-in mapping and writes a
//! mapping that `extends` it with the labels found on this form, each with
//! its cell, and the headers and amounts it could not place as `# TODO`
//! lines; `jixiao mapping test` imports with a mapping and tells, field by
//! field, the cell a value came from or why it is null.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::detect;
use super::extract::{self, Hit, Layout};
use super::labels::{is_one_of, LabelCells, TextCell};
use super::resolve::{builtins, Locator, Mapping, SheetSelect};
use super::spec::{FundsColumnKey, FundsRowKey, ScalarField, TableColumnKey};
use super::ImportError;
use crate::model::{Field, FundColumn, FundLine, Imported, Record, UnreadKind};
use crate::source::{CellRef, Sheet, Value, Workbook};
use crate::text::fold;

/// A starting mapping for the form on `sheet` of `workbook` (a name or a
/// 1-based index; by default the sheet that fits a built-in mapping best),
/// as TOML text.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let workbook = jixiao::source::open("samples/rendashi-daibiao-2023.xlsx".as_ref())?;
/// let toml = jixiao::mapping::draft(&workbook, None)?;
/// assert!(toml.contains("extends = \"mof-2020\""));
/// assert!(toml.contains("[indicators.columns]"));
/// # Ok(()) }
/// ```
pub fn draft(workbook: &Workbook, sheet: Option<&str>) -> Result<String, ImportError> {
    let index = pick_sheet(workbook, sheet)?;
    let grid = &workbook.sheets[index];
    let cells = TextCell::all(grid);
    let labels = LabelCells::new(&cells);
    // The best score wins; a tie keeps the built-in order.
    let base = builtins()
        .iter()
        .map(|m| (detect::score(grid, &labels, m).score, m))
        .rev()
        .max_by_key(|(score, _)| *score)
        .map(|(_, m)| m)
        .ok_or_else(|| no_sheet(workbook, "no built-in mapping"))?;
    let mut mapping = base.clone();
    mapping.sheet = SheetSelect {
        index: Some(index),
        ..SheetSelect::default()
    };
    let (imported, layout) = extract::read_form(workbook, grid, &cells, &mapping, true)?;
    let w = Writer {
        grid,
        mapping: &mapping,
        layout: &layout,
        imported: &imported,
    };
    Ok(w.write(workbook, base))
}

fn no_sheet(workbook: &Workbook, why: &str) -> ImportError {
    ImportError::NoMatch {
        file: workbook.path.clone(),
        closest: why.to_string(),
    }
}

/// The sheet named or numbered (1-based) by `sheet`, else the visible
/// sheet scoring best against any built-in mapping.
fn pick_sheet(workbook: &Workbook, sheet: Option<&str>) -> Result<usize, ImportError> {
    if let Some(s) = sheet {
        let by_name = workbook.sheets.iter().position(|g| g.name == s);
        let by_number = s
            .parse::<usize>()
            .ok()
            .filter(|&n| (1..=workbook.sheets.len()).contains(&n))
            .map(|n| n - 1);
        return by_name
            .or(by_number)
            .ok_or_else(|| no_sheet(workbook, &format!("no sheet {s:?}")));
    }
    let best = detect::detect(workbook)
        .into_iter()
        .filter_map(|s| {
            let i = workbook
                .sheets
                .iter()
                .position(|g| g.name == s.sheet && !g.hidden)?;
            Some((s.score, std::cmp::Reverse(i)))
        })
        .max();
    best.map(|(_, std::cmp::Reverse(i))| i)
        .ok_or_else(|| no_sheet(workbook, "the workbook has no visible sheet"))
}

/// A TOML basic string.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A label as the draft writes it: folded (half-width, no whitespace).
fn label_text(grid: &Sheet, at: CellRef) -> String {
    fold(grid.raw(at).text())
}

fn field_key(key: ScalarField) -> &'static str {
    match key {
        ScalarField::Year => "year",
        ScalarField::Project => "project",
        ScalarField::Department => "department",
        ScalarField::Unit => "unit",
        ScalarField::GoalsPlanned => "goals_planned",
        ScalarField::GoalsAchieved => "goals_achieved",
        ScalarField::TotalScore => "total_score",
    }
}

const TABLE_KEYS: &[(TableColumnKey, &str)] = &[
    (TableColumnKey::Level1, "level1"),
    (TableColumnKey::Level2, "level2"),
    (TableColumnKey::Name, "name"),
    (TableColumnKey::Target, "target"),
    (TableColumnKey::TargetComparator, "target_comparator"),
    (TableColumnKey::TargetValue, "target_value"),
    (TableColumnKey::TargetUnit, "target_unit"),
    (TableColumnKey::Actual, "actual"),
    (TableColumnKey::Weight, "weight"),
    (TableColumnKey::Score, "score"),
    (TableColumnKey::Note, "note"),
];

/// The keys a free table header most likely belongs to, in that order.
const TABLE_GUESS_ORDER: &[TableColumnKey] = &[
    TableColumnKey::Actual,
    TableColumnKey::Target,
    TableColumnKey::Weight,
    TableColumnKey::Score,
    TableColumnKey::Note,
    TableColumnKey::Name,
    TableColumnKey::Level2,
    TableColumnKey::Level1,
];

const FUNDS_KEYS: &[(FundsColumnKey, &str)] = &[
    (FundsColumnKey::Initial, "initial"),
    (FundsColumnKey::Budget, "budget"),
    (FundsColumnKey::Spent, "spent"),
    (FundsColumnKey::Weight, "weight"),
    (FundsColumnKey::Rate, "rate"),
    (FundsColumnKey::Score, "score"),
];

const ROW_KEYS: &[(FundsRowKey, &str)] = &[
    (FundsRowKey::Total, "total"),
    (FundsRowKey::Fiscal, "fiscal"),
    (FundsRowKey::Carryover, "carryover"),
    (FundsRowKey::Other, "other"),
];

fn name_of<K: PartialEq + Copy>(keys: &[(K, &'static str)], key: K) -> &'static str {
    keys.iter().find(|(k, _)| *k == key).map_or("?", |(_, n)| n)
}

struct Writer<'a> {
    grid: &'a Sheet,
    mapping: &'a Mapping,
    layout: &'a Layout,
    imported: &'a Imported,
}

impl Writer<'_> {
    fn write(&self, workbook: &Workbook, base: &Mapping) -> String {
        let mut out = String::new();
        let file = workbook.path.display();
        let stem = workbook
            .path
            .file_stem()
            .map_or("form".into(), |s| s.to_string_lossy().into_owned());
        let _ = writeln!(
            out,
            "# Drafted by `jixiao mapping draft` from {file}, sheet “{}”.",
            self.grid.name
        );
        let _ = writeln!(
            out,
            "# Closest built-in mapping: {} ({}); what this file leaves out comes from it.",
            base.id, base.name
        );
        let _ = writeln!(
            out,
            "# Check each label against the form, settle the TODO lines, then run\n#   jixiao mapping test THIS.toml {file}\n"
        );
        let _ = writeln!(out, "id = {}", quoted(&format!("draft-{stem}")));
        let _ = writeln!(out, "name = {}", quoted(&self.title(&stem)));
        let _ = writeln!(out, "extends = {}", quoted(&base.id));
        self.detect(&mut out);
        self.fields(&mut out);
        self.funds(&mut out);
        self.table(&mut out);
        out
    }

    /// The form's title: its first text cell, folded.
    fn title(&self, stem: &str) -> String {
        self.grid
            .cells()
            .find_map(|(at, v)| matches!(v, Value::Text(_)).then(|| label_text(self.grid, at)))
            .filter(|t| !t.is_empty() && t.chars().count() <= 40)
            .unwrap_or_else(|| stem.to_string())
    }

    /// Anchors the form shows: the project (or department) label, the
    /// indicator name header and a funds money header.
    fn detect(&self, out: &mut String) {
        let mut anchors = Vec::new();
        for key in [ScalarField::Project, ScalarField::Department] {
            if let Some(at) = self.layout.fields.get(&key).and_then(|h| h.label) {
                anchors.push(self.norm_at(at));
                break;
            }
        }
        if let Some(t) = &self.layout.table {
            if let Some(&c) = t.columns.get(&TableColumnKey::Name) {
                anchors.push(self.norm_at(CellRef::new(t.header_row, c)));
            }
        }
        if let Some(f) = &self.layout.funds {
            let money = [
                FundsColumnKey::Budget,
                FundsColumnKey::Spent,
                FundsColumnKey::Initial,
            ];
            if let Some(&c) = money.iter().find_map(|k| f.columns.get(k)) {
                anchors.push(self.norm_at(CellRef::new(f.header, c)));
            }
        }
        anchors.retain(|a| !a.is_empty());
        let list: Vec<String> = anchors.iter().map(|a| quoted(a)).collect();
        let _ = writeln!(
            out,
            "\n[detect]\n# Texts this form shows; each must appear for the mapping to apply.\nanchors = [{}]",
            list.join(", ")
        );
    }

    /// A label as the mapping compares it (`全年预算数（A）` → `全年预算数`).
    fn norm_at(&self, at: CellRef) -> String {
        self.mapping.norm.norm(self.grid.raw(at).text())
    }

    fn fields(&self, out: &mut String) {
        for (&key, spec) in &self.mapping.fields {
            let hit = self.layout.fields.get(&key).copied().unwrap_or_default();
            match &spec.locator {
                Locator::Label { labels, direction } => {
                    self.label_field(out, key, hit, labels, *direction);
                }
                Locator::Scan { .. } if spec.regex.is_empty() => {} // switched off
                _ => {
                    let found = match hit.value {
                        Some(at) => format!("found in {at} “{}”", label_text(self.grid, at)),
                        None => "not found on this form (the built-in rule stays)".into(),
                    };
                    let _ = writeln!(out, "\n# {}: {found}", field_key(key));
                }
            }
        }
    }

    fn label_field(
        &self,
        out: &mut String,
        key: ScalarField,
        hit: Hit,
        labels: &[String],
        direction: super::spec::Direction,
    ) {
        let name = field_key(key);
        let below = direction == super::spec::Direction::Below;
        // A label and its value in one cell (`单位名称：…`): the part before
        // the colon.
        let label = match (hit.label, hit.value) {
            (Some(at), _) => Some((at, label_text(self.grid, at))),
            (None, Some(at)) => {
                let text = label_text(self.grid, at);
                text.split_once(':')
                    .map(|(l, _)| (at, l.to_string()))
                    .filter(|(_, l)| !l.is_empty())
            }
            (None, None) => None,
        };
        match label {
            Some((at, text)) => {
                let value = hit
                    .value
                    .map_or("no value".into(), |v| format!("value {v}"));
                let _ = writeln!(out, "\n[fields.{name}]\n# label {at}, {value}");
                let _ = writeln!(out, "label = {}", quoted(&text));
                if below {
                    let _ = writeln!(out, "direction = \"below\"");
                }
            }
            None => {
                let _ = writeln!(
                    out,
                    "\n# TODO [fields.{name}]: none of its labels is on the form ({}).\n# Write the label printed beside the value, then remove the `#`:\n# [fields.{name}]\n# label = \"\"",
                    labels.join(" | ")
                );
            }
        }
    }

    fn funds(&self, out: &mut String) {
        let Some(block) = &self.layout.funds else {
            let _ = writeln!(
                out,
                "\n# TODO [funds]: no header row with a money column (全年预算数 …) was found.\n# Add the block's column labels under [funds.columns]."
            );
            return;
        };
        let _ = writeln!(out, "\n[funds.columns]");
        for (&key, &col) in &block.columns {
            let at = CellRef::new(block.header, col);
            let _ = writeln!(
                out,
                "{} = {}  # {at}",
                name_of(FUNDS_KEYS, key),
                quoted(&label_text(self.grid, at))
            );
        }
        let _ = writeln!(out, "\n[funds.rows]");
        let first = block.columns.values().copied().min().unwrap_or(0);
        for (&line, &row) in &block.lines {
            let label = (0..first)
                .map(|c| CellRef::new(row, c))
                .find(|&at| matches!(self.grid.raw(at), Value::Text(_)));
            if let Some(at) = label {
                let _ = writeln!(
                    out,
                    "{} = {}  # {at}",
                    name_of(ROW_KEYS, line),
                    quoted(&label_text(self.grid, at))
                );
            }
        }
        let block_rows = block.rows.clone();
        for u in &self.imported.record.source.unread {
            let row = u
                .cell
                .split(':')
                .next()
                .and_then(|c| c.parse::<CellRef>().ok());
            if row.is_some_and(|r| block_rows.contains(&r.row)) {
                let _ = writeln!(
                    out,
                    "# TODO {} “{}”: amounts no line took. A line of the model? Add its label\n# under its key above. A part the model has no line for? List it in [funds] ignore_rows.",
                    u.cell, u.text
                );
            }
        }
    }

    /// The indicator table was not found (fewer than two value columns
    /// recognized): the first row with a 三级指标 header, its headers
    /// placed where a label names them and the others as TODO lines.
    fn table_unfound(&self, out: &mut String) {
        let Some(spec) = self.mapping.table.as_ref() else {
            return;
        };
        let texts: Vec<(CellRef, String)> = self
            .grid
            .cells()
            .filter(|(_, v)| matches!(v, Value::Text(_)))
            .map(|(at, _)| (at, self.norm_at(at)))
            .collect();
        let header_row = texts.iter().find_map(|(at, norm)| {
            let named = spec
                .column_keys
                .best(norm, &[TableColumnKey::Name])
                .is_some();
            named.then_some(at.row)
        });
        let Some(row) = header_row else {
            let _ = writeln!(
                out,
                "\n# TODO [indicators.columns]: no 三级指标 header was found. Add the table's\n# header labels, e.g. name = \"…\", actual = \"…\"."
            );
            return;
        };
        let cells: Vec<&(CellRef, String)> = texts.iter().filter(|(at, _)| at.row == row).collect();
        let found = cells.iter().filter_map(|(at, norm)| {
            let (k, score) = spec.column_keys.best(norm, &[])?;
            Some((k, score, *at))
        });
        let bound = super::labels::bind_best(found);
        let _ = writeln!(
            out,
            "\n[indicators.columns]\n# Too few value columns were recognized for the table to be read."
        );
        for (&key, &at) in &bound {
            let text = label_text(self.grid, at);
            let _ = writeln!(
                out,
                "{} = {}  # {at}",
                name_of(TABLE_KEYS, key),
                quoted(&text)
            );
        }
        let free: Vec<TableColumnKey> = TABLE_GUESS_ORDER
            .iter()
            .copied()
            .filter(|k| !bound.contains_key(k))
            .collect();
        for (at, norm) in cells {
            if bound.values().any(|b| b == at) || is_one_of(&self.mapping.never_values, norm) {
                continue;
            }
            let what = format!("column “{}” at {at}", label_text(self.grid, *at));
            self.todo_column(out, &what, norm, &free);
        }
    }

    /// A TODO for a table header no column took, with the likeliest key.
    fn todo_column(&self, out: &mut String, what: &str, norm: &str, free: &[TableColumnKey]) {
        let names: Vec<&str> = free.iter().map(|&k| name_of(TABLE_KEYS, k)).collect();
        let guess = self
            .mapping
            .table
            .as_ref()
            .and_then(|s| s.column_keys.guess(norm, free))
            .map_or("note", |k| name_of(TABLE_KEYS, k));
        let _ = writeln!(
            out,
            "# TODO {what} matched no column (free keys: {}).\n# Keep the line below under the right key, or list the header in [indicators] ignore:\n# {guess} = {}",
            names.join(", "),
            quoted(&fold(norm))
        );
    }

    fn table(&self, out: &mut String) {
        let Some(table) = &self.layout.table else {
            self.table_unfound(out);
            return;
        };
        let _ = writeln!(out, "\n[indicators.columns]");
        let header_of = |col: u32| {
            [table.sub_header, Some(table.header_row)]
                .into_iter()
                .flatten()
                .map(|r| CellRef::new(r, col))
                .find(|&at| matches!(self.grid.raw(at), Value::Text(_)))
        };
        for (&key, &col) in &table.columns {
            if let Some(at) = header_of(col) {
                let _ = writeln!(
                    out,
                    "{} = {}  # {at}",
                    name_of(TABLE_KEYS, key),
                    quoted(&label_text(self.grid, at))
                );
            }
        }
        let unbound: Vec<TableColumnKey> = TABLE_GUESS_ORDER
            .iter()
            .copied()
            .filter(|k| !table.columns.contains_key(k))
            .collect();
        for u in &self.imported.record.source.unread {
            let in_table = u
                .cell
                .split(':')
                .next()
                .and_then(|c| c.parse::<CellRef>().ok())
                .is_some_and(|at| table.indicator_rows.contains(&at.row));
            if !in_table {
                continue;
            }
            let what = match u.kind {
                UnreadKind::Header => format!("column “{}” (values in {})", u.text, u.cell),
                UnreadKind::Cell => format!("values in {} without a header", u.cell),
            };
            self.todo_column(out, &what, &self.mapping.norm.norm(&u.text), &unbound);
        }
    }
}

/// Imports `workbook` with `mapping` and tells, for every field, the cell
/// its value came from or why it is null; then the cells nothing read.
pub fn test_report(workbook: &Workbook, mapping: &Mapping) -> Result<String, ImportError> {
    let plan = detect::plan_with(workbook, mapping)?;
    let mut out = String::new();
    for (index, m, cells) in plan {
        let grid = extract::sheet(workbook, index, m)?;
        let (imported, layout) = extract::read_form(workbook, grid, &cells, m, true)?;
        let _ = writeln!(
            out,
            "{} [{}] with {}",
            workbook.path.display(),
            grid.name,
            m.id
        );
        Report {
            mapping: m,
            layout: &layout,
            imported: &imported,
        }
        .write(&mut out);
    }
    Ok(out)
}

struct Report<'a> {
    mapping: &'a Mapping,
    layout: &'a Layout,
    imported: &'a Imported,
}

impl Report<'_> {
    fn line(out: &mut String, field: &str, value: Option<String>, why: String) {
        let value = value.unwrap_or_else(|| "null".into());
        let short: String = value.chars().take(30).collect();
        let _ = writeln!(out, "  {field:<24} {short:<32} {why}");
    }

    fn cell(&self, field: Field) -> Option<String> {
        self.imported
            .provenance
            .get(field)
            .map(|l| l.cell.to_string())
    }

    fn write(&self, out: &mut String) {
        let r: &Record = &self.imported.record;
        let scalars: [(ScalarField, Field, Option<String>); 7] = [
            (
                ScalarField::Year,
                Field::Year,
                r.year.map(|y| y.to_string()),
            ),
            (ScalarField::Project, Field::Project, r.project.clone()),
            (
                ScalarField::Department,
                Field::Department,
                r.department.clone(),
            ),
            (ScalarField::Unit, Field::Unit, r.unit.clone()),
            (
                ScalarField::GoalsPlanned,
                Field::GoalsPlanned,
                r.goals.as_ref().and_then(|g| g.planned.clone()),
            ),
            (
                ScalarField::GoalsAchieved,
                Field::GoalsAchieved,
                r.goals.as_ref().and_then(|g| g.achieved.clone()),
            ),
            (
                ScalarField::TotalScore,
                Field::TotalScore,
                r.total_score.map(|d| d.to_string()),
            ),
        ];
        for (key, field, value) in scalars {
            let why = match self.cell(field) {
                Some(at) => at,
                None => self.why_scalar(key),
            };
            Self::line(out, super::extract::field_name(key), value, why);
        }
        self.funds(out);
        self.table(out);
        for line in super::unread_lines(r) {
            let _ = writeln!(out, "  {line}");
        }
    }

    fn why_scalar(&self, key: ScalarField) -> String {
        let Some(spec) = self.mapping.fields.get(&key) else {
            return "not in the mapping".into();
        };
        let hit = self.layout.fields.get(&key).copied().unwrap_or_default();
        match (&spec.locator, hit.value) {
            (Locator::Scan { .. }, _) if spec.regex.is_empty() => "switched off".into(),
            (Locator::Scan { rows }, None) => format!("no match in the top {rows} rows"),
            (Locator::Label { labels, .. }, None) => {
                format!("no label found ({})", labels.join(" | "))
            }
            (Locator::Cross { .. }, None) => "row or column label not found".into(),
            (Locator::Cell(at), None) => format!("{at} is empty"),
            (_, Some(at)) if key == ScalarField::TotalScore => {
                format!("{at} holds no total (or the table's 总分 row has none)")
            }
            (_, Some(at)) => format!("label found; {at} is empty"),
        }
    }

    fn funds(&self, out: &mut String) {
        let funds = &self.imported.record.funds;
        let lines = [
            (FundLine::Total, FundsRowKey::Total, &funds.total),
            (FundLine::Fiscal, FundsRowKey::Fiscal, &funds.fiscal),
            (
                FundLine::Carryover,
                FundsRowKey::Carryover,
                &funds.carryover,
            ),
            (FundLine::Other, FundsRowKey::Other, &funds.other),
        ];
        let columns = [
            (FundColumn::Initial, FundsColumnKey::Initial),
            (FundColumn::Budget, FundsColumnKey::Budget),
            (FundColumn::Spent, FundsColumnKey::Spent),
        ];
        for (line, row_key, row) in lines {
            for (column, col_key) in columns {
                let value = match column {
                    FundColumn::Initial => row.initial,
                    FundColumn::Budget => row.budget,
                    FundColumn::Spent => row.spent,
                };
                let name = format!(
                    "funds.{}.{}",
                    name_of(ROW_KEYS, row_key),
                    name_of(FUNDS_KEYS, col_key)
                );
                let why = match self.cell(Field::Fund(line, column)) {
                    Some(at) => at,
                    None => self.why_fund(Some(row_key), col_key),
                };
                Self::line(out, &name, value.map(|d| d.to_string()), why);
            }
        }
        let extras = [
            (Field::FundsWeight, FundsColumnKey::Weight, funds.weight),
            (Field::FundsRate, FundsColumnKey::Rate, funds.rate),
            (Field::FundsScore, FundsColumnKey::Score, funds.score),
        ];
        for (field, key, value) in extras {
            let why = match self.cell(field) {
                Some(at) => at,
                None => self.why_fund(Some(FundsRowKey::Total), key),
            };
            let name = format!("funds.{}", name_of(FUNDS_KEYS, key));
            Self::line(out, &name, value.map(|d| d.to_string()), why);
        }
    }

    fn why_fund(&self, line: Option<FundsRowKey>, key: FundsColumnKey) -> String {
        let Some(block) = &self.layout.funds else {
            return "no funds header row found".into();
        };
        let Some(&col) = block.columns.get(&key) else {
            return format!("no {} column", name_of(FUNDS_KEYS, key));
        };
        match line.map(|l| (l, block.lines.get(&l))) {
            Some((l, None)) => format!("no {} row", name_of(ROW_KEYS, l)),
            Some((_, Some(&row))) => format!("{} is empty", CellRef::new(row, col)),
            None => "not found".into(),
        }
    }

    fn table(&self, out: &mut String) {
        let n = self.imported.record.indicators.len();
        let Some(table) = &self.layout.table else {
            let _ = writeln!(out, "  indicators               none       no header row with 三级指标 and two value columns");
            return;
        };
        let columns: BTreeMap<&str, String> = table
            .columns
            .iter()
            .map(|(&k, &c)| (name_of(TABLE_KEYS, k), CellRef::column_name(c)))
            .collect();
        let list: Vec<String> = columns.iter().map(|(k, c)| format!("{k} {c}")).collect();
        let rows = match (table.indicator_rows.first(), table.indicator_rows.last()) {
            (Some(a), Some(b)) => format!("rows {}–{}", a + 1, b + 1),
            _ => "no rows".into(),
        };
        let _ = writeln!(
            out,
            "  {:<24} {:<32} header row {}, {rows}; columns: {}",
            "indicators",
            format!("{n} indicators"),
            table.header_row + 1,
            list.join(", ")
        );
    }
}

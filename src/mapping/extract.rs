//! Applying a mapping to one sheet: scalar fields here, the funds block in
//! [`super::funds`], the indicator table in [`super::table`].

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use rust_decimal::Decimal;

use super::funds;
use super::labels::{is_one_of, Entry, Index, TextCell};
use super::resolve::{FieldSpec, Locator, Mapping};
use super::spec::{Direction, ScalarField, ValueType};
use super::table;
use super::unread;
use super::values::{self, Expected};
use super::ImportError;
use crate::model::{Field, Goals, Imported, Location, Provenance, Record, Source};
use crate::source::{CellRef, Format, Sheet, Value, Workbook};
use crate::text::fold;

/// How far below its label a value may sit (skipping empty cells).
const MAX_BELOW: u32 = 4;

/// Everything extraction needs about one sheet.
pub(crate) struct Ctx<'a> {
    pub file: &'a Path,
    /// `None` for CSV, which has no sheets. Shared by every location.
    pub sheet_name: Option<Arc<str>>,
    pub sheet: &'a Sheet,
    pub mapping: &'a Mapping,
    pub index: Index<'a>,
    /// The rows holding any value, ascending: tables skip the rest.
    pub rows: Vec<u32>,
}

impl<'a> Ctx<'a> {
    /// The context for `sheet`, whose text cells are `cells`.
    pub fn new(
        workbook: &'a Workbook,
        sheet: &'a Sheet,
        cells: &'a [TextCell],
        mapping: &'a Mapping,
    ) -> Self {
        let sheet_name = (workbook.format != Format::Csv).then(|| Arc::from(sheet.name.as_str()));
        Ctx {
            file: &workbook.path,
            sheet_name,
            sheet,
            mapping,
            index: Index::new(cells, &mapping.norm),
            rows: used_rows(sheet),
        }
    }

    pub fn loc(&self, at: CellRef) -> Location {
        Location {
            sheet: self.sheet_name.clone(),
            cell: at,
        }
    }

    /// The error for a cell that does not hold what `field` needs.
    pub fn bad(&self, at: CellRef, field: &str, expected: Expected) -> ImportError {
        ImportError::BadValue {
            file: self.file.to_path_buf(),
            at: self.loc(at),
            field: field.to_string(),
            expected,
            found: self.sheet.value(at).text().to_string(),
        }
    }

    /// Whether the cell holds one of the mapping's labels: a search for a
    /// value stops there.
    pub fn is_known_label(&self, entry: &Entry) -> bool {
        is_one_of(&self.mapping.known, entry.norm)
    }

    /// The cell's value when `at` is a merge's top-left cell or not merged;
    /// empty inside a merge, so a value merged over rows counts once.
    pub fn once(&self, at: CellRef) -> &Value {
        let raw = self.sheet.raw(at);
        // Most cells looked at are empty: no need to look for a merge then.
        if matches!(raw, Value::Empty) {
            return raw;
        }
        match self.sheet.merge_at(at) {
            Some(m) if m.first != at => &Value::Empty,
            _ => raw,
        }
    }

    /// [`fold`] of `text`, the trimmed text of the cell at `at`: the
    /// index's when the cell holds text (trimming whitespace never changes
    /// what the text folds to).
    pub fn folded(&self, at: CellRef, text: &str) -> Cow<'a, str> {
        match self.index.at(at) {
            Some(entry) => Cow::Borrowed(entry.folded),
            None => Cow::Owned(fold(text)),
        }
    }

    /// The last column of the merge starting at `at` (or `at`'s column).
    pub fn merge_end_col(&self, at: CellRef) -> u32 {
        self.sheet.merge_at(at).map_or(at.col, |m| m.last.col)
    }

    pub fn decimal(&self, at: CellRef, field: &str) -> Result<Option<Decimal>, ImportError> {
        values::decimal(self.once(at)).map_err(|e| self.bad(at, field, e))
    }
}

fn used_rows(sheet: &Sheet) -> Vec<u32> {
    let mut rows: Vec<u32> = sheet.cells().map(|(at, _)| at.row).collect();
    rows.dedup();
    rows
}

/// The sheet at index `sheet` of `workbook`, or an error naming the file.
pub(crate) fn sheet<'w>(
    workbook: &'w Workbook,
    sheet: usize,
    mapping: &Mapping,
) -> Result<&'w Sheet, ImportError> {
    workbook
        .sheets
        .get(sheet)
        .ok_or_else(|| ImportError::MappingMatchesNothing {
            file: workbook.path.clone(),
            mapping: mapping.id.clone(),
            closest: format!("no sheet #{sheet}"),
        })
}

/// Reads one form from `grid`, a sheet of `workbook` (or a band of one),
/// whose text cells are `cells`.
pub(crate) fn extract_from(
    workbook: &Workbook,
    grid: &Sheet,
    cells: &[TextCell],
    mapping: &Mapping,
) -> Result<Imported, ImportError> {
    read_form(workbook, grid, cells, mapping, false).map(|(imported, _)| imported)
}

/// Where a scalar field's label and value were found (`None`: not found).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Hit {
    pub label: Option<CellRef>,
    /// The value's cell, or where it belongs when that cell is empty.
    pub value: Option<CellRef>,
}

/// Where each part of a form was found: what `mapping draft` and `mapping
/// test` tell the person writing a mapping.
#[derive(Clone, Debug, Default)]
pub(crate) struct Layout {
    pub fields: std::collections::BTreeMap<ScalarField, Hit>,
    pub table: Option<table::Found>,
    pub funds: Option<funds::Block>,
}

/// [`extract_from`] with the [`Layout`] found; its `fields` only when
/// `with_fields` (finding them again costs a second search per field).
pub(crate) fn read_form(
    workbook: &Workbook,
    grid: &Sheet,
    cells: &[TextCell],
    mapping: &Mapping,
    with_fields: bool,
) -> Result<(Imported, Layout), ImportError> {
    let ctx = Ctx::new(workbook, grid, cells, mapping);
    let source = Source {
        file: workbook.path.display().to_string(),
        sheet: ctx.sheet_name.as_deref().map(str::to_string),
        mapping: Some(mapping.id.clone()),
        unread: Vec::new(),
    };
    let mut record = Record::new(mapping.kind, source);
    let mut prov = Provenance::default();
    read_scalars(&ctx, &mut record, &mut prov)?;
    let table = match &mapping.table {
        Some(spec) => table::read(&ctx, spec, &mut record, &mut prov)?,
        None => None,
    };
    let block = match &mapping.funds {
        Some(spec) => funds::read(&ctx, spec, table.as_ref(), &mut record, &mut prov)?,
        None => None,
    };
    if record.total_score.is_none() {
        let total_row = table.as_ref().and_then(|t| t.total_row);
        read_header_total(&ctx, total_row, &mut record, &mut prov)?;
    }
    let goals = record.goals.as_ref();
    record.source.unread = unread::collect(&ctx, table.as_ref(), block.as_ref(), goals, &prov);
    let fields = match with_fields {
        true => mapping
            .fields
            .iter()
            .map(|(&key, spec)| (key, hit(&ctx, spec)))
            .collect(),
        false => Default::default(),
    };
    let layout = Layout {
        fields,
        table,
        funds: block,
    };
    let imported = Imported {
        record,
        provenance: prov,
    };
    Ok((imported, layout))
}

/// Where `spec` finds its label and value on the sheet.
fn hit(ctx: &Ctx, spec: &FieldSpec) -> Hit {
    let value = locate(ctx, spec).map(|(at, _)| at);
    let label = match &spec.locator {
        Locator::Label { labels, .. } => label_entries(ctx, labels).first().map(|e| e.at),
        Locator::Cross { row, .. } => ctx.index.find(row).next().map(|e| e.at),
        _ => None,
    };
    Hit { label, value }
}

fn read_scalars(ctx: &Ctx, record: &mut Record, prov: &mut Provenance) -> Result<(), ImportError> {
    let mut goals = Goals::default();
    for (&key, spec) in &ctx.mapping.fields {
        if key == ScalarField::TotalScore {
            continue; // only when the table has no 总分 row
        }
        let found = locate(ctx, spec);
        let text = match &found {
            Some((at, value)) => scalar_text(ctx, *at, value, spec, key)?,
            None => None,
        };
        if spec.required && text.is_none() {
            return Err(required(ctx, key, found.map(|(at, _)| at)));
        }
        let (Some((at, _)), Some(mut text)) = (found, text) else {
            continue;
        };
        if matches!(key, ScalarField::GoalsPlanned | ScalarField::GoalsAchieved) {
            text = numbered_lines(ctx, at, text);
        }
        let field = match key {
            ScalarField::Year => {
                record.year = values::integer(&Value::Text(text))
                    .map_err(|e| ctx.bad(at, field_name(key), e))?;
                Field::Year
            }
            ScalarField::Project => set(&mut record.project, text, Field::Project),
            ScalarField::Department => set(&mut record.department, text, Field::Department),
            ScalarField::Unit => set(&mut record.unit, text, Field::Unit),
            ScalarField::GoalsPlanned => set(&mut goals.planned, text, Field::GoalsPlanned),
            ScalarField::GoalsAchieved => set(&mut goals.achieved, text, Field::GoalsAchieved),
            ScalarField::TotalScore => continue,
        };
        prov.set(field, ctx.loc(at));
    }
    record.goals = Some(goals);
    Ok(())
}

fn set(slot: &mut Option<String>, text: String, field: Field) -> Field {
    *slot = Some(text);
    field
}

/// A scalar's text after its regex (if any); checks the type of text fields.
fn scalar_text(
    ctx: &Ctx,
    at: CellRef,
    value: &Value,
    spec: &FieldSpec,
    key: ScalarField,
) -> Result<Option<String>, ImportError> {
    let Some(text) = values::text(value) else {
        return Ok(None);
    };
    if spec.regex.is_empty() || matches!(spec.locator, Locator::Scan { .. }) {
        return Ok(Some(text));
    }
    let folded = crate::text::fold(&text);
    let captured = spec
        .regex
        .iter()
        .find_map(|re| re.captures(&folded)?.get(1).map(|m| m.as_str().to_string()));
    match captured {
        Some(c) => Ok(Some(c)),
        None => Err(ctx.bad(at, field_name(key), "text matching the mapping's regex")),
    }
}

/// The total from a header field (自评得分, `总分：100分`). On the
/// table's own 总分 row, whose 得分 is empty, the number beside the label is
/// the 分值 sum, never the total.
fn read_header_total(
    ctx: &Ctx,
    total_row: Option<u32>,
    record: &mut Record,
    prov: &mut Provenance,
) -> Result<(), ImportError> {
    let Some(spec) = ctx.mapping.fields.get(&ScalarField::TotalScore) else {
        return Ok(());
    };
    let Some((at, value)) = locate(ctx, spec) else {
        return Ok(());
    };
    if Some(at.row) == total_row || under_total_label(ctx, spec, at, total_row) {
        return Ok(());
    }
    let Some(text) = scalar_text(ctx, at, &value, spec, ScalarField::TotalScore)? else {
        return Ok(());
    };
    let value = Value::Text(text);
    let total = match spec.value_type {
        ValueType::Rate => values::rate(&value),
        _ => values::decimal(&value),
    };
    record.total_score = total.map_err(|e| ctx.bad(at, "total_score", e))?;
    if record.total_score.is_some() {
        prov.set(Field::TotalScore, ctx.loc(at));
    }
    Ok(())
}

/// Whether `at` is the cell under the table's 总分 label (its score cell
/// empty, the search went down to the next block's label, `偏差大或目标未完成
/// 原因分析` on the 湖北 form): not a header total either.
fn under_total_label(ctx: &Ctx, spec: &FieldSpec, at: CellRef, total_row: Option<u32>) -> bool {
    let Some(row) = total_row.filter(|&r| at.row == r + 1) else {
        return false;
    };
    let above = CellRef::new(row, at.col);
    let first = ctx.sheet.merge_at(above).map_or(above, |m| m.first);
    let Locator::Label { labels, .. } = &spec.locator else {
        return false;
    };
    ctx.index
        .at(first)
        .is_some_and(|e| is_one_of(labels, e.norm))
}

pub(crate) fn field_name(key: ScalarField) -> &'static str {
    match key {
        ScalarField::Year => "year",
        ScalarField::Project => "project",
        ScalarField::Department => "department",
        ScalarField::Unit => "unit",
        ScalarField::GoalsPlanned => "goals.planned",
        ScalarField::GoalsAchieved => "goals.achieved",
        ScalarField::TotalScore => "total_score",
    }
}

fn required(ctx: &Ctx, key: ScalarField, at: Option<CellRef>) -> ImportError {
    let sheet = ctx.sheet_name.as_deref().unwrap_or("CSV");
    let (at, problem) = match at {
        Some(at) => (format!("{}", ctx.loc(at)), "the cell is empty"),
        None => (format!("sheet {sheet}"), "its label was not found"),
    };
    ImportError::Required {
        file: ctx.file.to_path_buf(),
        at,
        field: field_name(key),
        problem,
    }
}

/// Finds a scalar's cell. `Some((cell, Empty))` means the label was found but
/// its value cell is empty (the cell is where the value belongs).
pub(crate) fn locate(ctx: &Ctx, spec: &FieldSpec) -> Option<(CellRef, Value)> {
    match &spec.locator {
        Locator::Cell(at) => Some((*at, ctx.sheet.value(*at).clone())),
        Locator::Cross { row, column } => {
            let r = ctx.index.find(row).next()?;
            let c = ctx.index.find(column).next()?;
            let at = CellRef::new(r.at.row, c.at.col);
            Some((at, ctx.sheet.value(at).clone()))
        }
        Locator::Label { labels, direction } => by_label(ctx, labels, *direction),
        Locator::Scan { rows } => scan(ctx, spec, *rows).or_else(|| in_sheet_name(ctx, spec)),
    }
}

/// The cells carrying one of `labels`, alternatives in the mapping's order:
/// a specific label listed first (实际完成情况) beats a block title that
/// also matches (年度总体目标完成情况). Exact labels first; a label ending a
/// slightly longer one (区级预算单位名称) only when no cell carries one
/// exactly.
fn label_entries<'c>(ctx: &'c Ctx, labels: &'c [String]) -> Vec<&'c Entry<'c>> {
    let exact: Vec<&Entry> = labels
        .iter()
        .flat_map(|l| ctx.index.find(std::slice::from_ref(l)))
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    labels
        .iter()
        .flat_map(|l| {
            ctx.index
                .entries
                .iter()
                .filter(move |e| ends_with_label(ctx, e, l))
        })
        .collect()
}

fn by_label(ctx: &Ctx, labels: &[String], direction: Direction) -> Option<(CellRef, Value)> {
    let mut first_empty = None;
    for entry in label_entries(ctx, labels) {
        // A value expected below may sit beside its label instead.
        let found = match direction {
            // A header-style label (value in the next row) is also accepted.
            Direction::Right => {
                right_of(ctx, entry.at).or_else(|e| below(ctx, entry.at, 1).map_err(|_| e))
            }
            Direction::Below if heads_sub_labels(ctx, entry) => below(ctx, entry.at, MAX_BELOW),
            Direction::Below => {
                below(ctx, entry.at, MAX_BELOW).or_else(|e| right_of(ctx, entry.at).map_err(|_| e))
            }
        };
        match found {
            Ok(hit) => return Some(hit),
            Err(expected) => {
                first_empty.get_or_insert(expected);
            }
        }
    }
    inline(ctx, labels).or_else(|| first_empty.map(|at| (at, Value::Empty)))
}

/// Whether the label is a block title (年度总体目标) merged down over the
/// block's rows: the cell right of it on its first row is a sub-label
/// (年初目标, 目标内容), never the value.
fn heads_sub_labels(ctx: &Ctx, entry: &Entry) -> bool {
    is_one_of(&ctx.mapping.never_values, entry.norm)
        && ctx
            .sheet
            .merge_at(entry.at)
            .is_some_and(|m| m.last.row > m.first.row)
}

/// Most numbered goal lines read below the first one.
const MAX_GOAL_LINES: u32 = 12;

/// Whether a goal text starts a numbered line: `1.` `1、` `(1)` `一、` `目标1`.
fn is_numbered(text: &str) -> bool {
    static NUMBERED: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^\s*(?:[(（]?\d{1,2}[)）.、．:：,，]|[一二三四五六七八九十]{1,2}[、.．:：]|目标\s*\d)").ok()
    });
    NUMBERED.as_ref().is_some_and(|re| re.is_match(text))
}

/// A goal written as numbered lines over several cells, one under the
/// other (`1：…` in C12, `2：…` in C13): the lines joined, so none is lost.
fn numbered_lines(ctx: &Ctx, first: CellRef, text: String) -> String {
    if !is_numbered(&text) {
        return text;
    }
    let mut lines = vec![text];
    let mut row = ctx.sheet.merge_at(first).map_or(first.row, |m| m.last.row) + 1;
    let end = (row + MAX_GOAL_LINES).min(ctx.sheet.height());
    while row < end {
        let at = CellRef::new(row, first.col);
        let Some(line) = values::text(ctx.once(at)) else {
            break;
        };
        if !is_numbered(&line) || ctx.index.at(at).is_some_and(|e| ctx.is_known_label(e)) {
            break;
        }
        lines.push(line);
        row = ctx.sheet.merge_at(at).map_or(row, |m| m.last.row) + 1;
    }
    lines.join("\n")
}

/// Longest qualifier a label may carry in front (`区级预算` of
/// `区级预算单位名称`), in chars.
const MAX_QUALIFIER: usize = 4;

/// Whether the cell's label is `label` with a short qualifier in front
/// (`县级主管部门`), and is no block title or note of the mapping.
fn ends_with_label(ctx: &Ctx, entry: &Entry, label: &str) -> bool {
    // Most cells are far longer or shorter: compare lengths first.
    let extra = entry.norm.len().wrapping_sub(label.len());
    if !(1..=MAX_QUALIFIER * 4).contains(&extra) {
        return false;
    }
    let Some(qualifier) = entry.norm.strip_suffix(label) else {
        return false;
    };
    let n = qualifier.chars().count();
    label.chars().count() >= 4
        && (1..=MAX_QUALIFIER).contains(&n)
        && !qualifier.contains([':', '(', ')'])
        && !qualifier.chars().any(|c| c.is_ascii_digit())
        && !is_one_of(&ctx.mapping.never_values, entry.norm)
}

/// The first non-empty cell right of the label (past its merge), stopping at
/// another label. `Err` holds where the value should have been.
fn right_of(ctx: &Ctx, label: CellRef) -> Result<(CellRef, Value), CellRef> {
    let start = ctx.merge_end_col(label) + 1;
    let expected = CellRef::new(label.row, start);
    for col in start..ctx.sheet.width() {
        let at = CellRef::new(label.row, col);
        let value = ctx.once(at);
        if value.is_empty() {
            continue;
        }
        if ctx.index.at(at).is_some_and(|e| ctx.is_known_label(e)) {
            break;
        }
        return Ok((at, value.clone()));
    }
    Err(expected)
}

/// The first non-empty cell below the label (past its merge), within
/// `max_rows` rows, stopping at another label.
fn below(ctx: &Ctx, label: CellRef, max_rows: u32) -> Result<(CellRef, Value), CellRef> {
    let start = ctx.sheet.merge_at(label).map_or(label.row, |m| m.last.row) + 1;
    let expected = CellRef::new(start, label.col);
    for row in start..(start + max_rows).min(ctx.sheet.height()) {
        let probe = CellRef::new(row, label.col);
        let merge = ctx.sheet.merge_at(probe);
        // A row merged from left of the label is the next block's title
        // (`一、部门年度目标` across the form), not this label's value.
        if merge.is_some_and(|m| m.first.col < label.col) {
            break;
        }
        let at = merge.map_or(probe, |m| m.first);
        let value = ctx.sheet.raw(at);
        if value.is_empty() {
            continue;
        }
        if ctx.index.at(at).is_some_and(|e| ctx.is_known_label(e)) {
            break;
        }
        return Ok((at, value.clone()));
    }
    Err(expected)
}

/// A label and its value in one cell: `单位名称：保山市退役军人事务局`,
/// also as one of several parts set apart by spaces
/// (`填报日期：2022年3月18日　总分：100分`).
fn inline(ctx: &Ctx, labels: &[String]) -> Option<(CellRef, Value)> {
    ctx.index.entries.iter().find_map(|e| {
        // Cheap tests on the whole cell before splitting it.
        if !e.folded.contains(':') {
            return None;
        }
        let names = |l: &String| {
            e.folded
                .match_indices(l.as_str())
                .any(|(i, _)| e.folded[i + l.len()..].starts_with(':'))
        };
        if !labels.iter().any(names) {
            return None;
        }
        let raw = ctx.sheet.raw(e.at).text();
        // Several `label：value` parts: each part ends at a space.
        let several = raw.matches(['：', ':']).count() > 1;
        let parts: Vec<&str> = if several {
            raw.split([' ', '\u{3000}', '\t', '\n']).collect()
        } else {
            vec![raw]
        };
        parts.into_iter().find_map(|part| {
            let (label, value) = part.split_once(['：', ':'])?;
            let label = ctx.mapping.norm.norm(label);
            let value = without_seal_prompt(crate::text::trim(value));
            (is_one_of(labels, &label) && !value.is_empty())
                .then(|| (e.at, Value::Text(value.to_string())))
        })
    })
}

/// Prompts a template prints after a name for the seal: not the name's.
const SEAL_PROMPTS: &[&str] = &[
    "(公章)",
    "(盖章)",
    "(签章)",
    "（公章）",
    "（盖章）",
    "（签章）",
];

/// `平泉市人民检察院（公章）` → `平泉市人民检察院`.
fn without_seal_prompt(value: &str) -> &str {
    SEAL_PROMPTS
        .iter()
        .find_map(|p| value.strip_suffix(p))
        .map_or(value, crate::text::trim)
}

/// The first capture of the field's patterns in the top `rows` rows of the
/// form (counted from its first row holding text, so a form shifted down or
/// stacked under another is read the same): every cell is tried with the
/// first pattern before the second is tried.
fn scan(ctx: &Ctx, spec: &FieldSpec, rows: u32) -> Option<(CellRef, Value)> {
    let first = ctx.index.entries.first()?.at.row;
    let top: Vec<&Entry> = ctx
        .index
        .entries
        .iter()
        .take_while(|e| e.at.row < first.saturating_add(rows))
        .collect();
    spec.regex.iter().find_map(|re| {
        top.iter().filter(|e| !is_prose(e.folded)).find_map(|e| {
            let m = re.captures(e.folded)?.get(1)?;
            Some((e.at, Value::Text(m.as_str().to_string())))
        })
    })
}

/// Whether folded cell text reads as a sentence (a goal, a note) rather
/// than a title line: `中心2021年较好地完成了…，…` names a year in passing.
fn is_prose(folded: &str) -> bool {
    const LONGEST_TITLE: usize = 60;
    folded.contains([',', '。', ';']) || folded.chars().count() > LONGEST_TITLE
}

/// A pattern's capture in the sheet's name (`2021年自评表`), located at A1.
fn in_sheet_name(ctx: &Ctx, spec: &FieldSpec) -> Option<(CellRef, Value)> {
    let name = crate::text::fold(ctx.sheet_name.as_deref()?);
    let m = spec
        .regex
        .iter()
        .find_map(|re| re.captures(&name)?.get(1))?;
    Some((CellRef::new(0, 0), Value::Text(m.as_str().to_string())))
}

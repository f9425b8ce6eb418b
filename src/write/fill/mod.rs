//! Filling a department's blank template from a record (`jixiao convert
//! --to MAPPING [--template BLANK.xlsx]`).
//!
//! The template's mapping says where each field goes: the cells are found
//! the way the importer finds them ([`crate::mapping::place`]), so what is
//! written imports back as the same record. The template's package is
//! edited in place: only the filled sheet's part changes (its written
//! cells, and rows inserted when the record has more indicators than the
//! template has rows); every other part is copied byte for byte, and the
//! workbook is marked for full recalculation when the sheet has formulas.
//!
//! ```
//! use jixiao::mapping::Mapping;
//! use jixiao::model::{Kind, Record, Source};
//! use jixiao::write::fill::{Options, Template};
//!
//! let mapping = Mapping::builtin("sichuan-2023").unwrap();
//! let template = Template::builtin(mapping).unwrap();
//! let mut record = Record::new(Kind::Project, Source::default());
//! record.project = Some("乡村道路养护".into());
//! let filled = template.fill(&record, Options::default()).unwrap();
//! assert!(filled.unwritten.is_empty());
//! assert!(filled.bytes.starts_with(b"PK"));
//! ```

mod blank;
mod package;
mod refs;
mod sheet;
mod values;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rust_decimal::Decimal;

use self::package::{Edit, Package};
use self::refs::Shift;
use self::sheet::{Content, SheetXml};
use super::{atomic, WriteError};
use crate::mapping::spec::{
    FundsColumnKey as FCol, FundsRowKey, ScalarField, TableColumnKey as TCol,
};
use crate::mapping::{ImportError, Mapping, Places, Slot, TablePlaces};
use crate::model::{FundRow, Indicator, Kind, Record};
use crate::source::{self, Area, CellRef, Format};

pub use blank::blank_bytes;

/// Why a template could not be filled. Every variant names the template.
#[derive(Debug, thiserror::Error)]
pub enum FillError {
    #[error("not a {mapping} template: {source}")]
    NotTheMapping {
        mapping: String,
        #[source]
        source: Box<ImportError>,
    },
    #[error("{template}: {detail}")]
    Template { template: PathBuf, detail: String },
    #[error(
        "{template}: a {record} record cannot fill a {template_kind} template (mapping {mapping})"
    )]
    KindMismatch {
        template: PathBuf,
        mapping: String,
        record: &'static str,
        template_kind: &'static str,
    },
    #[error(
        "{template}: the table holds {rows} indicator rows and cannot grow ({why}); \
         indicators {first}–{last} were not written"
    )]
    CannotGrow {
        template: PathBuf,
        rows: usize,
        why: String,
        first: usize,
        last: usize,
    },
    #[error("{template}: mapping {mapping} finds no indicator table in the template, but the record has {count} indicators")]
    NoTable {
        template: PathBuf,
        mapping: String,
        count: usize,
    },
}

/// How to fill.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Remove the template's indicator rows the record does not use,
    /// instead of leaving them blank.
    pub trim: bool,
}

/// A filled template.
#[derive(Clone, Debug)]
pub struct Filled {
    /// The `.xlsx` file's bytes.
    pub bytes: Vec<u8>,
    /// Values of the record the template has no place for (`funds.other`).
    pub unwritten: Vec<String>,
}

/// A blank template with its mapping and the places the mapping finds on
/// it: opened once, filled for any number of records.
#[derive(Clone, Debug)]
pub struct Template {
    /// The template's path, or `<builtin id>`, for messages.
    name: PathBuf,
    bytes: Arc<Vec<u8>>,
    mapping: Mapping,
    places: Places,
    part: String,
    /// The sheet part's XML, read once.
    sheet_xml: Arc<Vec<u8>>,
    /// Note for a template that was not an .xlsx file.
    pub note: Option<String>,
    /// Parts related to the sheet (drawings …) by relationship type.
    related: Vec<(String, String)>,
    /// Percent-formatted cell styles (`s` indexes) of the package.
    percent_styles: Vec<u32>,
}

impl Template {
    /// The built-in blank template of a built-in mapping.
    pub fn builtin(mapping: &Mapping) -> Result<Self, FillError> {
        let name = PathBuf::from(format!("<builtin {}>", mapping.id));
        let bytes = blank_bytes(&mapping.id).ok_or_else(|| FillError::Template {
            template: name.clone(),
            detail: format!(
                "no built-in template for mapping {} (give one with --template)",
                mapping.id
            ),
        })?;
        Self::from_bytes(&name, bytes, mapping)
    }

    /// The template at `path`. An `.xls` (or any other non-.xlsx)
    /// template cannot be edited in place: its cells and merges are
    /// copied into a new .xlsx, which is filled instead, and [`Self::note`]
    /// says so.
    pub fn open(path: &Path, mapping: &Mapping) -> Result<Self, FillError> {
        let workbook = source::open(path).map_err(|e| FillError::NotTheMapping {
            mapping: mapping.id.clone(),
            source: Box::new(e.into()),
        })?;
        if workbook.format != Format::Xlsx {
            let bytes = blank::from_grid(&workbook).map_err(|detail| FillError::Template {
                template: path.to_path_buf(),
                detail,
            })?;
            let mut template = Self::from_bytes(path, bytes, mapping)?;
            template.note = Some(format!(
                "{}: a {} template cannot be edited in place; filled an .xlsx copy in the same \
                 layout (its cells and merges; fonts, borders and widths are not carried over)",
                path.display(),
                workbook.format.name()
            ));
            return Ok(template);
        }
        let bytes = std::fs::read(path).map_err(|e| FillError::Template {
            template: path.to_path_buf(),
            detail: format!("cannot read: {e}"),
        })?;
        Self::with_workbook(path, bytes, mapping, &workbook)
    }

    fn from_bytes(name: &Path, bytes: Vec<u8>, mapping: &Mapping) -> Result<Self, FillError> {
        let workbook = source::open_bytes(name, &bytes).map_err(|e| FillError::NotTheMapping {
            mapping: mapping.id.clone(),
            source: Box::new(e.into()),
        })?;
        Self::with_workbook(name, bytes, mapping, &workbook)
    }

    fn with_workbook(
        name: &Path,
        bytes: Vec<u8>,
        mapping: &Mapping,
        workbook: &source::Workbook,
    ) -> Result<Self, FillError> {
        let places =
            crate::mapping::place(workbook, mapping).map_err(|e| FillError::NotTheMapping {
                mapping: mapping.id.clone(),
                source: Box::new(e),
            })?;
        let template_error = |detail: String| FillError::Template {
            template: name.to_path_buf(),
            detail,
        };
        let package = Package::new(&bytes);
        let part = package
            .sheet_part(&places.sheet_name)
            .map_err(|e| template_error(format!("cannot read the package: {e}")))?
            .ok_or_else(|| {
                template_error(format!(
                    "no worksheet part for sheet {:?}",
                    places.sheet_name
                ))
            })?;
        let sheet_xml = package
            .part(&part)
            .map_err(|e| template_error(format!("cannot read {part}: {e}")))?
            .ok_or_else(|| template_error(format!("no part {part}")))?;
        // A sheet jixiao cannot edit is refused now, not at the first record.
        SheetXml::parse(&sheet_xml).map_err(|e| template_error(format!("{part}: {e}")))?;
        let related = package
            .related(&part)
            .map_err(|e| template_error(format!("cannot read the package: {e}")))?;
        let styles = package
            .part("xl/styles.xml")
            .map_err(|e| template_error(format!("cannot read the package: {e}")))?;
        let percent_styles = styles
            .map(|s| values::percent_styles(&s))
            .unwrap_or_default();
        Ok(Template {
            name: name.to_path_buf(),
            bytes: Arc::new(bytes),
            mapping: mapping.clone(),
            places,
            part,
            sheet_xml: Arc::new(sheet_xml),
            note: None,
            related,
            percent_styles,
        })
    }

    /// Where the mapping found each field on the template.
    pub fn places(&self) -> &Places {
        &self.places
    }

    /// The template's name in messages.
    pub fn name(&self) -> &Path {
        &self.name
    }

    /// Fills the template with `record`.
    pub fn fill(&self, record: &Record, options: Options) -> Result<Filled, FillError> {
        if record.kind != self.mapping.kind {
            return Err(FillError::KindMismatch {
                template: self.name.clone(),
                mapping: self.mapping.id.clone(),
                record: kind_name(record.kind),
                template_kind: kind_name(self.mapping.kind),
            });
        }
        let template_error = |detail: String| FillError::Template {
            template: self.name.clone(),
            detail,
        };
        let package = Package::new(&self.bytes);
        let mut sheet = SheetXml::parse(&self.sheet_xml)
            .map_err(|e| template_error(format!("{}: {e}", self.part)))?;
        let mut fill = Fill {
            template: self,
            sheet: &mut sheet,
            unwritten: Vec::new(),
            shift: None,
        };
        let shift = fill.table(record, options)?;
        fill.shift = shift;
        fill.scalars(record);
        fill.funds(record);
        let unwritten = fill.unwritten;
        let mut edits = BTreeMap::new();
        let recalc = sheet.has_formulas();
        edits.insert(self.part.clone(), Edit::Replace(sheet.to_bytes()));
        // The marker carries the record's digest, as a standard form's
        // does: a consolidation skips the filled copy while nobody changed
        // it (when the template reads back to the same record).
        let marker = atomic::marker_value(atomic::Made::Filled, Some(record.content_digest()));
        self.package_edits(&package, &marker, shift, recalc, &mut edits)
            .map_err(|e| template_error(format!("cannot edit the package: {e}")))?;
        let mut out = Cursor::new(Vec::with_capacity(self.bytes.len() + 4096));
        package
            .write(&edits, &mut out)
            .map_err(|e| template_error(format!("cannot write the package: {e}")))?;
        Ok(Filled {
            bytes: out.into_inner(),
            unwritten,
        })
    }

    /// The workbook part (recalculation, moved defined names), moved
    /// drawing anchors and a dropped calculation chain.
    fn package_edits(
        &self,
        package: &Package,
        marker: &str,
        shift: Option<Shift>,
        recalc: bool,
        edits: &mut BTreeMap<String, Edit>,
    ) -> std::io::Result<()> {
        // The output guard's marker: a later run may replace this file.
        package.marker_edits(marker, edits)?;
        if !recalc && shift.is_none() {
            return Ok(());
        }
        if let Some(workbook) = package.part("xl/workbook.xml")? {
            let moved = shift.map(|s| (s, self.places.sheet_name.as_str()));
            let new = package::workbook_xml(&workbook, recalc, moved);
            if new != workbook {
                edits.insert("xl/workbook.xml".into(), Edit::Replace(new));
            }
        }
        let Some(shift) = shift else { return Ok(()) };
        for (kind, part) in &self.related {
            if kind == "drawing" {
                if let Some(xml) = package.part(part)? {
                    edits.insert(
                        part.clone(),
                        Edit::Replace(package::drawing_xml(&xml, shift)),
                    );
                }
            }
        }
        // Excel rebuilds the calculation chain; a stale one names moved cells.
        const CHAIN: &str = "xl/calcChain.xml";
        if package.part(CHAIN)?.is_some() {
            edits.insert(CHAIN.into(), Edit::Drop);
            for owner in ["[Content_Types].xml", "xl/_rels/workbook.xml.rels"] {
                if let Some(xml) = package.part(owner)? {
                    edits.insert(
                        owner.into(),
                        Edit::Replace(package::without_reference(&xml, CHAIN)),
                    );
                }
            }
        }
        Ok(())
    }

    /// Fills the template with `record` and writes it to `out` atomically.
    /// `out` may not be the template itself.
    pub fn write(
        &self,
        record: &Record,
        options: Options,
        out: &Path,
    ) -> Result<Filled, WriteError> {
        // The one output guard: never the template, never a file jixiao did
        // not write, a missing folder named.
        atomic::guard(std::slice::from_ref(&self.name), &[out])?;
        let filled = self.fill(record, options).map_err(|e| WriteError::Xlsx {
            path: out.to_path_buf(),
            detail: e.to_string(),
        })?;
        atomic::write_bytes(out, &filled.bytes)?;
        Ok(filled)
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Project => "project (项目支出)",
        Kind::Department => "department (部门整体)",
        Kind::Target => "target (目标申报)",
    }
}

/// One fill in progress.
struct Fill<'t, 's, 'x> {
    template: &'t Template,
    sheet: &'s mut SheetXml<'x>,
    unwritten: Vec<String>,
    /// How the table's rows moved: the places found on the blank below
    /// the table move with them.
    shift: Option<Shift>,
}

impl Fill<'_, '_, '_> {
    fn places(&self) -> &Places {
        &self.template.places
    }

    /// A value into a cell, keeping a formula there (its cached value
    /// becomes the value).
    fn put(&mut self, at: CellRef, content: Content) {
        self.sheet.set(at, &content);
    }

    /// Where a place found on the blank is after the table moved.
    fn moved(&self, at: CellRef) -> CellRef {
        self.shift
            .map_or(at, |s| CellRef::new(s.moved(at.row), at.col))
    }

    fn text(&mut self, at: CellRef, value: &Option<String>) {
        if let Some(v) = value {
            self.put(at, Content::Text(v.clone()));
        }
    }

    fn number(&mut self, at: CellRef, value: Option<Decimal>) {
        if let Some(v) = value {
            self.put(at, Content::Number(v.to_string()));
        }
    }

    fn lost(&mut self, what: &str, has_value: bool) {
        if has_value && !self.unwritten.iter().any(|u| u == what) {
            self.unwritten.push(what.to_string());
        }
    }

    fn scalars(&mut self, record: &Record) {
        let goals = record.goals.clone().unwrap_or_default();
        let texts = [
            (ScalarField::Project, "project", &record.project),
            (ScalarField::Department, "department", &record.department),
            (ScalarField::Unit, "unit", &record.unit),
            (ScalarField::GoalsPlanned, "goals.planned", &goals.planned),
            (
                ScalarField::GoalsAchieved,
                "goals.achieved",
                &goals.achieved,
            ),
        ];
        for (key, name, value) in texts {
            match self.places().fields.get(&key).map(Slot::cell) {
                Some(at) => self.text(self.moved(at), value),
                None => self.lost(name, value.is_some()),
            }
        }
        if let Some(year) = record.year {
            match self.places().fields.get(&ScalarField::Year).cloned() {
                Some(Slot::Inside { at, before, after }) => {
                    let at = self.moved(at);
                    self.put(at, Content::Text(format!("{before}{year}{after}")));
                }
                Some(Slot::Cell(at)) => {
                    let at = self.moved(at);
                    self.put(at, Content::Text(format!("{year}年度")));
                }
                None => self.lost("year", true),
            }
        }
        let total_in_table = self
            .places()
            .table
            .as_ref()
            .and_then(|t| t.total)
            .and_then(|(_, cell)| cell);
        let total_field = self
            .places()
            .fields
            .get(&ScalarField::TotalScore)
            .map(Slot::cell);
        match total_in_table.or(total_field) {
            Some(at) => self.number(self.moved(at), record.total_score),
            None => self.lost("total_score", record.total_score.is_some()),
        }
    }

    fn funds(&mut self, record: &Record) {
        let funds = &record.funds;
        let Some(places) = self.places().funds.clone() else {
            let any = [&funds.total, &funds.fiscal, &funds.carryover, &funds.other]
                .iter()
                .any(|r| r.initial.is_some() || r.budget.is_some() || r.spent.is_some());
            self.lost(
                "funds",
                any || funds.rate.is_some() || funds.score.is_some(),
            );
            return;
        };
        let lines = [
            (FundsRowKey::Total, "funds.total", &funds.total),
            (FundsRowKey::Fiscal, "funds.fiscal", &funds.fiscal),
            (FundsRowKey::Carryover, "funds.carryover", &funds.carryover),
            (FundsRowKey::Other, "funds.other", &funds.other),
        ];
        for (key, name, row) in lines {
            let Some(&line) = places.lines.get(&key) else {
                self.lost(name, has_money(row));
                continue;
            };
            let cells = [
                (FCol::Initial, "initial", row.initial),
                (FCol::Budget, "budget", row.budget),
                (FCol::Spent, "spent", row.spent),
            ];
            for (col, what, value) in cells {
                match places.columns.get(&col) {
                    Some(&c) => {
                        let at = self.moved(CellRef::new(line, c));
                        match value.map(|v| money(v, places.yuan)) {
                            Some(None) => self.lost(&format!("{name}.{what}"), true),
                            amount => self.number(at, amount.flatten()),
                        }
                    }
                    None => self.lost(&format!("{name}.{what}"), value.is_some()),
                }
            }
        }
        let total = places.lines.get(&FundsRowKey::Total).copied();
        let shift = self.shift;
        let cell = |col| {
            let at = CellRef::new(total?, *places.columns.get(&col)?);
            Some(shift.map_or(at, |s| CellRef::new(s.moved(at.row), at.col)))
        };
        match (cell(FCol::Weight), &places.weight_label) {
            (Some(at), _) => self.number(at, funds.weight),
            (None, Some((at, text, printed))) => {
                if let Some(w) = funds.weight {
                    match values::restate_weight(text, printed, w) {
                        Some(new) => self.put(self.moved(*at), Content::Text(new)),
                        None => self.lost("funds.weight", true),
                    }
                }
            }
            (None, None) => self.lost("funds.weight", funds.weight.is_some()),
        }
        match cell(FCol::Rate) {
            Some(at) => {
                if let Some(rate) = funds.rate {
                    let percent = self
                        .sheet
                        .style(at)
                        .is_some_and(|s| self.template.percent_styles.contains(&s));
                    let content = if percent {
                        Content::Number(rate.to_string())
                    } else {
                        Content::Text(values::percent_text(rate))
                    };
                    self.put(at, content);
                }
            }
            None => self.lost("funds.rate", funds.rate.is_some()),
        }
        match cell(FCol::Score) {
            Some(at) => self.number(at, funds.score),
            None => self.lost("funds.score", funds.score.is_some()),
        }
    }

    /// Makes room for the indicators, clears the table's rows and writes
    /// them; returns how rows moved.
    fn table(&mut self, record: &Record, options: Options) -> Result<Option<Shift>, FillError> {
        let count = record.indicators.len();
        let Some(table) = self.places().table.clone() else {
            if count > 0 {
                return Err(FillError::NoTable {
                    template: self.template.name.clone(),
                    mapping: self.template.mapping.id.clone(),
                    count,
                });
            }
            return Ok(None);
        };
        let (rows, shift) = self.make_room(&table, count, options)?;
        self.clear_rows(&table, rows.clone());
        let first = rows.start;
        for (i, ind) in record.indicators.iter().enumerate() {
            self.indicator(&table, first + i as u32, ind);
        }
        self.level_runs(&table, first, &record.indicators);
        Ok(shift)
    }

    /// The table's rows once grown or trimmed to hold `count` indicators.
    fn make_room(
        &mut self,
        table: &TablePlaces,
        count: usize,
        options: Options,
    ) -> Result<(std::ops::Range<u32>, Option<Shift>), FillError> {
        let mut rows = table.rows.clone();
        if table.open_end {
            // The grid ends at the last value; the template's blank rows
            // (borders only) belong to the table too.
            let last = self.sheet.last_row().map_or(0, |r| r + 1);
            rows.end = rows.end.max(last);
        }
        let have = rows.len();
        let sheet_name = self.places().sheet_name.clone();
        if count > have {
            let extra = (count - have) as u32;
            self.check_growable(have, count)?;
            // Inside the table (before its last row) when it has two rows or
            // more, so ranges over the table (SUM(H13:H20)) grow with it.
            let at = if have >= 2 { rows.end - 1 } else { rows.end };
            self.sheet.insert_rows(at, extra, rows.end - 1, &sheet_name);
            let shift = Shift {
                at,
                by: i64::from(extra),
            };
            return Ok((rows.start..rows.end + extra, Some(shift)));
        }
        if options.trim && count < have && !table.open_end {
            let spare = (have - count) as u32;
            let shift = Shift {
                at: rows.start + count as u32,
                by: -i64::from(spare),
            };
            self.sheet.shift(shift, &sheet_name);
            return Ok((rows.start..rows.start + count as u32, Some(shift)));
        }
        if options.trim && count < have {
            return Ok((rows.start..rows.start + count as u32, None));
        }
        Ok((rows, None))
    }

    fn check_growable(&self, have: usize, count: usize) -> Result<(), FillError> {
        let why = if have == 0 {
            Some("it has no indicator row to copy".to_string())
        } else {
            self.template
                .related
                .iter()
                .find(|(kind, _)| kind == "comments" || kind == "table" || kind == "vmlDrawing")
                .map(|(kind, part)| {
                    format!("the sheet has {kind} part {part}, which jixiao does not move")
                })
        };
        match why {
            None => Ok(()),
            Some(why) => Err(FillError::CannotGrow {
                template: self.template.name.clone(),
                rows: have,
                why,
                first: have + 1,
                last: count,
            }),
        }
    }

    /// Empties the table's value cells on `rows` (a blank's placeholders,
    /// printed 一级/二级 labels) and the 一级/二级 merges, which the record's
    /// own groups replace.
    fn clear_rows(&mut self, table: &TablePlaces, rows: std::ops::Range<u32>) {
        let level_cols: Vec<u32> = [TCol::Level1, TCol::Level2]
            .iter()
            .filter_map(|k| table.columns.get(k).copied())
            .collect();
        let (start, end) = (rows.start, rows.end);
        self.sheet.remove_merges(|m| {
            m.first.row >= start
                && m.last.row < end
                && m.first.row != m.last.row
                && level_cols
                    .iter()
                    .any(|&c| (m.first.col..=m.last.col).contains(&c))
        });
        for row in rows {
            for &col in table.columns.values() {
                let at = CellRef::new(row, col);
                if self.sheet.has_value(at) && !self.sheet.is_formula(at) {
                    self.put(at, Content::Blank);
                }
            }
        }
    }

    fn indicator(&mut self, table: &TablePlaces, row: u32, ind: &Indicator) {
        let at = |col: TCol| table.columns.get(&col).map(|&c| CellRef::new(row, c));
        if let Some(c) = at(TCol::Name) {
            self.text(c, &ind.name);
        }
        match (at(TCol::Target), &ind.target) {
            (Some(c), target) => self.text(c, target),
            (None, Some(target)) => {
                let parts = values::split_target(target);
                let cols = [TCol::TargetComparator, TCol::TargetValue, TCol::TargetUnit];
                let placed: Vec<Option<CellRef>> = cols.iter().map(|&k| at(k)).collect();
                match (placed[1], parts) {
                    (Some(value_cell), Some((comp, value, unit)))
                        if placed[0].is_some() || comp.is_empty() =>
                    {
                        if let Some(c) = placed[0] {
                            self.text(c, &non_empty(comp));
                        }
                        match placed[2] {
                            Some(c) => {
                                self.text(value_cell, &non_empty(value));
                                self.text(c, &non_empty(unit));
                            }
                            None => self.text(value_cell, &non_empty(value + &unit)),
                        }
                    }
                    (Some(value_cell), _) => self.text(value_cell, &Some(target.clone())),
                    (None, _) => self.lost("indicators.target", true),
                }
            }
            (None, None) => {}
        }
        let texts = [
            (TCol::Actual, "actual", &ind.actual),
            (TCol::Note, "note", &ind.note),
        ];
        for (col, name, value) in texts {
            match at(col) {
                Some(c) => self.text(c, value),
                None => self.lost(&format!("indicators.{name}"), value.is_some()),
            }
        }
        let numbers = [
            (TCol::Weight, "weight", ind.weight),
            (TCol::Score, "score", ind.score),
        ];
        for (col, name, value) in numbers {
            match at(col) {
                Some(c) => self.number(c, value),
                None => self.lost(&format!("indicators.{name}"), value.is_some()),
            }
        }
    }

    /// 一级 written where it changes and merged over its run; 二级 where
    /// it changes or a new 一级 starts, merged over its run inside the 一级.
    fn level_runs(&mut self, table: &TablePlaces, first: u32, indicators: &[Indicator]) {
        let l1_col = table.columns.get(&TCol::Level1).copied();
        let l2_col = table.columns.get(&TCol::Level2).copied();
        let mut i = 0;
        while i < indicators.len() {
            let l1 = &indicators[i].level1;
            let end = run_end(indicators, i, |ind| &ind.level1 == l1);
            match l1_col {
                Some(c) => self.run(c, first + i as u32, first + end as u32, l1),
                None => self.lost("indicators.level1", l1.is_some()),
            }
            let mut j = i;
            while j < end {
                let l2 = &indicators[j].level2;
                let end2 = run_end(&indicators[..end], j, |ind| &ind.level2 == l2);
                match l2_col {
                    Some(c) => self.run(c, first + j as u32, first + end2 as u32, l2),
                    None => self.lost("indicators.level2", l2.is_some()),
                }
                j = end2;
            }
            i = end;
        }
    }

    /// `value` at the top of rows `start..end` of column `col`, merged down.
    fn run(&mut self, col: u32, start: u32, end: u32, value: &Option<String>) {
        if value.is_none() {
            return;
        }
        self.text(CellRef::new(start, col), value);
        if end > start + 1 {
            self.sheet.add_merge(Area::new(
                CellRef::new(start, col),
                CellRef::new(end - 1, col),
            ));
        }
    }
}

/// Past the run of indicators from `start` that `same` holds for.
fn run_end(indicators: &[Indicator], start: usize, same: impl Fn(&Indicator) -> bool) -> usize {
    start
        + indicators[start..]
            .iter()
            .take_while(|ind| same(ind))
            .count()
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn has_money(row: &FundRow) -> bool {
    row.initial.is_some() || row.budget.is_some() || row.spent.is_some()
}

/// An amount in 万元 in the template's unit; `None` when 元 overflow.
fn money(wan: Decimal, yuan: bool) -> Option<Decimal> {
    if yuan {
        wan.checked_mul(Decimal::from(10_000))
    } else {
        Some(wan)
    }
}

/// A list of values for messages: `funds.other, goals.achieved`.
pub fn describe_unwritten(unwritten: &[String]) -> String {
    let mut out = String::new();
    for (i, u) in unwritten.iter().enumerate() {
        let _ = write!(out, "{}{u}", if i == 0 { "" } else { ", " });
    }
    out
}

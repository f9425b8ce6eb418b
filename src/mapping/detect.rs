//! Auto-detection: how well each sheet fits each mapping, and which
//! (sheet, mapping) pairs an import reads.

use serde::Serialize;

use super::labels::{LabelCells, TextCell};
use super::resolve::{builtins, Mapping};
use super::ImportError;
use crate::source::{Sheet, Workbook};

/// Points for an anchor found; a family marker adds [`MARKER_POINTS`].
const ANCHOR_POINTS: u32 = 10;
const MARKER_POINTS: u32 = 3;

/// How one sheet scored against one mapping.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SheetScore {
    pub sheet: String,
    pub mapping: String,
    /// Anchors and family markers found, weighted; higher is better.
    pub score: u32,
    pub anchors_found: usize,
    pub anchors_total: usize,
    /// The anchors not found (first alternative of each).
    pub missing: Vec<String>,
    /// Every anchor found and nothing excluded: the mapping applies.
    pub matches: bool,
}

/// Scores every sheet of `workbook` against every built-in mapping, sheet by
/// sheet, best first within a sheet.
pub fn detect(workbook: &Workbook) -> Vec<SheetScore> {
    let mut out = Vec::new();
    for sheet in &workbook.sheets {
        let labels = LabelCells::new(&TextCell::all(sheet));
        let mut scores: Vec<SheetScore> = builtins()
            .iter()
            .map(|m| score(sheet, &labels, m))
            .collect();
        // Stable: a tie keeps the built-in order.
        scores.sort_by(|a, b| b.matches.cmp(&a.matches).then(b.score.cmp(&a.score)));
        out.extend(scores);
    }
    out
}

/// How a sheet scores against a mapping, without the description a
/// person reads ([`score`]): detection weighs every sheet against every
/// mapping, and describes only the closest when nothing matches.
#[derive(Clone, Copy)]
struct Tally {
    score: u32,
    matches: bool,
}

fn tally(labels: &LabelCells, mapping: &Mapping) -> Tally {
    let d = &mapping.detect;
    let excluded = d.exclude.iter().any(|e| labels.contains_any(e));
    let found = d.anchors.iter().filter(|a| labels.contains_any(a)).count();
    let markers = d.markers.iter().filter(|m| labels.contains_any(m)).count();
    Tally {
        score: if excluded {
            0
        } else {
            found as u32 * ANCHOR_POINTS + markers as u32 * MARKER_POINTS
        },
        matches: found == d.anchors.len() && !excluded,
    }
}

/// The closest (sheet, mapping) pair so far, described once at the end.
struct Closest<'m> {
    best: Option<(u32, usize, &'m Mapping)>,
}

impl<'m> Closest<'m> {
    fn offer(&mut self, score: u32, sheet: usize, mapping: &'m Mapping) {
        if self.best.is_none_or(|(s, _, _)| score > s) {
            self.best = Some((score, sheet, mapping));
        }
    }

    fn describe(&self, workbook: &Workbook) -> String {
        let scored = self.best.map(|(_, i, m)| {
            let sheet = &workbook.sheets[i];
            score(sheet, &LabelCells::new(&TextCell::all(sheet)), m)
        });
        describe(scored.as_ref())
    }
}

/// Scores one sheet, whose label cells are `labels`, against one mapping.
pub(crate) fn score(sheet: &Sheet, labels: &LabelCells, mapping: &Mapping) -> SheetScore {
    let d = &mapping.detect;
    let Tally { score, matches } = tally(labels, mapping);
    let missing: Vec<String> = d
        .anchors
        .iter()
        .filter(|a| !labels.contains_any(a))
        .map(|a| a.first().map(|n| n.text.clone()).unwrap_or_default())
        .collect();
    SheetScore {
        sheet: sheet.name.clone(),
        mapping: mapping.id.clone(),
        score,
        anchors_found: d.anchors.len() - missing.len(),
        anchors_total: d.anchors.len(),
        matches,
        missing,
    }
}

/// A sheet to read: its index, the mapping to read it with and its text
/// cells, folded once for detection and extraction alike.
pub(crate) type Planned<'m> = (usize, &'m Mapping, Vec<TextCell>);

/// Each visible sheet with the best built-in mapping that matches it.
pub(crate) fn plan_auto(workbook: &Workbook) -> Result<Vec<Planned<'static>>, ImportError> {
    let all: Vec<&'static Mapping> = builtins().iter().collect();
    plan_among(workbook, &[], &all)
}

/// Each visible sheet with the best of `own` that matches it, else the best
/// of `others`: a user's own mappings win wherever they apply, however
/// few their anchors, since the user wrote them for forms the built-ins
/// misread. A mapping that selects sheets by name, pattern or index is
/// tried only on those; detection still needs all its anchors.
pub(crate) fn plan_among<'m>(
    workbook: &Workbook,
    own: &[&'m Mapping],
    others: &[&'m Mapping],
) -> Result<Vec<Planned<'m>>, ImportError> {
    let mut plan = Vec::new();
    let mut closest = Closest { best: None };
    for (i, sheet) in workbook
        .sheets
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.hidden)
    {
        let cells = TextCell::all(sheet);
        let labels = LabelCells::new(&cells);
        let mut best = |tier: &[&'m Mapping]| {
            let mut best: Option<(u32, &'m Mapping)> = None;
            for &m in tier {
                if m.sheet.is_explicit() && !m.sheet.accepts(i, &sheet.name) {
                    continue;
                }
                let t = tally(&labels, m);
                closest.offer(t.score, i, m);
                if t.matches && best.is_none_or(|(b, _)| t.score > b) {
                    best = Some((t.score, m));
                }
            }
            best.map(|(_, m)| m)
        };
        let chosen = best(own).or_else(|| best(others));
        if let Some(m) = chosen {
            plan.push((i, m, cells));
        }
    }
    if plan.is_empty() {
        return Err(ImportError::NoMatch {
            file: workbook.path.clone(),
            closest: closest.describe(workbook),
        });
    }
    Ok(plan)
}

/// The sheets `mapping` selects: by name/pattern/index when it says so,
/// else every sheet whose anchors all match.
pub(crate) fn plan_with<'m>(
    workbook: &Workbook,
    mapping: &'m Mapping,
) -> Result<Vec<Planned<'m>>, ImportError> {
    let mut plan = Vec::new();
    let mut closest: Option<SheetScore> = None;
    for (i, sheet) in workbook.sheets.iter().enumerate() {
        let hit = if mapping.sheet.is_explicit() {
            mapping
                .sheet
                .accepts(i, &sheet.name)
                .then(|| TextCell::all(sheet))
        } else {
            let cells = TextCell::all(sheet);
            let s = score(sheet, &LabelCells::new(&cells), mapping);
            let hit = s.matches && !sheet.hidden;
            if closest.as_ref().is_none_or(|c| s.score > c.score) {
                closest = Some(s);
            }
            hit.then_some(cells)
        };
        if let Some(cells) = hit {
            plan.push((i, mapping, cells));
        }
    }
    if plan.is_empty() {
        return Err(ImportError::MappingMatchesNothing {
            file: workbook.path.clone(),
            mapping: mapping.id.clone(),
            closest: describe(closest.as_ref()),
        });
    }
    Ok(plan)
}

fn describe(score: Option<&SheetScore>) -> String {
    match score {
        None => "the workbook has no sheets".to_string(),
        Some(s) => format!(
            "sheet {:?} with mapping {}, missing anchors: {}",
            s.sheet,
            s.mapping,
            if s.missing.is_empty() {
                "none (excluded by a marker)".to_string()
            } else {
                s.missing.join(", ")
            }
        ),
    }
}

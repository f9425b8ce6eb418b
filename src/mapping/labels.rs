//! Tolerant label matching: how a cell's text is compared with a mapping's
//! label alternatives.

use regex::Regex;

use super::spec::Labels;
use crate::source::{CellRef, Sheet, Value};
use crate::text::fold;

/// Normalizes labels: [`fold`], then a known prefix (`其中：`) and any number
/// of optional trailing groups (`（A）`, `（20分）`) removed.
#[derive(Clone, Debug, Default)]
pub(crate) struct Normalizer {
    prefixes: Vec<String>,
    suffix: Option<Regex>,
}

impl Normalizer {
    pub fn new(prefixes: Vec<String>, suffix: Option<Regex>) -> Self {
        Normalizer {
            prefixes: prefixes.iter().map(|p| fold(p)).collect(),
            suffix,
        }
    }

    pub fn norm(&self, text: &str) -> String {
        self.norm_folded(fold(text))
    }

    /// [`Normalizer::norm`] of text already [`fold`]ed: lets a caller that
    /// needs both forms fold once.
    pub fn norm_folded(&self, folded: String) -> String {
        let mut s = folded;
        for p in &self.prefixes {
            if let Some(rest) = s.strip_prefix(p.as_str()) {
                s = rest.trim_start_matches([':', '：']).to_string();
            }
        }
        if let Some(re) = &self.suffix {
            // Strip repeatedly: `预算执行情况(万元)(20分)` → `预算执行情况`.
            while let Some(m) = re.find(&s) {
                if m.start() == 0 {
                    break;
                }
                s.truncate(m.start());
            }
        }
        s
    }

    pub fn labels(&self, labels: &Labels) -> Vec<String> {
        labels.alternatives().iter().map(|l| self.norm(l)).collect()
    }
}

/// Longer cells are prose, not labels or titles, for detection.
const MAX_LABEL_CHARS: usize = 40;

/// One text cell of a sheet, with its normalized forms.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub at: CellRef,
    /// [`Normalizer::norm`] of the text.
    pub norm: String,
    /// [`fold`] of the text.
    pub folded: String,
}

/// Every non-empty text cell of a sheet in row-major order, normalized once.
pub(crate) struct Index {
    pub entries: Vec<Entry>,
}

impl Index {
    pub fn new(sheet: &Sheet, norm: &Normalizer) -> Self {
        let entries = sheet
            .cells()
            .filter_map(|(at, value)| match value {
                Value::Text(t) if !t.trim().is_empty() => {
                    let folded = fold(t);
                    Some(Entry {
                        at,
                        norm: norm.norm_folded(folded.clone()),
                        folded,
                    })
                }
                _ => None,
            })
            .collect();
        Index { entries }
    }

    /// Cells whose normalized text equals one of `labels`, in row-major order.
    pub fn find<'s>(&'s self, labels: &'s [String]) -> impl Iterator<Item = &'s Entry> + 's {
        self.entries
            .iter()
            .filter(move |e| labels.contains(&e.norm))
    }

    /// The entry at exactly this cell, if it holds text.
    pub fn at(&self, at: CellRef) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| (e.at.row, e.at.col).cmp(&(at.row, at.col)))
            .ok()
            .map(|i| &self.entries[i])
    }

    /// Text entries of one row.
    pub fn row(&self, row: u32) -> impl Iterator<Item = &Entry> {
        let start = self.entries.partition_point(|e| e.at.row < row);
        self.entries[start..]
            .iter()
            .take_while(move |e| e.at.row == row)
    }
}

/// The folded text of a sheet's label-sized cells (not prose, such as a
/// 填表说明 sheet): what detection looks for anchors in. Built once per
/// sheet and shared by every mapping scored against it.
pub(crate) struct LabelCells {
    folded: Vec<String>,
}

impl LabelCells {
    pub fn new(sheet: &Sheet) -> Self {
        let folded = sheet
            .cells()
            .filter_map(|(_, value)| match value {
                // A cell far longer than any label is prose; skip folding it.
                Value::Text(t) if t.len() <= MAX_LABEL_CHARS * 8 => Some(fold(t)),
                _ => None,
            })
            .filter(|f| !f.is_empty() && f.chars().count() <= MAX_LABEL_CHARS)
            .collect();
        LabelCells { folded }
    }

    /// Whether a label cell contains one of `texts` (folded).
    pub fn contains_any(&self, texts: &[String]) -> bool {
        self.folded
            .iter()
            .any(|f| texts.iter().any(|t| f.contains(t.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standard() -> Normalizer {
        let suffix = Regex::new(r"\((?:[A-Za-z](?:/[A-Za-z])?|万元|元|%|分|\d+分[^()]*)\)$").ok();
        Normalizer::new(vec!["其中".into()], suffix)
    }

    #[test]
    fn variants_normalize_to_the_standard_label() {
        let n = standard();
        assert_eq!(n.norm("其中：本年财政拨款"), "本年财政拨款");
        assert_eq!(n.norm("全年预算数（A）"), "全年预算数");
        assert_eq!(n.norm("执行率（B/A）"), "执行率");
        assert_eq!(n.norm("预算执行情况（万元）\n（20分）"), "预算执行情况");
        assert_eq!(n.norm("项 目 名 称："), "项目名称");
        assert_eq!(n.norm("主管部门（盖章）："), "主管部门(盖章)");
        assert_eq!(n.norm("部门(单位)名称"), "部门(单位)名称");
    }
}

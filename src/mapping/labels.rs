//! Tolerant label matching: how a cell's text is compared with a mapping's
//! label alternatives.

use memchr::memmem::Finder;
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
        self.norm_folded(&fold(text)).to_string()
    }

    /// [`Normalizer::norm`] of text already [`fold`]ed. Only ever cuts the
    /// ends off, so the result is a slice of `folded`.
    pub fn norm_folded<'s>(&self, folded: &'s str) -> &'s str {
        let mut s = folded;
        for p in &self.prefixes {
            if let Some(rest) = s.strip_prefix(p.as_str()) {
                s = rest.trim_start_matches([':', '：']);
            }
        }
        if let Some(re) = &self.suffix {
            // Strip repeatedly: `预算执行情况(万元)(20分)` → `预算执行情况`.
            while let Some(m) = re.find(s) {
                if m.start() == 0 {
                    break;
                }
                s = &s[..m.start()];
            }
        }
        s
    }

    pub fn labels(&self, labels: &Labels) -> Vec<String> {
        labels.alternatives().iter().map(|l| self.norm(l)).collect()
    }
}

/// Whether `text` is one of `labels`.
pub(crate) fn is_one_of(labels: &[String], text: &str) -> bool {
    labels.iter().any(|l| l == text)
}

/// Longer cells are prose, not labels or titles, for detection.
const MAX_LABEL_CHARS: usize = 40;

/// One non-blank text cell of a sheet, [`fold`]ed once: detection, the
/// split into stacked forms and extraction all read this.
#[derive(Clone, Debug)]
pub(crate) struct TextCell {
    pub at: CellRef,
    pub folded: String,
    /// Byte length of the text as written.
    written_len: usize,
}

impl TextCell {
    /// Every non-blank text cell of `sheet` in row-major order.
    pub fn all(sheet: &Sheet) -> Vec<TextCell> {
        sheet
            .cells()
            .filter_map(|(at, value)| match value {
                Value::Text(t) => {
                    let folded = fold(t);
                    // Only text folded to nothing may be blank: check just it.
                    let blank = folded.is_empty() && t.trim().is_empty();
                    (!blank).then_some(TextCell {
                        at,
                        folded,
                        written_len: t.len(),
                    })
                }
                _ => None,
            })
            .collect()
    }

    /// The cells of `cells` (row-major) in rows `start..end`.
    pub fn rows(cells: &[TextCell], start: u32, end: Option<u32>) -> &[TextCell] {
        let from = cells.partition_point(|c| c.at.row < start);
        let to = end.map_or(cells.len(), |e| cells.partition_point(|c| c.at.row < e));
        &cells[from..to.max(from)]
    }

    /// Label-sized: not empty once folded and not prose.
    fn is_label(&self) -> bool {
        // Far longer than any label as written: prose, whatever it folds to.
        self.written_len <= MAX_LABEL_CHARS * 8
            && !self.folded.is_empty()
            && self.folded.chars().count() <= MAX_LABEL_CHARS
    }
}

/// One text cell of a sheet, with its normalized forms.
#[derive(Clone, Debug)]
pub(crate) struct Entry<'a> {
    pub at: CellRef,
    /// [`Normalizer::norm`] of the text.
    pub norm: &'a str,
    /// [`fold`] of the text.
    pub folded: &'a str,
}

/// Every non-empty text cell of a sheet in row-major order, normalized once.
pub(crate) struct Index<'a> {
    pub entries: Vec<Entry<'a>>,
}

impl<'a> Index<'a> {
    /// The index of a sheet whose text cells are `cells`.
    pub fn new(cells: &'a [TextCell], norm: &Normalizer) -> Self {
        let entries = cells
            .iter()
            .map(|c| Entry {
                at: c.at,
                norm: norm.norm_folded(&c.folded),
                folded: &c.folded,
            })
            .collect();
        Index { entries }
    }

    /// Cells whose normalized text equals one of `labels`, in row-major order.
    pub fn find<'s>(&'s self, labels: &'s [String]) -> impl Iterator<Item = &'s Entry<'a>> + 's {
        self.entries
            .iter()
            .filter(move |e| is_one_of(labels, e.norm))
    }

    /// The entry at exactly this cell, if it holds text.
    pub fn at(&self, at: CellRef) -> Option<&Entry<'a>> {
        self.entries
            .binary_search_by(|e| (e.at.row, e.at.col).cmp(&(at.row, at.col)))
            .ok()
            .map(|i| &self.entries[i])
    }

    /// Text entries of one row.
    pub fn row(&self, row: u32) -> impl Iterator<Item = &Entry<'a>> {
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
    /// The cells' folded texts, each followed by a newline. Folded text
    /// holds no whitespace, so a search in the whole finds no text across
    /// two cells, and one search per anchor does instead of one per cell.
    joined: String,
}

impl LabelCells {
    pub fn new(cells: &[TextCell]) -> Self {
        let mut joined = String::new();
        for cell in cells.iter().filter(|c| c.is_label()) {
            joined.push_str(&cell.folded);
            joined.push('\n');
        }
        LabelCells { joined }
    }

    /// Whether a label cell contains one of `needles`.
    pub fn contains_any(&self, needles: &[Needle]) -> bool {
        let haystack = self.joined.as_bytes();
        // Empty when there is no label cell, where even "" is not found.
        !haystack.is_empty() && needles.iter().any(|n| n.finder.find(haystack).is_some())
    }
}

/// A text detection looks for in label cells, folded, with its searcher
/// built once with the mapping rather than for every sheet.
#[derive(Clone, Debug)]
pub(crate) struct Needle {
    pub text: String,
    finder: Finder<'static>,
}

impl Needle {
    /// The needle for `text` as written in a mapping.
    pub fn new(text: &str) -> Self {
        let text = fold(text);
        let finder = Finder::new(&text).into_owned();
        Needle { text, finder }
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

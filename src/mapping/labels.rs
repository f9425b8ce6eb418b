//! Tolerant label matching: how a cell's text is compared with a mapping's
//! label alternatives.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use memchr::memmem::Finder;
use regex::Regex;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::Look;

use super::spec::Labels;
use crate::source::{CellRef, Sheet, Value};
use crate::text::fold;

/// Normalizes labels: [`fold`], then a known prefix (`其中：`) and any number
/// of optional trailing groups (`（A）`, `（20分）`) removed.
#[derive(Clone, Debug, Default)]
pub(crate) struct Normalizer {
    prefixes: Vec<String>,
    suffix: Option<Suffix>,
}

impl Normalizer {
    pub fn new(prefixes: Vec<String>, suffix: Option<Regex>) -> Self {
        Normalizer {
            prefixes: prefixes.iter().map(|p| fold(p)).collect(),
            suffix: suffix.map(Suffix::new),
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
        if let Some(suffix) = &self.suffix {
            // Strip repeatedly: `预算执行情况(万元)(20分)` → `预算执行情况`.
            while let Some(m) = suffix.find(s) {
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

/// The optional-suffix pattern of a mapping, with the endings a match must
/// have when the pattern is anchored at the end (`…\)$`): most labels end
/// otherwise, and a byte comparison then spares running the regex. The
/// regex stays the authority wherever a match is possible.
#[derive(Clone, Debug)]
struct Suffix {
    re: Regex,
    /// `None` when the pattern allows no such conclusion.
    ends: Option<Vec<Vec<u8>>>,
}

impl Suffix {
    fn new(re: Regex) -> Self {
        let ends = required_ends(re.as_str());
        Suffix { re, ends }
    }

    fn find<'s>(&self, text: &'s str) -> Option<regex::Match<'s>> {
        let possible = self.ends.as_ref().is_none_or(|ends| {
            ends.iter()
                .any(|end| text.as_bytes().ends_with(end.as_slice()))
        });
        if possible {
            self.re.find(text)
        } else {
            None
        }
    }
}

/// The texts one of which ends every text `pattern` matches in: when every
/// match ends at the end of the text (`$`, not multi-line) and every match
/// ends with one of a finite set of literals. `None` otherwise.
fn required_ends(pattern: &str) -> Option<Vec<Vec<u8>>> {
    // Parsed as `Regex::new` parses it (default syntax options).
    let hir = regex_syntax::parse(pattern).ok()?;
    if !hir.properties().look_set_suffix().contains(Look::End) {
        return None;
    }
    let seq = Extractor::new().kind(ExtractKind::Suffix).extract(&hir);
    let literals = seq.literals()?;
    Some(literals.iter().map(|l| l.as_bytes().to_vec()).collect())
}

/// How well a cell's text names a key: an exact label beats a label found
/// inside a longer text, and a longer label inside beats a shorter one
/// (`执行率得分` over `得分` in `预算执行率得分`).
pub(crate) type Score = usize;

/// The score of an exact match: above any containment.
const EXACT: Score = usize::MAX;

/// Texts longer than this (in chars) are prose, never a header or row label
/// found by containment.
const MAX_CONTAINING: usize = 24;

/// FxHash (rustc's): a multiply and a rotate per 8 bytes. The label maps
/// are built from mapping files, and a lookup with a hostile text cannot
/// degrade them, so the default hasher's resistance to crafted collisions
/// buys nothing there, while every text cell of every sheet is looked up.
#[derive(Default)]
struct Fx(u64);

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The keys of a mapping's labelled columns or rows, matched by label: a
/// text equal to a label names its key; else a text containing a label
/// (`指标实际完成值` ⊃ `实际完成值`) names it, unless the text also holds
/// one of the key's exclusions (`上年完成值` is not this year's value).
#[derive(Clone, Debug)]
pub(crate) struct Matcher<K> {
    exact: HashMap<String, Vec<K>, BuildHasherDefault<Fx>>,
    /// Labels of two chars or more, longest first, with their key.
    terms: Vec<(String, K)>,
    /// All of `terms` at once (pattern i is `terms[i]`): one pass over a
    /// text finds every label it contains. Built on the first search:
    /// every built-in mapping is compiled for detection, which needs none
    /// of its matchers, and building the automata of all of them was most
    /// of a batch's fixed cost.
    finder: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>>,
    exclude: BTreeMap<K, Vec<String>>,
}

impl<K: Copy + Ord> Matcher<K> {
    /// The matcher of `labels` (normalized) by key, with each key's
    /// exclusions ([`fold`]ed).
    pub fn new(labels: &BTreeMap<K, Vec<String>>, exclude: BTreeMap<K, Vec<String>>) -> Self {
        let mut exact: HashMap<String, Vec<K>, BuildHasherDefault<Fx>> = HashMap::default();
        let mut terms = Vec::new();
        for (&key, texts) in labels {
            for text in texts {
                let list = exact.entry(text.clone()).or_default();
                if list.last() != Some(&key) {
                    list.push(key);
                }
                if text.chars().count() >= 2 {
                    terms.push((text.clone(), key));
                }
            }
        }
        // Longest first; a stable sort keeps key order among equals.
        terms.sort_by_key(|(t, _)| std::cmp::Reverse(t.chars().count()));
        Matcher {
            exact,
            terms,
            finder: std::sync::OnceLock::new(),
            exclude,
        }
    }

    fn finder(&self) -> Option<&aho_corasick::AhoCorasick> {
        self.finder
            .get_or_init(|| aho_corasick::AhoCorasick::new(self.terms.iter().map(|(t, _)| t)).ok())
            .as_ref()
    }

    /// The best key `norm` names among `only` (empty: all) and its score.
    pub fn best(&self, norm: &str, only: &[K]) -> Option<(K, Score)> {
        let allowed = |k: &K| only.is_empty() || only.contains(k);
        if let Some(&k) = self
            .exact
            .get(norm)
            .and_then(|ks| ks.iter().find(|k| allowed(k)))
        {
            return Some((k, EXACT));
        }
        // A char is at most 4 bytes: the byte length rules out most prose
        // before its chars are counted.
        if norm.len() > 4 * MAX_CONTAINING
            || norm.chars().count() > MAX_CONTAINING
            || norm.contains(['。', ',', ';'])
        {
            return None;
        }
        // The first term in `terms` order (longest, then key order) that
        // the text contains, is allowed and not excluded: the least index
        // among the matches, found without collecting them (every text cell
        // of a sheet comes here, for each of a mapping's matchers).
        let mut first: Option<usize> = None;
        let mut consider = |i: usize| {
            let (_, k) = &self.terms[i];
            if first.is_none_or(|f| i < f) && allowed(k) && !self.excluded(*k, norm) {
                first = Some(i);
            }
        };
        match self.finder() {
            Some(f) => f
                .find_overlapping_iter(norm)
                .for_each(|m| consider(m.pattern().as_usize())),
            None => (0..self.terms.len())
                .filter(|&i| norm.contains(self.terms[i].0.as_str()))
                .for_each(&mut consider),
        }
        first.map(|i| (self.terms[i].1, self.terms[i].0.chars().count()))
    }

    /// Indexes into `terms` of every label `norm` contains, ascending.
    fn contained(&self, norm: &str) -> Vec<usize> {
        let mut found: Vec<usize> = match self.finder() {
            Some(f) => f
                .find_overlapping_iter(norm)
                .map(|m| m.pattern().as_usize())
                .collect(),
            None => (0..self.terms.len())
                .filter(|&i| norm.contains(self.terms[i].0.as_str()))
                .collect(),
        };
        found.sort_unstable();
        found.dedup();
        found
    }

    /// A key for a text no key takes, for a person to confirm: one among
    /// `only` whose label the text contains despite an exclusion, else the
    /// first of `only`.
    pub fn guess(&self, norm: &str, only: &[K]) -> Option<K> {
        self.contained(norm)
            .into_iter()
            .map(|i| self.terms[i].1)
            .find(|k| only.contains(k))
            .or_else(|| only.first().copied())
    }

    fn excluded(&self, key: K, norm: &str) -> bool {
        self.exclude
            .get(&key)
            .is_some_and(|ex| ex.iter().any(|e| norm.contains(e.as_str())))
    }
}

/// Binds keys to the cells naming them, the best-scoring cell for each key
/// (the first on a tie).
pub(crate) fn bind_best<K: Copy + Ord, P: Copy>(
    found: impl IntoIterator<Item = (K, Score, P)>,
) -> BTreeMap<K, P> {
    let mut best: BTreeMap<K, (Score, P)> = BTreeMap::new();
    for (k, score, at) in found {
        match best.get(&k) {
            Some((s, _)) if *s >= score => {}
            _ => {
                best.insert(k, (score, at));
            }
        }
    }
    best.into_iter().map(|(k, (_, at))| (k, at)).collect()
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

    /// Whether `haystack` contains the needle, with its prebuilt searcher.
    pub fn is_in(&self, haystack: &str) -> bool {
        self.finder.find(haystack.as_bytes()).is_some()
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

    #[test]
    fn suffix_endings_only_skip_texts_the_regex_cannot_match() {
        let patterns = [
            r"\((?:[A-Za-z](?:/[A-Za-z])?|万元|元|%|分|\d+分[^()]*)\)$",
            r"\(\d+分\)$|（注）$",
            r"分$|\)",
            r"(?m)\)$",
            r"[a-z]+$",
            r"$",
            r"x\b$",
        ];
        let texts = [
            "",
            "预算执行情况(万元)(20分)",
            "执行率(B/A)",
            "项目名称",
            "a)",
            "abc",
            "（注）",
            "x",
            "x)",
            "总分)\n",
            "分",
            "(20分)尾",
        ];
        for p in patterns {
            let suffix = Suffix::new(Regex::new(p).unwrap());
            for t in texts {
                assert_eq!(suffix.find(t), suffix.re.find(t), "{p} on {t:?}");
            }
        }
        assert!(required_ends(patterns[0]).is_some());
        assert!(required_ends(r"\)").is_none());
        assert!(required_ends(r"(?m)\)$").is_none());
    }
}

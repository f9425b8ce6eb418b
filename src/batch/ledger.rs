//! The batch's account of a consolidation, kept as outcomes arrive: which
//! records are counted and which are duplicates of a form already counted,
//! the running statistics, and (with a roster) the identities needed to
//! reconcile at the end.
//!
//! Files reach the ledger newest first (see [`newest_first`]), so the first
//! record of a content is the one from the newest file: it is counted, and
//! later ones are duplicates naming it. Per record only a 16-byte
//! fingerprint and a file index are kept for the whole run, and the
//! identities only when a roster needs them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use pinyin::ToPinyin;

use super::roster::{self, Roster};
use crate::model::{Kind, Record};
use crate::outcome::roster::Seen;
use crate::outcome::{Figures, FileOutcome, Reviewed, Stats, Verdict};
use crate::text::fold_cow;

/// Orders the inputs newest first by modification time, in whole seconds
/// (what zip archives and most copies keep), then by path: the order the
/// batch reads them in, so that of two copies of a form the newer one is
/// met, and kept, first. Files saved within one second keep path order.
pub fn newest_first(files: Vec<PathBuf>) -> Vec<PathBuf> {
    let seconds = |p: &Path| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs())
    };
    let mut keyed: Vec<(u64, PathBuf)> = files.into_iter().map(|p| (seconds(&p), p)).collect();
    keyed.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    keyed.into_iter().map(|(_, p)| p).collect()
}

/// What the batch has counted so far.
pub struct Ledger<'a> {
    /// The files in the order their outcomes arrive.
    files: &'a [PathBuf],
    /// Outcomes seen so far: the index of the next one in `files`.
    next: usize,
    /// Fingerprint of each counted record's content → its file's index.
    kept: HashMap<u128, usize>,
    numbered: usize,
    stats: Stats,
    /// Identities of the counted records, only when reconciling.
    seen: Option<Vec<Seen>>,
}

impl<'a> Ledger<'a> {
    pub fn new(files: &'a [PathBuf], reconciling: bool) -> Self {
        Ledger {
            files,
            next: 0,
            kept: HashMap::new(),
            numbered: 0,
            stats: Stats::default(),
            seen: reconciling.then(Vec::new),
        }
    }

    /// Decides about each record of the next outcome and counts it.
    pub fn judge(&mut self, outcome: &FileOutcome) -> Vec<Verdict> {
        let index = self.next;
        self.next += 1;
        self.stats.files += 1;
        if let Some(error) = outcome.error() {
            self.stats
                .failed
                .push((outcome.path.clone(), error.to_string()));
        }
        let file = outcome.path.display().to_string();
        outcome
            .records()
            .iter()
            .map(|r| self.verdict(index, &file, r))
            .collect()
    }

    fn verdict(&mut self, index: usize, file: &str, r: &Reviewed) -> Verdict {
        let figures = Figures::of(r);
        let record = &r.imported.record;
        if let Some(print) = fingerprint(record, &figures) {
            match self.kept.get(&print) {
                // Two identical forms in one file are two rows of its own,
                // not a resubmission.
                Some(&kept) if kept != index => {
                    self.stats.duplicates += 1;
                    let kept = self.files.get(kept).cloned().unwrap_or_default();
                    return Verdict::Duplicate { kept };
                }
                _ => {
                    self.kept.insert(print, index);
                }
            }
        }
        self.numbered += 1;
        let department = record
            .department
            .as_deref()
            .unwrap_or(&crate::write::consolidated::LABELS.words.no_department);
        self.stats.add(department, r, &figures);
        if let Some(seen) = self.seen.as_mut() {
            seen.push(Seen {
                department: record.department.clone(),
                project: record.project.clone(),
                unit: record.unit.clone(),
                source: match &record.source.sheet {
                    Some(sheet) => format!("{file}!{sheet}"),
                    None => file.to_string(),
                },
            });
        }
        Verdict::Counted {
            number: self.numbered,
            figures,
        }
    }

    /// The statistics with the departments ordered and, given a roster, the
    /// reconciliation.
    pub fn finish(mut self, roster: Option<&Roster>) -> Stats {
        let names: Vec<&str> = self.stats.departments.keys().map(String::as_str).collect();
        let ordered = order(&names, roster);
        self.stats.order = ordered;
        if let (Some(roster), Some(seen)) = (roster, &self.seen) {
            self.stats.roster = Some(roster::reconcile(roster, seen));
        }
        self.stats
    }
}

/// Same kind, department, project, year and funds (the budget and spending
/// the review used): the same form, however it was saved or named. 年初预算
/// is left out: a template without that column (湖北, 转移支付) holds the
/// same form without it, and a resubmission correcting it is still that
/// form, of which the newest counts. A record without a
/// name (project, or department for a department-wide form) has no
/// fingerprint: two blank templates are not one form.
fn fingerprint(record: &Record, figures: &Figures) -> Option<u128> {
    fn name(text: &Option<String>) -> Option<(Cow<'_, str>, &str)> {
        let (head, rest) = split_at_most(text.as_deref()?, FOLDED_BYTES);
        let folded = fold_cow(head);
        (!folded.is_empty() || !rest.is_empty()).then_some((folded, rest))
    }
    let named = match record.kind {
        Kind::Department => name(&record.department),
        _ => name(&record.project),
    }?;
    // Decimal's hash agrees with its equality: 38.77 and 38.770 are one.
    let funds = &figures.funds;
    let key = (
        record.kind,
        named,
        name(&record.department),
        name(&record.unit),
        record.year,
        (funds.budget, funds.spent),
    );
    // Two independent 64-bit hashes: a collision that would drop a form
    // needs both to collide.
    let half = |salt: u8| {
        let mut h = DefaultHasher::new();
        salt.hash(&mut h);
        key.hash(&mut h);
        h.finish()
    };
    Some(u128::from(half(1)) << 64 | u128::from(half(2)))
}

/// How much of a name is folded before it is hashed: real names are far
/// shorter, and a crafted name of megabytes is hashed as it is past this
/// (still telling it apart) rather than copied by folding.
const FOLDED_BYTES: usize = 4096;
/// How much of a name its pinyin sort key spells; the whole name breaks
/// ties.
const PINYIN_CHARS: usize = 256;

/// `text` cut at a character boundary at most `max` bytes in, and the rest.
fn split_at_most(text: &str, max: usize) -> (&str, &str) {
    if text.len() <= max {
        return (text, "");
    }
    let mut at = max;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    text.split_at(at)
}

/// Departments in the roster's order when one is given (matched by
/// normalized name), the others after them by pinyin, then by name.
///
/// Returns the positions of `names` in that order; names are not copied
/// (a crafted one may be megabytes), and the sort is stable, so names given
/// in order stay in it when they spell alike.
///
/// ```
/// use jixiao::batch::ledger::order;
/// let names = ["县卫健委", "县财政局", "县农业农村局"];
/// assert_eq!(order(&names, None), [1, 2, 0]);
/// ```
pub fn order(names: &[&str], roster: Option<&Roster>) -> Vec<usize> {
    let rank = |name: &str| roster.and_then(|r| r.position(name)).unwrap_or(usize::MAX);
    let mut positions: Vec<usize> = (0..names.len()).collect();
    positions.sort_by_cached_key(|&i| (rank(names[i]), pinyin_key(names[i])));
    positions
}

/// The name spelled in toneless pinyin syllables, other characters kept,
/// for a collation people expect (卫健委 after 教育局: wei > jiao).
pub fn pinyin_key(name: &str) -> String {
    let (name, _) = split_at_most(name, PINYIN_CHARS * 4);
    let mut key = String::with_capacity(name.len() * 2);
    for (c, p) in name.chars().zip(name.to_pinyin()).take(PINYIN_CHARS) {
        match p {
            Some(p) => key.push_str(p.plain()),
            None => key.push(c),
        }
        key.push(' ');
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn departments_sort_by_pinyin_not_code_points() {
        let names = ["县卫健委", "县财政局", "县教育局", "县农业农村局"];
        // By code point 县农业农村局 (农 U+519C) would come first.
        assert_eq!(
            order(&names, None)
                .iter()
                .map(|&i| names[i])
                .collect::<Vec<_>>(),
            ["县财政局", "县教育局", "县农业农村局", "县卫健委"]
        );
    }
}

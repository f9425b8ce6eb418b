//! Reconciliation against a roster (名单): the departments, and optionally
//! the projects, that must report. Finds who is missing, who reported twice
//! and who reported without being on the roster.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde::Deserialize;

pub use crate::outcome::roster::{Entry, Issue, Seen};
use crate::source::{CellRef, Sheet, SourceError};
use crate::text::fold;

/// How many leading rows are searched for the header row.
const HEADER_SEARCH_ROWS: u32 = 20;

#[derive(Deserialize)]
struct Labels {
    department: Vec<String>,
    project: Vec<String>,
    unit: Vec<String>,
}

static LABELS: LazyLock<Labels> = LazyLock::new(|| {
    toml::from_str(include_str!("roster.toml")).expect("embedded roster.toml is valid")
});

/// Why a roster could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    #[error("roster {0}")]
    Source(#[from] SourceError),
    #[error("{path}: roster has no sheet")]
    NoSheet { path: PathBuf },
    #[error(
        "{path}: not a roster: sheet {sheet} has no header row naming a department or unit column (主管部门, 部门名称, 单位名称, 实施单位 …) in its first {HEADER_SEARCH_ROWS} rows"
    )]
    NoHeader { path: PathBuf, sheet: String },
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roster {
    pub entries: Vec<Entry>,
}

/// Reads the first sheet of a roster file (CSV, xlsx or any format the source
/// stage reads).
pub fn load(path: &Path) -> Result<Roster, RosterError> {
    let workbook = crate::source::open(path)?;
    let sheet = workbook
        .sheets
        .first()
        .ok_or_else(|| RosterError::NoSheet {
            path: path.to_path_buf(),
        })?;
    from_sheet(sheet).ok_or_else(|| RosterError::NoHeader {
        path: path.to_path_buf(),
        sheet: sheet.name.clone(),
    })
}

/// Columns of the header row, by role.
struct Columns {
    header_row: u32,
    department: u32,
    project: Option<u32>,
    unit: Option<u32>,
}

fn from_sheet(sheet: &Sheet) -> Option<Roster> {
    let columns = (0..sheet.height().min(HEADER_SEARCH_ROWS)).find_map(|r| header(sheet, r))?;
    let cell = |row, col: Option<u32>| {
        col.map(|c| crate::text::trim(sheet.value(CellRef::new(row, c)).text()).to_string())
            .filter(|t| !t.is_empty())
    };
    let entries = (columns.header_row + 1..sheet.height())
        .filter_map(|row| {
            Some(Entry {
                department: cell(row, Some(columns.department))?,
                project: cell(row, columns.project),
                unit: cell(row, columns.unit),
            })
        })
        .collect();
    Some(Roster { entries })
}

fn header(sheet: &Sheet, row: u32) -> Option<Columns> {
    let find = |labels: &[String]| {
        (0..sheet.width()).find(|&c| {
            let text = fold(sheet.value(CellRef::new(row, c)).text());
            labels.iter().any(|l| fold(l) == text)
        })
    };
    // A roster of units alone (实施单位) names who must report by unit.
    let unit = find(&LABELS.unit);
    let department = find(&LABELS.department).or(unit)?;
    Some(Columns {
        header_row: row,
        department,
        project: find(&LABELS.project),
        unit: unit.filter(|&u| u != department),
    })
}

fn key(text: &Option<String>) -> Option<String> {
    text.as_deref().map(normalize).filter(|t| !t.is_empty())
}

/// A name as rosters and forms are matched: folded (full-width and spacing
/// do not matter), without a leading code (`219-`, `219001 `) and without
/// `（本级）`.
///
/// ```
/// use jixiao::batch::roster::normalize;
/// assert_eq!(normalize("219001-县教育局（本级）"), normalize("县教育局"));
/// ```
pub fn normalize(name: &str) -> String {
    let folded = fold(name);
    let digits = folded.len()
        - folded
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    let rest = &folded[digits..];
    let uncoded = match rest.strip_prefix(['-', '_', '.', '、']) {
        Some(rest) if digits > 0 => rest,
        _ if digits >= 3 && !rest.is_empty() => rest,
        _ => &folded,
    };
    uncoded.replace("(本级)", "")
}

impl Roster {
    /// Where a department (by normalized name) first appears in the roster.
    pub fn position(&self, department: &str) -> Option<usize> {
        let want = normalize(department);
        self.entries
            .iter()
            .position(|e| normalize(&e.department) == want)
    }
}

/// Compares what was received with the roster. Names are compared folded
/// (full-width and spacing differences do not matter).
pub fn reconcile(roster: &Roster, seen: &[Seen]) -> Vec<Issue> {
    let mut issues: Vec<Issue> = roster
        .entries
        .iter()
        .filter(|e| !seen.iter().any(|s| matches(e, s)))
        .cloned()
        .map(Issue::Missing)
        .collect();
    issues.extend(duplicates(seen));
    let names: BTreeSet<String> = roster
        .entries
        .iter()
        .map(|e| normalize(&e.department))
        .collect();
    issues.extend(
        seen.iter()
            .filter(|s| !names.iter().any(|n| listed(n, s)))
            .cloned()
            .map(Issue::Unlisted),
    );
    issues
}

/// The record matches the entry when the entry's department is the
/// record's 主管部门 or its 实施单位 (rosters of budget units list units),
/// and the entry's project and unit, where given, are the record's.
fn matches(entry: &Entry, seen: &Seen) -> bool {
    let same = |want: &Option<String>, got: &Option<String>| {
        key(want).is_none_or(|w| key(got).as_ref() == Some(&w))
    };
    listed(&normalize(&entry.department), seen)
        && same(&entry.project, &seen.project)
        && same(&entry.unit, &seen.unit)
}

fn listed(department: &str, seen: &Seen) -> bool {
    [&seen.department, &seen.unit]
        .into_iter()
        .any(|name| key(name).as_deref() == Some(department))
}

/// Records sharing 项目名称 + 实施单位, with every source, in input order.
pub fn duplicates(seen: &[Seen]) -> Vec<Issue> {
    let mut groups: BTreeMap<(String, Option<String>), Vec<&Seen>> = BTreeMap::new();
    for s in seen {
        if let Some(project) = key(&s.project) {
            groups.entry((project, key(&s.unit))).or_default().push(s);
        }
    }
    groups
        .into_values()
        .filter(|g| g.len() > 1)
        .map(|g| Issue::Duplicate {
            department: g[0].department.clone(),
            project: g[0].project.clone().unwrap_or_default(),
            unit: g[0].unit.clone(),
            sources: g.iter().map(|s| s.source.clone()).collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Value;

    fn sheet(rows: &[&[&str]]) -> Sheet {
        let cells = rows
            .iter()
            .enumerate()
            .flat_map(|(r, row)| {
                row.iter().enumerate().map(move |(c, t)| {
                    (CellRef::new(r as u32, c as u32), Value::Text(t.to_string()))
                })
            })
            .collect();
        Sheet::new("名单".into(), cells, Vec::new())
    }

    fn seen(dept: &str, project: &str, unit: &str, source: &str) -> Seen {
        Seen {
            department: Some(dept.into()),
            project: Some(project.into()),
            unit: Some(unit.into()),
            source: source.into(),
        }
    }

    #[test]
    fn reads_header_below_a_title_and_skips_blank_rows() {
        let s = sheet(&[
            &["2023年绩效自评报送名单"],
            &["序号", "主管部门：", "项 目 名 称"],
            &["1", "教育局", "校舍维修"],
            &["2", "", ""],
            &["3", "卫健委", ""],
        ]);
        let roster = from_sheet(&s).unwrap();
        assert_eq!(roster.entries.len(), 2);
        assert_eq!(roster.entries[0].project.as_deref(), Some("校舍维修"));
        assert_eq!(roster.entries[1].project, None);
        assert!(from_sheet(&sheet(&[&["名称", "金额"]])).is_none());
    }

    #[test]
    fn names_match_without_codes_and_without_benji() {
        for (a, b) in [
            ("219-县教育局", "县教育局"),
            ("219001-县教育局", "县教育局"),
            ("219001 县教育局", "县教育局"),
            ("县教育局（本级）", "县教育局"),
            ("219 县 教育局(本级)", "县教育局"),
        ] {
            assert_eq!(normalize(a), normalize(b), "{a}");
        }
        // A name that starts with a number is not a code.
        assert_eq!(normalize("12345"), "12345");
        assert_eq!(normalize("3D打印中心"), "3D打印中心");
    }

    #[test]
    fn a_roster_of_units_alone_is_read_and_a_list_without_either_refused() {
        let s = sheet(&[&["序号", "实施单位"], &["1", "县疾控中心"]]);
        let roster = from_sheet(&s).unwrap();
        assert_eq!(roster.entries[0].department, "县疾控中心");
        assert_eq!(roster.entries[0].unit, None);
        assert!(from_sheet(&sheet(&[&["姓名", "电话"], &["张三", "1"]])).is_none());
    }

    #[test]
    fn finds_missing_duplicate_and_unlisted() {
        let roster = Roster {
            entries: vec![
                Entry {
                    department: "教育局".into(),
                    project: Some("校舍维修".into()),
                    unit: None,
                },
                Entry {
                    department: "卫健委".into(),
                    project: None,
                    unit: None,
                },
                Entry {
                    department: "交通局".into(),
                    project: None,
                    unit: None,
                },
            ],
        };
        let got = vec![
            seen("教育局", "校舍 维修", "一中", "a.xlsx"),
            seen("卫健委", "疫苗", "疾控", "b.xlsx"),
            seen("卫健委", "疫苗", "疾控", "c.xlsx"),
            seen("农业局", "种子", "农技站", "d.xlsx"),
        ];
        let issues = reconcile(&roster, &got);
        assert_eq!(issues.len(), 3, "{issues:?}");
        assert!(matches!(&issues[0], Issue::Missing(e) if e.department == "交通局"));
        assert!(
            matches!(&issues[1], Issue::Duplicate { sources, .. } if sources == &["b.xlsx", "c.xlsx"])
        );
        assert!(matches!(&issues[2], Issue::Unlisted(s) if s.source == "d.xlsx"));
    }
}

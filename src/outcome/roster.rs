//! The result of reconciling a consolidation with a roster (名单), as the
//! 名单核对 sheet shows it. Loading and reconciling are in
//! [`crate::batch::roster`].

/// One line of the roster: a department, optionally one of its projects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub department: String,
    pub project: Option<String>,
    pub unit: Option<String>,
}

/// The identity of one consolidated record, kept for reconciliation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub department: Option<String>,
    pub project: Option<String>,
    pub unit: Option<String>,
    /// `file` or `file!sheet`.
    pub source: String,
}

/// A reconciliation result, one per row of the 名单核对 sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Issue {
    /// On the roster but no record matches.
    Missing(Entry),
    /// The same 项目名称 + 实施单位 in several records.
    Duplicate {
        department: Option<String>,
        project: String,
        unit: Option<String>,
        sources: Vec<String>,
    },
    /// A record whose department is not on the roster.
    Unlisted(Seen),
}

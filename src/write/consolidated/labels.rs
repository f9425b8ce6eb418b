//! The workbook's words, loaded once from the embedded `labels.toml`.

use std::sync::LazyLock;

use serde::Deserialize;

use crate::review::{Grade, Severity};

#[derive(Deserialize)]
pub struct Labels {
    pub sheets: Sheets,
    pub headers: Headers,
    pub words: Words,
}

#[derive(Deserialize)]
pub struct Sheets {
    pub records: String,
    pub indicators: String,
    pub departments: String,
    pub findings: String,
    pub files: String,
    pub roster: String,
}

#[derive(Deserialize)]
pub struct Headers {
    pub records: Vec<String>,
    pub indicators: Vec<String>,
    pub departments: Vec<String>,
    pub findings: Vec<String>,
    pub files: Vec<String>,
    pub roster: Vec<String>,
}

#[derive(Deserialize)]
pub struct Words {
    pub total: String,
    pub no_department: String,
    pub imported: String,
    pub failed: String,
    pub not_spreadsheet: String,
    pub written_by_jixiao: String,
    pub error: String,
    pub warning: String,
    pub info: String,
    pub missing: String,
    pub duplicate: String,
    pub unlisted: String,
    pub chart_title: String,
    pub chart_rate: String,
    pub chart_score: String,
    /// Stands in for an empty list in the written summary.
    pub none: String,
}

impl Words {
    pub fn severity(&self, severity: Severity) -> &str {
        match severity {
            Severity::Error => &self.error,
            Severity::Warning => &self.warning,
            Severity::Info => &self.info,
        }
    }
}

/// The labels of the consolidated workbook.
pub static LABELS: LazyLock<Labels> = LazyLock::new(|| {
    toml::from_str(include_str!("labels.toml")).expect("embedded labels.toml is valid")
});

/// Grades in band order, for per-grade columns and counts.
pub const GRADES: [Grade; 4] = [Grade::Excellent, Grade::Good, Grade::Fair, Grade::Poor];

pub fn grade_index(grade: Grade) -> usize {
    GRADES.iter().position(|g| *g == grade).unwrap_or(0)
}

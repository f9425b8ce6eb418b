//! The fixed texts of the standard form and the review sheet, read from the
//! embedded `labels.toml`.

use std::sync::LazyLock;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Labels {
    pub form: FormLabels,
    pub review: ReviewLabels,
}

#[derive(Debug, Deserialize)]
pub struct FormLabels {
    pub sheet: String,
    pub title: String,
    pub title_department: String,
    pub title_target: String,
    pub year: String,
    pub year_unknown: String,
    pub project: String,
    pub department: String,
    pub unit: String,
    pub funds: String,
    pub department_name: String,
    pub department_seal: String,
    pub department_date: String,
    pub funds_department: String,
    pub funds_columns: [String; 6],
    pub fund_total: String,
    pub fund_fiscal: String,
    pub fund_carryover: String,
    pub fund_other: String,
    pub no_points: String,
    pub goals: String,
    pub goals_planned: String,
    pub goals_achieved: String,
    pub indicators: String,
    pub indicator_columns: [String; 8],
    pub total: String,
    pub total_points: String,
}

#[derive(Debug, Deserialize)]
pub struct ReviewLabels {
    pub sheet: String,
    pub title: String,
    pub source: String,
    pub summary_columns: [String; 4],
    pub rate: String,
    pub budget_score: String,
    pub total: String,
    pub grade: String,
    pub blank: String,
    pub blank_reported: String,
    pub blank_funds: String,
    pub blank_unscored: String,
    pub blank_over_max: String,
    pub blank_no_total: String,
    pub differs: String,
    pub indicator_title: String,
    pub indicator_columns: [String; 7],
    pub indicator_blank_note: String,
    pub findings_title: String,
    pub findings_columns: [String; 4],
    pub no_findings: String,
    pub cell_in_form: String,
    pub severity_error: String,
    pub severity_warning: String,
    pub severity_info: String,
}

/// The embedded labels. The file ships inside the binary and a unit test
/// parses it, so a failure here is a build defect, not bad input.
pub fn labels() -> &'static Labels {
    static LABELS: LazyLock<Labels> = LazyLock::new(|| {
        toml::from_str(include_str!("labels.toml"))
            .unwrap_or_else(|e| panic!("embedded standard/labels.toml is invalid: {e}"))
    });
    &LABELS
}

#[cfg(test)]
mod tests {
    #[test]
    fn embedded_labels_parse() {
        let l = super::labels();
        assert_eq!(l.form.indicator_columns[0], "一级指标");
        assert!(l.form.year.contains("{year}"));
    }
}

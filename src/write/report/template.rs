//! The embedded report template (`template.toml`) and the `{name}`
//! substitution its sentences use.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub missing: String,
    /// Money in a sentence (`{amount}万元`).
    pub money: String,
    pub placeholder: String,
    /// Rule ids left out of the report (notes on reading the file).
    pub omitted_rules: Vec<String>,
    pub style: Style,
    pub project: Voice,
    pub department: Voice,
    pub text: Text,
    /// Rule id → the finding said in the department's voice.
    pub problems: BTreeMap<String, String>,
    pub advice: Vec<KindAdvice>,
}

/// Fonts and sizes of the Word file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Style {
    pub title_font: String,
    pub heading_font: String,
    pub subheading_font: String,
    pub body_font: String,
    pub latin_font: String,
    /// Half-points.
    pub title_size: usize,
    pub body_size: usize,
    pub table_size: usize,
    /// Fixed line height, twentieths of a point.
    pub line: i32,
}

/// The headings and hints of one kind of report (project or department).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Voice {
    pub title: String,
    pub s1: String,
    pub s1_overview: String,
    pub overview: String,
    pub overview_hint: String,
    pub s1_funds: String,
    pub funds_use_hint: String,
    pub s1_goals: String,
    pub s2: String,
    pub s3: String,
    pub s3_funds: String,
    pub s3_arrival: String,
    pub s3_use: String,
    pub s3_management: String,
    pub s3_organization: String,
    pub organization_hint: String,
    pub s3_performance: String,
    pub s4: String,
    pub s5: String,
    pub s5_experience: String,
    pub s5_problems: String,
    pub s5_advice: String,
}

/// Sentences shared by both kinds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub unit_clause: String,
    pub funds_sources: String,
    pub funds_sources_none: String,
    pub funds_source_names: [String; 3],
    pub funds_table_header: Vec<String>,
    pub funds_rows: [String; 4],
    pub goals: String,
    pub goals_hint: String,
    pub work_hint: String,
    pub arrival: String,
    pub arrival_hint: String,
    pub r#use: String,
    pub use_recomputed: String,
    pub use_low_hint: String,
    pub management_hint: String,
    pub achieved: String,
    pub achieved_hint: String,
    pub unscored_hint: String,
    pub indicators_none_hint: String,
    pub indicator_table_header: Vec<String>,
    pub families: Vec<Family>,
    pub other_family: String,
    pub family_none_hint: String,
    pub family_count: String,
    pub family_all_full: String,
    pub unmet: String,
    pub unmet_reason: String,
    pub unmet_reason_hint: String,
    pub over: String,
    pub over_rules: Vec<String>,
    pub conclusion: String,
    pub conclusion_no_grade: String,
    pub conclusion_recheck: String,
    pub conclusion_hint: String,
    pub experience_hint: String,
    pub problem_unmet: String,
    pub problems_hint: String,
    pub advice_hint: String,
    pub closing: String,
}

/// A family of 一级指标 (产出, 效益, 满意度) and its heading.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Family {
    /// A word of the 一级指标 label that puts an indicator in this family.
    pub word: String,
    pub heading: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindAdvice {
    /// The first letter of the rule ids this paragraph answers (`F`, `W` …).
    pub kind: String,
    pub text: String,
}

/// The template file a `--template-dir` folder holds.
pub const FILE_NAME: &str = "report.toml";

/// A template file that could not be used, naming the file.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {detail}")]
pub struct TemplateError {
    pub path: PathBuf,
    pub detail: String,
}

impl Template {
    /// Reads `dir/report.toml`, a full copy of the embedded template
    /// (`src/write/report/template.toml`) with the wording changed.
    pub fn load(dir: &Path) -> Result<Template, TemplateError> {
        let path = dir.join(FILE_NAME);
        let error = |detail: String| TemplateError {
            path: path.clone(),
            detail,
        };
        let text = std::fs::read_to_string(&path).map_err(|e| error(e.to_string()))?;
        toml::from_str(&text).map_err(|e| error(e.to_string().replace('\n', " ")))
    }
}

/// The embedded template. It ships inside the binary and a unit test parses
/// it, so a failure here is a build defect, not bad input.
pub fn template() -> &'static Template {
    static TEMPLATE: LazyLock<Template> = LazyLock::new(|| {
        toml::from_str(EMBEDDED)
            .unwrap_or_else(|e| panic!("embedded report/template.toml is invalid: {e}"))
    });
    &TEMPLATE
}

/// The embedded template's text, for a bureau to copy and edit.
pub const EMBEDDED: &str = include_str!("template.toml");

/// Replaces each `{name}` in `text` with its value from `vars`, in one pass,
/// so a value that itself contains braces is never expanded again. An
/// unknown name is left as written.
pub fn fill(text: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            vars.iter()
                .find(|(k, _)| *k == &after[..close])
                .map(|(_, v)| (close, v))
        });
        match value {
            Some((close, v)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_template_parses() {
        let t = template();
        assert!(t.project.title.contains("{name}"));
        assert_eq!(t.advice.len(), 5);
        assert!(t.problems.contains_key("F1"));
    }

    #[test]
    fn fills_in_one_pass() {
        let vars = [("a", "{b}"), ("b", "二")];
        assert_eq!(fill("甲{a}乙{b}丙{c}", &vars), "甲{b}乙二丙{c}");
        assert_eq!(fill("{a", &vars), "{a");
    }
}

//! The embedded report template (`template.toml`) and the `{name}`
//! substitution its sentences use.

use std::sync::LazyLock;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Template {
    pub missing: String,
    pub title: String,
    pub basic: Basic,
    pub funds: Funds,
    pub performance: Performance,
    pub problems: Problems,
    pub advice: Advice,
}

#[derive(Debug, Deserialize)]
pub struct Basic {
    pub heading: String,
    pub overview_heading: String,
    pub overview: String,
    pub unit_clause: String,
    pub goals_heading: String,
    pub goals: String,
    pub no_goals: String,
}

#[derive(Debug, Deserialize)]
pub struct Funds {
    pub heading: String,
    pub summary: String,
    pub recomputed: String,
    pub table_header: Vec<String>,
    pub rows: [String; 4],
}

#[derive(Debug, Deserialize)]
pub struct Performance {
    pub heading: String,
    pub achieved: String,
    pub score: String,
    pub score_only: String,
    pub recheck: String,
    pub count: String,
    pub table_header: Vec<String>,
    pub unmet_heading: String,
    pub unmet: String,
    pub unmet_none: String,
    pub unmet_unscored: String,
    pub over_heading: String,
    pub over: String,
    pub over_none: String,
    pub over_rules: Vec<String>,
    pub note: String,
}

#[derive(Debug, Deserialize)]
pub struct Problems {
    pub heading: String,
    pub item: String,
    pub cells: String,
    pub none: String,
    pub no_review: String,
}

#[derive(Debug, Deserialize)]
pub struct Advice {
    pub heading: String,
    pub by_kind: Vec<KindAdvice>,
    pub closing: String,
}

#[derive(Debug, Deserialize)]
pub struct KindAdvice {
    /// The first letter of the rule ids this paragraph answers (`F`, `W` …).
    pub kind: String,
    pub text: String,
}

/// The embedded template. It ships inside the binary and a unit test parses
/// it, so a failure here is a build defect, not bad input.
pub fn template() -> &'static Template {
    static TEMPLATE: LazyLock<Template> = LazyLock::new(|| {
        toml::from_str(include_str!("template.toml"))
            .unwrap_or_else(|e| panic!("embedded report/template.toml is invalid: {e}"))
    });
    &TEMPLATE
}

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
        assert!(t.title.contains("{project}"));
        assert_eq!(t.advice.by_kind.len(), 5);
    }

    #[test]
    fn fills_in_one_pass() {
        let vars = [("a", "{b}"), ("b", "二")];
        assert_eq!(fill("甲{a}乙{b}丙{c}", &vars), "甲{b}乙二丙{c}");
        assert_eq!(fill("{a", &vars), "{a");
    }
}

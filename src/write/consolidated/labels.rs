//! The workbook's words, loaded once from the embedded `labels.toml`.

use std::sync::LazyLock;

use serde::Deserialize;

use crate::review::Severity;

#[derive(Deserialize)]
pub struct Labels {
    pub sheets: Sheets,
    pub words: Words,
    pub failures: Vec<Failure>,
}

#[derive(Deserialize)]
pub struct Sheets {
    pub records: String,
    pub whole: String,
    pub indicators: String,
    pub departments: String,
    pub findings: String,
    pub files: String,
    pub roster: String,
}

#[derive(Deserialize)]
pub struct Words {
    /// Before the year in every title, from `consolidate --region`.
    pub region: String,
    pub title: String,
    pub sheet_title: String,
    pub continued: String,
    pub unit: String,
    pub date: String,
    pub total: String,
    pub covered: String,
    pub no_department: String,
    pub imported: String,
    pub failed: String,
    pub not_spreadsheet: String,
    pub written_by_jixiao: String,
    pub unchanged_output: String,
    pub duplicate_file: String,
    pub duplicate_note: String,
    pub partly_duplicate: String,
    pub from_subrows: String,
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

/// One kind of import failure and the words a clerk reads for it.
#[derive(Deserialize)]
pub struct Failure {
    contains: Vec<String>,
    #[serde(default)]
    items_after: Option<String>,
    text: String,
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

/// Replaces every `{name}` of `template` by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(template.to_string(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
}

/// Why a file failed, in Chinese, from the batch's one-line error (which
/// starts with the file's path: the sheets name the file in their own
/// column, so the path, temporary or not, is left out).
///
/// ```
/// use jixiao::write::consolidated::explain;
/// let e = "/tmp/x/a.xlsx: no sheet matches any mapping (closest: sheet \"S\" with mapping mof-2020, missing anchors: 项目名称, 三级指标)";
/// assert_eq!(
///     explain(std::path::Path::new("/tmp/x/a.xlsx"), e),
///     "无法识别的表样：缺少“项目名称”“三级指标”。请按标准格式填报，或用 --mapping 指定映射"
/// );
/// ```
pub fn explain(path: &std::path::Path, error: &str) -> String {
    let shown = path.display().to_string();
    let detail = error
        .strip_prefix(shown.as_str())
        .map(|rest| rest.trim_start_matches([':', ' ']))
        .unwrap_or(error)
        .replace(shown.as_str(), "");
    let Some(failure) = LABELS
        .failures
        .iter()
        .find(|f| f.contains.iter().all(|c| error.contains(c.as_str())))
    else {
        return detail;
    };
    let items = failure
        .items_after
        .as_deref()
        .and_then(|after| Some(&error[error.find(after)? + after.len()..]))
        .map(|rest| {
            rest.trim_end_matches(')')
                .split(", ")
                .map(|item| format!("“{}”", item.trim()))
                .collect::<String>()
        })
        .unwrap_or_default();
    fill(&failure.text, &[("items", &items), ("detail", &detail)])
}

/// The labels of the consolidated workbook.
pub static LABELS: LazyLock<Labels> = LazyLock::new(|| {
    toml::from_str(include_str!("labels.toml")).expect("embedded labels.toml is valid")
});

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn failures_are_explained_in_chinese_without_the_path() {
        let path = Path::new("/tmp/.tmpAb12/收件/a.xlsx");
        let explained = |error: &str| explain(path, &format!("{}: {error}", path.display()));
        assert!(
            explained("受密码保护 / password protected: cannot read an encrypted workbook")
                .starts_with("文件已加密")
        );
        assert!(explained(
            "corrupt xlsx: invalid Zip archive: Could not find central directory end"
        )
        .starts_with("文件已损坏（zip 目录缺失）"));
        assert!(explained("corrupt xls: bad sector").starts_with("文件已损坏，无法打开"));
        assert!(explained("no form found on any sheet").starts_with("未找到自评表"));
        let other = explained("something new");
        assert_eq!(other, "无法导入：something new");
        for text in [other, explained("corrupt xls: /tmp/.tmpAb12/收件/a.xlsx")] {
            assert!(!text.contains("/tmp"), "{text}");
        }
    }
}

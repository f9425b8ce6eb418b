//! Text normalization shared by the stages: how labels are compared.

use unicode_normalization::UnicodeNormalization;

/// Folds a label for tolerant comparison: NFKC (full-width → half-width),
/// every whitespace removed (`项 目 名 称`), trailing `：:` dropped.
pub fn fold(label: &str) -> String {
    let folded: String = label.nfkc().filter(|c| !c.is_whitespace()).collect();
    folded.trim_end_matches([':', '：']).to_string()
}

/// Trims ASCII and full-width whitespace at both ends, keeping inner runs.
pub fn trim(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_width_spaces_and_colons() {
        assert_eq!(fold("项 目 名 称："), "项目名称");
        assert_eq!(fold("全年预算数（Ａ）"), "全年预算数(A)");
        assert_eq!(fold("年度资金总额:"), "年度资金总额");
    }
}

//! Text normalization shared by the stages: how labels are compared.

use unicode_normalization::UnicodeNormalization;

/// Folds a label for tolerant comparison: NFKC (full-width → half-width),
/// every whitespace removed (`项 目 名 称`), trailing `：:` dropped.
pub fn fold(label: &str) -> String {
    // Labels are compared thousands of times per form; most are plain ASCII
    // and common ideographs, which NFKC leaves as they are, so skip it there.
    let mut folded: String = if label.chars().all(nfkc_stable) {
        label.chars().filter(|c| !c.is_whitespace()).collect()
    } else {
        label.nfkc().filter(|c| !c.is_whitespace()).collect()
    };
    // Truncate in place rather than copy the trimmed slice.
    let kept = folded.trim_end_matches([':', '：']).len();
    folded.truncate(kept);
    folded
}

/// Characters NFKC maps to themselves whatever surrounds them: ASCII and the
/// CJK Unified Ideographs block (the compatibility ideographs lie outside).
fn nfkc_stable(c: char) -> bool {
    c.is_ascii() || ('\u{4E00}'..='\u{9FFF}').contains(&c)
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
        assert_eq!(fold("执行率（B/A）"), "执行率(B/A)");
        assert_eq!(fold("其中：本年 财政拨款"), "其中:本年财政拨款");
        // A combining accent after ASCII must still compose.
        assert_eq!(fold("e\u{301}"), "\u{e9}");
    }
}

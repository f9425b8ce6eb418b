//! Text normalization shared by the stages: how labels are compared.

use std::borrow::Cow;

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Folds a label for tolerant comparison: NFKC (full-width → half-width),
/// every whitespace removed (`项 目 名 称`), trailing `：:` dropped.
pub fn fold(label: &str) -> String {
    fold_cow(label).into_owned()
}

/// [`fold`], borrowing `label` when folding leaves it as it is (plain
/// ideographs, a number): no copy for most cells of a form.
pub fn fold_cow(label: &str) -> Cow<'_, str> {
    if is_folded(label) {
        return Cow::Borrowed(label);
    }
    let mut folded = narrowed_nfkc_without_whitespace(label);
    // Truncate in place rather than copy the trimmed slice.
    let kept = folded.trim_end_matches([':', '：']).len();
    folded.truncate(kept);
    Cow::Owned(folded)
}

/// NFKC of `text` with every whitespace removed.
pub fn nfkc_without_whitespace(text: &str) -> String {
    // Plain ASCII and ideographs without whitespace: NFKC keeps them as
    // they are, so a copy does (most values and names of a form).
    if is_stable_without_whitespace(text) {
        return text.to_string();
    }
    narrowed_nfkc_without_whitespace(text)
}

/// [`nfkc_without_whitespace`] of text that may change: past the check for
/// text it leaves as it is.
fn narrowed_nfkc_without_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Labels and values are normalized thousands of times per form. Most
    // are ASCII, common ideographs and full-width punctuation (`（`, `：`,
    // `％`): once the latter are narrowed, NFKC leaves such text as it is,
    // so the decompose-and-recompose pass is skipped there.
    if is_nfkc_once_narrowed(text) {
        out.extend(text.chars().map(narrow).filter(|c| !c.is_whitespace()));
    } else {
        out.extend(text.nfkc().filter(|c| !c.is_whitespace()));
    }
    out
}

/// Whether [`fold`] leaves `text` unchanged, judged cheaply: ASCII and
/// common ideographs only, no whitespace, no trailing colon.
fn is_folded(text: &str) -> bool {
    is_stable_without_whitespace(text) && !text.ends_with([':', '：'])
}

/// ASCII and common ideographs only, no whitespace: NFKC and whitespace
/// removal leave such text as it is.
fn is_stable_without_whitespace(text: &str) -> bool {
    text.chars().all(|c| nfkc_stable(c) && !c.is_whitespace())
}

/// Whether [`narrow`]ing every character of `text` yields NFKC text. NFKC
/// of the text and of its narrowed form agree (narrowing is part of the
/// compatibility decomposition), so the narrowed form is then the NFKC.
fn is_nfkc_once_narrowed(text: &str) -> bool {
    // The quick check only looks up the rest: a stable character is a
    // starter NFKC allows anywhere, and leaving one out of the check can
    // only make it stricter.
    let rest = text.chars().map(narrow).filter(|&c| !nfkc_stable(c));
    is_nfkc_quick(rest) == IsNormalized::Yes
}

/// Characters NFKC maps to themselves whatever surrounds them: ASCII and the
/// CJK Unified Ideographs block (the compatibility ideographs lie outside).
fn nfkc_stable(c: char) -> bool {
    c.is_ascii() || ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// The half-width form of a full-width ASCII character or the ideographic
/// space: their whole NFKC decomposition; any other character unchanged.
fn narrow(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
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
        // … and after a full-width letter, once narrowed.
        assert_eq!(fold("Ｅ\u{301}"), "\u{c9}");
    }

    /// The fast paths agree with plain NFKC on the characters forms use.
    #[test]
    fn fast_paths_agree_with_nfkc() {
        let samples = [
            "（２０分）：",
            "≥９５％",
            "“优”、《办法》【一】",
            "　年度　",
            "①②③",
            "ｶﾀｶﾅ",
            "㎡",
            "≥\u{338}",
            "Ａ\u{300}",
            "ﬁ",
            "㈠",
            "…",
        ];
        for s in samples {
            assert_eq!(fold(s), slow_fold(s), "{s:?}");
        }
        // Every full-width character, alone and before a combining mark.
        for c in ('\u{3000}'..='\u{303F}').chain('\u{FF00}'..='\u{FFEF}') {
            for s in [format!("{c}"), format!("{c}\u{301}"), format!("{c}\u{338}")] {
                assert_eq!(fold(&s), slow_fold(&s), "{s:?}");
            }
        }
    }

    #[test]
    fn narrowing_is_nfkc() {
        for c in ('\u{FF01}'..='\u{FF5E}').chain(['\u{3000}', 'a', '率']) {
            let nfkc: String = c.to_string().nfkc().collect();
            assert_eq!(nfkc, narrow(c).to_string(), "{c}");
        }
    }

    fn slow_fold(s: &str) -> String {
        let mut slow: String = s.nfkc().filter(|c| !c.is_whitespace()).collect();
        let kept = slow.trim_end_matches([':', '：']).len();
        slow.truncate(kept);
        slow
    }
}

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
    // so the decompose-and-recompose pass is skipped there. The narrowed
    // text is written while it is checked: the check reads every character
    // when it says yes, and only then is `out` kept.
    let narrowed = text.chars().map(narrow).inspect(|&c| {
        if !c.is_whitespace() {
            out.push(c);
        }
    });
    if is_nfkc_once_narrowed(narrowed) {
        return out;
    }
    out.clear();
    out.extend(text.nfkc().filter(|c| !c.is_whitespace()));
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

/// Whether the [`narrow`]ed characters of a text are NFKC text. NFKC
/// of the text and of its narrowed form agree (narrowing is part of the
/// compatibility decomposition), so the narrowed form is then the NFKC.
fn is_nfkc_once_narrowed(narrowed: impl Iterator<Item = char>) -> bool {
    // The quick check only looks up the rest: a stable character is a
    // starter NFKC allows anywhere, and leaving one out of the check can
    // only make it stricter. Every character is read first (the caller
    // keeps them as they go by), then the few left are checked; most texts
    // leave none, and nothing is allocated.
    let mut rest = Vec::new();
    narrowed.for_each(|c| {
        if !nfkc_stable(c) {
            rest.push(c);
        }
    });
    is_nfkc_quick(rest.into_iter()) == IsNormalized::Yes
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

/// `text` safe to print to a terminal: control characters (ESC, CR,
/// backspace, C1 controls …) written as `\x1b` or `\u{85}`, so that a
/// cell, sheet or file name cannot clear the screen or overwrite a figure
/// with a carriage return. Line feeds and tabs are kept: the output's own
/// layout uses them, and JSON output holds no raw control at all.
///
/// ```
/// assert_eq!(jixiao::text::terminal("总分\r99\x1b[2J\n"), "总分\\x0d99\\x1b[2J\n");
/// assert_eq!(jixiao::text::terminal("项目\t名称"), "项目\t名称");
/// ```
pub fn terminal(text: &str) -> Cow<'_, str> {
    escape_controls(text, |c| c == '\n' || c == '\t')
}

/// [`terminal`] for a message that must stay one line: line feeds and
/// tabs are escaped too.
///
/// ```
/// assert_eq!(jixiao::text::one_line("a\nb"), "a\\x0ab");
/// ```
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape_controls(text, |_| false)
}

fn escape_controls(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let escaped = |c: char| c.is_control() && !keep(c);
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !escaped(c) => out.push(c),
            c if c.is_ascii() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// `text` as literal Markdown: the characters that would start markup
/// (emphasis, code, links, raw HTML, headings, tables, strikethrough) are
/// backslash-escaped, and `{`/`}` too so that no value can name a
/// template's placeholder. Used for every value a form supplies to a
/// report or summary.
///
/// ```
/// let md = jixiao::text::markdown("A|B <script> [x](javascript:alert(1)) # 标题");
/// assert_eq!(md, r"A\|B \<script\> \[x\](javascript:alert(1)) \# 标题");
/// ```
pub fn markdown(text: &str) -> Cow<'_, str> {
    if !text.contains(MARKDOWN_SPECIAL) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if MARKDOWN_SPECIAL.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// The characters [`markdown`] escapes.
const MARKDOWN_SPECIAL: &[char] = &[
    '\\', '`', '*', '_', '[', ']', '<', '>', '#', '|', '~', '{', '}',
];

/// Undoes [`markdown`]: a backslash before one of the characters it escapes
/// is dropped, for a writer that lays the Markdown out itself (the Word
/// report).
///
/// ```
/// let text = r"A\|B \<script\> \# 标题";
/// assert_eq!(jixiao::text::unmarkdown(text), "A|B <script> # 标题");
/// let md = jixiao::text::markdown("a_b [c]");
/// assert_eq!(jixiao::text::unmarkdown(&md), "a_b [c]");
/// ```
pub fn unmarkdown(text: &str) -> Cow<'_, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&next) if c == '\\' && MARKDOWN_SPECIAL.contains(&next) => {
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
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

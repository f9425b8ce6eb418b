//! Regular expressions that are quick to build.
//!
//! Unicode's `\d` is some 680 decimal digits in 60-odd ranges, and compiling
//! them is most of the cost of building the patterns that read numbers and
//! dates: the review's deadline patterns take 1.3 ms with `\d`, 0.2 ms with
//! `[0-9]`. The two differ only on a text that holds a non-ASCII decimal
//! digit (`٣`, `३`; NFKC turns full-width ones into ASCII, not these), which
//! a form almost never does. A [`Pattern`] therefore runs a copy with ASCII
//! digits, and the pattern as written only on such a text, compiled the
//! first time one comes: the matches are those of the pattern as written.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::{Captures, Match, Regex, Replacer};
use regex_syntax::ast::{self, Ast, ClassPerl, ClassPerlKind, ClassSetItem};

/// A regex whose `\d` and `\D` are built for ASCII digits first.
#[derive(Clone, Debug)]
pub struct Pattern {
    ascii: Regex,
    /// The pattern as written, when it differs from `ascii`.
    unicode: Option<Unicode>,
}

#[derive(Clone, Debug)]
struct Unicode {
    source: String,
    regex: OnceLock<Regex>,
}

impl Pattern {
    /// Compiles `source` with the `regex` crate's syntax and errors.
    pub fn new(source: &str) -> Result<Pattern, regex::Error> {
        let ascii = ascii_digits(source).and_then(|p| Regex::new(&p).ok());
        Ok(match ascii {
            Some(ascii) => Pattern {
                ascii,
                unicode: Some(Unicode {
                    source: source.to_string(),
                    regex: OnceLock::new(),
                }),
            },
            None => Pattern {
                ascii: Regex::new(source)?,
                unicode: None,
            },
        })
    }

    /// The regex that matches `text` as the pattern as written does.
    fn on(&self, text: &str) -> &Regex {
        match &self.unicode {
            Some(u) if has_non_ascii_digit(text) => u.regex.get_or_init(|| {
                // It compiled with ASCII digits, so only the size limit can
                // stop it now (patterns meant for this never come near it);
                // the ASCII copy is then the best there is.
                Regex::new(&u.source).unwrap_or_else(|_| self.ascii.clone())
            }),
            _ => &self.ascii,
        }
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.on(text).is_match(text)
    }

    pub fn find<'h>(&self, text: &'h str) -> Option<Match<'h>> {
        self.on(text).find(text)
    }

    pub fn captures<'h>(&self, text: &'h str) -> Option<Captures<'h>> {
        self.on(text).captures(text)
    }

    pub fn captures_iter<'r, 'h>(&'r self, text: &'h str) -> regex::CaptureMatches<'r, 'h> {
        self.on(text).captures_iter(text)
    }

    pub fn replace_all<'h, R: Replacer>(&self, text: &'h str, with: R) -> Cow<'h, str> {
        self.on(text).replace_all(text, with)
    }
}

/// Whether `text` has a character that Unicode's `\d` matches and `[0-9]`
/// does not. It runs before every match, on mostly Chinese text: the
/// characters of the blocks that hold no decimal digit at all (general
/// punctuation to CJK, Hangul to the half-width forms before `０`) are
/// passed over without a table lookup. Checking every numeric character,
/// not only decimal digits, is harmless.
fn has_non_ascii_digit(text: &str) -> bool {
    !text.is_ascii() && text.chars().any(may_be_non_ascii_digit)
}

fn may_be_non_ascii_digit(c: char) -> bool {
    !c.is_ascii()
        && !matches!(c, '\u{2000}'..='\u{A61F}' | '\u{AC00}'..='\u{FF0F}')
        && c.is_numeric()
}

/// `source` with every `\d` written `[0-9]` and every `\D` `[^0-9]` (valid
/// inside a bracketed class too); `None` when it has neither or does not
/// parse.
fn ascii_digits(source: &str) -> Option<String> {
    let parsed = ast::parse::Parser::new().parse(source).ok()?;
    let mut digits = ast::visit(&parsed, Digits(Vec::new())).ok()?;
    if digits.is_empty() {
        return None;
    }
    digits.sort_by_key(|d| d.span.start.offset);
    let mut out = String::with_capacity(source.len() + 4 * digits.len());
    let mut from = 0;
    for d in digits {
        out.push_str(&source[from..d.span.start.offset]);
        out.push_str(if d.negated { "[^0-9]" } else { "[0-9]" });
        from = d.span.end.offset;
    }
    out.push_str(&source[from..]);
    Some(out)
}

/// Collects every `\d` and `\D`, in or out of brackets.
struct Digits(Vec<ClassPerl>);

impl Digits {
    fn add(&mut self, class: &ClassPerl) {
        if class.kind == ClassPerlKind::Digit {
            self.0.push(class.clone());
        }
    }
}

impl ast::Visitor for Digits {
    type Output = Vec<ClassPerl>;
    type Err = ();

    fn finish(self) -> Result<Self::Output, ()> {
        Ok(self.0)
    }

    fn visit_pre(&mut self, ast: &Ast) -> Result<(), ()> {
        if let Ast::ClassPerl(class) = ast {
            self.add(class);
        }
        Ok(())
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), ()> {
        if let ClassSetItem::Perl(class) = item {
            self.add(class);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    #[test]
    fn rewrites_only_perl_digit_classes() {
        let cases = [
            (r"\d{4}年", Some("[0-9]{4}年")),
            (
                r"^(\d+)([^\d\-~]*)(\D*)$",
                Some("^([0-9]+)([^[0-9]\\-~]*)([^0-9]*)$"),
            ),
            (r"\\d[\d&&[0-5]]", Some(r"\\d[[0-9]&&[0-5]]")),
            (r"[0-9]\pN\w", None),
            (r"(", None),
        ];
        for (source, want) in cases {
            assert_eq!(ascii_digits(source).as_deref(), want, "{source}");
        }
    }

    #[test]
    fn every_non_ascii_digit_is_noticed() {
        let hir = regex_syntax::parse(r"\d").unwrap();
        let regex_syntax::hir::HirKind::Class(regex_syntax::hir::Class::Unicode(digits)) =
            hir.kind()
        else {
            panic!("\\d is a Unicode class: {hir:?}");
        };
        let all = digits.ranges().iter().flat_map(|r| r.start()..=r.end());
        for c in all.filter(|c| !c.is_ascii()) {
            assert!(may_be_non_ascii_digit(c), "{c:?}");
        }
    }

    #[test]
    fn a_bad_pattern_reports_the_regex_error() {
        assert!(Pattern::new(r"\d(").is_err());
        assert!(Pattern::new(r"(?-u:\D)").is_err());
    }

    /// Each pattern as written and as a [`Pattern`].
    static PATTERNS: LazyLock<Vec<(Regex, Pattern)>> = LazyLock::new(|| {
        [
            r"^(\d{4}年)?(\d{1,2}月)?[-~至](\d{4}年)$",
            r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+",
            r"^(\d+(?:\.\d+)?)([^\d\-~—～至到]*)[-~—～至到](\d+(?:\.\d+)?)(\D*)$",
            r"(?i)x\d+|(?-u:\d)",
        ]
        .iter()
        .map(|p| (Regex::new(p).unwrap(), Pattern::new(p).unwrap()))
        .collect()
    });

    proptest! {
        #[test]
        fn matches_as_written(text in "[0-9０-９٠-٩३,.\\-~至年月xX%㊀½ ]{0,12}") {
            for (written, pattern) in PATTERNS.iter() {
                prop_assert_eq!(pattern.is_match(&text), written.is_match(&text));
                let spans = |c: Option<Captures>| c.map(|c| {
                    c.iter().map(|m| m.map(|m| m.range())).collect::<Vec<_>>()
                });
                prop_assert_eq!(spans(pattern.captures(&text)), spans(written.captures(&text)));
                prop_assert_eq!(
                    pattern.find(&text).map(|m| m.range()),
                    written.find(&text).map(|m| m.range())
                );
            }
        }
    }
}

//! A small XML pull parser for the parts of an xlsx package.
//!
//! A consolidation batch parses thousands of worksheets, and with quick-xml's
//! general event machinery reading the XML cost more than everything else
//! the batch does with a cell. Package parts are machine-written and the zip
//! guard has already refused any DOCTYPE, so this reader does only what they
//! use — elements, attributes, character data with the predefined and
//! numeric references, CDATA, comments and processing instructions — and
//! finds each token with `memchr`. It still checks that every end tag closes
//! the element it should, as quick-xml does, so a damaged part is an error
//! rather than a silently different grid.

use std::borrow::Cow;
use std::fmt;

use memchr::{memchr, memchr3, memmem};

/// One step through a part. Names are local: a prefix (`x:c`) is dropped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Token<'a> {
    Start(Tag<'a>),
    /// A self-closing element (`<c r="A1"/>`).
    Empty(Tag<'a>),
    End(&'a [u8]),
    /// Character data as written: references are resolved by [`text`].
    Text(&'a [u8]),
    /// The inside of a CDATA section, taken literally.
    CData(&'a [u8]),
    Eof,
}

/// A start or empty element: its local name and its attributes, unparsed
/// until asked for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tag<'a> {
    local: &'a [u8],
    attrs: &'a [u8],
}

/// Why a part is not well-formed, and where when the scanner saw it: text
/// and attributes are read from slices that no longer know their offset.
#[derive(Debug, Clone, PartialEq)]
pub struct XmlError {
    at: Option<usize>,
    what: String,
}

impl XmlError {
    fn new(what: impl Into<String>) -> Self {
        XmlError {
            at: None,
            what: what.into(),
        }
    }
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some(at) => write!(f, "{} (byte {at})", self.what),
            None => f.write_str(&self.what),
        }
    }
}

pub type XmlResult<T> = Result<T, XmlError>;

/// Pulls tokens from one part.
pub struct Scanner<'a> {
    xml: &'a [u8],
    at: usize,
    /// Qualified names of the open elements, to match end tags against.
    open: Vec<&'a [u8]>,
}

impl<'a> Scanner<'a> {
    pub fn new(xml: &'a [u8]) -> Self {
        let xml = xml.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(xml);
        Scanner {
            xml,
            at: 0,
            open: Vec::new(),
        }
    }

    pub fn next(&mut self) -> XmlResult<Token<'a>> {
        loop {
            let rest = &self.xml[self.at..];
            if rest.is_empty() {
                return Ok(Token::Eof);
            }
            if rest[0] != b'<' {
                let len = find(b'<', rest).unwrap_or(rest.len());
                self.at += len;
                return Ok(Token::Text(&rest[..len]));
            }
            match rest.get(1) {
                Some(b'/') => return self.end_tag(),
                Some(b'?') => self.skip_past(b"?>", "processing instruction")?,
                Some(b'!') if rest.starts_with(b"<!--") => self.skip_past(b"-->", "comment")?,
                Some(b'!') if rest.starts_with(b"<![CDATA[") => return self.cdata(),
                Some(b'!') => return Err(self.error(self.at, "unsupported <! declaration")),
                _ => return self.start_tag(),
            }
        }
    }

    /// Skips the rest of the element whose start tag was just read.
    pub fn skip_element(&mut self) -> XmlResult<()> {
        let depth = self.open.len();
        while self.open.len() >= depth {
            if self.next()? == Token::Eof {
                return Err(self.unclosed());
            }
        }
        Ok(())
    }

    /// The error for a part that ends inside an element.
    pub fn unclosed(&self) -> XmlError {
        let name = self.open.last().copied().unwrap_or_default();
        self.error(self.at, format!("<{}> is not closed", lossy(name)))
    }

    fn start_tag(&mut self) -> XmlResult<Token<'a>> {
        let start = self.at + 1;
        let end = self.tag_end(start)?;
        self.at = end + 1;
        let inner = &self.xml[start..end];
        let (inner, empty) = match inner.strip_suffix(b"/") {
            Some(inner) => (inner, true),
            None => (inner, false),
        };
        let split = inner
            .iter()
            .position(u8::is_ascii_whitespace)
            .unwrap_or(inner.len());
        let (name, attrs) = inner.split_at(split);
        if name.is_empty() {
            return Err(self.error(start, "a tag without a name"));
        }
        let tag = Tag {
            local: local(name),
            attrs,
        };
        if empty {
            return Ok(Token::Empty(tag));
        }
        self.open.push(name);
        Ok(Token::Start(tag))
    }

    /// The `>` that ends the tag starting at `from`, skipping quoted values.
    /// Tags are short: plain loops beat a `memchr` call per quote.
    fn tag_end(&self, from: usize) -> XmlResult<usize> {
        let xml = self.xml;
        let mut i = from;
        while let Some(&b) = xml.get(i) {
            match b {
                b'>' => return Ok(i),
                b'"' | b'\'' => {
                    let value = i + 1;
                    let len = xml[value..].iter().position(|&c| c == b);
                    let len =
                        len.ok_or_else(|| self.error(i, "an attribute value is not closed"))?;
                    i = value + len + 1;
                }
                _ => i += 1,
            }
        }
        Err(self.error(self.at, "a tag is not closed"))
    }

    fn end_tag(&mut self) -> XmlResult<Token<'a>> {
        let start = self.at + 2;
        let Some(len) = find(b'>', &self.xml[start..]) else {
            return Err(self.error(self.at, "an end tag is not closed"));
        };
        let name = self.xml[start..start + len].trim_ascii_end();
        let at = self.at;
        self.at = start + len + 1;
        match self.open.pop() {
            Some(open) if open == name => Ok(Token::End(local(name))),
            Some(open) => Err(self.error(
                at,
                format!("<{}> closed by </{}>", lossy(open), lossy(name)),
            )),
            None => Err(self.error(at, format!("</{}> closes nothing", lossy(name)))),
        }
    }

    fn cdata(&mut self) -> XmlResult<Token<'a>> {
        const OPEN: usize = b"<![CDATA[".len();
        let start = self.at + OPEN;
        let Some(len) = memmem::find(&self.xml[start..], b"]]>") else {
            return Err(self.error(self.at, "a CDATA section is not closed"));
        };
        self.at = start + len + 3;
        Ok(Token::CData(&self.xml[start..start + len]))
    }

    fn skip_past(&mut self, end: &[u8], what: &str) -> XmlResult<()> {
        match memmem::find(&self.xml[self.at + 2..], end) {
            Some(len) => {
                self.at += 2 + len + end.len();
                Ok(())
            }
            None => Err(self.error(self.at, format!("a {what} is not closed"))),
        }
    }

    fn error(&self, at: usize, what: impl Into<String>) -> XmlError {
        XmlError {
            at: Some(at),
            what: what.into(),
        }
    }
}

impl<'a> Tag<'a> {
    pub fn local(&self) -> &'a [u8] {
        self.local
    }

    /// The attributes as (local name, value as written).
    pub fn attrs(&self) -> Attrs<'a> {
        Attrs { rest: self.attrs }
    }

    /// The value as written of the first attribute named `key`.
    pub fn raw(&self, key: &[u8]) -> XmlResult<Option<&'a [u8]>> {
        for attr in self.attrs() {
            let (k, v) = attr?;
            if k == key {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// The value of attribute `key`, references resolved and whitespace
    /// normalized as XML 1.0 says (§3.3.3); `None` when absent or malformed.
    pub fn attr(&self, key: &[u8]) -> Option<String> {
        let raw = self.raw(key).ok()??;
        if memchr3(b'\t', b'\n', b'\r', raw).is_none() {
            return text(raw).ok().map(Cow::into_owned);
        }
        // Whitespace as written becomes a space; a reference like `&#10;`
        // keeps its character, so spaces are made before references resolve.
        let spaced = std::str::from_utf8(raw)
            .ok()?
            .replace("\r\n", " ")
            .replace(['\t', '\n', '\r'], " ");
        text(spaced.as_bytes()).ok().map(Cow::into_owned)
    }
}

/// The attributes of a [`Tag`].
pub struct Attrs<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Attrs<'a> {
    type Item = XmlResult<(&'a [u8], &'a [u8])>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest.trim_ascii_start();
        if rest.is_empty() {
            return None;
        }
        let parsed = attribute(rest);
        self.rest = match parsed {
            Ok((_, _, tail)) => tail,
            Err(_) => &[],
        };
        Some(parsed.map(|(k, v, _)| (k, v)))
    }
}

/// `key = "value"` at the start of `s`: key, value and what follows.
fn attribute(s: &[u8]) -> XmlResult<(&[u8], &[u8], &[u8])> {
    let bad = || {
        XmlError::new(format!(
            "malformed attribute {:?}",
            lossy(&s[..s.len().min(40)])
        ))
    };
    let eq = find(b'=', s).ok_or_else(bad)?;
    let key = s[..eq].trim_ascii();
    let value = s[eq + 1..].trim_ascii_start();
    let quote = *value.first().ok_or_else(bad)?;
    if key.is_empty() || (quote != b'"' && quote != b'\'') {
        return Err(bad());
    }
    let len = find(quote, &value[1..]).ok_or_else(bad)?;
    Ok((local(key), &value[1..1 + len], &value[len + 2..]))
}

/// Character data with its references resolved and line ends normalized
/// (XML 1.0 §2.11). Borrowed when there is nothing to change, as almost
/// always. A reference to an unknown entity or an invalid character gives
/// nothing, as quick-xml's readers did; an `&` with no `;` is an error.
pub fn text(raw: &[u8]) -> XmlResult<Cow<'_, str>> {
    let s = utf8(raw)?;
    if memchr::memchr2(b'&', b'\r', raw).is_none() {
        return Ok(Cow::Borrowed(s));
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['&', '\r']) {
        out.push_str(&rest[..i]);
        if rest.as_bytes()[i] == b'\r' {
            out.push('\n');
            rest = rest[i + 1..].strip_prefix('\n').unwrap_or(&rest[i + 1..]);
            continue;
        }
        let after = &rest[i + 1..];
        let end = after
            .find([';', '&', '<'])
            .filter(|&e| after.as_bytes()[e] == b';');
        let Some(end) = end else {
            let excerpt: String = rest[i..].chars().take(20).collect();
            return Err(XmlError::new(format!(
                "an entity reference is not closed: {excerpt:?}"
            )));
        };
        push_reference(&after[..end], &mut out);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// Character data taken literally (a CDATA section): only line ends are
/// normalized.
pub fn literal(raw: &[u8]) -> XmlResult<Cow<'_, str>> {
    let s = utf8(raw)?;
    if memchr(b'\r', raw).is_none() {
        return Ok(Cow::Borrowed(s));
    }
    Ok(Cow::Owned(s.replace("\r\n", "\n").replace('\r', "\n")))
}

fn utf8(raw: &[u8]) -> XmlResult<&str> {
    std::str::from_utf8(raw).map_err(|e| {
        let before = String::from_utf8_lossy(&raw[..e.valid_up_to()]);
        let start = before.char_indices().rev().nth(19).map_or(0, |(i, _)| i);
        XmlError::new(format!("text is not UTF-8 after {:?}", &before[start..]))
    })
}

fn push_reference(name: &str, out: &mut String) {
    let c = match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => name.strip_prefix('#').and_then(char_reference),
    };
    out.extend(c);
}

/// `#65` / `#x41` without the `#`; NUL and non-characters are invalid.
fn char_reference(num: &str) -> Option<char> {
    let (digits, radix) = match num.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (num, 10),
    };
    if digits.starts_with(['+', '-']) {
        return None;
    }
    let code = u32::from_str_radix(digits, radix).ok()?;
    char::from_u32(code).filter(|&c| c != '\0')
}

/// The first `byte` in `hay`. What the scanner looks for is nearly always a
/// few bytes away, where a plain loop beats `memchr`'s set-up; long runs of
/// text still get `memchr`.
fn find(byte: u8, hay: &[u8]) -> Option<usize> {
    const NEAR: usize = 16;
    let near = &hay[..hay.len().min(NEAR)];
    match near.iter().position(|&b| b == byte) {
        Some(i) => Some(i),
        None if hay.len() > NEAR => memchr(byte, &hay[NEAR..]).map(|i| i + NEAR),
        None => None,
    }
}

fn local(name: &[u8]) -> &[u8] {
    match name.iter().position(|&b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(xml: &str) -> XmlResult<Vec<String>> {
        let mut scanner = Scanner::new(xml.as_bytes());
        let mut out = Vec::new();
        loop {
            let shown = match scanner.next()? {
                Token::Start(t) => format!("<{}>", lossy(t.local())),
                Token::Empty(t) => format!("<{}/>", lossy(t.local())),
                Token::End(n) => format!("</{}>", lossy(n)),
                Token::Text(t) => format!("{:?}", text(t)?),
                Token::CData(t) => format!("cdata {:?}", lossy(t)),
                Token::Eof => return Ok(out),
            };
            out.push(shown);
        }
    }

    impl Scanner<'_> {
        fn first_error(mut self) -> XmlError {
            loop {
                match self.next() {
                    Ok(Token::Eof) => panic!("no error"),
                    Ok(_) => {}
                    Err(e) => return e,
                }
            }
        }
    }

    #[test]
    fn reads_elements_text_and_sections() {
        let xml = "\u{FEFF}<?xml version=\"1.0\"?><x:a b='>'><!-- c --><c/>t&amp;&#x41;&#66;<![CDATA[<&]]></x:a >";
        assert_eq!(
            tokens(xml).unwrap(),
            ["<a>", "<c/>", "\"t&AB\"", "cdata \"<&\"", "</a>"]
        );
    }

    #[test]
    fn attributes_resolve_references_and_normalize_whitespace() {
        let xml = b"<c r=\"A1\"  x:t = 's' v=\"a&lt;b\r\nc&#10;\"/>";
        let Token::Empty(tag) = Scanner::new(xml).next().unwrap() else {
            panic!("an empty tag");
        };
        assert_eq!(tag.raw(b"t").unwrap(), Some(&b"s"[..]));
        assert_eq!(tag.attr(b"r").as_deref(), Some("A1"));
        assert_eq!(tag.attr(b"v").as_deref(), Some("a<b c\n"));
        assert_eq!(tag.attr(b"missing"), None);
    }

    #[test]
    fn line_ends_are_normalized_and_unknown_references_dropped() {
        assert_eq!(text(b"a\r\nb\rc&nbsp;&#0;&#xD800;d").unwrap(), "a\nb\ncd");
        assert!(text(b"a & b").is_err());
        assert!(text(b"\xFF").is_err());
    }

    #[test]
    fn malformed_parts_are_errors_not_panics() {
        for bad in [
            "<a><b></a>",
            "</a>",
            "<a",
            "<a b=\"1>",
            "<!-- x",
            "<![CDATA[ x",
            "<?pi",
            "<!DOCTYPE a>",
            "< >",
            "<",
            "<a>&x</a>",
        ] {
            assert!(tokens(bad).is_err(), "{bad}");
        }
        let mut open = Scanner::new(b"<a><b>");
        assert!(matches!(open.next(), Ok(Token::Start(_))));
        assert!(open.skip_element().is_err());
    }

    #[test]
    fn errors_give_a_position_only_where_the_scanner_knows_it() {
        let tag = Scanner::new(b"<a><b></a>").first_error();
        assert_eq!(tag.to_string(), "<b> closed by </a> (byte 6)");
        let reference = text(b"x &amp y").unwrap_err();
        assert_eq!(
            reference.to_string(),
            "an entity reference is not closed: \"&amp y\""
        );
        let bytes = text(b"ab\xFFc").unwrap_err();
        assert_eq!(bytes.to_string(), "text is not UTF-8 after \"ab\"");
    }

    #[test]
    fn malformed_attributes_are_reported() {
        let Token::Empty(tag) = Scanner::new(b"<c r=A1 t=\"s\"/>").next().unwrap() else {
            panic!("an empty tag");
        };
        assert!(tag.raw(b"t").is_err());
        assert_eq!(tag.attr(b"t"), None);
    }
}

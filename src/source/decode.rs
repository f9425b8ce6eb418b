//! Text encodings of CSV and HTML exports: BOM, then valid UTF-8, then a
//! statistical guess (chardetng), with GB18030 as the Chinese fallback.

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE, UTF_8};

/// The UTF-16 encoding named by a byte-order mark, if any.
pub fn utf16_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    match bytes {
        [0xFF, 0xFE, ..] => Some(UTF_16LE),
        [0xFE, 0xFF, ..] => Some(UTF_16BE),
        _ => None,
    }
}

/// The first `n` bytes as text, good enough to look for ASCII markers.
pub fn head_text(bytes: &[u8], n: usize) -> String {
    let head = &bytes[..bytes.len().min(n)];
    match utf16_bom(head) {
        Some(enc) => enc.decode_without_bom_handling(&head[2..]).0.into_owned(),
        None => {
            String::from_utf8_lossy(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head)).into_owned()
        }
    }
}

/// Decodes a whole text file. `declared` is a charset label found in the
/// file itself (an HTML `<meta charset>`), used when there is no BOM.
/// Valid UTF-8 is borrowed, not copied: a large export costs its size once.
pub fn decode<'b>(bytes: &'b [u8], declared: Option<&str>) -> (Cow<'b, str>, &'static Encoding) {
    let (encoding, body) = pick(bytes, declared);
    let text = encoding.decode_without_bom_handling(body).0;
    (text, encoding)
}

fn pick<'b>(bytes: &'b [u8], declared: Option<&str>) -> (&'static Encoding, &'b [u8]) {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return (enc, &bytes[bom_len..]);
    }
    // A page that says UTF-16 but has no byte-order mark is not UTF-16:
    // browsers read it as UTF-8 (HTML's "get an encoding" rule).
    let declared = declared
        .and_then(|l| Encoding::for_label(l.trim().as_bytes()))
        .map(|enc| match enc == UTF_16LE || enc == UTF_16BE {
            true => UTF_8,
            false => enc,
        });
    if let Some(enc) = declared {
        // Pages that declare UTF-8 but are not (a common export bug) fall
        // through to detection instead of decoding to U+FFFD.
        if enc != UTF_8 || std::str::from_utf8(bytes).is_ok() {
            return (widen(enc), bytes);
        }
    }
    if std::str::from_utf8(bytes).is_ok() || mostly_utf8(bytes) {
        return (UTF_8, bytes);
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    let guess = detector.guess(Some(b"cn"), false);
    let single_byte = guess.is_single_byte();
    if single_byte && !GB18030.decode_without_bom_handling(bytes).1 {
        return (GB18030, bytes);
    }
    (widen(guess), bytes)
}

/// UTF-8 with a few damaged bytes (a truncated export, a stray byte pasted
/// in) is still UTF-8: a GBK reading would garble every Chinese character to
/// save a handful. GBK text almost never forms valid multi-byte UTF-8, so
/// many valid sequences against few broken bytes settles it.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut broken) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        broken += chunk.invalid().len();
    }
    valid >= 8 && broken * 4 <= valid
}

/// GBK and GB2312 labels are read as GB18030, their superset, so no
/// character of a mislabelled file is lost.
fn widen(enc: &'static Encoding) -> &'static Encoding {
    if enc == encoding_rs::GBK {
        GB18030
    } else {
        enc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_a_few_broken_bytes_stays_utf8() {
        let mut bytes = "项目名称,市人大代表活动经费\n主管部门,市人大常委会办公室\n"
            .as_bytes()
            .to_vec();
        bytes.extend_from_slice(b"\xff\xfe,x\n");
        let (text, enc) = decode(&bytes, None);
        assert_eq!(enc, UTF_8);
        assert!(text.starts_with("项目名称,市人大代表活动经费"));
        // Real GBK is still read as GBK.
        let (gbk, _, _) =
            GB18030.encode("项目名称,市人大代表活动经费\n主管部门,市人大常委会办公室\n");
        assert_eq!(decode(&gbk, None).1, GB18030);
    }

    #[test]
    fn detects_gbk_utf8_and_utf16() {
        let (gbk, _, _) = GB18030.encode("项目名称,预算执行率\n城区绿化,95%\n");
        assert_eq!(decode(&gbk, None).0, "项目名称,预算执行率\n城区绿化,95%\n");
        assert_eq!(decode("\u{feff}年度".as_bytes(), None).0, "年度");
        let mut le = vec![0xFF, 0xFE];
        le.extend("指标".encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(decode(&le, None).0, "指标");
        let (gbk, _, _) = GB18030.encode("<td>单位</td>");
        assert_eq!(decode(&gbk, Some("gb2312")).0, "<td>单位</td>");
    }
}

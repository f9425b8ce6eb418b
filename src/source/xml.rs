//! Small helpers shared by the XML readers (ODS, SpreadsheetML).

use quick_xml::events::BytesStart;

/// The unescaped value of the attribute whose local name is `local`.
pub fn attr(e: &BytesStart, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// A numeric attribute, or `default` when absent or malformed.
pub fn attr_u32(e: &BytesStart, local: &str, default: u32) -> u32 {
    attr(e, local)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Appends the character data of a text-like event (text, CDATA, entity or
/// character reference) to `out`; other events are ignored.
pub fn push_text(event: &quick_xml::events::Event, out: &mut String) {
    use quick_xml::events::Event;
    match event {
        Event::Text(t) => out.push_str(&t.xml10_content()),
        Event::CData(t) => out.push_str(&t.xml10_content()),
        Event::GeneralRef(r) => match r.resolve_char_ref() {
            Ok(Some(c)) => out.push(c),
            _ => {
                let name = r.xml10_content();
                let resolved = quick_xml::escape::resolve_predefined_entity(&name);
                out.push_str(resolved.unwrap_or(""));
            }
        },
        _ => {}
    }
}

//! An email's subject and its two bodies (plain text and HTML, sent as multipart/alternative), built
//! from the same message as every other channel. The HTML escapes every alert field (maud), so a unit
//! or message holding markup shows as text.

use maud::{DOCTYPE, html as markup};

use super::message::Message;

/// Longest subject, in characters.
const SUBJECT_MAX: usize = 200;

/// The subject: the message's title (what happened, severity, host) and the unit when the title does
/// not name it; control characters become spaces so nothing can add a header.
pub fn subject(m: &Message) -> String {
    let unit = m.fields.get("alert.unit").map_or("", String::as_str);
    let mut text = if m.ids.len() == 1 && !unit.is_empty() && !m.title.contains(unit) {
        format!("{} ({unit})", m.title)
    } else {
        m.title.clone()
    };
    if m.event != "test" && !text.starts_with("[smartmon]") {
        text = format!("[smartmon] {text}");
    }
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(SUBJECT_MAX)
        .collect()
}

/// The link to the unit's (or host's) page, when the console's address is known.
fn link(m: &Message) -> Option<&str> {
    m.fields
        .get("alert.url")
        .map(String::as_str)
        .filter(|u| !u.is_empty())
}

/// Details listed under the text: (label, value), empty values left out.
fn details(m: &Message) -> Vec<(&'static str, &str)> {
    [
        ("Severity", "severity"),
        ("Host", "alert.host"),
        ("Unit", "alert.unit"),
        ("Kind", "alert.kind"),
        ("Alerts", "count"),
    ]
    .into_iter()
    .filter_map(|(label, key)| {
        m.fields
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .map(|v| (label, v))
    })
    .filter(|(label, v)| !(*label == "Alerts" && *v == "1"))
    .collect()
}

pub fn plain(m: &Message) -> String {
    let mut out = format!("{}\n\n{}\n\n", m.title, m.text);
    for (label, value) in details(m) {
        out.push_str(&format!("{label}: {value}\n"));
    }
    if let Some(url) = link(m) {
        out.push_str(&format!("\n{url}\n"));
    }
    out.push_str("\n-- \nsent by smartmon\n");
    out
}

pub fn html(m: &Message) -> String {
    let colour = match (m.event.as_str(), m.severity.as_str()) {
        ("resolved", _) => "#1a7f37",
        ("test", _) => "#444444",
        (_, "critical") => "#b42318",
        _ => "#9a6700",
    };
    markup! {
        (DOCTYPE)
        html {
            head { meta charset="utf-8"; title { (m.title) } }
            body style="font-family: sans-serif; line-height: 1.4" {
                h2 style={ "color: " (colour) } { (m.title) }
                pre style="white-space: pre-wrap; font-family: inherit" { (m.text) }
                table style="border-collapse: collapse" {
                    @for (label, value) in details(m) {
                        tr { th style="text-align: left; padding-right: 1em" { (label) } td { (value) } }
                    }
                }
                @if let Some(url) = link(m) { p { a href=(url) { "Open in smartmon" } } }
                p style="color: #666666; font-size: smaller" { "sent by smartmon" }
            }
        }
    }
    .into_string()
}

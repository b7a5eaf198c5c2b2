//! From outbox rows to messages: due rows of one channel are grouped (per host and event, or into one
//! fleet-wide message when more hosts than `SMARTMON_NOTIFY_FLEET_HOSTS` have news at once) and each
//! message gets its title, text and template fields.

use std::collections::BTreeMap;

use crate::db::entities::notification_outbox as outbox;
use crate::domain::AlertKind;
use crate::domain::notify_route::unit_of;

/// Lines listed in one message; the rest are counted.
const MAX_LINES: usize = 50;

/// Events that are grouped per host (or fleet-wide); the others are one message each.
const GROUPED: [&str; 3] = ["opened", "resolved", "reminder"];

/// One request's worth of news.
#[derive(Debug, Clone)]
pub struct Message {
    /// The outbox rows it carries, head first.
    pub ids: Vec<i64>,
    /// `opened`, `resolved` or `test`.
    pub event: String,
    pub severity: String,
    pub title: String,
    pub text: String,
    pub fields: BTreeMap<&'static str, String>,
}

/// Groups `rows` (in sending order) into messages, in the order of their first row.
pub fn group(
    rows: &[outbox::Model],
    fleet_hosts: usize,
    console_url: Option<&str>,
) -> Vec<Message> {
    let mut groups: Vec<Vec<&outbox::Model>> = Vec::new();
    for event in GROUPED {
        let of_event: Vec<&outbox::Model> = rows.iter().filter(|r| r.event == event).collect();
        let mut hosts: Vec<&str> = of_event.iter().map(|r| r.hostname.as_str()).collect();
        hosts.sort_unstable();
        hosts.dedup();
        if hosts.len() > fleet_hosts {
            groups.push(of_event);
        } else {
            for host in hosts {
                groups.push(
                    of_event
                        .iter()
                        .copied()
                        .filter(|r| r.hostname == host)
                        .collect(),
                );
            }
        }
    }
    for row in rows.iter().filter(|r| !GROUPED.contains(&r.event.as_str())) {
        groups.push(vec![row]);
    }
    groups.retain(|g| !g.is_empty());
    groups.sort_by_key(|g| rows.iter().position(|r| r.id == g[0].id));
    groups.into_iter().map(|g| build(&g, console_url)).collect()
}

fn build(rows: &[&outbox::Model], console_url: Option<&str>) -> Message {
    let first = rows[0];
    let resolved = first.event == "resolved";
    let severity = if rows.iter().any(|r| r.severity == "critical") {
        "critical"
    } else {
        "warning"
    };
    let what = match first.event.as_str() {
        "resolved" => "RESOLVED".to_owned(),
        "reminder" => "STILL OPEN".to_owned(),
        "flapping" => "FLAPPING".to_owned(),
        "restart" if first.severity == "critical" => "RESTART FAILED".to_owned(),
        "restart" => "RESTARTED".to_owned(),
        _ => severity.to_uppercase(),
    };
    let mut hosts: Vec<&str> = rows.iter().map(|r| r.hostname.as_str()).collect();
    hosts.sort_unstable();
    hosts.dedup();
    let title = match (first.event.as_str(), rows.len()) {
        ("test", _) => "smartmon test message".to_owned(),
        (_, 1) if resolved => format!("{what} {}: {}", first.hostname, subject(first)),
        (_, 1) => format!("{what} {}: {}", first.hostname, first.message),
        (_, n) if hosts.len() == 1 => format!("{what} {n} alerts on {}", first.hostname),
        (_, n) => format!("{what} {n} alerts on {} hosts", hosts.len()),
    };
    let text = if rows.len() == 1 {
        line(first, false)
    } else {
        let mut lines: Vec<String> = rows
            .iter()
            .take(MAX_LINES)
            .map(|r| format!("- {}", line(r, true)))
            .collect();
        if rows.len() > MAX_LINES {
            lines.push(format!("... and {} more", rows.len() - MAX_LINES));
        }
        lines.join("\n")
    };
    let fields = fields(first, rows.len(), &title, &text, severity, console_url);
    Message {
        ids: rows.iter().map(|r| r.id).collect(),
        event: first.event.clone(),
        severity: severity.to_owned(),
        title,
        text,
        fields,
    }
}

/// What an alert is about: its unit, or its source.
fn subject(row: &outbox::Model) -> &str {
    unit_of(&row.source).unwrap_or(&row.source)
}

fn line(row: &outbox::Model, with_host: bool) -> String {
    let host = if with_host {
        format!("{}: ", row.hostname)
    } else {
        String::new()
    };
    match row.event.as_str() {
        "resolved" => format!("{host}{} recovered (was: {})", subject(row), row.message),
        "opened" | "reminder" => format!("{host}[{}] {}", row.severity, row.message),
        _ => format!("{host}{}", row.message),
    }
}

fn fields(
    first: &outbox::Model,
    count: usize,
    title: &str,
    text: &str,
    severity: &str,
    console_url: Option<&str>,
) -> BTreeMap<&'static str, String> {
    let base = console_url.unwrap_or("").trim_end_matches('/');
    let url = match (console_url, unit_of(&first.source)) {
        (None, _) => String::new(),
        (Some(_), Some(unit)) if first.source.starts_with("service:") => {
            format!("{base}/services/{}/{unit}", first.hostname)
        }
        (Some(_), _) => format!("{base}/hosts/{}", first.hostname),
    };
    let state = if first.event == "resolved" {
        "resolved"
    } else {
        "firing"
    };
    BTreeMap::from([
        ("title", title.to_owned()),
        ("text", text.to_owned()),
        ("event", first.event.clone()),
        ("severity", severity.to_owned()),
        ("host", first.hostname.clone()),
        ("count", count.to_string()),
        ("console_url", base.to_owned()),
        ("alert.host", first.hostname.clone()),
        ("alert.source", first.source.clone()),
        (
            "alert.unit",
            unit_of(&first.source).unwrap_or("").to_owned(),
        ),
        (
            "alert.kind",
            AlertKind::of_source(&first.source).as_str().to_owned(),
        ),
        ("alert.severity", first.severity.clone()),
        ("alert.message", first.message.clone()),
        ("alert.state", state.to_owned()),
        ("alert.url", url),
    ])
}

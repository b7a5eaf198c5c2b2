//! One unit: its current state, the restart panel, its log, uptime over a window, and the history of
//! its state changes.

use maud::{Markup, html};

use crate::db::entities::{service_current, service_status};
use crate::web::views::components::{ago, state_badge};
use crate::web::views::layout::{Chrome, page};

/// Windows the uptime figure can be computed over: (query value, label, seconds).
pub const WINDOWS: [(&str, &str, f64); 3] = [
    ("24h", "24 hours", 86_400.0),
    ("7d", "7 days", 604_800.0),
    ("30d", "30 days", 2_592_000.0),
];

pub struct ServiceDetail<'a> {
    pub unit: &'a service_current::Model,
    pub window: &'a str,
    pub uptime: Option<f64>,
    pub history: &'a [service_status::Model],
    pub now: f64,
    /// The restart panel (button or why not, confirmation target, restart history).
    pub restart: Markup,
    /// The unit's journal (`views::journal`).
    pub logs: Markup,
}

pub(crate) fn service_page(chrome: &Chrome, d: &ServiceDetail) -> Markup {
    let u = d.unit;
    let base = format!("/services/{}/{}", u.hostname, u.service_name);
    page(
        chrome,
        u.service_name.as_str(),
        "/services",
        html! {
            nav.breadcrumb aria-label="Breadcrumb" {
                a href="/services" { "Services" } " / "
                a href=(format!("/hosts/{}", u.hostname)) { (u.hostname) } " / " (u.service_name)
            }
            h1 { (u.service_name) " " (state_badge(u.normalized_status)) }
            @if !u.description.is_empty() { p.muted { (u.description) } }
            dl.facts.card {
                dt { "Host" } dd { a href=(format!("/hosts/{}", u.hostname)) { (u.hostname) } }
                dt { "State" } dd { (u.raw_status) " (" (u.sub_state) ")" }
                dt { "Since" } dd { (ago(u.since_epoch, d.now)) }
                dt { "Type" } dd { (u.service_type) }
                dt { "Unit file" } dd { (u.unit_file_state) }
                dt { "Loaded" } dd { (u.load_state) }
                dt { "Recoverable" } dd { @if u.recoverable { "yes" } @else { "no (oneshot, static or masked units are not restarted)" } }
                dt { "Last observed" } dd { (ago(u.ts_epoch, d.now)) }
            }
            (d.restart)
            (d.logs)
            section.card {
                h2 { "Uptime" }
                nav.ranges aria-label="Uptime window" {
                    @for (value, label, _) in WINDOWS {
                        a href=(format!("{base}?window={value}")) aria-current=[(value == d.window).then_some("page")] { (label) }
                    }
                }
                p.uptime {
                    @match d.uptime {
                        Some(r) => { strong { (format!("{:.2}%", r * 100.0)) } " running over the last " (window_label(d.window)) }
                        None => { span.muted { "Not observed in this window." } }
                    }
                }
            }
            section.card {
                h2 { "State changes" }
                @if d.history.is_empty() {
                    p.muted { "No state changes in this window." }
                } @else {
                    div.table-scroll { table.data {
                        thead { tr { th scope="col" { "When" } th scope="col" { "State" } th scope="col" { "Active state" } th scope="col" { "Sub-state" } } }
                        tbody { @for h in d.history { tr {
                            td { (ago(h.ts_epoch, d.now)) }
                            td { (state_badge(h.normalized_status)) }
                            td { (h.raw_status) }
                            td { (h.sub_state) }
                        } } }
                    } }
                }
            }
        },
    )
}

fn window_label(window: &str) -> &'static str {
    WINDOWS
        .iter()
        .find(|(v, _, _)| *v == window)
        .map_or("24 hours", |(_, l, _)| l)
}

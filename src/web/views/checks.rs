//! The network checks page: each target's latest result, a latency chart per target, recent failures.

use maud::{Markup, html};

use crate::db::entities::network_checks;
use crate::web::views::charts::{Series, line_chart};
use crate::web::views::components::{ago, empty_state};
use crate::web::views::layout::{Chrome, page};

/// A target's latency chart over the page's window.
pub struct TargetChart {
    pub hostname: String,
    pub target: String,
    pub points: Vec<(f64, f64)>,
}

pub struct ChecksView<'a> {
    pub latest: &'a [network_checks::Model],
    /// The latency charts, rendered once by `latency_charts` and kept with the data they show.
    pub charts: &'a Markup,
    pub failures: &'a [network_checks::Model],
    pub start: f64,
    pub now: f64,
}

fn status_badge(status: &str) -> Markup {
    let class = if status == "ok" {
        "badge badge-ok"
    } else {
        "badge badge-danger"
    };
    html! { span class=(class) { (status) } }
}

fn ms(v: f64) -> String {
    format!("{v:.0} ms")
}

pub(crate) fn checks_page(chrome: &Chrome, v: &ChecksView) -> Markup {
    page(
        chrome,
        "Network checks",
        "/checks",
        html! {
            h1 { "Network checks" }
            (checks_part(v))
        },
    )
}

/// The checks page's live part: pushed whole when a result comes in, reloaded after a reconnect.
pub(crate) fn checks_part(v: &ChecksView) -> Markup {
    html! {
        div #checks data-live-refresh="checks" data-live-part="checks" { (checks_body(v)) }
    }
}

/// Each target's latency chart from `start` to `now` (drawn once per new result or chart bucket).
pub(crate) fn latency_charts(charts: &[TargetChart], start: f64, now: f64) -> Markup {
    html! {
        @for chart in charts {
            (line_chart(&format!("{} → {}", chart.hostname, chart.target),
                &[Series { label: "latency", class: "series-a", points: chart.points.clone() }],
                start, now, None, ms))
        }
    }
}

pub(crate) fn checks_body(v: &ChecksView) -> Markup {
    html! {
        @if v.latest.is_empty() {
            (empty_state("No network checks yet", html! {
                "List targets in " code { "hosts_config.json" } " (" code { "SMARTMON_HOSTS_CONFIG" } "), e.g. "
                code { r#"[{"target":"8.8.8.8","method":"ping"}]"# } "; methods: ping, nslookup, tcp, http."
            }))
        } @else {
            div.table-scroll { table.data #checks-latest {
                thead { tr {
                    th scope="col" { "Host" } th scope="col" { "Target" } th scope="col" { "Method" }
                    th scope="col" { "Status" } th scope="col" { "Latency" } th scope="col" { "Loss" }
                    th scope="col" { "Detail" } th scope="col" { "Checked" }
                } }
                tbody { @for c in v.latest {
                    tr class=[(c.status != "ok").then_some("state-failed")] {
                        td { (c.hostname) } td { (c.target) } td { (c.method) } td { (status_badge(&c.status)) }
                        td { (c.latency_ms.map_or("—".into(), ms)) }
                        td { (c.loss_percent.map_or("—".into(), |l| format!("{l:.0}%"))) }
                        td.detail { (c.detail.as_deref().unwrap_or("")) }
                        td { (ago(c.ts_epoch, v.now)) }
                    }
                } }
            } }
            h2 { "Latency, last 24 hours" }
            div.charts { (v.charts) }
            h2 { "Recent failures" }
            @if v.failures.is_empty() {
                p.muted { "No failures in the last 24 hours." }
            } @else {
                div.table-scroll { table.data {
                    thead { tr { th scope="col" { "When" } th scope="col" { "Host" } th scope="col" { "Target" } th scope="col" { "Method" } th scope="col" { "Detail" } } }
                    tbody { @for c in v.failures { tr {
                        td { (ago(c.ts_epoch, v.now)) } td { (c.hostname) } td { (c.target) } td { (c.method) }
                        td.detail { (c.detail.as_deref().unwrap_or("")) }
                    } } }
                } }
            }
        }
    }
}

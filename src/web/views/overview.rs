//! The overview: the fleet at a glance (hosts, load, services by state, what needs attention).

use std::sync::Arc;

use maud::{Markup, html};

use crate::db::entities::{alerts, disk_health, restart_requests};
use crate::db::hosts::HostSummary;
use crate::domain::ServiceState;
use crate::live_state::{CurrentUnit, host_is_up};
use crate::web::row_cache::RowCache;
use crate::web::views::alerts::severity_badge;
use crate::web::views::components::{ago, empty_state, number, percent};
use crate::web::views::layout::{Chrome, page};
use crate::web::views::restart::latest as latest_restarts;
use crate::web::views::services::service_row_cached;

/// What the overview shows.
pub struct Overview<'a> {
    pub hosts: &'a [HostSummary],
    pub states: &'a [(ServiceState, u64)],
    pub failing: &'a [Arc<CurrentUnit>],
    /// Rows rendered before, by unit version.
    pub rows: &'a RowCache,
    /// Open alerts, (critical, warning), and the most pressing few.
    pub alert_counts: (u64, u64),
    pub open_alerts: &'a [alerts::Model],
    /// Drives whose latest reading is failed, worn or unreadable.
    pub disks_attention: &'a [disk_health::Model],
    pub restarts: &'a [restart_requests::Model],
    pub now: f64,
}

pub(crate) fn overview_page(chrome: &Chrome, o: &Overview) -> Markup {
    page(
        chrome,
        "Overview",
        "/",
        html! {
            h1 { "Overview" }
            (overview_part(o))
        },
    )
}

/// The overview's live part: pushed whole when what it shows changes (`part` frames); reloaded after a
/// reconnect, or on a `changed` topic where the page is not the default view.
pub(crate) fn overview_part(o: &Overview) -> Markup {
    html! {
        div #overview data-live-refresh="services metrics alerts disks checks restarts" data-live-part="overview" { (overview_body(o)) }
    }
}

/// Everything below the heading; swapped whole on refresh.
pub(crate) fn overview_body(o: &Overview) -> Markup {
    html! {
        @if o.hosts.is_empty() {
            (empty_state("No hosts yet", html! {
                "Start " code { "smartmon agent" } " on a host (or keep " code { "smartmon serve" }
                " running here): hosts and their services appear within a minute."
            }))
        }
        (fleet_tiles(o))
        (attention_tiles(o))
        section.tiles aria-label="Services by state" {
            @for (state, n) in o.states {
                a class=(format!("tile tile-{state}")) href=(format!("/services?state={state}")) {
                    span.tile-label { "Services " (state) }
                    span.tile-value { (n) }
                }
            }
        }
        @if !o.open_alerts.is_empty() {
            section.card {
                h2 { "Open alerts" }
                ul.alert-list {
                    @for a in o.open_alerts {
                        li { (severity_badge(a.severity)) " " strong { (a.hostname) } " " (a.message) " "
                            span.muted { "since " (ago(a.opened_at, o.now)) } }
                    }
                }
                p { a href="/alerts?state=open" { "All open alerts" } }
            }
        }
        section.card {
            h2 { "Failed and changing units" }
            @if o.failing.is_empty() {
                p.muted { "Nothing failed. " a href="/services" { "All services" } }
            } @else {
                div.table-scroll { table.data {
                    thead { tr {
                        th scope="col" { "Host" } th scope="col" { "Unit" } th scope="col" { "State" }
                        th scope="col" { "Sub-state" } th scope="col" { "Unit file" } th scope="col" { "Recoverable" }
                        th scope="col" { "Last change" }
                    } }
                    tbody { @for row in o.failing { (service_row_cached(row, o.now, o.rows)) } }
                } }
            }
        }
        (latest_restarts(o.restarts, o.now))
    }
}

/// Hosts up and the fleet's CPU, memory and load, now and over the last hour.
fn fleet_tiles(o: &Overview) -> Markup {
    let up = o.hosts.iter().filter(|h| host_is_up(h, o.now)).count();
    let stale = o.hosts.len() - up;
    let mean = |f: fn(&HostSummary) -> Option<f64>| -> Option<f64> {
        let values: Vec<f64> = o.hosts.iter().filter_map(f).collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    html! {
        section.tiles aria-label="Fleet" {
            a.tile href="/hosts" {
                span.tile-label { "Hosts" }
                span.tile-value { (up) " up" }
                @if stale > 0 { span.tile-note.text-danger { (stale) " stale" } } @else { span.tile-note { "all reporting" } }
            }
            div.tile {
                span.tile-label { "CPU (fleet)" }
                span.tile-value { (percent(mean(|h| h.latest.as_ref().and_then(|m| m.cpu_percent)))) }
                span.tile-note { "1 h avg " (percent(mean(|h| h.hour_avg.as_ref().and_then(|a| a.cpu)))) }
            }
            div.tile {
                span.tile-label { "Memory (fleet)" }
                span.tile-value { (percent(mean(|h| h.latest.as_ref().and_then(|m| m.memory_percent)))) }
                span.tile-note { "1 h avg " (percent(mean(|h| h.hour_avg.as_ref().and_then(|a| a.memory)))) }
            }
            div.tile {
                span.tile-label { "Load (fleet)" }
                span.tile-value { (number(mean(|h| h.latest.as_ref().and_then(|m| m.load_1)), 2)) }
                span.tile-note { "1 h avg " (number(mean(|h| h.hour_avg.as_ref().and_then(|a| a.load_1)), 2)) }
            }
        }
    }
}

/// Open alerts and drives needing attention.
fn attention_tiles(o: &Overview) -> Markup {
    html! {
        section.tiles aria-label="Attention" {
            a class=(if o.alert_counts.0 > 0 { "tile tile-failed" } else { "tile" }) href="/alerts?state=open" {
                span.tile-label { "Open alerts" }
                span.tile-value { (o.alert_counts.0 + o.alert_counts.1) }
                span.tile-note { (o.alert_counts.0) " critical · " (o.alert_counts.1) " warning" }
            }
            a class=(if o.disks_attention.is_empty() { "tile" } else { "tile tile-failed" }) href="/disks" {
                span.tile-label { "Disks needing attention" }
                span.tile-value { (o.disks_attention.len()) }
                span.tile-note {
                    @if o.disks_attention.is_empty() { "all drives healthy" }
                    @else { @for (i, d) in o.disks_attention.iter().take(3).enumerate() {
                        @if i > 0 { ", " } (d.hostname) ":" (d.device) " " (d.health)
                    } }
                }
            }
        }
    }
}

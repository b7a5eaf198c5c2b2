//! The overview: the fleet at a glance (hosts, load, services by state, what needs attention).

use maud::{Markup, html};

use crate::db::entities::{restart_requests, service_current};
use crate::db::hosts::HostSummary;
use crate::web::views::components::{empty_state, number, percent};
use crate::web::views::hosts::is_up;
use crate::web::views::layout::{Chrome, page};
use crate::web::views::restart::latest as latest_restarts;
use crate::web::views::services::service_row;

/// What the overview shows.
pub struct Overview<'a> {
    pub hosts: &'a [HostSummary],
    pub states: &'a [(String, u64)],
    pub failing: &'a [service_current::Model],
    pub restarts: &'a [restart_requests::Model],
    pub now: f64,
}

pub fn overview_page(chrome: &Chrome, o: &Overview) -> Markup {
    page(
        chrome,
        "Overview",
        "/",
        html! {
            h1 { "Overview" }
            div #overview data-live-refresh="services metrics alerts disks checks restarts" { (overview_body(o)) }
        },
    )
}

/// Everything below the heading; swapped whole on refresh.
pub fn overview_body(o: &Overview) -> Markup {
    let up = o.hosts.iter().filter(|h| is_up(h, o.now)).count();
    let stale = o.hosts.len() - up;
    let mean = |f: fn(&HostSummary) -> Option<f64>| -> Option<f64> {
        let values: Vec<f64> = o.hosts.iter().filter_map(f).collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    html! {
        @if o.hosts.is_empty() {
            (empty_state("No hosts yet", html! {
                "Start " code { "smartmon agent" } " on a host (or keep " code { "smartmon serve" }
                " running here): hosts and their services appear within a minute."
            }))
        }
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
        section.tiles aria-label="Services by state" {
            @for (state, n) in o.states {
                a class=(format!("tile tile-{state}")) href=(format!("/services?state={state}")) {
                    span.tile-label { "Services " (state) }
                    span.tile-value { (n) }
                }
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
                    tbody { @for row in o.failing { (service_row(row, o.now)) } }
                } }
            }
        }
        (latest_restarts(o.restarts, o.now))
    }
}

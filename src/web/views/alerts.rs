//! The alerts page: open alerts first, then resolved ones with how long they lasted; filterable.

use maud::{Markup, html};

use crate::db::alert_list::{AlertFilter, AlertState};
use crate::db::entities::alerts;
use crate::domain::{Hostname, Severity};
use crate::web::views::components::{ago, empty_state, pager};
use crate::web::views::layout::{Chrome, page};

pub struct AlertsView<'a> {
    pub filter: &'a AlertFilter,
    pub rows: &'a [alerts::Model],
    pub total: u64,
    pub now: f64,
}

pub(crate) fn severity_badge(severity: Severity) -> Markup {
    let class = match severity {
        Severity::Critical => "badge badge-danger",
        Severity::Warning => "badge badge-warn",
    };
    html! { span class=(class) { (severity) } }
}

/// "12 min" for how long an alert lasted.
fn lasted(seconds: f64) -> String {
    crate::web::views::components::relative(seconds)
        .trim_end_matches(" ago")
        .to_owned()
}

pub(crate) fn state_name(state: AlertState) -> &'static str {
    match state {
        AlertState::Open => "open",
        AlertState::Resolved => "resolved",
        AlertState::All => "all",
    }
}

pub(crate) fn alerts_page(chrome: &Chrome, v: &AlertsView) -> Markup {
    let f = v.filter;
    page(
        chrome,
        "Alerts",
        "/alerts",
        html! {
            h1 { "Alerts" }
            form #alert-filter .filters method="get" action="/alerts"
                hx-get="/alerts" hx-target="#alerts-table" hx-push-url="true" hx-trigger="change" {
                label { "State "
                    select name="state" {
                        @for s in [AlertState::All, AlertState::Open, AlertState::Resolved] {
                            option value=(state_name(s)) selected[f.state == s] { (state_name(s)) }
                        }
                    }
                }
                label { "Severity "
                    select name="severity" {
                        option value="" { "any" }
                        @for s in Severity::ALL { option value=(s) selected[f.severity == Some(s)] { (s) } }
                    }
                }
                label { "Host " input type="search" name="host" value=[f.host.as_ref().map(Hostname::as_str)] autocomplete="off"; }
                noscript { button type="submit" { "Filter" } }
            }
            (alerts_part(v))
        },
    )
}

/// The alerts table's live part: the unfiltered view is pushed whole when an alert opens or resolves
/// (a filtered page reloads its own view instead).
pub(crate) fn alerts_part(v: &AlertsView) -> Markup {
    html! {
        div #alerts-table data-live-refresh="alerts" data-live-part="alerts" { (alerts_table(v)) }
    }
}

pub(crate) fn alerts_table(v: &AlertsView) -> Markup {
    let f = v.filter;
    let query = |offset: u64| {
        let mut pairs: Vec<(&str, String)> = vec![("state", state_name(f.state).to_owned())];
        if let Some(s) = f.severity {
            pairs.push(("severity", s.as_str().to_owned()));
        }
        if let Some(h) = &f.host {
            pairs.push(("host", h.to_string()));
        }
        if offset > 0 {
            pairs.push(("offset", offset.to_string()));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    };
    html! {
        div.table-tools {
            span.muted { (v.total) " alerts" }
            a href=(format!("/api/alerts.csv?{}", query(0))) download="alerts.csv" { "Export CSV" }
        }
        @if v.rows.is_empty() {
            (empty_state("No alerts", html! { "Failed services, failing or worn disks, full filesystems and failing checks raise alerts here." }))
        } @else {
            div.table-scroll { table.data #alerts {
                thead { tr {
                    th scope="col" { "Severity" } th scope="col" { "Host" } th scope="col" { "Source" }
                    th scope="col" { "Message" } th scope="col" { "Opened" } th scope="col" { "Last seen" }
                    th scope="col" { "Resolved" }
                } }
                tbody { @for a in v.rows {
                    tr class=[a.resolved_at.is_none().then_some("alert-open")] {
                        td { (severity_badge(a.severity)) }
                        td { (a.hostname) }
                        td { code { (a.source) } }
                        td { (a.message) }
                        td { (ago(a.opened_at, v.now)) }
                        td { (ago(a.last_seen_at, v.now)) }
                        td { @match a.resolved_at {
                            Some(r) => { (ago(r, v.now)) span.muted { " after " (lasted(r - a.opened_at)) } }
                            None => { strong { "open" } }
                        } }
                    }
                } }
            } }
            (pager(v.total, f.limit, f.offset, |offset| format!("/alerts?{}", query(offset))))
        }
    }
}

//! The audit log page: who did what, from where, and whether it worked; filterable and exportable.

use maud::{Markup, html};

use crate::db::audit_log::AuditFilter;
use crate::db::entities::audit_log;
use crate::domain::{AuditAction, Hostname};
use crate::web::views::components::{ago, empty_state, pager};
use crate::web::views::layout::{Chrome, page};

pub struct AuditView<'a> {
    pub filter: &'a AuditFilter,
    pub rows: &'a [audit_log::Model],
    pub total: u64,
    pub actions: &'a [AuditAction],
    pub now: f64,
}

pub(crate) fn audit_page(chrome: &Chrome, v: &AuditView) -> Markup {
    let f = v.filter;
    page(
        chrome,
        "Audit log",
        "/audit",
        html! {
            h1 { "Audit log" }
            form #audit-filter .filters method="get" action="/audit"
                hx-get="/audit" hx-target="#audit-table" hx-push-url="true" hx-trigger="input changed delay:300ms, change" {
                label { "User " input type="search" name="user" value=[f.username.as_deref()] autocomplete="off"; }
                label { "Action "
                    select name="action" {
                        option value="" { "any action" }
                        @for a in v.actions { option value=(a) selected[f.action == Some(*a)] { (a) } }
                    }
                }
                label { "Host " input type="search" name="host" value=[f.hostname.as_ref().map(Hostname::as_str)] autocomplete="off"; }
                label.checkbox { input type="checkbox" name="failures" value="1" checked[f.failures_only]; " failures only" }
                noscript { button type="submit" { "Filter" } }
            }
            div #audit-table { (audit_table(v)) }
        },
    )
}

pub(crate) fn audit_table(v: &AuditView) -> Markup {
    let f = v.filter;
    let query = |offset: u64| {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(u) = &f.username {
            pairs.push(("user", u.clone()));
        }
        if let Some(a) = f.action {
            pairs.push(("action", a.as_str().to_owned()));
        }
        if let Some(h) = &f.hostname {
            pairs.push(("host", h.to_string()));
        }
        if f.failures_only {
            pairs.push(("failures", "1".into()));
        }
        if offset > 0 {
            pairs.push(("offset", offset.to_string()));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    };
    html! {
        div.table-tools {
            span.muted { (v.total) " entries" }
            a href=(format!("/api/audit.csv?{}", query(0))) download="audit.csv" { "Export CSV" }
        }
        @if v.rows.is_empty() {
            (empty_state("No audit entries match", html! { "Logins, user changes and restarts are recorded here as they happen." }))
        } @else {
            div.table-scroll { table.data #audit {
                thead { tr {
                    th scope="col" { "When" } th scope="col" { "User" } th scope="col" { "From" }
                    th scope="col" { "Action" } th scope="col" { "Host" } th scope="col" { "Target" }
                    th scope="col" { "Result" } th scope="col" { "Detail" }
                } }
                tbody { @for r in v.rows {
                    tr class=[(!r.success).then_some("state-failed")] {
                        td { (ago(r.ts_epoch, v.now)) }
                        td { (r.username.as_deref().unwrap_or("—")) }
                        td { (r.client_ip.as_deref().unwrap_or("—")) }
                        td { code { (r.action) } }
                        td { (r.hostname.as_deref().unwrap_or("—")) }
                        td { (r.target.as_deref().unwrap_or("—")) }
                        td { (result_badge(r)) }
                        td.detail { (r.detail.as_deref().unwrap_or("")) }
                    }
                } }
            } }
            (pager(v.total, f.limit, f.offset, |offset| format!("/audit?{}", query(offset))))
        }
    }
}

/// Whether it worked; a row that stands for many refusals of one client in one window says how many.
fn result_badge(r: &audit_log::Model) -> Markup {
    match (r.success, r.count > 1) {
        (true, false) => html! { span.badge.badge-ok { "ok" } },
        (true, true) => html! { span.badge.badge-ok { "ok, " (r.count) " times" } },
        (false, false) => html! { span.badge.badge-danger { "refused/failed" } },
        (false, true) => html! {
            span.badge.badge-danger title="one row per client and minute while a limit refuses it" {
                "refused " (r.count) " times"
            }
        },
    }
}

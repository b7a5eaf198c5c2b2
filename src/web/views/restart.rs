//! The restart control on a service's page: the button (only where the user may restart), the
//! confirmation naming host and unit (and DRY RUN), the result toast, and the unit's restart history.
//! No inline script: the confirmation is a partial htmx swaps in (a plain page without JavaScript).

use maud::{Markup, html};

use crate::db::entities::restart_requests::Model;
use crate::domain::RestartState;
use crate::restart::Report;
use crate::web::views::components::ago;

/// What the restart panel needs to know.
pub struct Panel<'a> {
    pub host: &'a str,
    pub unit: &'a str,
    pub dry_run: bool,
    /// `None` when the user may restart; else why not.
    pub refusal: Option<String>,
    pub history: &'a [Model],
    pub now: f64,
    /// The result of the restart just asked for.
    pub toast: Option<&'a Report>,
}

pub fn base(host: &str, unit: &str) -> String {
    format!("/services/{host}/{unit}")
}

/// The panel on the service page (also the partial a restart answers with).
pub fn panel(p: &Panel) -> Markup {
    let confirm = format!("{}/restart", base(p.host, p.unit));
    html! {
        section.card #restart-panel {
            h2 { "Restart" }
            @if p.dry_run {
                p.banner.banner-warn { strong { "DRY RUN" } " is on: restarts are recorded and shown, never performed." }
            }
            @if let Some(report) = p.toast { (toast(report)) }
            @match &p.refusal {
                None => {
                    a.button href=(confirm) hx-get=(confirm) hx-target="#restart-panel" hx-swap="outerHTML" {
                        "Restart " (p.unit) "…"
                    }
                }
                Some(why) => { p.muted data-restart="unavailable" { (why) } }
            }
            (history(p.host, p.unit, p.history, p.now))
        }
    }
}

/// The confirmation: which unit on which host, and whether anything will really happen.
pub fn confirm(host: &str, unit: &str, dry_run: bool, csrf: &str) -> Markup {
    let action = format!("{}/restart", base(host, unit));
    html! {
        section.card #restart-panel {
            h2 { "Restart " (unit) " on " (host) "?" }
            @if dry_run {
                p.banner.banner-warn { strong { "DRY RUN: " } "nothing will be restarted; the request is recorded and you see what would happen." }
            } @else {
                p { "systemd will restart " strong { (unit) } " on " strong { (host) } " now." }
            }
            form.stack method="post" action=(action) hx-post=(action) hx-target="#restart-panel" hx-swap="outerHTML" {
                input type="hidden" name="csrf_token" value=(csrf);
                button type="submit" {
                    @if dry_run { "Confirm restart (dry run)" } @else { "Confirm restart" }
                }
                " "
                a href=(base(host, unit)) hx-get=(format!("{}/restarts", base(host, unit))) hx-target="#restart-panel" hx-swap="outerHTML" { "Cancel" }
            }
        }
    }
}

/// The result of one restart, announced to screen readers.
pub(crate) fn toast(report: &Report) -> Markup {
    let class = match report.state() {
        RestartState::Done => "toast toast-ok",
        RestartState::Failed | RestartState::Refused => "toast toast-danger",
        _ => "toast toast-info",
    };
    html! {
        div class=(class) role="status" aria-live="polite" data-restart-state=(report.state().as_str()) {
            (report.message)
        }
    }
}

/// The unit's restart history (refusals included: who was refused matters too).
pub fn history(host: &str, unit: &str, rows: &[Model], now: f64) -> Markup {
    html! {
        div #restart-history data-live-refresh="restarts" data-live-host=(host)
            data-live-url=(format!("{}/restarts/history", base(host, unit))) {
            h3 { "Restart history" }
            @if rows.is_empty() {
                p.muted { "No restarts asked for yet." }
            } @else {
                div.table-scroll { table.data {
                    thead { tr {
                        th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "Via" }
                        th scope="col" { "State" } th scope="col" { "Result" } th scope="col" { "Took" }
                    } }
                    tbody { @for r in rows { tr data-restart-id=(r.id) {
                        td { (ago(r.requested_at, now)) }
                        td { (r.requested_by) }
                        td { (r.source) }
                        td { span class=(state_class(r.state)) { (r.state.label()) } }
                        td { (r.error.as_deref().or(r.result.as_deref()).unwrap_or("")) }
                        td { @if let Some(d) = r.duration_secs { (format!("{d:.1} s")) } }
                    } } }
                } }
            }
        }
    }
}

pub(crate) fn state_class(state: RestartState) -> &'static str {
    match state {
        RestartState::Done => "badge badge-ok",
        RestartState::Failed | RestartState::Refused | RestartState::Expired => {
            "badge badge-danger"
        }
        RestartState::Queued | RestartState::Running => "badge badge-warn",
        RestartState::DryRun => "badge badge-muted",
    }
}

/// "Latest restarts" on the overview.
pub fn latest(rows: &[Model], now: f64) -> Markup {
    html! {
        section.card #latest-restarts {
            h2 { "Latest restarts" }
            @if rows.is_empty() {
                p.muted { "No restarts yet." }
            } @else {
                ul.plain { @for r in rows { li {
                    span class=(state_class(r.state)) { (r.state.label()) } " "
                    a href=(base(r.hostname.as_str(), r.service_name.as_str())) { (r.service_name) } " on " (r.hostname)
                    " · " (r.requested_by) " · " (ago(r.requested_at, now))
                } } }
            }
        }
    }
}

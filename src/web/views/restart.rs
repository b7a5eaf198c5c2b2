//! The unit's actions on a service's page: Restart, and Start, Stop or Reload where they apply (each
//! only where the user may take it), the confirmation naming action, host and unit (and DRY RUN; a stop
//! asks for the unit's name typed out), the result toast, and the unit's request history.
//! No inline script: the confirmation is a partial htmx swaps in (a plain page without JavaScript).

use maud::{Markup, html};

use crate::db::entities::restart_requests::Model;
use crate::domain::{RestartState, UnitAction};
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
    /// The result of the action just asked for.
    pub toast: Option<&'a Report>,
    /// Start, stop, reload: those the user may take on the unit as it is now.
    pub others: &'a [UnitAction],
}

/// Where `action`'s confirmation and request live.
pub fn action_url(host: &str, unit: &str, action: UnitAction) -> String {
    match action {
        UnitAction::Restart => format!("{}/restart", base(host, unit)),
        other => format!("{}/actions/{other}", base(host, unit)),
    }
}

pub fn base(host: &str, unit: &str) -> String {
    format!("/services/{host}/{unit}")
}

/// The panel on the service page (also the partial a restart answers with).
pub fn panel(p: &Panel) -> Markup {
    let confirm = format!("{}/restart", base(p.host, p.unit));
    html! {
        section.card #restart-panel {
            h2 { "Actions" }
            @if p.dry_run {
                p.banner.banner-warn { strong { "DRY RUN" } " is on: restarts, starts, stops and reloads are recorded and shown, never performed." }
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
            @for action in p.others {
                " "
                a.button href=(action_url(p.host, p.unit, *action)) hx-get=(action_url(p.host, p.unit, *action))
                    hx-target="#restart-panel" hx-swap="outerHTML" data-action=(action.as_str()) {
                    (action.title()) " " (p.unit) "…"
                }
            }
            (history(p.host, p.unit, p.history, p.now))
        }
    }
}

/// The restart confirmation.
pub fn confirm(host: &str, unit: &str, dry_run: bool, csrf: &str) -> Markup {
    confirm_action(host, unit, UnitAction::Restart, dry_run, csrf, None)
}

/// The confirmation: which action on which unit of which host, and whether anything will really
/// happen. A stop asks for the unit's name typed out (`error`: why the last attempt was refused).
pub fn confirm_action(
    host: &str,
    unit: &str,
    action: UnitAction,
    dry_run: bool,
    csrf: &str,
    error: Option<&str>,
) -> Markup {
    let (url, verb) = (action_url(host, unit, action), action.as_str());
    html! {
        section.card #restart-panel {
            h2 { (action.title()) " " (unit) " on " (host) "?" }
            @if dry_run {
                p.banner.banner-warn { strong { "DRY RUN: " } "nothing will be " (past_participle(action)) "; the request is recorded and you see what would happen." }
            } @else {
                p { "systemd will " (verb) " " strong { (unit) } " on " strong { (host) } " now." }
            }
            @if let Some(error) = error { p.banner.banner-danger role="alert" { (error) } }
            form.stack method="post" action=(url) hx-post=(url) hx-target="#restart-panel" hx-swap="outerHTML" {
                input type="hidden" name="csrf_token" value=(csrf);
                @if action == UnitAction::Stop {
                    label { "Type " strong { (unit) } " to stop it"
                        input type="text" name="confirm_unit" required autocomplete="off" spellcheck="false"; }
                }
                button type="submit" {
                    "Confirm " (verb) @if dry_run { " (dry run)" }
                }
                " "
                a href=(base(host, unit)) hx-get=(format!("{}/restarts", base(host, unit))) hx-target="#restart-panel" hx-swap="outerHTML" { "Cancel" }
            }
        }
    }
}

fn past_participle(action: UnitAction) -> &'static str {
    match action {
        UnitAction::Restart => "restarted",
        UnitAction::Start => "started",
        UnitAction::Stop => "stopped",
        UnitAction::Reload => "reloaded",
    }
}

/// The result of one action, announced to screen readers.
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
                        th scope="col" { "Action" }
                    } }
                    tbody { @for r in rows { tr data-restart-id=(r.id) {
                        td { (ago(r.requested_at, now)) }
                        td { (r.requested_by) }
                        td { (r.source) }
                        td { span class=(state_class(r.state)) { (r.state.label()) } }
                        td { (r.error.as_deref().or(r.result.as_deref()).unwrap_or("")) }
                        td { @if let Some(d) = r.duration_secs { (format!("{d:.1} s")) } }
                        td { (r.action.as_str()) }
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

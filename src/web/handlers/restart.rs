//! The restart routes: the confirmation and the request from a service's page (operators, and viewers
//! with a grant: `web::delegation`), the unit's restart history partial, and `POST
//! /api/services/restart` (API key, operator session, or a viewer's session with a grant).

pub(crate) mod outcome;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::Markup;

use crate::auth::CurrentUser;
use crate::domain::{NameRules, Permission, UnitAction};
use crate::restart::{Ask, Gate, Report, Source, Status};
use crate::web::client::client_ip;
use crate::web::delegation::{Delegation, authorize};
use crate::web::error::AppError;
use crate::web::handlers::wants_partial;
use crate::web::state::AppState;
use crate::web::views::layout::{Chrome, page};
use crate::web::views::restart::{Panel, base, confirm, history, panel};
use outcome::{ApiAsk, Outcome};

/// Restart history rows shown on a service's page.
const HISTORY_ROWS: u64 = 20;

fn ip_of(req: &HttpRequest, state: &AppState) -> Option<String> {
    client_ip(
        req.peer_addr().map(|a| a.ip()),
        req.headers(),
        &state.auth.settings.trusted_proxies,
    )
    .map(|ip| ip.to_string())
}

/// The original API's status code for each gate's refusal.
pub fn status_of(gate: Gate) -> StatusCode {
    match gate {
        Gate::Name => StatusCode::BAD_REQUEST,
        Gate::NotApproved | Gate::Role => StatusCode::FORBIDDEN,
        Gate::UnknownUnit => StatusCode::NOT_FOUND,
        Gate::NotRecoverable | Gate::InProgress => StatusCode::CONFLICT,
        Gate::Cooldown | Gate::Backoff | Gate::RateLimit => StatusCode::TOO_MANY_REQUESTS,
    }
}

/// The restart panel of a service's page, with an optional result toast.
pub(crate) async fn panel_for(
    state: &AppState,
    user: Option<&CurrentUser>,
    host: &str,
    unit: &str,
    toast: Option<&Report>,
) -> Result<Markup, AppError> {
    state.current.ensure_loaded().await?;
    let current = state.current.unit(host, unit);
    let rules = (state.restart.name_rules(host).await).map_err(AppError::outage_or_unexpected)?;
    let delegation = match user {
        Some(user) => Some(Delegation::of(state, user).await?),
        None => None,
    };
    let refusal = match &delegation {
        Some(delegation) => match delegation.actor_for(host, unit, UnitAction::Restart) {
            Ok(actor) => state
                .restart
                .refusal_for(
                    &actor,
                    UnitAction::Restart,
                    (host, rules),
                    unit,
                    current.as_deref().map(|u| &**u),
                )
                .err()
                .map(|r| r.message),
            Err(why) => Some(why),
        },
        None => Some("Only operators may restart services.".to_owned()),
    };
    let rows = state
        .current
        .restart_history(host, unit, HISTORY_ROWS)
        .await?;
    let others = match &delegation {
        Some(delegation) => {
            let current = current.as_deref().map(|u| &**u);
            other_actions(state, delegation, (host, rules), unit, current).await
        }
        None => Vec::new(),
    };
    Ok(panel(&Panel {
        others: &others,
        host,
        unit,
        dry_run: state.restart.dry_run(),
        refusal,
        history: &rows,
        now: state.clock.now(),
        toast,
    }))
}

/// Start (a unit that is not running), stop (one that is) and reload (a running unit that can): those
/// the caller may take on the unit as it is now (by role or grant, and every gate that needs no history).
async fn other_actions(
    state: &AppState,
    delegation: &Delegation<'_>,
    (host, rules): (&str, NameRules),
    unit: &str,
    current: Option<&crate::db::entities::service_current::Model>,
) -> Vec<UnitAction> {
    use crate::domain::ServiceState::{Failed, Running, Stopped, Transitioning};
    let Some(now) = current.map(|c| c.normalized_status) else {
        return Vec::new();
    };
    let mut shown = Vec::new();
    for action in [UnitAction::Start, UnitAction::Stop, UnitAction::Reload] {
        let fits = match action {
            UnitAction::Start => matches!(now, Stopped | Failed),
            UnitAction::Stop => matches!(now, Running | Transitioning),
            _ => now == Running,
        };
        if !fits {
            continue;
        }
        let Ok(actor) = delegation.actor_for(host, unit, action) else {
            continue;
        };
        if state
            .restart
            .refusal_for(&actor, action, (host, rules), unit, current)
            .is_err()
        {
            continue;
        }
        if action == UnitAction::Reload && !state.restart.can_reload(host, unit).await {
            continue;
        }
        shown.push(action);
    }
    shown
}

/// `GET /services/{host}/{unit}/restart`: the confirmation (a partial for htmx, else a page).
pub(crate) async fn confirm_form(
    req: HttpRequest,
    chrome: Chrome,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<Markup, AppError> {
    let (host, unit) = path.into_inner();
    let restart = Permission::Act(UnitAction::Restart);
    if let Err(why) = authorize(&req, &state, &user, (&host, &unit), restart).await? {
        return Err(AppError::Forbidden(why));
    }
    let form = confirm(&host, &unit, state.restart.dry_run(), &user.csrf_token);
    if wants_partial(&req) {
        return Ok(form);
    }
    let title = format!("Restart {unit}");
    Ok(page(&chrome, &title, "/services", form))
}

/// `GET /services/{host}/{unit}/restarts`: the restart panel; `…/restarts/history`: the history alone.
pub(crate) async fn panel_partial(
    user: CurrentUser,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<Markup, AppError> {
    let (host, unit) = path.into_inner();
    panel_for(&state, Some(&user), &host, &unit, None).await
}

pub(crate) async fn history_partial(
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<Markup, AppError> {
    let (host, unit) = path.into_inner();
    let rows = state
        .current
        .restart_history(&host, &unit, HISTORY_ROWS)
        .await?;
    Ok(history(&host, &unit, &rows, state.clock.now()))
}

/// `POST /services/{host}/{unit}/restart`: run it; htmx gets the panel with the result toast.
pub async fn request(
    req: HttpRequest,
    chrome: Chrome,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (host, unit) = path.into_inner();
    run_from_page(
        &req,
        &chrome,
        &user,
        &state,
        (host, unit, UnitAction::Restart),
    )
    .await
}

/// A page's refusal for a viewer without a grant: 403 with the reason, as a page (htmx shows it too).
pub(crate) fn no_grant(chrome: &Chrome, action: UnitAction, unit: &str, why: &str) -> HttpResponse {
    let body = page(
        chrome,
        &format!("{} {unit}", action.title()),
        "/services",
        maud::html! { section.card #restart-panel { p.banner.banner-danger role="alert" { (why) } } },
    );
    HttpResponse::Forbidden()
        .content_type("text/html; charset=utf-8")
        .body(body.into_string())
}

/// Runs `action` asked from a unit's page: htmx gets the panel with the result toast, a plain form
/// post a page (with the refusal's status code).
pub(crate) async fn run_from_page(
    req: &HttpRequest,
    chrome: &Chrome,
    user: &CurrentUser,
    state: &AppState,
    (host, unit, action): (String, String, UnitAction),
) -> Result<HttpResponse, AppError> {
    let actor = match authorize(req, state, user, (&host, &unit), Permission::Act(action)).await? {
        Ok(actor) => actor,
        Err(why) => return Ok(no_grant(chrome, action, &unit, &why)),
    };
    let ask = Ask {
        host,
        unit,
        action,
        actor,
        client_ip: ip_of(req, state),
        source: Source::Ui,
    };
    let report = state.restart.request(ask).await?;
    let markup = panel_for(state, Some(user), &report.host, &report.unit, Some(&report)).await?;
    let status = match (&report.status, wants_partial(req)) {
        (Status::Refused(r), false) => status_of(r.gate),
        _ => StatusCode::OK,
    };
    let body = if wants_partial(req) {
        markup
    } else {
        let back = base(&report.host, &report.unit);
        page(
            chrome,
            &format!("{} {}", report.action.title(), report.unit),
            "/services",
            maud::html! { (markup) p { a href=(back) { "Back to " (report.unit) } } },
        )
    };
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body.into_string()))
}

/// Restart an approved unit (X-API-Key, an operator's session, or a viewer's with a grant)
///
/// 202 queued or dry run, 200 done, 502 failed, 4xx refusals, each with a body naming the state and
/// the reason. A session caller sends its CSRF token in `X-CSRF-Token`.
#[utoipa::path(
    post,
    path = "/api/services/restart",
    operation_id = "restart_service",
    tag = "restart",
    request_body = ApiAsk,
    responses(
        (status = 200, description = "done: the job ended and the unit is active", body = Outcome),
        (status = 202, description = "queued for the host's agent, or dry_run (DRY_RUN=true): nothing was done", body = Outcome),
        (status = 400, description = "invalid_name, or a body that is not {host, service} (bad_request)", body = Outcome),
        (status = 401, description = "Not signed in and no valid X-API-Key"),
        (status = 403, description = "not_approved, or no_grant (a viewer with no grant to restart this unit)", body = Outcome),
        (status = 404, description = "unknown_unit: the host has no such unit", body = Outcome),
        (status = 409, description = "not_recoverable, or in_progress", body = Outcome),
        (status = 429, description = "cooldown, backoff or rate_limited; Retry-After says when", body = Outcome,
            headers(("Retry-After" = u64, description = "seconds until asking again can succeed"))),
        (status = 502, description = "restart_failed: systemd ran the job and it failed", body = Outcome),
    )
)]
pub async fn api(
    req: HttpRequest,
    user: CurrentUser,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let ask: ApiAsk = match serde_json::from_slice(&body) {
        Ok(ask) => ask,
        Err(err) => return Ok(HttpResponse::BadRequest().json(Outcome::bad_request(&err))),
    };
    let target = (ask.host.as_str(), ask.service.as_str());
    let restart = Permission::Act(UnitAction::Restart);
    let actor = match authorize(&req, &state, &user, target, restart).await? {
        Ok(actor) => actor,
        Err(why) => {
            let body = Outcome::no_grant(ask.host, ask.service, why);
            return Ok(HttpResponse::Forbidden().json(body));
        }
    };
    let ask = Ask {
        host: ask.host,
        unit: ask.service,
        action: UnitAction::Restart,
        actor,
        client_ip: ip_of(&req, &state),
        source: Source::Api,
    };
    let report = state.restart.request(ask).await?;
    Ok(api_answer(report))
}

/// The API's answer to a unit action: the status code and body for where it ended.
pub(crate) fn api_answer(report: Report) -> HttpResponse {
    let (status, reason) = match &report.status {
        Status::Done => (StatusCode::OK, None),
        Status::Failed => (StatusCode::BAD_GATEWAY, Some("restart_failed")),
        Status::DryRun => (StatusCode::ACCEPTED, Some("dry_run")),
        Status::Queued => (StatusCode::ACCEPTED, None),
        Status::Refused(r) => (status_of(r.gate), Some(r.gate.code())),
    };
    let mut response = HttpResponse::build(status);
    if let Status::Refused(r) = &report.status
        && let Some(secs) = r.retry_after_secs
    {
        response.insert_header(("Retry-After", secs.to_string()));
    }
    response.json(Outcome::of(report, reason))
}

//! The restart routes: the confirmation and the request from a service's page (operators), the unit's
//! restart history partial, and `POST /api/services/restart` (API key or operator session).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::Markup;
use serde::Deserialize;
use serde_json::json;

use crate::auth::proxies::client_ip;
use crate::auth::{CurrentUser, Role};
use crate::db::restart_requests;
use crate::error::AppError;
use crate::restart::{Actor, Ask, Report, Source, Status};
use crate::state::AppState;
use crate::web::handlers::wants_partial;
use crate::web::views::layout::{Chrome, page};
use crate::web::views::restart::{Panel, base, confirm, history, panel};

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

/// Why `user` may not restart `unit` on `host` (from what the page already knows), or `None`.
pub fn why_not(
    state: &AppState,
    user: Option<&CurrentUser>,
    host: &str,
    unit: &str,
    recoverable: bool,
) -> Option<String> {
    if user.is_none_or(|u| u.role < Role::Operator) {
        return Some("Only operators may restart services.".into());
    }
    if !state.restart.approved(host, unit) {
        return Some(format!(
            "{unit} on {host} is not in the approved-services list."
        ));
    }
    (!recoverable).then(|| format!("{unit} is not recoverable (oneshot, static or masked)."))
}

/// The restart panel of a service's page, with an optional result toast.
pub async fn panel_for(
    state: &AppState,
    user: Option<&CurrentUser>,
    host: &str,
    unit: &str,
    toast: Option<&Report>,
) -> Result<Markup, AppError> {
    let db = &state.db.conn;
    let recoverable = crate::db::services::find_one(db, host, unit)
        .await?
        .is_some_and(|u| u.recoverable);
    let rows = restart_requests::history(db, host, unit, HISTORY_ROWS).await?;
    Ok(panel(&Panel {
        host,
        unit,
        dry_run: state.restart.dry_run(),
        refusal: why_not(state, user, host, unit, recoverable),
        history: &rows,
        now: state.clock.now(),
        toast,
    }))
}

/// `GET /services/{host}/{unit}/restart`: the confirmation (a partial for htmx, else a page).
pub async fn confirm_form(
    req: HttpRequest,
    chrome: Chrome,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<Markup, AppError> {
    let (host, unit) = path.into_inner();
    let form = confirm(&host, &unit, state.restart.dry_run(), &user.csrf_token);
    if wants_partial(&req) {
        return Ok(form);
    }
    let title = format!("Restart {unit}");
    Ok(page(&chrome, &title, "/services", form))
}

/// `GET /services/{host}/{unit}/restarts`: the restart panel; `…/restarts/history`: the history alone.
pub async fn panel_partial(
    user: CurrentUser,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<Markup, AppError> {
    let (host, unit) = path.into_inner();
    panel_for(&state, Some(&user), &host, &unit, None).await
}

pub async fn history_partial(
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<Markup, AppError> {
    let (host, unit) = path.into_inner();
    let rows = restart_requests::history(&state.db.conn, &host, &unit, HISTORY_ROWS).await?;
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
    let ask = Ask {
        host: host.clone(),
        unit: unit.clone(),
        actor: Actor::of(&user),
        client_ip: ip_of(&req, &state),
        source: Source::Ui,
    };
    let report = state.restart.request(ask).await?;
    let markup = panel_for(
        &state,
        Some(&user),
        &report.host,
        &report.unit,
        Some(&report),
    )
    .await?;
    let status = match (&report.status, wants_partial(&req)) {
        (Status::Refused(r), false) => r.gate.status(),
        _ => StatusCode::OK,
    };
    let body = if wants_partial(&req) {
        markup
    } else {
        let back = base(&report.host, &report.unit);
        page(
            &chrome,
            &format!("Restart {}", report.unit),
            "/services",
            maud::html! { (markup) p { a href=(back) { "Back to " (report.unit) } } },
        )
    };
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body.into_string()))
}

/// The API's body: `{"host": "...", "service": "..."}`.
#[derive(Debug, Deserialize)]
struct ApiAsk {
    host: String,
    service: String,
}

/// `POST /api/services/restart`: 202 queued or dry run, 200 done, 502 failed, 4xx refusals, each with
/// a JSON body naming the state and the reason.
pub async fn api(
    req: HttpRequest,
    user: CurrentUser,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let ask: ApiAsk = match serde_json::from_slice(&body) {
        Ok(ask) => ask,
        Err(err) => {
            return Ok(HttpResponse::BadRequest().json(json!({
                "state": "refused", "reason": "bad_request",
                "error": format!("expected JSON {{\"host\": \"…\", \"service\": \"…\"}}: {err}"),
            })));
        }
    };
    let ask = Ask {
        host: ask.host,
        unit: ask.service,
        actor: Actor::of(&user),
        client_ip: ip_of(&req, &state),
        source: Source::Api,
    };
    let report = state.restart.request(ask).await?;
    let (status, reason) = match &report.status {
        Status::Done => (StatusCode::OK, None),
        Status::Failed => (StatusCode::BAD_GATEWAY, Some("restart_failed")),
        Status::DryRun => (StatusCode::ACCEPTED, Some("dry_run")),
        Status::Queued => (StatusCode::ACCEPTED, None),
        Status::Refused(r) => (r.gate.status(), Some(r.gate.code())),
    };
    let mut response = HttpResponse::build(status);
    if let Status::Refused(r) = &report.status
        && let Some(secs) = r.retry_after_secs
    {
        response.insert_header(("Retry-After", secs.to_string()));
    }
    let body = json!({
        "state": report.state().as_str(),
        "reason": reason,
        "message": report.message,
        "error": matches!(report.status, Status::Refused(_) | Status::Failed).then_some(&report.message),
        "host": report.host,
        "service": report.unit,
        "dry_run": report.dry_run,
        "request_id": report.request_id,
        "result": report.result,
        "active_state": report.active_state,
        "duration_secs": report.duration_secs,
    });
    Ok(response.json(body))
}

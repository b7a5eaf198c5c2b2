//! Start, stop and reload from a unit's page (`GET`/`POST /services/{host}/{unit}/actions/{action}`,
//! operators, or viewers with a grant: `web::delegation`) and `POST /api/services/action` (API key,
//! operator session, or a viewer's session with a grant): the same workflow,
//! gates, dry run, audit and live result as restart (`handlers::restart`). A stop from the page needs
//! the unit's name typed out.

use actix_web::{HttpRequest, HttpResponse, web};
use maud::Markup;
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::domain::{Permission, UnitAction};
use crate::restart::{Ask, Source};
use crate::web::client::client_ip;
use crate::web::delegation::authorize;
use crate::web::error::AppError;
use crate::web::handlers::restart::outcome::{ApiActionAsk, Outcome};
use crate::web::handlers::restart::{api_answer, no_grant, run_from_page};
use crate::web::handlers::wants_partial;
use crate::web::state::AppState;
use crate::web::views::layout::{Chrome, page};
use crate::web::views::restart::confirm_action;

/// The page's form: the CSRF token (checked before this handler) and, for a stop, the typed name.
#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    confirm_unit: Option<String>,
}

fn action_of(name: &str) -> Result<UnitAction, AppError> {
    UnitAction::parse(name).ok_or_else(|| {
        AppError::NotFound(format!(
            "{name:?} is not an action (restart, start, stop or reload)."
        ))
    })
}

/// `GET /services/{host}/{unit}/actions/{action}`: the confirmation (a partial for htmx, else a page).
pub async fn confirm_form(
    req: HttpRequest,
    chrome: Chrome,
    user: CurrentUser,
    path: web::Path<(String, String, String)>,
    state: web::Data<AppState>,
) -> Result<Markup, AppError> {
    let (host, unit, action) = path.into_inner();
    let action = action_of(&action)?;
    let permission = Permission::Act(action);
    if let Err(why) = authorize(&req, &state, &user, (&host, &unit), permission).await? {
        return Err(AppError::Forbidden(why));
    }
    let dry_run = state.restart.dry_run();
    let form = confirm_action(&host, &unit, action, dry_run, &user.csrf_token, None);
    if wants_partial(&req) {
        return Ok(form);
    }
    let title = format!("{} {unit}", action.title());
    Ok(page(&chrome, &title, "/services", form))
}

/// `POST /services/{host}/{unit}/actions/{action}`: runs it (a stop only with the unit's name typed).
pub async fn request(
    req: HttpRequest,
    chrome: Chrome,
    user: CurrentUser,
    path: web::Path<(String, String, String)>,
    form: web::Form<ActionForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (host, unit, action) = path.into_inner();
    let action = action_of(&action)?;
    let permission = Permission::Act(action);
    if let Err(why) = authorize(&req, &state, &user, (&host, &unit), permission).await? {
        return Ok(no_grant(&chrome, action, &unit, &why));
    }
    let typed = form.confirm_unit.as_deref().map(str::trim);
    if action == UnitAction::Stop && typed != Some(unit.as_str()) {
        let why = format!("To stop {unit}, type its name exactly as shown.");
        let dry_run = state.restart.dry_run();
        let again = confirm_action(&host, &unit, action, dry_run, &user.csrf_token, Some(&why));
        // htmx swaps only successful answers: the form comes back with the reason in it.
        let mut answer = match wants_partial(&req) {
            true => HttpResponse::Ok(),
            false => HttpResponse::BadRequest(),
        };
        let body = match wants_partial(&req) {
            true => again,
            false => page(&chrome, &format!("Stop {unit}"), "/services", again),
        };
        return Ok(answer
            .content_type("text/html; charset=utf-8")
            .body(body.into_string()));
    }
    run_from_page(&req, &chrome, &user, &state, (host, unit, action)).await
}

/// Start, stop, reload or restart a unit (X-API-Key, an operator's session, or a viewer's with a grant)
///
/// The same gates, dry run and answers as `POST /api/services/restart`; the cooldown and failure
/// backoff apply to restarts only. Reload is refused by systemd for a unit without `ExecReload=`
/// (502 `restart_failed` naming systemd's reason).
#[utoipa::path(
    post,
    path = "/api/services/action",
    operation_id = "unit_action",
    tag = "restart",
    request_body = ApiActionAsk,
    responses(
        (status = 200, description = "done: the job ended and the unit is in the state the action leads to", body = Outcome),
        (status = 202, description = "queued for the host's agent, or dry_run (DRY_RUN=true): nothing was done", body = Outcome),
        (status = 400, description = "invalid_name, an unknown action, or a body that is not {host, service, action} (bad_request)", body = Outcome),
        (status = 401, description = "Not signed in and no valid X-API-Key"),
        (status = 403, description = "not_approved, or no_grant (a viewer with no grant for this action on this unit)", body = Outcome),
        (status = 404, description = "unknown_unit: the host has no such unit", body = Outcome),
        (status = 409, description = "not_recoverable (restart), or in_progress", body = Outcome),
        (status = 429, description = "cooldown, backoff (restart) or rate_limited; Retry-After says when", body = Outcome,
            headers(("Retry-After" = u64, description = "seconds until asking again can succeed"))),
        (status = 502, description = "restart_failed: systemd ran (or refused) the job and it failed", body = Outcome),
    )
)]
pub async fn api(
    req: HttpRequest,
    user: CurrentUser,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let ask: ApiActionAsk = match serde_json::from_slice(&body) {
        Ok(ask) => ask,
        Err(err) => {
            let message = format!("expected JSON {{\"host\", \"service\", \"action\"}}: {err}");
            return Ok(HttpResponse::BadRequest().json(Outcome::refused_body(message)));
        }
    };
    let Some(action) = UnitAction::parse(&ask.action) else {
        let message = format!(
            "{:?} is not an action: restart, start, stop or reload",
            ask.action
        );
        return Ok(HttpResponse::BadRequest().json(Outcome::refused_body(message)));
    };
    let client_ip = client_ip(
        req.peer_addr().map(|a| a.ip()),
        req.headers(),
        &state.auth.settings.trusted_proxies,
    )
    .map(|ip| ip.to_string());
    let target = (ask.host.as_str(), ask.service.as_str());
    let actor = match authorize(&req, &state, &user, target, Permission::Act(action)).await? {
        Ok(actor) => actor,
        Err(why) => {
            let body = Outcome::no_grant(ask.host, ask.service, why);
            return Ok(HttpResponse::Forbidden().json(body));
        }
    };
    let ask = Ask {
        host: ask.host,
        unit: ask.service,
        action,
        actor,
        client_ip,
        source: Source::Api,
    };
    Ok(api_answer(state.restart.request(ask).await?))
}

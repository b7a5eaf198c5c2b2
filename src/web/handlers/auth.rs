//! Login, logout and first-run setup.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::auth::accounts::{self, AccountError, NewUser};
use crate::auth::login::{LoginAttempt, LoginOutcome};
use crate::auth::{CurrentUser, Role, audit};
use crate::db::audit_log::AuditEntry;
use crate::domain::AuditAction;
use crate::web::client::client_ip;
use crate::web::error::AppError;
use crate::web::session_cookie;
use crate::web::state::AppState;
use crate::web::views::auth::{LoginView, login_page, setup_page};

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SetupForm {
    token: String,
    username: String,
    password: String,
    confirm: String,
}

/// Only a local path may follow a login (no `//host`, no scheme): an open redirect would help phishing.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

fn ip_of(state: &AppState, req: &HttpRequest) -> Option<String> {
    client_ip(
        req.peer_addr().map(|a| a.ip()),
        req.headers(),
        &state.auth.settings.trusted_proxies,
    )
    .map(|ip| ip.to_string())
}

fn html(status: StatusCode, body: maud::Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body.into_string())
}

/// `GET /login`.
pub(crate) async fn login_form(query: web::Query<NextQuery>) -> HttpResponse {
    let next = safe_next(query.next.as_deref());
    html(
        StatusCode::OK,
        login_page(&LoginView {
            next: &next,
            username: "",
            error: None,
        }),
    )
}

/// `POST /login`: per-account backoff, password check, a brand-new session, back to where they were going.
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let old_session = req.cookie(session_cookie::NAME);
    let attempt = LoginAttempt {
        username: &form.username,
        password: &form.password,
        client_ip: ip_of(&state, &req),
        user_agent: agent,
        old_session: old_session.as_ref().map(|c| c.value()),
    };
    let outcome = state
        .auth
        .log_in(attempt)
        .await
        .map_err(AppError::outage_or_unexpected)?;
    match outcome {
        LoginOutcome::Throttled { wait } => Err(AppError::TooManyRequests {
            message: format!(
                "Too many failed logins for this account. Try again in {} seconds.",
                wait.as_secs().max(1)
            ),
            retry_after_secs: wait.as_secs().max(1),
        }),
        LoginOutcome::Refused { backoff } => {
            let error = match backoff {
                Some(wait) => format!(
                    "Wrong username or password. Too many failures: wait {} seconds before trying again.",
                    wait.as_secs()
                ),
                None => "Wrong username or password.".to_owned(),
            };
            let view = LoginView {
                next: &next,
                username: form.username.trim(),
                error: Some(&error),
            };
            Ok(html(StatusCode::UNAUTHORIZED, login_page(&view)))
        }
        LoginOutcome::LoggedIn { token } => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, next))
            .cookie(session_cookie::cookie(&state.auth, &req, token))
            .finish()),
    }
}

/// `POST /logout`.
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
) -> HttpResponse {
    if let Some(id) = &user.session_id {
        state.auth.end_session(id).await;
    }
    audit(
        &state.db,
        &state.clock,
        AuditEntry {
            username: Some(user.username.clone()),
            client_ip: ip_of(&state, &req),
            success: true,
            ..AuditEntry::new(AuditAction::Logout)
        },
    )
    .await;
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/login"))
        .cookie(session_cookie::removal_cookie())
        .finish()
}

/// `GET /setup` (only while no user exists).
pub(crate) async fn setup_form() -> HttpResponse {
    html(StatusCode::OK, setup_page("", None))
}

/// `POST /setup`: the printed token creates the first admin and signs them in.
pub async fn setup(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<SetupForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let ip = ip_of(&state, &req);
    let username = form.username.trim().to_owned();
    let refuse = |status, message: &str| Ok(html(status, setup_page(&username, Some(message))));
    let Some(setup_token) = state.auth.setup.take(form.token.trim()) else {
        audit(
            &state.db,
            &state.clock,
            AuditEntry {
                client_ip: ip,
                success: false,
                detail: Some(json!({ "reason": "wrong setup token" })),
                ..AuditEntry::new(AuditAction::SetupFailed)
            },
        )
        .await;
        return refuse(
            StatusCode::FORBIDDEN,
            "That is not the setup token printed when the server started.",
        );
    };
    if form.password != form.confirm {
        state.auth.setup.restore(setup_token);
        return refuse(StatusCode::BAD_REQUEST, "The two passwords differ.");
    }
    let new = NewUser {
        username: &username,
        password: &form.password,
        role: Role::Admin,
    };
    let user = match accounts::create(&state.db, &state.clock, new, "setup", ip.clone()).await {
        Ok(user) => user,
        Err(AccountError::Invalid(why)) => {
            state.auth.setup.restore(setup_token);
            return refuse(StatusCode::BAD_REQUEST, &why);
        }
        Err(AccountError::Exists(_)) => {
            return refuse(StatusCode::CONFLICT, "Setup is already done.");
        }
        Err(AccountError::Unexpected(err)) => {
            state.auth.setup.restore(setup_token);
            return Err(err.into());
        }
    };
    state.auth.setup.close();
    audit(
        &state.db,
        &state.clock,
        AuditEntry {
            username: Some(username.clone()),
            client_ip: ip.clone(),
            success: true,
            detail: Some(json!({ "role": "admin" })),
            ..AuditEntry::new(AuditAction::Setup)
        },
    )
    .await;
    let token = state.auth.create_session(&user, ip, None).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .cookie(session_cookie::cookie(&state.auth, &req, token))
        .finish())
}

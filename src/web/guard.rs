//! Enforcing each route's `Access`: resolve the caller, refuse the anonymous (pages redirect to
//! `/login?next=…`; `/api/`, `/events`, `/metrics` answer 401), refuse the wrong role (403), and run the
//! CSRF and Origin checks on state-changing requests. While the database is known to be down, routes that
//! need it answer 503 at once (the background probe notices its return).

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use serde_json::json;

use crate::auth::{Resolved, Role, audit};
use crate::db::audit_log::AuditEntry;
use crate::domain::AuditAction;
use crate::web::client::client_ip_of;
use crate::web::csrf;
use crate::web::error::AppError;
use crate::web::identity::credentials;
use crate::web::state::AppState;
use crate::web::views::errors::error_page;

/// Who may call a route. Every entry of the route table names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: `/login`, `/healthz`, `/readyz`, static assets.
    Public,
    /// Anyone, but only while no user exists (first-run setup); a 404 afterwards.
    SetupOnly,
    /// Any logged-in user.
    Viewer,
    /// Operators and admins (restarts).
    Operator,
    /// Admins (users).
    Admin,
    /// A logged-in user, or a machine client with `X-API-Key`.
    ApiKeyOrViewer,
    /// An operator, or a machine client with `X-API-Key`.
    ApiKeyOrOperator,
}

impl Access {
    /// The least role this access needs, for routes that need a user.
    pub(crate) fn min_role(self) -> Option<Role> {
        match self {
            Access::Public | Access::SetupOnly => None,
            Access::Viewer | Access::ApiKeyOrViewer => Some(Role::Viewer),
            Access::Operator | Access::ApiKeyOrOperator => Some(Role::Operator),
            Access::Admin => Some(Role::Admin),
        }
    }

    fn api_key_allowed(self) -> bool {
        matches!(self, Access::ApiKeyOrViewer | Access::ApiKeyOrOperator)
    }
}

/// Paths answered with 401 rather than a redirect to the login page (machine clients).
pub fn is_machine_path(path: &str) -> bool {
    path.starts_with("/api/") || path == "/api" || path == "/events" || path == "/metrics"
}

/// The middleware wrapped around each resource of the route table: `rules` maps methods to access.
pub(crate) async fn enforce(
    rules: &[(Method, Access)],
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let access = access_for(rules, req.method());
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(req.into_response(HttpResponse::InternalServerError().finish()));
    };
    if let Err(message) = csrf::check_origin(&req, &state.auth.settings.trusted_proxies) {
        return Ok(refuse_csrf(&state, req, message).await);
    }
    if access == Access::Public {
        return next.call(req).await;
    }
    if access == Access::SetupOnly {
        if state.auth.setup.is_open(&state.db).await {
            return next.call(req).await;
        }
        return Ok(req.into_response(page(
            StatusCode::NOT_FOUND,
            "Setup is finished: this server already has users.",
        )));
    }
    let presented = credentials(&req, &state.auth, access.api_key_allowed());
    let user = match state.auth.resolve(presented).await {
        Resolved::User(user) => user,
        not_a_user => return Ok(not_signed_in(req, &state, not_a_user)),
    };
    let needed = access.min_role().unwrap_or(Role::Viewer);
    if user.role < needed {
        let ip = client_ip_of(&req, &state.auth.settings.trusted_proxies).map(|ip| ip.to_string());
        audit(
            &state.db,
            &state.clock,
            AuditEntry {
                username: Some(user.username.clone()),
                client_ip: ip,
                target: Some(format!("{} {}", req.method(), req.path())),
                success: false,
                detail: Some(json!({ "role": user.role.as_str(), "needed": needed.as_str() })),
                ..AuditEntry::new(AuditAction::AccessDenied)
            },
        )
        .await;
        let message = format!(
            "This needs the {needed} role; you are signed in as {} ({}).",
            user.username, user.role
        );
        let response = respond(&req, StatusCode::FORBIDDEN, &message);
        return Ok(req.into_response(response));
    }
    let mut req = req;
    if let Err(message) = csrf::check_token(&mut req, &user).await {
        return Ok(refuse_csrf(&state, req, message).await);
    }
    req.extensions_mut().insert(user);
    if !state.health.is_up() && !WITHOUT_DATABASE.contains(&req.path()) {
        return Ok(known_down(req));
    }
    next.call(req).await
}

/// The answer when the credentials presented are no user: the login redirect or 401, a refusal (with
/// Basic Auth's challenge), a backoff's 429, or 503 when they could not be checked.
fn not_signed_in(
    req: ServiceRequest,
    state: &AppState,
    resolved: Resolved,
) -> ServiceResponse<BoxBody> {
    let (status, message) = match resolved {
        Resolved::User(_) | Resolved::Anonymous => return anonymous(req, state),
        Resolved::Throttled {
            message,
            retry_after_secs,
        } => {
            let mut response = respond(&req, StatusCode::TOO_MANY_REQUESTS, &message);
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(retry_after_secs),
            );
            return req.into_response(response);
        }
        Resolved::Unavailable => {
            state.health.report(false);
            let message = "The database did not answer, so your credentials cannot be checked yet. \
                Try again shortly.";
            let response = respond(&req, StatusCode::SERVICE_UNAVAILABLE, message);
            return req.into_response(response);
        }
        Resolved::Refused {
            forbidden: true,
            message,
        } => (StatusCode::FORBIDDEN, message),
        Resolved::Refused { message, .. } => (StatusCode::UNAUTHORIZED, message),
    };
    let response = respond(&req, status, &message);
    req.into_response(with_challenge(response, state, status))
}

/// 503 without touching the database: the outage page in the user's frame, or the API's JSON.
fn known_down(req: ServiceRequest) -> ServiceResponse<BoxBody> {
    let known = AppError::DatabaseUnavailable("known down; probing in the background".into());
    if is_machine_path(req.path()) {
        let response = respond(&req, StatusCode::SERVICE_UNAVAILABLE, &known.to_string());
        return req.into_response(response);
    }
    req.error_response(known)
}

/// Signed-in routes that answer from memory, so they keep working while the database is down (the
/// held reads serve their last known figures, or fail at once: `live_state::reads`); every other one
/// needs it and, while it is known to be down, answers 503 without waiting for the pool.
const WITHOUT_DATABASE: &[&str] = &[
    "/",
    "/hosts",
    "/services",
    "/api/services",
    "/api/services.csv",
    "/events",
    "/api/whoami",
    "/api/openapi.json",
    "/logout",
];

/// Wrapped around rate-limited resources: records the 429s in the audit log with the client IP, one row
/// per client and window with a count (`auth::refusals`).
pub(crate) async fn audit_rate_limited(
    req: ServiceRequest,
    next: Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let ip = state
        .as_ref()
        .and_then(|s| client_ip_of(&req, &s.auth.settings.trusted_proxies))
        .map(|ip| ip.to_string());
    let target = format!("{} {}", req.method(), req.path());
    let response = next.call(req).await?.map_into_boxed_body();
    // Only actix-governor's refusals (it sets x-ratelimit-after); handlers audit their own 429s.
    let from_governor = response.headers().contains_key("x-ratelimit-after");
    if response.status() == StatusCode::TOO_MANY_REQUESTS
        && from_governor
        && let Some(state) = state
    {
        let entry = AuditEntry {
            client_ip: ip,
            target: Some(target),
            success: false,
            ..AuditEntry::new(AuditAction::RateLimited)
        };
        state.auth.refusals.record(entry).await;
    }
    Ok(response)
}

fn access_for(rules: &[(Method, Access)], method: &Method) -> Access {
    let method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    rules
        .iter()
        .find(|(m, _)| m == method)
        .map(|(_, a)| *a)
        // A method the resource does not serve: demand the strictest of its rules, then let it 405.
        .unwrap_or_else(|| strictest(rules))
}

fn strictest(rules: &[(Method, Access)]) -> Access {
    rules
        .iter()
        .map(|(_, a)| *a)
        .max_by_key(|a| a.min_role())
        .unwrap_or(Access::Admin)
}

fn anonymous(req: ServiceRequest, state: &AppState) -> ServiceResponse<BoxBody> {
    if is_machine_path(req.path()) {
        let response = respond(&req, StatusCode::UNAUTHORIZED, "Authentication required.");
        return req.into_response(with_challenge(response, state, StatusCode::UNAUTHORIZED));
    }
    let target = req
        .uri()
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned();
    let location = format!("/login?next={}", url_encode(&target));
    if req.headers().contains_key("hx-request") {
        let response = HttpResponse::Unauthorized()
            .insert_header(("HX-Redirect", location))
            .finish();
        return req.into_response(response);
    }
    let response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish();
    req.into_response(response)
}

/// A refusal in the form the caller reads: JSON for machine paths, an error page otherwise.
fn respond(req: &ServiceRequest, status: StatusCode, message: &str) -> HttpResponse {
    if is_machine_path(req.path()) {
        HttpResponse::build(status).json(json!({ "error": message }))
    } else {
        page(status, message)
    }
}

fn page(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(error_page(status, message).into_string())
}

fn with_challenge(
    mut response: HttpResponse,
    state: &AppState,
    status: StatusCode,
) -> HttpResponse {
    if status == StatusCode::UNAUTHORIZED && state.auth.settings.basic_auth {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Basic realm=\"smartmon\", charset=\"UTF-8\""),
        );
    }
    response
}

async fn refuse_csrf(
    state: &AppState,
    req: ServiceRequest,
    message: String,
) -> ServiceResponse<BoxBody> {
    let ip = client_ip_of(&req, &state.auth.settings.trusted_proxies).map(|ip| ip.to_string());
    audit(
        &state.db,
        &state.clock,
        AuditEntry {
            client_ip: ip,
            target: Some(format!("{} {}", req.method(), req.path())),
            success: false,
            detail: Some(json!({ "reason": message })),
            ..AuditEntry::new(AuditAction::CsrfRefused)
        },
    )
    .await;
    let response = respond(&req, StatusCode::FORBIDDEN, &message);
    req.into_response(response)
}

/// Percent-encodes a path for the `next` query parameter.
pub(crate) fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

//! Who is asking: resolves a request to a `CurrentUser` (or anonymous, or a refusal) from, in order, an
//! API key (only where the route allows one), a Cloudflare Access JWT, a trusted proxy's identity header,
//! the session cookie, and HTTP Basic Auth. Handlers take `CurrentUser` as an extractor.

use std::future::{Ready, ready};

use actix_web::dev::{Payload, ServiceRequest};
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use crate::auth::password::{verify, verify_dummy};
use crate::auth::proxies::client_ip_of;
use crate::auth::token::constant_time_eq;
use crate::auth::{Role, audit, cloudflare, session};
use crate::db::audit_log::AuditEntry;
use crate::db::users;
use crate::domain::AuditAction;
use crate::error::AppError;
use crate::state::AppState;

/// How the user proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Basic,
    Cloudflare,
    ProxyHeader,
    ApiKey,
}

/// The authenticated caller of this request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub username: String,
    pub role: Role,
    pub via: Via,
    /// The token forms and HTMX must send back on state-changing requests.
    pub csrf_token: String,
    /// The session row id (a hash), for logout and password changes.
    pub session_id: Option<String>,
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<CurrentUser>()
                .cloned()
                .ok_or_else(|| AppError::Unauthorized("Please log in.".into())),
        )
    }
}

/// The outcome of looking at a request's credentials.
pub enum Resolved {
    User(CurrentUser),
    Anonymous,
    /// Credentials were presented and are wrong: 401 (or 403 for a refused SSO identity) with this message.
    Refused {
        forbidden: bool,
        message: String,
    },
}

pub async fn resolve(req: &ServiceRequest, state: &AppState, api_key_allowed: bool) -> Resolved {
    let auth = &state.auth;
    let ip = client_ip_of(req, &auth.settings.trusted_proxies).map(|ip| ip.to_string());
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };

    if api_key_allowed && let Some(given) = header("x-api-key") {
        let ok = state
            .settings
            .api_key
            .as_ref()
            .is_some_and(|key| constant_time_eq(&given, key.expose()));
        if ok {
            return Resolved::User(CurrentUser {
                username: "api-key".into(),
                role: Role::Operator,
                via: Via::ApiKey,
                csrf_token: String::new(),
                session_id: None,
            });
        }
        refuse_audit(
            state,
            ip,
            AuditAction::ApiKeyRefused,
            None,
            "wrong or unconfigured API key",
        )
        .await;
        return Resolved::Refused {
            forbidden: false,
            message: "The API key is not valid.".into(),
        };
    }

    if let Some(cf) = &auth.cloudflare
        && let Some(token) = header(cloudflare::HEADER)
    {
        return match cf.verify(&token).await {
            Ok(identity) => super::sso::sso_user(state, ip, identity, Via::Cloudflare).await,
            Err(reason) => {
                refuse_audit(
                    state,
                    ip,
                    AuditAction::SsoRefused,
                    None,
                    &format!("cloudflare: {reason}"),
                )
                .await;
                Resolved::Refused {
                    forbidden: false,
                    message: "Your Cloudflare Access token was not accepted.".into(),
                }
            }
        };
    }

    if let Some(name) = &auth.settings.sso.user_header
        && let Some(identity) = header(name)
    {
        let peer_trusted = req
            .peer_addr()
            .is_some_and(|p| auth.settings.trusted_proxies.contains(p.ip()));
        if peer_trusted {
            return super::sso::sso_user(
                state,
                ip,
                identity.trim().to_lowercase(),
                Via::ProxyHeader,
            )
            .await;
        }
        let peer = req.peer_addr().map(|p| p.ip().to_string());
        refuse_audit(
            state,
            ip.clone(),
            AuditAction::SsoRefused,
            Some(identity),
            &format!(
                "{name} header from untrusted peer {}",
                peer.unwrap_or_default()
            ),
        )
        .await;
    }

    if let Some(cookie) = req.cookie(session::COOKIE)
        && let Some(live) = session::lookup(state, cookie.value()).await
    {
        return Resolved::User(CurrentUser {
            role: live.user.role,
            username: live.user.username,
            via: Via::Session,
            csrf_token: live.csrf_token,
            session_id: Some(live.id),
        });
    }

    if auth.settings.basic_auth
        && let Some((username, password)) = basic_credentials(req)
    {
        return basic_user(state, ip, username, password).await;
    }
    Resolved::Anonymous
}

fn basic_credentials(req: &ServiceRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, pass) = decoded.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}

async fn basic_user(
    state: &AppState,
    ip: Option<String>,
    username: String,
    password: String,
) -> Resolved {
    let auth = &state.auth;
    // Basic Auth has no login form to limit per IP, so failures also back off the client address.
    let address = format!("basic-ip:{}", ip.as_deref().unwrap_or("unknown"));
    let throttled = match (auth.backoff.check(&username), auth.backoff.check(&address)) {
        (Err(_), _) => Some("Too many failed logins for this account; try again later."),
        (_, Err(_)) => Some("Too many failed logins from your address; try again later."),
        _ => None,
    };
    if let Some(message) = throttled {
        refuse_audit(
            state,
            ip,
            AuditAction::LoginThrottled,
            Some(username),
            message,
        )
        .await;
        return Resolved::Refused {
            forbidden: false,
            message: message.into(),
        };
    }
    let checked = match check_password(state, &username, &password).await {
        Ok(checked) => checked,
        Err(err) => {
            tracing::warn!(error = %err, "cannot check a Basic Auth password");
            return Resolved::Refused {
                forbidden: false,
                message: "The user database is unreachable; try again shortly.".into(),
            };
        }
    };
    match checked {
        Some(user) => {
            auth.backoff.succeeded(&username);
            Resolved::User(CurrentUser {
                csrf_token: auth.derived_csrf("basic", &user.username),
                role: user.role,
                username: user.username,
                via: Via::Basic,
                session_id: None,
            })
        }
        None => {
            auth.backoff.failed(&username);
            auth.backoff.failed(&address);
            refuse_audit(
                state,
                ip,
                AuditAction::LoginFailed,
                Some(username),
                "basic auth",
            )
            .await;
            Resolved::Refused {
                forbidden: false,
                message: "Wrong username or password.".into(),
            }
        }
    }
}

/// How many password checks run at once. Each argon2 check holds 19 MiB for its duration; unbounded, a
/// burst of logins or Basic Auth requests left the server at 250 MB (the footprint benchmark). Two keep
/// both cores busy; the rest wait their turn.
static PASSWORD_CHECKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// The enabled user with this name and password; `Ok(None)` otherwise, taking the same time whether or
/// not the name exists. The hashing runs off the async workers, at most `PASSWORD_CHECKS` at a time.
/// `Err` only when the database fails.
pub async fn check_password(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<Option<crate::db::entities::users::Model>, sea_orm::DbErr> {
    let user = users::find_by_username(&state.db.conn, username).await?;
    let password = password.to_owned();
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    // The semaphore is never closed, so acquiring only waits.
    let _slot = PASSWORD_CHECKS.acquire().await.ok();
    let matches = tokio::task::spawn_blocking(move || match stored {
        Some(stored) => verify(&password, &stored),
        None => {
            verify_dummy(&password);
            false
        }
    })
    .await
    .unwrap_or(false);
    Ok(user.filter(|u| matches && !u.disabled))
}

pub(crate) async fn refuse_audit(
    state: &AppState,
    ip: Option<String>,
    action: AuditAction,
    username: Option<String>,
    reason: &str,
) {
    tracing::warn!(action = action.as_str(), reason, "credentials refused");
    audit(
        &state.db,
        &state.clock,
        AuditEntry {
            username,
            client_ip: ip,
            success: false,
            detail: Some(json!({ "reason": reason })),
            ..AuditEntry::new(action)
        },
    )
    .await;
}

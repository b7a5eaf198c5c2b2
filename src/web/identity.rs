//! Reading who a request claims to be: the `Credentials` it carries (for `AuthContext::resolve`), and
//! `CurrentUser` as an extractor for handlers of protected routes (the guard put it there).

use std::future::{Ready, ready};

use actix_web::dev::{Payload, ServiceRequest};
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::auth::{AuthContext, Credentials, CurrentUser, ProxyUser, cloudflare};
use crate::web::client::client_ip_of;
use crate::web::error::AppError;
use crate::web::session_cookie;

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

/// What `req` presents; `X-API-Key` only where the route accepts one.
pub fn credentials(req: &ServiceRequest, auth: &AuthContext, api_key_allowed: bool) -> Credentials {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let trusted = &auth.settings.trusted_proxies;
    let peer = req.peer_addr().map(|p| p.ip());
    Credentials {
        client_ip: client_ip_of(req, trusted),
        api_key: header("x-api-key").filter(|_| api_key_allowed),
        cloudflare_jwt: auth
            .cloudflare
            .as_ref()
            .and_then(|_| header(cloudflare::HEADER)),
        proxy_user: auth
            .settings
            .sso
            .user_header
            .as_deref()
            .and_then(header)
            .map(|identity| ProxyUser {
                identity,
                groups: header(&auth.settings.sso.groups_header),
                peer,
                peer_trusted: peer.is_some_and(|p| trusted.contains(p)),
            }),
        session_token: req
            .cookie(session_cookie::NAME)
            .map(|c| c.value().to_owned()),
        basic: basic_credentials(req),
    }
}

pub(crate) fn basic_credentials(req: &ServiceRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, pass) = decoded.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}

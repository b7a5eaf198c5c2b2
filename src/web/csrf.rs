//! CSRF defences for state-changing requests: the `Origin` / `Sec-Fetch-Site` headers must say the request
//! came from this site, and the per-session token must come back in `X-CSRF-Token` (HTMX sends it from
//! `hx-headers` on `<body>`) or in the form field `csrf_token`.

use std::collections::HashMap;

use actix_web::dev::{Payload, ServiceRequest};
use actix_web::http::Method;
use actix_web::web;

use crate::auth::proxies::TrustedProxies;
use crate::auth::token::constant_time_eq;
use crate::auth::{CurrentUser, Via};
use crate::web::client::is_tls;

pub const HEADER: &str = "x-csrf-token";
pub const FIELD: &str = "csrf_token";

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// On unsafe methods: refuses cross-site requests (by `Sec-Fetch-Site`, then by `Origin` against the
/// scheme the browser used, as `is_tls` tells it, and `Host`).
pub(crate) fn check_origin(req: &ServiceRequest, trusted: &TrustedProxies) -> Result<(), String> {
    if is_safe(req.method()) {
        return Ok(());
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return Err(format!(
            "Refused a cross-site request (Sec-Fetch-Site: {site})."
        ));
    }
    let Some(origin) = header("origin") else {
        return Ok(());
    };
    let (origin_scheme, origin_host) = origin
        .split_once("://")
        .map(|(scheme, rest)| (scheme, rest.trim_end_matches('/')))
        .unwrap_or(("", ""));
    let scheme = if is_tls(req.request(), trusted) {
        "https"
    } else {
        "http"
    };
    if !origin_scheme.eq_ignore_ascii_case(scheme) {
        return Err(format!(
            "Refused a request from another origin ({origin}): this console is served over {scheme}."
        ));
    }
    let peer_trusted = req.peer_addr().is_some_and(|p| trusted.contains(p.ip()));
    let forwarded_host = if peer_trusted {
        header("x-forwarded-host")
    } else {
        None
    };
    let host = forwarded_host.or_else(|| header("host")).unwrap_or("");
    if origin_host.is_empty() || !origin_host.eq_ignore_ascii_case(host) {
        return Err(format!("Refused a request from another origin ({origin})."));
    }
    Ok(())
}

/// On unsafe methods: the caller's CSRF token must come back. API-key clients carry no ambient credential
/// and are exempt; so are Basic Auth scripts (no `Origin` or `Sec-Fetch-Site`, so not a browser).
pub(crate) async fn check_token(
    req: &mut ServiceRequest,
    user: &CurrentUser,
) -> Result<(), String> {
    if is_safe(req.method()) || user.via == Via::ApiKey {
        return Ok(());
    }
    let from_browser =
        req.headers().contains_key("origin") || req.headers().contains_key("sec-fetch-site");
    if user.via == Via::Basic && !from_browser {
        return Ok(());
    }
    let given = match req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        Some(token) => Some(token.to_owned()),
        None => form_token(req).await,
    };
    match given {
        Some(token) if constant_time_eq(&token, &user.csrf_token) => Ok(()),
        Some(_) => Err(
            "The form's security token is wrong or expired. Reload the page and try again.".into(),
        ),
        None => Err("The form's security token is missing. Reload the page and try again.".into()),
    }
}

/// Reads `csrf_token` from a url-encoded body and puts the body back for the handler.
async fn form_token(req: &mut ServiceRequest) -> Option<String> {
    let is_form = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return None;
    }
    let body = req.extract::<web::Bytes>().await.ok()?;
    let token = std::str::from_utf8(&body)
        .ok()
        .and_then(|text| web::Query::<HashMap<String, String>>::from_query(text).ok())
        .and_then(|fields| fields.get(FIELD).cloned());
    req.set_payload(Payload::from(body));
    token
}

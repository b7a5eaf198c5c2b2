//! Cross-cutting response behaviour: one structured log line per request, the security headers, and
//! error pages in the signed-in user's frame.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};

use crate::auth::CurrentUser;
use crate::web::error::AppError;
use crate::web::state::AppState;
use crate::web::views::errors::error_page_in;
use crate::web::views::layout::Chrome;

/// The Content-Security-Policy: no inline script, no eval, nothing from other origins.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";

/// Logs method, path, status and duration once per request, after the response is built.
pub(crate) async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let peer = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let response = next.call(req).await?;
    let status = response.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(%method, %path, status, elapsed_ms, %peer, "request");
    } else {
        tracing::info!(%method, %path, status, elapsed_ms, %peer, "request");
    }
    Ok(response)
}

/// Adds the security headers every response carries (unless a handler set its own). Pages, API answers
/// and CSV exports hold what a signed-in user may see, so no cache (browser or proxy) keeps them:
/// `Cache-Control: no-store`; assets and the live stream set their own.
pub(crate) async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    Ok(response)
}

/// Re-renders an `AppError` page in the frame of the user who asked (navigation, their name, the live
/// stream), so an outage page looks like the console and recovers in place. HTMX partials, the API and
/// responses that are not `AppError`s pass through as they are.
pub(crate) async fn error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?.map_into_boxed_body();
    let request = response.request();
    let partial =
        request.headers().contains_key("hx-request") || request.path().starts_with("/api/");
    let Some(error) = response
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
    else {
        return Ok(response);
    };
    if let (AppError::DatabaseUnavailable(_), Some(state)) =
        (error, request.app_data::<web::Data<AppState>>())
    {
        state.health.report(false); // the banner, the live stream and the 503 shortcut hear of it now
    }
    let user = request.extensions().get::<CurrentUser>().cloned();
    let (Some(state), false, Some(user)) =
        (request.app_data::<web::Data<AppState>>(), partial, user)
    else {
        return Ok(response);
    };
    let status = response.status();
    let chrome = Chrome::of(state, Some(user));
    let page = error_page_in(&chrome, status, &error.to_string()).into_string();
    let mut replacement = HttpResponse::build(status);
    // Only what the page's meaning needs: the body is new (and uncompressed), so its framing headers are not.
    if let Some(retry) = response.headers().get(header::RETRY_AFTER) {
        replacement.insert_header((header::RETRY_AFTER, retry.clone()));
    }
    let replacement = replacement
        .content_type("text/html; charset=utf-8")
        .body(page);
    Ok(response.into_response(replacement))
}

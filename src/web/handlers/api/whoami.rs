//! `GET /api/whoami`: the caller as the API sees it.

use actix_web::HttpResponse;
use serde_json::json;

use crate::auth::{CurrentUser, Via};

/// `GET /api/whoami`: who the API thinks is calling, with what role and how they signed in.
pub async fn whoami(user: CurrentUser) -> HttpResponse {
    let via = match user.via {
        Via::Session => "session",
        Via::Basic => "basic",
        Via::Cloudflare => "cloudflare_access",
        Via::ProxyHeader => "auth_proxy",
        Via::ApiKey => "api_key",
    };
    HttpResponse::Ok()
        .json(json!({ "username": user.username, "role": user.role.as_str(), "via": via }))
}

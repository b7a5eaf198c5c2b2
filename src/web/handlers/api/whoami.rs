//! `GET /api/whoami`: the caller as the API sees it.

use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{CurrentUser, Via};

/// Who is calling.
#[derive(Serialize, ToSchema)]
pub(crate) struct WhoAmI<'a> {
    username: &'a str,
    /// `viewer`, `operator` or `admin`.
    role: &'static str,
    /// How they signed in: `session`, `basic`, `cloudflare_access`, `auth_proxy` or `api_key`.
    via: &'static str,
    /// The SSO groups this request carries (trusted proxy header or Cloudflare Access claim), which
    /// group grants apply to; empty for other ways in.
    groups: &'a [String],
}

/// Who the API thinks is calling, with what role and how they signed in
#[utoipa::path(
    get,
    path = "/api/whoami",
    operation_id = "whoami",
    tag = "meta",
    responses(
        (status = 200, description = "The caller", body = WhoAmI),
        (status = 401, description = "Not signed in and no valid X-API-Key"),
    )
)]
pub async fn whoami(user: CurrentUser) -> HttpResponse {
    let via = match user.via {
        Via::Session => "session",
        Via::Basic => "basic",
        Via::Cloudflare => "cloudflare_access",
        Via::ProxyHeader => "auth_proxy",
        Via::ApiKey => "api_key",
    };
    HttpResponse::Ok().json(WhoAmI {
        username: &user.username,
        role: user.role.as_str(),
        via,
        groups: &user.groups,
    })
}

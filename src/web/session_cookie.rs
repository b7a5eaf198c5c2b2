//! The session cookie: its name, the `Set-Cookie` for a new session and the one that removes it.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};

use crate::auth::AuthContext;
use crate::web::client::is_tls;

pub const NAME: &str = "smartmon_session";

/// The `Set-Cookie` for a new session: `HttpOnly`, `SameSite=Strict`, `Secure` over TLS or when configured.
pub fn cookie(auth: &AuthContext, req: &HttpRequest, token: String) -> Cookie<'static> {
    let secure = auth.settings.cookie_secure || is_tls(req, &auth.settings.trusted_proxies);
    let max_age = auth.settings.session_lifetime.as_secs();
    Cookie::build(NAME, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(CookieDuration::seconds(
            i64::try_from(max_age).unwrap_or(i64::MAX),
        ))
        .finish()
}

/// The `Set-Cookie` that removes the session cookie.
pub(crate) fn removal_cookie() -> Cookie<'static> {
    let mut cookie = Cookie::build(NAME, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    cookie.make_removal();
    cookie
}

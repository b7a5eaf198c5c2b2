//! Rate limits. Login per client IP and the API per key or IP are actix-governor middleware keyed by the
//! real client IP (`proxies`); restarts per user use governor directly on the app `Clock`, so tests can
//! advance time. A refusal is a 429 with `Retry-After` and a sentence saying when to try again.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use actix_governor::governor::NotUntil;
use actix_governor::governor::clock::Clock as GovernorClock;
use actix_governor::governor::clock::{DefaultClock, QuantaInstant};
use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::governor::state::keyed::DashMapStateStore;
use actix_governor::governor::{Quota, RateLimiter};
use actix_governor::{
    GovernorConfig, GovernorConfigBuilder, KeyExtractor, SimpleKeyExtractionError,
};
use actix_web::dev::ServiceRequest;
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, HttpResponseBuilder};

use crate::auth::proxies::{TrustedProxies, client_ip_of};
use crate::auth::settings::LimitSettings;
use crate::auth::token::hash_token;
use crate::clock::Clock;
use crate::web::views::errors::error_page;

pub type LoginLimit = GovernorConfig<ClientIpKey, NoOpMiddleware<QuantaInstant>>;
pub type ApiLimit = GovernorConfig<ApiKeyOrIpKey, NoOpMiddleware<QuantaInstant>>;

/// Keys login attempts by the real client IP.
#[derive(Clone)]
pub struct ClientIpKey {
    trusted: Arc<TrustedProxies>,
}

/// Keys API calls by the API key presented (hashed), else by the real client IP.
#[derive(Clone)]
pub struct ApiKeyOrIpKey {
    trusted: Arc<TrustedProxies>,
}

fn unknown_client() -> SimpleKeyExtractionError<&'static str> {
    SimpleKeyExtractionError::new("cannot tell who is asking")
        .set_status_code(StatusCode::BAD_REQUEST)
}

fn wait_secs(negative: &NotUntil<QuantaInstant>) -> u64 {
    negative
        .wait_time_from(DefaultClock::default().now())
        .as_secs()
        .max(1)
}

impl KeyExtractor for ClientIpKey {
    type Key = IpAddr;
    type KeyExtractionError = SimpleKeyExtractionError<&'static str>;

    fn extract(&self, req: &ServiceRequest) -> Result<IpAddr, Self::KeyExtractionError> {
        client_ip_of(req, &self.trusted).ok_or_else(unknown_client)
    }

    fn exceed_rate_limit_response(
        &self,
        negative: &NotUntil<QuantaInstant>,
        mut response: HttpResponseBuilder,
    ) -> HttpResponse {
        let wait = wait_secs(negative);
        tracing::warn!(wait, "login rate limit reached for a client IP");
        response.content_type("text/html; charset=utf-8").body(
            error_page(
                StatusCode::TOO_MANY_REQUESTS,
                &format!("Too many login attempts from your address. Try again in {wait} seconds."),
            )
            .into_string(),
        )
    }
}

impl KeyExtractor for ApiKeyOrIpKey {
    type Key = String;
    type KeyExtractionError = SimpleKeyExtractionError<&'static str>;

    fn extract(&self, req: &ServiceRequest) -> Result<String, Self::KeyExtractionError> {
        if let Some(key) = req.headers().get("x-api-key").and_then(|v| v.to_str().ok()) {
            return Ok(format!("key:{}", &hash_token(key)[..16]));
        }
        client_ip_of(req, &self.trusted)
            .map(|ip| format!("ip:{ip}"))
            .ok_or_else(unknown_client)
    }

    fn exceed_rate_limit_response(
        &self,
        negative: &NotUntil<QuantaInstant>,
        mut response: HttpResponseBuilder,
    ) -> HttpResponse {
        let wait = wait_secs(negative);
        response.json(serde_json::json!({
            "error": format!("rate limit reached; retry in {wait} seconds"),
            "retry_after": wait,
        }))
    }
}

/// Builds the shared login and API limiters (built once: every worker must share one state).
pub fn governors(
    limits: &LimitSettings,
    trusted: &TrustedProxies,
) -> anyhow::Result<(LoginLimit, ApiLimit)> {
    let trusted = Arc::new(trusted.clone());
    let login = GovernorConfigBuilder::default()
        .key_extractor(ClientIpKey {
            trusted: trusted.clone(),
        })
        .period(Duration::from_secs(60) / limits.login_per_ip_per_minute)
        .burst_size(limits.login_per_ip_per_minute)
        .methods(vec![Method::POST])
        .finish()
        .ok_or_else(|| anyhow::anyhow!("SMARTMON_LOGIN_RATE_PER_MINUTE gives no usable quota"))?;
    let api = GovernorConfigBuilder::default()
        .key_extractor(ApiKeyOrIpKey { trusted })
        .period(Duration::from_secs(60) / limits.api_per_minute)
        .burst_size(limits.api_per_minute)
        .finish()
        .ok_or_else(|| anyhow::anyhow!("SMARTMON_API_RATE_PER_MINUTE gives no usable quota"))?;
    Ok((login, api))
}

/// governor reading the application's clock.
#[derive(Debug, Clone)]
struct AppClock(Clock);

impl GovernorClock for AppClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        Duration::from_secs_f64(self.0.now().max(0.0))
    }
}

/// Restarts per user: for the restart workflow to call before it queues anything.
pub struct RestartLimiter {
    clock: AppClock,
    limiter: RateLimiter<String, DashMapStateStore<String>, AppClock, NoOpMiddleware<Duration>>,
}

impl RestartLimiter {
    pub fn new(clock: Clock, per_minute: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        let clock = AppClock(clock);
        Self {
            limiter: RateLimiter::dashmap_with_clock(Quota::per_minute(per_minute), clock.clone()),
            clock,
        }
    }

    /// The same check as an `AppError` for handlers: a 429 with `Retry-After` and a sentence for the page.
    pub fn allow(&self, username: &str) -> Result<(), crate::error::AppError> {
        self.check(username).map_err(|wait| {
            let secs = wait.as_secs().max(1);
            crate::error::AppError::TooManyRequests {
                message: format!(
                    "You have asked for many restarts in a short time. Try again in {secs} seconds."
                ),
                retry_after_secs: secs,
            }
        })
    }

    /// Forgets users whose allowance is full again (housekeeping).
    pub fn retain_recent(&self) {
        self.limiter.retain_recent();
    }

    /// `Err(wait)` when `username` has used up their restarts for now (answer 429 with `Retry-After`).
    pub fn check(&self, username: &str) -> Result<(), Duration> {
        self.limiter
            .check_key(&username.to_lowercase())
            .map_err(|negative| {
                negative
                    .wait_time_from(self.clock.now())
                    .max(Duration::from_secs(1))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_are_limited_per_user_and_recover_with_time() {
        let clock = Clock::default();
        let limiter = RestartLimiter::new(clock.clone(), 2);
        assert!(limiter.check("op").is_ok());
        assert!(limiter.check("op").is_ok());
        let wait = limiter
            .check("op")
            .expect_err("third restart within a minute");
        assert!(
            wait <= Duration::from_secs(30) && wait >= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(
            limiter.check("other").is_ok(),
            "other users are not affected"
        );
        clock.advance(Duration::from_secs(31));
        assert!(limiter.check("op").is_ok());
    }
}

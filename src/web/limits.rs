//! HTTP rate limits: login per client IP and the API per key or IP, as actix-governor middleware keyed by
//! the real client IP (`web::client`). Only the configured API key has an allowance of its own; any other
//! key counts against the address that sends it. A refusal is a 429 with `Retry-After` and a sentence saying when to
//! try again. (Restarts per user are a gate of the restart workflow: `restart::limiter`.)

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_governor::governor::NotUntil;
use actix_governor::governor::clock::Clock as GovernorClock;
use actix_governor::governor::clock::{DefaultClock, QuantaInstant};
use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::{
    GovernorConfig, GovernorConfigBuilder, KeyExtractor, SimpleKeyExtractionError,
};
use actix_web::dev::ServiceRequest;
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, HttpResponseBuilder};

use crate::auth::proxies::TrustedProxies;
use crate::auth::settings::LimitSettings;
use crate::auth::token::{constant_time_eq, hash_token};
use crate::vars::Secret;
use crate::web::client::client_ip_of;
use crate::web::views::errors::error_page;

pub type LoginLimit = GovernorConfig<ClientIpKey, NoOpMiddleware<QuantaInstant>>;
pub type ApiLimit = GovernorConfig<ApiKeyOrIpKey, NoOpMiddleware<QuantaInstant>>;

/// Keys login attempts by the real client IP.
#[derive(Clone)]
pub struct ClientIpKey {
    trusted: Arc<TrustedProxies>,
}

/// Keys API calls by the API key presented when it is the configured one, else by the real client IP.
#[derive(Clone)]
pub struct ApiKeyOrIpKey {
    trusted: Arc<TrustedProxies>,
    /// The hash of `SMARTMON_API_KEY`, if set.
    key_hash: Option<Arc<str>>,
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
        let presented = req.headers().get("x-api-key").and_then(|v| v.to_str().ok());
        if let (Some(key), Some(configured)) = (presented, &self.key_hash)
            && constant_time_eq(&hash_token(key), configured)
        {
            return Ok(format!("key:{}", &configured[..16]));
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

/// The shared rate limiter states (one per process, whatever the worker count).
#[derive(Clone)]
pub struct Limits {
    pub(crate) login: LoginLimit,
    pub(crate) api: ApiLimit,
}

impl Limits {
    pub fn new(
        limits: &LimitSettings,
        trusted: &TrustedProxies,
        api_key: Option<&Secret>,
    ) -> anyhow::Result<Self> {
        let key_hash = api_key.map(|k| Arc::from(hash_token(k.expose())));
        let (login, api) = governors(limits, trusted, key_hash)?;
        Ok(Self { login, api })
    }

    /// Every minute, drops entries that are back to a full allowance, so memory follows the number of
    /// recent clients rather than every address ever seen.
    pub(crate) fn spawn_housekeeping(&self) -> tokio::task::JoinHandle<()> {
        let limits = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                limits.login.limiter().retain_recent();
                limits.api.limiter().retain_recent();
            }
        })
    }
}

/// Builds the shared login and API limiters (built once: every worker must share one state).
fn governors(
    limits: &LimitSettings,
    trusted: &TrustedProxies,
    key_hash: Option<Arc<str>>,
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
        .key_extractor(ApiKeyOrIpKey { trusted, key_hash })
        .period(Duration::from_secs(60) / limits.api_per_minute)
        .burst_size(limits.api_per_minute)
        .finish()
        .ok_or_else(|| anyhow::anyhow!("SMARTMON_API_RATE_PER_MINUTE gives no usable quota"))?;
    Ok((login, api))
}

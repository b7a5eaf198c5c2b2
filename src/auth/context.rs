//! `AuthContext`: the access-control state built once at start and shared by every worker.

use std::sync::Arc;

use anyhow::Context;

use crate::auth::backoff::LoginBackoff;
use crate::auth::bootstrap::SetupGate;
use crate::auth::cloudflare::CloudflareVerifier;
use crate::auth::limits::{self, ApiLimit, LoginLimit, RestartLimiter};
use crate::auth::session::SessionCache;
use crate::auth::settings::AuthSettings;
use crate::auth::token::{hash_token, random_token};
use crate::clock::Clock;
use crate::vars::Secret;

pub struct AuthContext {
    pub settings: AuthSettings,
    /// `SMARTMON_API_KEY`: what machine clients send as `X-API-Key`.
    pub api_key: Option<Secret>,
    pub cloudflare: Option<CloudflareVerifier>,
    /// Per-account login backoff (form and Basic Auth).
    pub backoff: LoginBackoff,
    /// Restarts per user; the restart workflow calls `check(username)` before acting.
    pub restarts: RestartLimiter,
    pub login_limit: LoginLimit,
    pub api_limit: ApiLimit,
    pub sessions: SessionCache,
    pub setup: SetupGate,
    /// Per-process secret for CSRF tokens of identities without a session (SSO, Basic in a browser).
    csrf_secret: String,
}

impl AuthContext {
    pub fn new(
        settings: AuthSettings,
        api_key: Option<Secret>,
        clock: &Clock,
        setup: SetupGate,
    ) -> anyhow::Result<Arc<Self>> {
        let (login_limit, api_limit) =
            limits::governors(&settings.limits, &settings.trusted_proxies)?;
        let cloudflare = match &settings.sso.cloudflare {
            Some(cf) => Some(
                CloudflareVerifier::new(cf.clone(), clock.clone())
                    .context("cannot set up Cloudflare Access verification")?,
            ),
            None => None,
        };
        Ok(Arc::new(Self {
            backoff: LoginBackoff::new(
                clock.clone(),
                settings.limits.login_max_failures,
                settings.limits.login_backoff,
            ),
            restarts: RestartLimiter::new(
                clock.clone(),
                settings.limits.restart_per_user_per_minute,
            ),
            login_limit,
            api_limit,
            cloudflare,
            sessions: SessionCache::default(),
            setup,
            csrf_secret: random_token()?,
            api_key,
            settings,
        }))
    }

    /// Every minute, drops rate-limiter entries that are back to a full allowance, so memory follows the
    /// number of recent clients rather than every address ever seen. Ends when the context is dropped.
    pub fn spawn_housekeeping(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                let Some(auth) = weak.upgrade() else { break };
                auth.login_limit.limiter().retain_recent();
                auth.api_limit.limiter().retain_recent();
                auth.restarts.retain_recent();
            }
        });
    }

    /// The CSRF token for an identity that has no session row: stable for this process and identity.
    pub fn derived_csrf(&self, kind: &str, username: &str) -> String {
        hash_token(&format!("{}\u{0}{kind}\u{0}{username}", self.csrf_secret))
    }
}

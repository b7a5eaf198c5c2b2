//! `AuthContext`: the access-control state built once at start and shared by every worker, with what it
//! needs (database, clock, settings), so identity, sessions and SSO answer without the web layer.

use std::sync::Arc;

use anyhow::Context;

use crate::auth::backoff::LoginBackoff;
use crate::auth::basic_cache::BasicCache;
use crate::auth::bootstrap::SetupGate;
use crate::auth::cloudflare::CloudflareVerifier;
use crate::auth::refusals::RefusalTally;
use crate::auth::session::SessionCache;
use crate::auth::settings::AuthSettings;
use crate::auth::token::{hash_token, random_token};
use crate::clock::Clock;
use crate::db::health::DbHealth;
use crate::db::{Db, secrets};
use crate::vars::Secret;

pub struct AuthContext {
    pub settings: AuthSettings,
    /// `SMARTMON_API_KEY`: what machine clients send as `X-API-Key`.
    pub api_key: Option<Secret>,
    pub db: Db,
    pub clock: Clock,
    /// Whether the database answers: a known outage lets a cached session stand in.
    health: DbHealth,
    pub cloudflare: Option<CloudflareVerifier>,
    /// Per-account login backoff (form and Basic Auth).
    pub backoff: LoginBackoff,
    /// Limiter refusals, audited one row per client and window.
    pub refusals: RefusalTally,
    pub sessions: SessionCache,
    /// Basic Auth credentials verified in the last minute (`basic_cache`).
    pub basic: BasicCache,
    pub setup: SetupGate,
    /// The key of CSRF tokens for identities without a session (SSO, Basic in a browser), shared by
    /// every replica through the database (`shared_csrf_secret`).
    csrf_secret: Secret,
}

/// What `AuthContext::new` is built from.
pub struct AuthDeps {
    pub settings: AuthSettings,
    pub api_key: Option<Secret>,
    pub db: Db,
    pub clock: Clock,
    pub health: DbHealth,
    pub setup: SetupGate,
    /// From `shared_csrf_secret`.
    pub csrf_secret: Secret,
}

/// The CSRF key every replica on this database shares: created by the first process that needs it
/// (`app_secrets`), read by the others, so a form token issued by one replica is accepted by another.
pub async fn shared_csrf_secret(db: &Db, clock: &Clock) -> anyhow::Result<Secret> {
    let candidate = random_token()?;
    let stored = secrets::get_or_create(&db.conn, "csrf", &candidate, clock.now())
        .await
        .context("cannot read or create the shared CSRF key (app_secrets)")?;
    Ok(Secret::new(stored))
}

impl AuthContext {
    pub fn new(deps: AuthDeps) -> anyhow::Result<Arc<Self>> {
        let AuthDeps {
            settings,
            api_key,
            db,
            clock,
            health,
            setup,
            csrf_secret,
        } = deps;
        let cloudflare = match &settings.sso.cloudflare {
            Some(cf) => Some(
                CloudflareVerifier::new(
                    cf.clone(),
                    settings.sso.groups_claim.clone(),
                    clock.clone(),
                )
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
            cloudflare,
            refusals: RefusalTally::new(db.clone(), clock.clone()),
            sessions: SessionCache::default(),
            basic: BasicCache::new()?,
            setup,
            csrf_secret,
            api_key,
            db,
            clock,
            health,
            settings,
        }))
    }

    /// The CSRF token for an identity that has no session row: the same on every replica for this
    /// identity.
    pub(crate) fn derived_csrf(&self, kind: &str, username: &str) -> String {
        let key = self.csrf_secret.expose();
        hash_token(&format!("{key}\u{0}{kind}\u{0}{username}"))
    }

    pub(crate) fn database_up(&self) -> bool {
        self.health.is_up()
    }
}

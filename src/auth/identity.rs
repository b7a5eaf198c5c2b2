//! Who is asking: resolves the credentials a request presented (`Credentials`, read from the request by
//! the web layer) to a `CurrentUser`, anonymous, or a refusal. In order: an API key (only where the route
//! allows one), a Cloudflare Access JWT, a trusted proxy's identity header, the session cookie, and HTTP
//! Basic Auth. Every refusal is audited.

use std::net::IpAddr;
use std::sync::Arc;

use serde_json::json;

use crate::auth::basic_cache::Lookup;
use crate::auth::password::{verify, verify_dummy};
use crate::auth::token::constant_time_eq;
use crate::auth::{AuthContext, CurrentUser, Resolved, Role, Via, audit};
use crate::db::audit_log::AuditEntry;
use crate::db::entities::users::Model as User;
use crate::db::users;
use crate::domain::AuditAction;
use crate::domain::grant::parse_groups;

/// The credentials one request carries, as the web layer read them.
#[derive(Debug, Default)]
pub struct Credentials {
    /// The client's address (the peer, or what a trusted proxy says).
    pub client_ip: Option<IpAddr>,
    /// `X-API-Key`, only where the route accepts one.
    pub api_key: Option<String>,
    /// `Cf-Access-Jwt-Assertion`.
    pub cloudflare_jwt: Option<String>,
    /// The identity header `SSO_USER_HEADER` names, if present.
    pub proxy_user: Option<ProxyUser>,
    /// The session cookie's token.
    pub session_token: Option<String>,
    /// `Authorization: Basic …`, decoded.
    pub basic: Option<(String, String)>,
}

/// An identity header and whether the peer that sent it is a configured trusted proxy.
#[derive(Debug)]
pub struct ProxyUser {
    pub identity: String,
    /// The groups header (`SMARTMON_SSO_GROUPS_HEADER`) sent with it, honoured only from a trusted peer.
    pub groups: Option<String>,
    pub peer: Option<IpAddr>,
    pub peer_trusted: bool,
}

impl AuthContext {
    /// Resolves `credentials` to a user, anonymous, or a refusal.
    pub async fn resolve(self: &Arc<Self>, credentials: Credentials) -> Resolved {
        let ip = credentials.client_ip.map(|ip| ip.to_string());
        if let Some(given) = credentials.api_key {
            return self.api_key_user(ip, &given).await;
        }
        if let Some(cf) = &self.cloudflare
            && let Some(token) = credentials.cloudflare_jwt
        {
            return match cf.verify(&token).await {
                Ok((identity, groups)) => {
                    self.sso_user(ip, identity, groups, Via::Cloudflare).await
                }
                Err(reason) => {
                    let reason = format!("cloudflare: {reason}");
                    self.refuse_audit(ip, AuditAction::SsoRefused, None, &reason)
                        .await;
                    Resolved::refused("Your Cloudflare Access token was not accepted.")
                }
            };
        }
        if let Some(proxy) = credentials.proxy_user {
            if proxy.peer_trusted {
                let identity = proxy.identity.trim().to_lowercase();
                let groups = parse_groups(proxy.groups.as_deref().unwrap_or_default());
                return self.sso_user(ip, identity, groups, Via::ProxyHeader).await;
            }
            let header = self.settings.sso.user_header.as_deref().unwrap_or_default();
            let peer = proxy.peer.map(|p| p.to_string()).unwrap_or_default();
            let reason = format!("{header} header from untrusted peer {peer}");
            self.refuse_audit(
                ip.clone(),
                AuditAction::SsoRefused,
                Some(proxy.identity),
                &reason,
            )
            .await;
        }
        if let Some(token) = credentials.session_token
            && let Some(live) = self.lookup_session(&token).await
        {
            let role = live.user.role;
            return Resolved::User(CurrentUser {
                username: live.user.username,
                role,
                via: Via::Session,
                csrf_token: live.csrf_token,
                session_id: Some(live.id),
                groups: Vec::new(),
            });
        }
        if self.settings.basic_auth
            && let Some((username, password)) = credentials.basic
        {
            return self.basic_user(ip, username, password).await;
        }
        Resolved::Anonymous
    }

    /// Wrong keys count against the client's address like failed logins: after
    /// `SMARTMON_LOGIN_MAX_FAILURES` of them the address backs off (429), whatever key it sends next, so
    /// a guess that happens to be right cannot be told from a wrong one while it waits.
    async fn api_key_user(&self, ip: Option<String>, given: &str) -> Resolved {
        let address = format!("api-key-ip:{}", ip.as_deref().unwrap_or("unknown"));
        if let Err(wait) = self.backoff.check(&address) {
            let secs = wait.as_secs().max(1);
            self.record_refusal(ip, AuditAction::ApiKeyRefused, None, "backing off")
                .await;
            return Resolved::Throttled {
                message: format!(
                    "Too many wrong API keys from your address. Try again in {secs} seconds."
                ),
                retry_after_secs: secs,
            };
        }
        let ok = self
            .api_key
            .as_ref()
            .is_some_and(|key| constant_time_eq(given, key.expose()));
        if ok {
            return Resolved::User(CurrentUser {
                username: "api-key".into(),
                role: Role::Operator,
                via: Via::ApiKey,
                csrf_token: String::new(),
                session_id: None,
                groups: Vec::new(),
            });
        }
        self.backoff.failed(&address);
        let reason = "wrong or unconfigured API key";
        self.record_refusal(ip, AuditAction::ApiKeyRefused, None, reason)
            .await;
        Resolved::refused("The API key is not valid.")
    }
}

/// How many password checks run at once: one per buffer of argon2 memory (`hash_memory`), so a check
/// waits here, on the async side, rather than on a blocking thread.
static PASSWORD_CHECKS: tokio::sync::Semaphore =
    tokio::sync::Semaphore::const_new(crate::auth::hash_memory::POOL_SIZE);

impl AuthContext {
    async fn basic_user(&self, ip: Option<String>, username: String, password: String) -> Resolved {
        let auth = self;
        // Basic Auth has no login form to limit per IP, so failures also back off the client address.
        let address = format!("basic-ip:{}", ip.as_deref().unwrap_or("unknown"));
        let throttled = match (auth.backoff.check(&username), auth.backoff.check(&address)) {
            (Err(_), _) => Some("Too many failed logins for this account; try again later."),
            (_, Err(_)) => Some("Too many failed logins from your address; try again later."),
            _ => None,
        };
        if let Some(message) = throttled {
            auth.record_refusal(ip, AuditAction::LoginThrottled, Some(username), message)
                .await;
            return Resolved::refused(message);
        }
        let now = auth.clock.now();
        if let Some(user) = auth.held_basic(&username, &password, now).await {
            return Resolved::User(auth.basic_identity(user));
        }
        // Another request may be verifying this very credential: wait for it, then look again.
        let _turn = auth.basic.turn(&username, &password).await;
        if let Some(user) = auth.held_basic(&username, &password, now).await {
            return Resolved::User(auth.basic_identity(user));
        }
        // Read before the account row, so a change landing during the check is noticed on the next use.
        let generation = users::generation();
        let checked = match auth.check_password(&username, &password).await {
            Ok(checked) => checked,
            Err(err) => {
                tracing::warn!(error = %err, "cannot check a Basic Auth password");
                return Resolved::Unavailable;
            }
        };
        match checked {
            Some(user) => {
                auth.backoff.succeeded(&username);
                auth.basic
                    .remember(&username, &password, user.clone(), now, generation);
                Resolved::User(auth.basic_identity(user))
            }
            None => {
                auth.backoff.failed(&username);
                auth.backoff.failed(&address);
                auth.refuse_audit(ip, AuditAction::LoginFailed, Some(username), "basic auth")
                    .await;
                Resolved::refused("Wrong username or password.")
            }
        }
    }

    /// The user of a Basic Auth credential verified within `basic_cache::KEEP_SECS`, its account row
    /// compared again first when it may have changed. None: verify the password.
    async fn held_basic(&self, username: &str, password: &str, now: f64) -> Option<User> {
        match self.basic.lookup(username, password, now) {
            Lookup::Fresh(user) => Some(user),
            Lookup::Missing => None,
            Lookup::Recheck => {
                let generation = users::generation();
                // A failed read falls back to the full check, which reports the outage.
                let row = users::find_by_username(&self.db.conn, username)
                    .await
                    .ok()?;
                self.basic.confirm(username, password, row, now, generation)
            }
        }
    }

    fn basic_identity(&self, user: User) -> CurrentUser {
        CurrentUser {
            csrf_token: self.derived_csrf("basic", &user.username),
            role: user.role,
            username: user.username,
            via: Via::Basic,
            session_id: None,
            groups: Vec::new(),
        }
    }

    /// The enabled user with this name and password; `Ok(None)` otherwise, taking the same time whether or
    /// not the name exists. The hashing runs off the async workers, at most `PASSWORD_CHECKS` at a time.
    /// `Err` only when the database fails, at once while it is known to be down.
    pub(crate) async fn check_password(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<crate::db::entities::users::Model>, sea_orm::DbErr> {
        if !self.database_up() {
            let known = "the database is known to be down".to_owned();
            return Err(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::Internal(known)));
        }
        let user = users::find_by_username(&self.db.conn, username).await?;
        let password = password.to_owned();
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        // The semaphore is never closed, so acquiring only waits.
        let _slot = PASSWORD_CHECKS.acquire().await.ok();
        let matches = tokio::task::spawn_blocking(move || match stored {
            Some(stored) => verify(&password, &stored),
            None => {
                verify_dummy(&password);
                false
            }
        })
        .await
        .unwrap_or(false);
        Ok(user.filter(|u| matches && !u.disabled))
    }

    /// Audits a limiter's refusal in aggregate: one row per client, action and window, with a count.
    pub(crate) async fn record_refusal(
        &self,
        ip: Option<String>,
        action: AuditAction,
        username: Option<String>,
        reason: &str,
    ) {
        tracing::debug!(action = action.as_str(), reason, "refused by a limit");
        self.refusals
            .record(AuditEntry {
                username,
                client_ip: ip,
                success: false,
                detail: Some(json!({ "reason": reason })),
                ..AuditEntry::new(action)
            })
            .await;
    }

    pub(crate) async fn refuse_audit(
        &self,
        ip: Option<String>,
        action: AuditAction,
        username: Option<String>,
        reason: &str,
    ) {
        tracing::warn!(action = action.as_str(), reason, "credentials refused");
        audit(
            &self.db,
            &self.clock,
            AuditEntry {
                username,
                client_ip: ip,
                success: false,
                detail: Some(json!({ "reason": reason })),
                ..AuditEntry::new(action)
            },
        )
        .await;
    }
}

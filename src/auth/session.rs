//! Server-side sessions: created at login with a fresh random token (the cookie) whose SHA-256 is the row's
//! id; ended by logout, idle timeout, absolute lifetime, a password change or disabling the user.
//!
//! Validated sessions are also kept in memory. For `TRUST_CACHED_SECS` after the database confirmed one,
//! requests are answered from that copy (the live pages make no database round trip); until
//! `STALE_GRACE_SECS` they still are while one background check runs; an older copy is checked first.
//! Logout, disabling a user and role changes drop the copy at once in this process; a change made
//! elsewhere (another replica, the CLI) takes effect here within `STALE_GRACE_SECS` (and one check).
//! While the database is known to be down, the copy serves a logged-in operator (with the outage banner).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::auth::AuthContext;
use crate::auth::token::{hash_token, random_token};
use crate::db::entities::{sessions as session_rows, users};
use crate::db::sessions;

const TOUCH_EVERY_SECS: f64 = 15.0;
/// How long a session the database confirmed is trusted from memory without a new check.
const TRUST_CACHED_SECS: f64 = 2.5;
/// Up to this age a request is still answered from memory while one background check runs; older
/// copies are checked before answering. This is the bound on a change made in another process.
const STALE_GRACE_SECS: f64 = 5.0;
const MAX_CACHED: usize = 10_000;

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub id: String,
    pub csrf_token: String,
    pub user: users::Model,
    last_seen_at: f64,
    expires_at: f64,
    /// When the database last confirmed this session (the clock's time).
    verified_at: f64,
    /// When a background check of this copy began, if one is running.
    check_started: Option<f64>,
}

impl LiveSession {
    fn alive(&self, now: f64, idle: f64) -> bool {
        self.expires_at > now && now - self.last_seen_at < idle
    }
}

#[derive(Default)]
pub struct SessionCache(Mutex<HashMap<String, LiveSession>>);

impl SessionCache {
    fn put(&self, session: &LiveSession) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_CACHED {
            map.clear();
        }
        map.insert(session.id.clone(), session.clone());
    }

    fn get(&self, id: &str) -> Option<LiveSession> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    /// True for the one caller that should start a background check of session `id` (none running, or
    /// the last one started more than `STALE_GRACE_SECS` ago and never finished).
    fn claim_check(&self, id: &str, now: f64) -> bool {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let Some(session) = map.get_mut(id) else {
            return false;
        };
        let running = session
            .check_started
            .is_some_and(|t| (0.0..STALE_GRACE_SECS).contains(&(now - t)));
        if !running {
            session.check_started = Some(now);
        }
        !running
    }

    pub fn forget(&self, id: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
    }

    pub(crate) fn forget_user(&self, user_id: i64) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, s| s.user.id != user_id);
    }

    /// Drops every cached session of the user named `username` (their role or account changed).
    pub(crate) fn forget_username(&self, username: &str) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, s| s.user.username != username);
    }
}

impl AuthContext {
    /// Creates a session for `user`; returns the cookie token (shown to the browser once, stored hashed).
    pub(crate) async fn create_session(
        &self,
        user: &users::Model,
        client_ip: Option<String>,
        user_agent: Option<String>,
    ) -> anyhow::Result<String> {
        let token = random_token()?;
        let now = self.clock.now();
        let row = session_rows::Model {
            id: hash_token(&token),
            user_id: user.id,
            csrf_token: random_token()?,
            created_at: now,
            last_seen_at: now,
            expires_at: now + self.settings.session_lifetime.as_secs_f64(),
            client_ip,
            user_agent: user_agent.map(|ua| ua.chars().take(200).collect()),
        };
        sessions::insert(&self.db.conn, row).await?;
        let idle = self.settings.session_idle.as_secs_f64();
        if let Err(err) = sessions::delete_expired(&self.db.conn, now, idle).await {
            tracing::warn!(error = %err, "cannot purge expired sessions");
        }
        Ok(token)
    }

    /// The live session for a cookie token, if it exists, is within its idle and absolute limits, and its
    /// user is enabled. Expired sessions are deleted on sight.
    pub(crate) async fn lookup_session(self: &Arc<Self>, token: &str) -> Option<LiveSession> {
        let id = hash_token(token);
        let now = self.clock.now();
        let idle = self.settings.session_idle.as_secs_f64();
        let cached = self.sessions.get(&id).filter(|c| c.alive(now, idle));
        if let Some(cached) = &cached {
            let age = now - cached.verified_at;
            if (0.0..TRUST_CACHED_SECS).contains(&age) {
                return Some(cached.clone());
            }
            // Stale but recent: answer from memory while one request checks with the database in the
            // background, so a slow database never holds up pages (and the check still lands in time).
            if (0.0..STALE_GRACE_SECS).contains(&age) {
                if self.sessions.claim_check(&id, now) {
                    let (auth, id, copy) = (self.clone(), id.clone(), cached.clone());
                    tokio::spawn(
                        async move { auth.check_session(&id, now, idle, Some(copy)).await },
                    );
                }
                return Some(cached.clone());
            }
            // The database is known to be down (no revocation can happen there meanwhile): don't wait on it.
            if !self.database_up() {
                return Some(cached.clone());
            }
        }
        self.check_session(&id, now, idle, cached).await
    }

    /// Asks the database about session `id`, ending it if it is over its limits or its user is disabled, and
    /// refreshes the in-memory copy. When the database does not answer, `cached` (if alive) stands in.
    async fn check_session(
        &self,
        id: &str,
        now: f64,
        idle: f64,
        cached: Option<LiveSession>,
    ) -> Option<LiveSession> {
        let found = match sessions::find_with_user(&self.db.conn, id).await {
            Ok(found) => found.map(|(s, user)| LiveSession {
                id: s.id,
                csrf_token: s.csrf_token,
                user,
                last_seen_at: s.last_seen_at,
                expires_at: s.expires_at,
                verified_at: now,
                check_started: None,
            }),
            Err(err) => {
                tracing::warn!(error = %err, "session lookup failed; using the in-memory copy if any");
                return cached;
            }
        };
        let Some(mut live) = found else {
            self.sessions.forget(id);
            return None;
        };
        if live.expires_at <= now || now - live.last_seen_at >= idle || live.user.disabled {
            self.end_session(&live.id).await;
            return None;
        }
        if now - live.last_seen_at >= TOUCH_EVERY_SECS {
            if let Err(err) = sessions::touch(&self.db.conn, &live.id, now).await {
                tracing::warn!(error = %err, "cannot record session activity");
            }
            live.last_seen_at = now;
        }
        self.sessions.put(&live);
        Some(live)
    }

    /// Deletes one session (logout, expiry).
    pub(crate) async fn end_session(&self, id: &str) {
        self.sessions.forget(id);
        if let Err(err) = sessions::delete(&self.db.conn, id).await {
            tracing::warn!(error = %err, "cannot delete a session");
        }
    }
}

//! First run. With no users, `SMARTMON_ADMIN_PASSWORD` (or `_FILE`) creates `admin`; otherwise a one-time
//! setup token is printed at start and `/setup` (token required, only while no user exists) creates the
//! first admin. There is no default password anywhere.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;

use crate::auth::accounts::{self, NewUser};
use crate::auth::settings::AuthSettings;
use crate::auth::token::{constant_time_eq, random_token};
use crate::auth::{Role, audit};
use crate::clock::Clock;
use crate::db::audit_log::AuditEntry;
use crate::db::{Db, users};
use crate::domain::AuditAction;

/// Whether `/setup` is still open, and the token it wants.
pub struct SetupGate {
    closed: AtomicBool,
    token: Mutex<Option<String>>,
}

impl SetupGate {
    pub fn closed() -> Self {
        Self {
            closed: AtomicBool::new(true),
            token: Mutex::new(None),
        }
    }

    /// True while no user exists (checked against the database until it first finds one).
    pub(crate) async fn is_open(&self, db: &Db) -> bool {
        if self.closed.load(Ordering::Relaxed) {
            return false;
        }
        match users::count(&db.conn).await {
            Ok(0) => true,
            Ok(_) => {
                self.close();
                false
            }
            Err(_) => false,
        }
    }

    /// The printed setup token, while setup is open (tests read it here instead of from stderr).
    pub fn token(&self) -> Option<String> {
        if self.closed.load(Ordering::Relaxed) {
            return None;
        }
        self.token.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Takes the setup token if `given` matches it (constant time), so two concurrent setups cannot both
    /// succeed; `restore` puts it back when the form was rejected for another reason.
    pub fn take(&self, given: &str) -> Option<String> {
        if self.closed.load(Ordering::Relaxed) {
            return None;
        }
        let mut slot = self.token.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_deref() {
            Some(token) if constant_time_eq(given, token) => slot.take(),
            _ => None,
        }
    }

    pub fn restore(&self, token: String) {
        if !self.closed.load(Ordering::Relaxed) {
            *self.token.lock().unwrap_or_else(|p| p.into_inner()) = Some(token);
        }
    }

    pub fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// Runs at start: creates `admin` from the configured password, or opens setup with a fresh token.
pub(crate) async fn first_run(
    db: &Db,
    clock: &Clock,
    settings: &AuthSettings,
) -> anyhow::Result<SetupGate> {
    if users::count(&db.conn).await? > 0 {
        return Ok(SetupGate::closed());
    }
    if let Some(password) = &settings.admin_password {
        let new = NewUser {
            username: "admin",
            password: password.expose(),
            role: Role::Admin,
        };
        match accounts::create(db, clock, new, "SMARTMON_ADMIN_PASSWORD", None).await {
            Ok(_) => {}
            Err(accounts::AccountError::Invalid(why)) => {
                anyhow::bail!("SMARTMON_ADMIN_PASSWORD: {why}")
            }
            // Another replica created it at the same moment.
            Err(accounts::AccountError::Exists(_)) => {}
            Err(accounts::AccountError::Unexpected(err)) => return Err(err),
        }
        tracing::info!("created the first admin account \"admin\" from SMARTMON_ADMIN_PASSWORD");
        return Ok(SetupGate::closed());
    }
    let token = random_token()?;
    eprintln!(
        "smartmon: no users yet. Open /setup and enter this one-time setup token to create the first admin:\n\n    {token}\n\n(or set SMARTMON_ADMIN_PASSWORD, or run `smartmon user add NAME --role admin`)"
    );
    tracing::warn!("no users yet: the one-time setup token is printed on stderr; /setup is open");
    audit(
        db,
        clock,
        AuditEntry {
            success: true,
            detail: Some(json!({ "reason": "no users" })),
            ..AuditEntry::new(AuditAction::SetupOpened)
        },
    )
    .await;
    Ok(SetupGate {
        closed: AtomicBool::new(false),
        token: Mutex::new(Some(token)),
    })
}

//! Access control: who may use the console and how they prove it.
//!
//! Ways in (`identity`): session cookie from the login form (`session`), HTTP Basic Auth, Cloudflare Access
//! JWT (`cloudflare`), a trusted auth-proxy header (`sso`), and `X-API-Key` for the JSON API. Login backoff
//! is `backoff`; accounts (CLI, Users page, first-run `bootstrap`) are `accounts`. Nothing here knows HTTP:
//! the web layer reads a request's `Credentials`, asks `AuthContext::resolve`, and enforces each route's
//! access, CSRF and rate limits itself (`web::guard`, `web::csrf`, `web::limits`).

pub mod accounts;
pub mod backoff;
pub mod basic_cache;
pub mod bootstrap;
pub mod cli;
pub mod cloudflare;
pub mod context;
mod hash_memory;
pub mod identity;
pub mod login;
pub mod password;
pub mod proxies;
pub mod refusals;
pub mod revocation;
pub mod session;
pub mod settings;
pub mod sso;
pub mod token;
mod user;

use crate::clock::Clock;
use crate::db::Db;
use crate::db::audit_log::{self, AuditEntry};

pub use context::{AuthContext, AuthDeps};
pub use identity::{Credentials, ProxyUser};
pub use settings::AuthSettings;
pub use user::{CurrentUser, Resolved, Via};

/// Roles are a domain type; re-exported here where access control uses them.
pub use crate::domain::Role;

/// Appends an audit row; a failure to record is logged, never hidden, and never blocks the request.
pub async fn audit(db: &Db, clock: &Clock, entry: AuditEntry) {
    let entry = tidy(entry);
    let action = entry.action;
    if let Err(err) = audit_log::insert(&db.conn, clock.now(), entry).await {
        tracing::error!(action = action.as_str(), error = %err, "cannot write the audit row");
    }
}

/// Attacker-supplied names (a login form's username) are cut to 128 characters, and control characters
/// (a NUL, which Postgres cannot store) become U+FFFD, so the row is always written.
pub(crate) fn tidy(mut entry: AuditEntry) -> AuditEntry {
    let clean = |text: Option<String>| {
        text.map(|t| {
            t.chars()
                .take(128)
                .map(|c| if c.is_control() { '\u{fffd}' } else { c })
                .collect::<String>()
        })
    };
    entry.username = clean(entry.username);
    entry.target = clean(entry.target);
    entry.client_ip = clean(entry.client_ip);
    entry.hostname = clean(entry.hostname);
    entry
}

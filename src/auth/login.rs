//! The login form's workflow: per-account backoff, the password check, a brand-new session (ending the one
//! the browser had), and an audit row for every outcome. The web handler only maps the outcome to a page.

use std::time::Duration;

use serde_json::json;

use crate::auth::token::hash_token;
use crate::auth::{AuthContext, audit};
use crate::db::audit_log::AuditEntry;
use crate::db::users;
use crate::domain::AuditAction;

/// One login attempt, as the form sent it.
pub struct LoginAttempt<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The token of the session the browser already has, ended on success.
    pub old_session: Option<&'a str>,
}

/// How a login attempt ended.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Too many failures for this account: try again after `wait`.
    Throttled { wait: Duration },
    /// Wrong name or password; `backoff` is set once this failure started a backoff.
    Refused { backoff: Option<Duration> },
    /// A new session; `token` goes into the cookie.
    LoggedIn { token: String },
}

impl AuthContext {
    /// Checks the attempt and, when it succeeds, opens a session.
    pub(crate) async fn log_in(&self, attempt: LoginAttempt<'_>) -> anyhow::Result<LoginOutcome> {
        let username = attempt.username.trim();
        let entry = |action: AuditAction, success: bool, detail: serde_json::Value| AuditEntry {
            username: Some(username.to_owned()),
            client_ip: attempt.client_ip.clone(),
            success,
            detail: Some(detail),
            ..AuditEntry::new(action)
        };
        if let Err(wait) = self.backoff.check(username) {
            let detail = json!({ "retry_after": wait.as_secs() });
            self.refusals
                .record(entry(AuditAction::LoginThrottled, false, detail))
                .await;
            return Ok(LoginOutcome::Throttled { wait });
        }
        let Some(user) = self.check_password(username, attempt.password).await? else {
            let backoff = self.backoff.failed(username);
            let detail = json!({ "method": "form" });
            audit(
                &self.db,
                &self.clock,
                entry(AuditAction::LoginFailed, false, detail),
            )
            .await;
            return Ok(LoginOutcome::Refused { backoff });
        };
        self.backoff.succeeded(username);
        if let Some(old) = attempt.old_session {
            self.end_session(&hash_token(old)).await;
        }
        let token = self
            .create_session(&user, attempt.client_ip.clone(), attempt.user_agent)
            .await?;
        if let Err(err) = users::touch_login(&self.db.conn, user.id, self.clock.now()).await {
            tracing::warn!(error = %err, "cannot record the login time");
        }
        let detail = json!({ "method": "form" });
        audit(
            &self.db,
            &self.clock,
            entry(AuditAction::Login, true, detail),
        )
        .await;
        Ok(LoginOutcome::LoggedIn { token })
    }
}

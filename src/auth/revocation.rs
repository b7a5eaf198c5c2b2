//! Whether a caller who was let in is still let in now, asked of the database (not the session
//! cache) by requests that outlive a page load: the live stream re-asks every few seconds, so a
//! logout, a disabled account, a new password or a new role ends it on every replica.

use crate::auth::{AuthContext, CurrentUser, Via};
use crate::db::{sessions, users};

/// The answer; `Unknown` while the database does not answer (the caller carries on meanwhile).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StillIn {
    Yes,
    No,
    Unknown,
}

impl AuthContext {
    /// A session user: the session row still exists, is within its absolute lifetime, and its user is
    /// enabled with the same role. Basic Auth and SSO users: the account still exists and is
    /// enabled; Basic also has the same role and no password set after `since` (when the caller was
    /// let in). API-key callers stay in.
    pub async fn still_in(&self, user: &CurrentUser, since: f64) -> StillIn {
        let checked = match (user.via, user.session_id.as_deref()) {
            (Via::ApiKey, _) => return StillIn::Yes,
            (Via::Session, Some(id)) => self.session_still_in(id, user).await,
            (Via::Session, None) => return StillIn::No,
            (via, _) => users::find_by_username(&self.db.conn, &user.username)
                .await
                .map(|row| {
                    row.is_some_and(|row| {
                        let basic_same = row.role == user.role && row.password_changed_at <= since;
                        !row.disabled && (via != Via::Basic || basic_same)
                    })
                }),
        };
        match checked {
            Ok(true) => StillIn::Yes,
            Ok(false) => StillIn::No,
            Err(err) => {
                tracing::debug!(error = %err, "cannot re-check a live stream's session");
                StillIn::Unknown
            }
        }
    }

    async fn session_still_in(&self, id: &str, user: &CurrentUser) -> Result<bool, sea_orm::DbErr> {
        let Some((session, row)) = sessions::find_with_user(&self.db.conn, id).await? else {
            return Ok(false);
        };
        // Idleness is not checked: a page left open keeps its stream (and stays as it is) until the
        // operator's next click, which the idle limit then answers with the login page.
        Ok(session.expires_at > self.clock.now() && !row.disabled && row.role == user.role)
    }
}

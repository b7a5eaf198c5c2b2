//! Managing local accounts, shared by the CLI, the Users page, first-run setup and tests. Every change is
//! audited; changing a password or disabling a user ends that user's sessions.

use serde_json::json;

use crate::auth::password::{check_strength, hash};
use crate::auth::{Role, audit};
use crate::clock::Clock;
use crate::db::audit_log::AuditEntry;
use crate::db::entities::users::Model;
use crate::db::{Db, sessions, users};
use crate::domain::AuditAction;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Input the person can fix (bad name, weak password, unknown user).
    #[error("{0}")]
    Invalid(String),
    #[error("a user named {0:?} already exists")]
    Exists(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for AccountError {
    fn from(err: sea_orm::DbErr) -> Self {
        AccountError::Unexpected(err.into())
    }
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub role: Role,
}

/// Letters, digits and `._@-`, 1 to 64 characters (e-mail addresses from SSO fit).
pub(crate) fn check_username(name: &str) -> Result<(), AccountError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(AccountError::Invalid(
            "a username has 1 to 64 letters, digits, dots, dashes, underscores or @".into(),
        ))
    }
}

/// Creates a user; `actor` is who did it (a username, or `cli`, `setup`, …) for the audit row.
pub async fn create(
    db: &Db,
    clock: &Clock,
    new: NewUser<'_>,
    actor: &str,
    ip: Option<String>,
) -> Result<Model, AccountError> {
    check_username(new.username)?;
    check_strength(new.password).map_err(AccountError::Invalid)?;
    if users::find_by_username(&db.conn, new.username)
        .await?
        .is_some()
    {
        return Err(AccountError::Exists(new.username.to_owned()));
    }
    let password = new.password.to_owned();
    let hashed = tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(anyhow::Error::from)??;
    let user = users::insert(&db.conn, new.username, hashed, new.role, clock.now())
        .await
        .map_err(|err| match users_exists(&err) {
            true => AccountError::Exists(new.username.to_owned()),
            false => AccountError::Unexpected(err.into()),
        })?;
    record(
        db,
        clock,
        actor,
        ip,
        AuditAction::UserCreated,
        new.username,
        json!({ "role": new.role.as_str() }),
    )
    .await;
    Ok(user)
}

fn users_exists(err: &sea_orm::DbErr) -> bool {
    let text = err.to_string().to_lowercase();
    text.contains("unique") || text.contains("duplicate")
}

pub async fn find(db: &Db, username: &str) -> Result<Model, AccountError> {
    users::find_by_username(&db.conn, username)
        .await?
        .ok_or_else(|| AccountError::Invalid(format!("there is no user named {username:?}")))
}

/// Sets a new password and ends the user's sessions except `keep_session` (the one making the change).
pub async fn change_password(
    db: &Db,
    clock: &Clock,
    username: &str,
    password: &str,
    keep_session: Option<&str>,
    actor: &str,
) -> Result<u64, AccountError> {
    check_strength(password).map_err(AccountError::Invalid)?;
    let user = find(db, username).await?;
    let password = password.to_owned();
    let hashed = tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(anyhow::Error::from)??;
    users::set_password(&db.conn, user.id, hashed, clock.now()).await?;
    let ended = sessions::delete_for_user(&db.conn, user.id, keep_session).await?;
    record(
        db,
        clock,
        actor,
        None,
        AuditAction::UserPasswordChanged,
        username,
        json!({ "sessions_ended": ended }),
    )
    .await;
    Ok(ended)
}

/// Disables (ending every session) or re-enables a user.
pub async fn set_disabled(
    db: &Db,
    clock: &Clock,
    username: &str,
    disabled: bool,
    actor: &str,
) -> Result<(), AccountError> {
    let user = find(db, username).await?;
    users::set_disabled(&db.conn, user.id, disabled).await?;
    let mut ended = 0;
    if disabled {
        ended = sessions::delete_for_user(&db.conn, user.id, None).await?;
    }
    let action = if disabled {
        AuditAction::UserDisabled
    } else {
        AuditAction::UserEnabled
    };
    record(
        db,
        clock,
        actor,
        None,
        action,
        username,
        json!({ "sessions_ended": ended }),
    )
    .await;
    Ok(())
}

pub(crate) async fn set_role(
    db: &Db,
    clock: &Clock,
    username: &str,
    role: Role,
    actor: &str,
) -> Result<(), AccountError> {
    let user = find(db, username).await?;
    users::set_role(&db.conn, user.id, role).await?;
    record(
        db,
        clock,
        actor,
        None,
        AuditAction::UserRoleChanged,
        username,
        json!({ "from": user.role.as_str(), "to": role.as_str() }),
    )
    .await;
    Ok(())
}

async fn record(
    db: &Db,
    clock: &Clock,
    actor: &str,
    ip: Option<String>,
    action: AuditAction,
    target: &str,
    detail: serde_json::Value,
) {
    audit(
        db,
        clock,
        AuditEntry {
            username: Some(actor.to_owned()),
            client_ip: ip,
            target: Some(target.to_owned()),
            success: true,
            detail: Some(detail),
            ..AuditEntry::new(action)
        },
    )
    .await;
}

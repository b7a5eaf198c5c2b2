//! Single sign-on identities (Cloudflare Access, trusted auth proxy) mapped to roles and local accounts.

use serde_json::json;

use crate::auth::identity::{CurrentUser, Resolved, Via, refuse_audit};
use crate::auth::{Role, audit};
use crate::db::audit_log::AuditEntry;
use crate::db::users;
use crate::domain::AuditAction;
use crate::domain::PasswordHash;
use crate::state::AppState;

/// Maps an SSO identity to a user: the configured role lists win, then a local account's role; an unknown
/// identity gets a password-less viewer account, or is refused with `SSO_AUTO_CREATE=false`.
pub(crate) async fn sso_user(
    state: &AppState,
    ip: Option<String>,
    identity: String,
    via: Via,
) -> Resolved {
    let sso = &state.auth.settings.sso;
    let listed = if sso.admins.contains(&identity) {
        Some(Role::Admin)
    } else if sso.operators.contains(&identity) {
        Some(Role::Operator)
    } else {
        None
    };
    let local = match users::find_by_username(&state.db.conn, &identity).await {
        Ok(local) => local,
        Err(err) => {
            tracing::warn!(error = %err, "cannot look up an SSO identity");
            None
        }
    };
    let role = match &local {
        Some(user) if user.disabled => {
            refuse_audit(
                state,
                ip,
                AuditAction::SsoRefused,
                Some(identity),
                "account disabled",
            )
            .await;
            return Resolved::Refused {
                forbidden: true,
                message: "Your account is disabled.".into(),
            };
        }
        Some(user) => listed.unwrap_or(user.role),
        None if sso.auto_create => {
            let role = listed.unwrap_or(Role::Viewer);
            let created = users::insert(
                &state.db.conn,
                &identity,
                PasswordHash::SsoOnly,
                role,
                state.clock.now(),
            )
            .await;
            if created.is_ok() {
                audit(
                    &state.db,
                    &state.clock,
                    AuditEntry {
                        username: Some(identity.clone()),
                        client_ip: ip,
                        target: Some(identity.clone()),
                        success: true,
                        detail: Some(json!({"via": "sso", "role": role.as_str()})),
                        ..AuditEntry::new(AuditAction::UserCreated)
                    },
                )
                .await;
            }
            role
        }
        None => {
            refuse_audit(
                state,
                ip,
                AuditAction::SsoRefused,
                Some(identity),
                "unknown identity (SSO_AUTO_CREATE=false)",
            )
            .await;
            return Resolved::Refused {
                forbidden: true,
                message: "Your identity has no account here.".into(),
            };
        }
    };
    let kind = if via == Via::Cloudflare {
        "cloudflare"
    } else {
        "proxy"
    };
    Resolved::User(CurrentUser {
        csrf_token: state.auth.derived_csrf(kind, &identity),
        username: identity,
        role,
        via,
        session_id: None,
    })
}

//! Single sign-on identities (Cloudflare Access, trusted auth proxy) mapped to roles and local accounts;
//! the groups the proxy or token named ride along on the `CurrentUser` of that request (for grants).

use serde_json::json;

use crate::auth::accounts::{AccountError, check_username};
use crate::auth::{AuthContext, CurrentUser, Resolved, Role, Via, audit};
use crate::db::audit_log::AuditEntry;
use crate::db::users;
use crate::domain::AuditAction;
use crate::domain::PasswordHash;

/// Maps an SSO identity to a user: the configured role lists win, then a local account's role; an unknown
/// identity gets a password-less viewer account, or is refused with `SSO_AUTO_CREATE=false`.
impl AuthContext {
    pub(crate) async fn sso_user(
        &self,
        ip: Option<String>,
        identity: String,
        groups: Vec<String>,
        via: Via,
    ) -> Resolved {
        let sso = &self.settings.sso;
        let listed = if sso.admins.contains(&identity) {
            Some(Role::Admin)
        } else if sso.operators.contains(&identity) {
            Some(Role::Operator)
        } else {
            None
        };
        let local = match users::find_by_username(&self.db.conn, &identity).await {
            Ok(local) => local,
            Err(err) => {
                tracing::warn!(error = %err, "cannot look up an SSO identity");
                None
            }
        };
        let role = match &local {
            Some(user) if user.disabled => {
                self.refuse_audit(
                    ip,
                    AuditAction::SsoRefused,
                    Some(identity),
                    "account disabled",
                )
                .await;
                return Resolved::forbidden("Your account is disabled.");
            }
            Some(user) => listed.unwrap_or(user.role),
            None if sso.auto_create => {
                // The same rule as the Users page, so every account can be managed there.
                if let Err(AccountError::Invalid(why)) = check_username(&identity) {
                    let reason = format!("identity is not a valid username: {why}");
                    self.refuse_audit(ip, AuditAction::SsoRefused, Some(identity), &reason)
                        .await;
                    return Resolved::forbidden(&format!(
                        "Your identity cannot be used as a username here ({why}); ask an admin."
                    ));
                }
                let role = listed.unwrap_or(Role::Viewer);
                let created = users::insert(
                    &self.db.conn,
                    &identity,
                    PasswordHash::SsoOnly,
                    role,
                    self.clock.now(),
                )
                .await;
                if created.is_ok() {
                    audit(
                        &self.db,
                        &self.clock,
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
                self.refuse_audit(
                    ip,
                    AuditAction::SsoRefused,
                    Some(identity),
                    "unknown identity (SSO_AUTO_CREATE=false)",
                )
                .await;
                return Resolved::forbidden("Your identity has no account here.");
            }
        };
        let kind = if via == Via::Cloudflare {
            "cloudflare"
        } else {
            "proxy"
        };
        Resolved::User(CurrentUser {
            csrf_token: self.derived_csrf(kind, &identity),
            username: identity,
            role,
            via,
            session_id: None,
            groups,
        })
    }
}

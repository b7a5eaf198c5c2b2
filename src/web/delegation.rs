//! Delegation at the web boundary: the grants a signed-in user holds (their name's and their SSO
//! groups'), the domain rule (`domain::grant::decide`) asked for one unit, and a refusal turned into an
//! audited 403 with the reason. Operators, admins and API-key callers need no lookup.

use actix_web::HttpRequest;
use serde_json::json;

use crate::auth::{CurrentUser, Role, Via, audit};
use crate::db::audit_log::AuditEntry;
use crate::db::unit_grants;
use crate::domain::grant::{Caller, Decision, decide};
use crate::domain::{AuditAction, Grant, Permission, UnitAction, UnitName};
use crate::restart::Actor;
use crate::web::client::client_ip;
use crate::web::error::AppError;
use crate::web::state::AppState;

/// Who asks, as the restart workflow sees them by their role alone (no grant consulted).
pub(crate) fn actor_of(user: &CurrentUser) -> Actor {
    match user.via {
        Via::ApiKey => Actor::ApiKey,
        _ => Actor::User {
            name: user.username.clone(),
            role: user.role,
        },
    }
}

/// What one caller may do, with their grants loaded once for the request.
pub(crate) struct Delegation<'a> {
    user: &'a CurrentUser,
    grants: Vec<Grant>,
    logs_need_grant: bool,
}

impl<'a> Delegation<'a> {
    /// Loads `user`'s grants (none are looked up for operators, admins and API-key callers).
    pub(crate) async fn of(state: &AppState, user: &'a CurrentUser) -> Result<Self, AppError> {
        let grants = if user.role >= Role::Operator || user.via == Via::ApiKey {
            Vec::new()
        } else {
            unit_grants::held_by(&state.db.conn, &user.username, &user.groups).await?
        };
        Ok(Self {
            user,
            grants,
            logs_need_grant: state.auth.settings.logs_need_grant,
        })
    }

    /// The rule's answer for `permission` on `unit` of `host`. A unit named without its type
    /// (`nginx`) is matched as the workflow completes it (`nginx.service`) too.
    pub(crate) fn decide(&self, host: &str, unit: &str, permission: Permission) -> Decision {
        let caller = Caller {
            username: &self.user.username,
            role: self.user.role,
            groups: &self.user.groups,
        };
        let first = decide(
            &caller,
            &self.grants,
            (host, unit),
            permission,
            self.logs_need_grant,
        );
        let completed = UnitName::parse(unit).ok().filter(|u| u.as_str() != unit);
        match (first, completed) {
            (Decision::Refused(why), Some(full)) => {
                match decide(
                    &caller,
                    &self.grants,
                    (host, full.as_str()),
                    permission,
                    self.logs_need_grant,
                ) {
                    Decision::Refused(_) => Decision::Refused(why),
                    allowed => allowed,
                }
            }
            (decision, _) => decision,
        }
    }

    /// Who the restart workflow sees asking for `action`: the user as they are (operators, admins, the
    /// API key), a viewer under a grant, or the reason a viewer may not.
    pub(crate) fn actor_for(
        &self,
        host: &str,
        unit: &str,
        action: UnitAction,
    ) -> Result<Actor, String> {
        if self.user.role >= Role::Operator || self.user.via == Via::ApiKey {
            return Ok(actor_of(self.user));
        }
        match self.decide(host, unit, Permission::Act(action)) {
            Decision::Allowed(_) => Ok(Actor::Granted {
                name: self.user.username.clone(),
            }),
            Decision::Refused(why) => Err(why),
        }
    }
}

/// Checks that `user` may take `permission` on `unit` of `host`; a refusal is audited
/// (`access_denied`, with the reason) and comes back as the sentence to show.
pub(crate) async fn authorize(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    (host, unit): (&str, &str),
    permission: Permission,
) -> Result<Result<Actor, String>, AppError> {
    if permission == Permission::Logs && !state.auth.settings.logs_need_grant {
        // Every signed-in user reads logs: no lookup, so a log page keeps working while the
        // database is down.
        return Ok(Ok(actor_of(user)));
    }
    let delegation = Delegation::of(state, user).await?;
    let verdict = match permission {
        Permission::Act(action) => delegation.actor_for(host, unit, action),
        Permission::Logs => match delegation.decide(host, unit, permission) {
            Decision::Allowed(_) => Ok(actor_of(user)),
            Decision::Refused(why) => Err(why),
        },
    };
    if let Err(why) = &verdict {
        let ip = client_ip(
            req.peer_addr().map(|a| a.ip()),
            req.headers(),
            &state.auth.settings.trusted_proxies,
        )
        .map(|ip| ip.to_string());
        audit(
            &state.db,
            &state.clock,
            AuditEntry {
                username: Some(user.username.clone()),
                client_ip: ip,
                hostname: Some(host.to_owned()),
                target: Some(format!("{} {}", req.method(), req.path())),
                success: false,
                detail: Some(json!({
                    "reason": why,
                    "action": permission.as_str(),
                    "unit": unit,
                    "role": user.role.as_str(),
                })),
                ..AuditEntry::new(AuditAction::AccessDenied)
            },
        )
        .await;
    }
    Ok(verdict)
}

//! `AuditAction`: what an audit row records (`audit_log.action`), one name per kind of event.

use std::fmt;

use sea_orm::entity::prelude::*;

/// Every action the console audits, stored as its snake_case name. The audit page filters by these
/// names and the CSV export shows them, so a variant's stored name never changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum AuditAction {
    #[sea_orm(string_value = "login")]
    Login,
    #[sea_orm(string_value = "login_failed")]
    LoginFailed,
    #[sea_orm(string_value = "login_throttled")]
    LoginThrottled,
    #[sea_orm(string_value = "logout")]
    Logout,
    #[sea_orm(string_value = "setup_opened")]
    SetupOpened,
    #[sea_orm(string_value = "setup")]
    Setup,
    #[sea_orm(string_value = "setup_failed")]
    SetupFailed,
    #[sea_orm(string_value = "access_denied")]
    AccessDenied,
    #[sea_orm(string_value = "csrf_refused")]
    CsrfRefused,
    #[sea_orm(string_value = "rate_limited")]
    RateLimited,
    #[sea_orm(string_value = "api_key_refused")]
    ApiKeyRefused,
    #[sea_orm(string_value = "sso_refused")]
    SsoRefused,
    #[sea_orm(string_value = "user_created")]
    UserCreated,
    #[sea_orm(string_value = "user_password_changed")]
    UserPasswordChanged,
    #[sea_orm(string_value = "user_disabled")]
    UserDisabled,
    #[sea_orm(string_value = "user_enabled")]
    UserEnabled,
    #[sea_orm(string_value = "user_role_changed")]
    UserRoleChanged,
    /// Delegation: an admin added or deleted a grant (`/admin/grants`).
    #[sea_orm(string_value = "grant_created")]
    GrantCreated,
    #[sea_orm(string_value = "grant_deleted")]
    GrantDeleted,
    #[sea_orm(string_value = "restart_requested")]
    RestartRequested,
    #[sea_orm(string_value = "restart_refused")]
    RestartRefused,
    #[sea_orm(string_value = "restart_queued")]
    RestartQueued,
    #[sea_orm(string_value = "restart_dry_run")]
    RestartDryRun,
    #[sea_orm(string_value = "restart_done")]
    RestartDone,
    #[sea_orm(string_value = "restart_failed")]
    RestartFailed,
    #[sea_orm(string_value = "restart_expired")]
    RestartExpired,
    #[sea_orm(string_value = "auto_restart_stopped")]
    AutoRestartStopped,
    /// Start, stop and reload: the restart events' counterparts (the detail names the action).
    #[sea_orm(string_value = "unit_action_requested")]
    UnitActionRequested,
    #[sea_orm(string_value = "unit_action_refused")]
    UnitActionRefused,
    #[sea_orm(string_value = "unit_action_queued")]
    UnitActionQueued,
    #[sea_orm(string_value = "unit_action_dry_run")]
    UnitActionDryRun,
    #[sea_orm(string_value = "unit_action_done")]
    UnitActionDone,
    #[sea_orm(string_value = "unit_action_failed")]
    UnitActionFailed,
    #[sea_orm(string_value = "unit_action_expired")]
    UnitActionExpired,
    #[sea_orm(string_value = "notify_channel_created")]
    NotifyChannelCreated,
    #[sea_orm(string_value = "notify_channel_updated")]
    NotifyChannelUpdated,
    #[sea_orm(string_value = "notify_channel_deleted")]
    NotifyChannelDeleted,
    #[sea_orm(string_value = "notify_channel_tested")]
    NotifyChannelTested,
    #[sea_orm(string_value = "notify_silence_changed")]
    NotifySilenceChanged,
}

impl AuditAction {
    /// Every action, grouped as above (sign-in, setup, refusals, accounts and grants, restarts and unit
    /// actions, notifications).
    pub const ALL: [AuditAction; 39] = [
        Self::Login,
        Self::LoginFailed,
        Self::LoginThrottled,
        Self::Logout,
        Self::SetupOpened,
        Self::Setup,
        Self::SetupFailed,
        Self::AccessDenied,
        Self::CsrfRefused,
        Self::RateLimited,
        Self::ApiKeyRefused,
        Self::SsoRefused,
        Self::UserCreated,
        Self::UserPasswordChanged,
        Self::UserDisabled,
        Self::UserEnabled,
        Self::UserRoleChanged,
        Self::GrantCreated,
        Self::GrantDeleted,
        Self::RestartRequested,
        Self::RestartRefused,
        Self::RestartQueued,
        Self::RestartDryRun,
        Self::RestartDone,
        Self::RestartFailed,
        Self::RestartExpired,
        Self::AutoRestartStopped,
        Self::UnitActionRequested,
        Self::UnitActionRefused,
        Self::UnitActionQueued,
        Self::UnitActionDryRun,
        Self::UnitActionDone,
        Self::UnitActionFailed,
        Self::UnitActionExpired,
        Self::NotifyChannelCreated,
        Self::NotifyChannelUpdated,
        Self::NotifyChannelDeleted,
        Self::NotifyChannelTested,
        Self::NotifySilenceChanged,
    ];

    /// The event `self` (a restart event) is for `action`: itself for a restart, its `unit_action_*`
    /// counterpart for a start, stop or reload.
    pub fn for_action(self, action: crate::domain::UnitAction) -> Self {
        if action == crate::domain::UnitAction::Restart {
            return self;
        }
        match self {
            Self::RestartRequested => Self::UnitActionRequested,
            Self::RestartRefused => Self::UnitActionRefused,
            Self::RestartQueued => Self::UnitActionQueued,
            Self::RestartDryRun => Self::UnitActionDryRun,
            Self::RestartDone => Self::UnitActionDone,
            Self::RestartFailed => Self::UnitActionFailed,
            Self::RestartExpired => Self::UnitActionExpired,
            other => other,
        }
    }

    /// The action a person named (the audit page's filter); `None` for any other text.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::LoginFailed => "login_failed",
            Self::LoginThrottled => "login_throttled",
            Self::Logout => "logout",
            Self::SetupOpened => "setup_opened",
            Self::Setup => "setup",
            Self::SetupFailed => "setup_failed",
            Self::AccessDenied => "access_denied",
            Self::CsrfRefused => "csrf_refused",
            Self::RateLimited => "rate_limited",
            Self::ApiKeyRefused => "api_key_refused",
            Self::SsoRefused => "sso_refused",
            Self::UserCreated => "user_created",
            Self::UserPasswordChanged => "user_password_changed",
            Self::UserDisabled => "user_disabled",
            Self::UserEnabled => "user_enabled",
            Self::UserRoleChanged => "user_role_changed",
            Self::GrantCreated => "grant_created",
            Self::GrantDeleted => "grant_deleted",
            Self::RestartRequested => "restart_requested",
            Self::RestartRefused => "restart_refused",
            Self::RestartQueued => "restart_queued",
            Self::RestartDryRun => "restart_dry_run",
            Self::RestartDone => "restart_done",
            Self::RestartFailed => "restart_failed",
            Self::RestartExpired => "restart_expired",
            Self::AutoRestartStopped => "auto_restart_stopped",
            Self::UnitActionRequested => "unit_action_requested",
            Self::UnitActionRefused => "unit_action_refused",
            Self::UnitActionQueued => "unit_action_queued",
            Self::UnitActionDryRun => "unit_action_dry_run",
            Self::UnitActionDone => "unit_action_done",
            Self::UnitActionFailed => "unit_action_failed",
            Self::UnitActionExpired => "unit_action_expired",
            Self::NotifyChannelCreated => "notify_channel_created",
            Self::NotifyChannelUpdated => "notify_channel_updated",
            Self::NotifyChannelDeleted => "notify_channel_deleted",
            Self::NotifyChannelTested => "notify_channel_tested",
            Self::NotifySilenceChanged => "notify_silence_changed",
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::*;

    #[test]
    fn every_action_is_listed_once_and_stored_under_its_name() {
        assert_eq!(AuditAction::iter().count(), AuditAction::ALL.len());
        for a in AuditAction::ALL {
            assert_eq!(a.to_value(), a.as_str());
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(
            AuditAction::parse("login_failed"),
            Some(AuditAction::LoginFailed)
        );
        assert_eq!(AuditAction::parse("reboot"), None);
        assert!(AuditAction::try_from_value(&"reboot".to_owned()).is_err());
    }
}

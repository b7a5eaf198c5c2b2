//! `RestartState`: where a restart request stands (`restart_requests.state`).

use std::fmt;

use sea_orm::entity::prelude::*;

/// A restart request's state, stored as its name (`dry_run` with an underscore) in a TEXT column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, EnumIter, DeriveActiveEnum)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum RestartState {
    /// Waiting for the agent on its host.
    #[sea_orm(string_value = "queued")]
    Queued,
    /// An executor is restarting it now.
    #[sea_orm(string_value = "running")]
    Running,
    #[sea_orm(string_value = "done")]
    Done,
    #[sea_orm(string_value = "failed")]
    Failed,
    /// Recorded, never performed (`DRY_RUN`).
    #[sea_orm(string_value = "dry_run")]
    DryRun,
    /// A gate said no; systemd was never asked.
    #[sea_orm(string_value = "refused")]
    Refused,
    /// Queued, but no agent took it in time.
    #[sea_orm(string_value = "expired")]
    Expired,
}

impl RestartState {
    /// States that mean systemd was (or is about to be) asked: what the cooldown counts.
    pub const REAL: [RestartState; 4] = [Self::Queued, Self::Running, Self::Done, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::DryRun => "dry_run",
            Self::Refused => "refused",
            Self::Expired => "expired",
        }
    }

    /// The name for people (`dry run`).
    pub fn label(self) -> &'static str {
        match self {
            Self::DryRun => "dry run",
            other => other.as_str(),
        }
    }

    /// Whether nothing more will happen to the request.
    pub(crate) fn is_final(self) -> bool {
        !matches!(self, Self::Queued | Self::Running)
    }
}

impl fmt::Display for RestartState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::ActiveEnum;
    use sea_orm::Iterable;

    use super::*;

    #[test]
    fn stored_names_round_trip_and_unknown_text_is_an_error() {
        for s in RestartState::iter() {
            assert_eq!(s.to_value(), s.as_str());
            assert_eq!(RestartState::try_from_value(&s.to_value()).ok(), Some(s));
        }
        assert_eq!(RestartState::DryRun.as_str(), "dry_run");
        assert_eq!(RestartState::DryRun.label(), "dry run");
        assert!(RestartState::try_from_value(&"dry run".to_owned()).is_err());
        assert!(!RestartState::Queued.is_final() && RestartState::Expired.is_final());
    }
}

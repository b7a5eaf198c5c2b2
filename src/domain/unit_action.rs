//! `UnitAction`: what the console may ask systemd to do with a unit (`restart_requests.action`).

use std::fmt;

use sea_orm::entity::prelude::*;

/// An action on a unit, stored as its name in a TEXT column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, EnumIter, DeriveActiveEnum)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum UnitAction {
    #[sea_orm(string_value = "restart")]
    Restart,
    #[sea_orm(string_value = "start")]
    Start,
    #[sea_orm(string_value = "stop")]
    Stop,
    /// Only for units that can reload (`CanReload`, an `ExecReload=`).
    #[sea_orm(string_value = "reload")]
    Reload,
}

impl UnitAction {
    pub const ALL: [UnitAction; 4] = [Self::Restart, Self::Start, Self::Stop, Self::Reload];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Restart => "restart",
            Self::Start => "start",
            Self::Stop => "stop",
            Self::Reload => "reload",
        }
    }

    /// The action named `text` (`restart`, `start`, `stop`, `reload`).
    pub fn parse(text: &str) -> Option<UnitAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// The verb with a capital, for buttons and headings.
    pub fn title(self) -> &'static str {
        match self {
            Self::Restart => "Restart",
            Self::Start => "Start",
            Self::Stop => "Stop",
            Self::Reload => "Reload",
        }
    }

    /// The past tense, for results.
    pub fn done(self) -> &'static str {
        match self {
            Self::Restart => "Restarted",
            Self::Start => "Started",
            Self::Stop => "Stopped",
            Self::Reload => "Reloaded",
        }
    }

    /// The -ing form, for messages ("Stopping nginx.service failed").
    pub fn doing(self) -> &'static str {
        match self {
            Self::Restart => "Restarting",
            Self::Start => "Starting",
            Self::Stop => "Stopping",
            Self::Reload => "Reloading",
        }
    }

    /// The systemd1 Manager method that performs it.
    pub fn method(self) -> &'static str {
        match self {
            Self::Restart => "RestartUnit",
            Self::Start => "StartUnit",
            Self::Stop => "StopUnit",
            Self::Reload => "ReloadUnit",
        }
    }

    /// The `ActiveState`s that mean the action worked.
    pub fn succeeded_as(self, active_state: &str) -> bool {
        match self {
            Self::Stop => active_state == "inactive",
            _ => active_state == "active",
        }
    }
}

impl fmt::Display for UnitAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_parses_from_its_name() {
        for action in UnitAction::ALL {
            assert_eq!(UnitAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(UnitAction::parse("kill"), None);
    }

    #[test]
    fn a_stop_succeeds_when_the_unit_is_inactive() {
        assert!(UnitAction::Stop.succeeded_as("inactive"));
        assert!(!UnitAction::Stop.succeeded_as("active"));
        assert!(UnitAction::Reload.succeeded_as("active"));
    }
}

//! `ServiceState`: the one vocabulary for a service's state everywhere (collector, database, pages, API).

use std::fmt;

use sea_orm::entity::prelude::*;

/// systemd's `ActiveState`/`SubState` pair reduced to what an operator acts on. Stored as its lower-case
/// name in a TEXT column (`service_current`, `service_status`); any other stored text is a read error.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "lowercase")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ServiceState {
    #[sea_orm(string_value = "running")]
    Running,
    #[sea_orm(string_value = "stopped")]
    Stopped,
    #[sea_orm(string_value = "failed")]
    Failed,
    #[sea_orm(string_value = "transitioning")]
    Transitioning,
    #[sea_orm(string_value = "unknown")]
    Unknown,
}

impl ServiceState {
    /// Every state, in the order pages, counts and metrics list them (what needs attention first).
    pub const ALL: [ServiceState; 5] = [
        Self::Failed,
        Self::Transitioning,
        Self::Stopped,
        Self::Running,
        Self::Unknown,
    ];

    #[cfg(unix)]
    /// Maps systemd's `ActiveState` (and `SubState` where it matters) onto the vocabulary.
    pub(crate) fn from_systemd(active_state: &str, sub_state: &str) -> Self {
        match active_state {
            "active" if sub_state == "reload" => Self::Transitioning,
            "active" => Self::Running,
            "inactive" | "dead" => Self::Stopped,
            "failed" => Self::Failed,
            "activating" | "deactivating" | "reloading" | "refreshing" | "maintenance" => {
                Self::Transitioning
            }
            _ => Self::Unknown,
        }
    }

    /// The state a person named (a filter's `state=failed`); `None` for any other text.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Stopped => "stopped",
            Self::Failed => "failed",
            Self::Transitioning => "transitioning",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ServiceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(unix)]
/// Whether restarting the unit can help: not a oneshot, not `static` or `masked`, and a unit systemd
/// could load (not `not-found`, `error` or `bad-setting`).
pub(crate) fn is_recoverable(service_type: &str, unit_file_state: &str, load_state: &str) -> bool {
    service_type != "oneshot"
        && !matches!(unit_file_state, "static" | "masked" | "masked-runtime")
        && !matches!(load_state, "masked" | "not-found" | "error" | "bad-setting")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn systemd_states_map_onto_the_vocabulary() {
        assert_eq!(
            ServiceState::from_systemd("active", "running"),
            ServiceState::Running
        );
        assert_eq!(
            ServiceState::from_systemd("active", "exited"),
            ServiceState::Running
        );
        assert_eq!(
            ServiceState::from_systemd("inactive", "dead"),
            ServiceState::Stopped
        );
        assert_eq!(
            ServiceState::from_systemd("failed", "failed"),
            ServiceState::Failed
        );
        assert_eq!(
            ServiceState::from_systemd("activating", "start-pre"),
            ServiceState::Transitioning
        );
        assert_eq!(
            ServiceState::from_systemd("active", "reload"),
            ServiceState::Transitioning
        );
        assert_eq!(ServiceState::from_systemd("", ""), ServiceState::Unknown);
        for s in ["running", "stopped", "failed", "transitioning", "unknown"] {
            assert_eq!(ServiceState::parse(s).map(ServiceState::as_str), Some(s));
        }
        assert_eq!(ServiceState::parse("sleepy"), None);
        assert_eq!(ServiceState::parse("Running"), None);
    }

    #[test]
    fn the_stored_form_is_the_display_name_and_nothing_else_reads_back() {
        use sea_orm::ActiveEnum;
        for s in ServiceState::ALL {
            assert_eq!(s.to_value(), s.as_str());
            assert_eq!(ServiceState::try_from_value(&s.to_value()).ok(), Some(s));
        }
        assert!(ServiceState::try_from_value(&"runing".to_owned()).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn oneshot_static_and_masked_units_are_not_recoverable() {
        assert!(is_recoverable("simple", "enabled", "loaded"));
        assert!(!is_recoverable("oneshot", "enabled", "loaded"));
        assert!(!is_recoverable("simple", "static", "loaded"));
        assert!(!is_recoverable("simple", "masked", "masked"));
        assert!(!is_recoverable("", "", "not-found"));
        assert!(
            is_recoverable("notify", "enabled", "unknown"),
            "the shim may not say"
        );
    }
}

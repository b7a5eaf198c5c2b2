//! `ServiceState`: the one vocabulary for a service's state everywhere (collector, database, pages, API).

use std::fmt;

/// systemd's `ActiveState`/`SubState` pair reduced to what an operator acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceState {
    Running,
    Stopped,
    Failed,
    Transitioning,
    Unknown,
}

impl ServiceState {
    /// Maps systemd's `ActiveState` (and `SubState` where it matters) onto the vocabulary.
    pub fn from_systemd(active_state: &str, sub_state: &str) -> Self {
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

    /// Reads the stored form back (`running`, …); anything else is `unknown`.
    pub fn parse(text: &str) -> Self {
        match text {
            "running" => Self::Running,
            "stopped" => Self::Stopped,
            "failed" => Self::Failed,
            "transitioning" => Self::Transitioning,
            _ => Self::Unknown,
        }
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

/// Whether restarting the unit can help: not a oneshot, not `static` or `masked`, and a unit systemd
/// could load (not `not-found`, `error` or `bad-setting`).
pub fn is_recoverable(service_type: &str, unit_file_state: &str, load_state: &str) -> bool {
    service_type != "oneshot"
        && !matches!(unit_file_state, "static" | "masked" | "masked-runtime")
        && !matches!(load_state, "masked" | "not-found" | "error" | "bad-setting")
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert_eq!(ServiceState::parse(s).as_str(), s);
        }
    }

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

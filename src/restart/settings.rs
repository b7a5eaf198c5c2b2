//! The restart workflow's settings: the allow-list file, the gates' limits, the executor, the remote
//! queue and automatic remediation. `DRY_RUN` itself is the site's (`crate::site`).

use std::path::PathBuf;
use std::time::Duration;

use crate::vars::{SettingsError, Vars};

/// How this process performs a restart it is allowed to perform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartMode {
    /// `RestartUnit` over D-Bus (`DBUS_SYSTEM_BUS_ADDRESS`).
    #[cfg(unix)]
    Dbus,
    /// Through `smartmon helper` on its unix socket.
    #[cfg(unix)]
    Helper,
    /// Windows: stop and start through the Service Control Manager (the only mode there).
    #[cfg(windows)]
    Scm,
}

/// `RESTART_MODE` on Linux: `dbus` (default) or `helper`.
#[cfg(unix)]
fn restart_mode(vars: &Vars) -> Result<RestartMode, SettingsError> {
    match vars.text("RESTART_MODE").as_deref() {
        None | Some("dbus") => Ok(RestartMode::Dbus),
        Some("helper") => Ok(RestartMode::Helper),
        Some(other) => Err(SettingsError::new(
            "RESTART_MODE",
            format!("expected dbus or helper, got {other:?}"),
        )),
    }
}

/// `RESTART_MODE` on Windows: `scm`, the default and only mode.
#[cfg(windows)]
fn restart_mode(vars: &Vars) -> Result<RestartMode, SettingsError> {
    match vars.text("RESTART_MODE").as_deref() {
        None | Some("scm") => Ok(RestartMode::Scm),
        Some(other) => Err(SettingsError::new(
            "RESTART_MODE",
            format!(
                "on Windows restarts go through the Service Control Manager (scm), got {other:?}"
            ),
        )),
    }
}

#[derive(Debug, Clone)]
pub struct RestartSettings {
    /// `SMARTMON_APPROVED_JSON`: the approved-services file (no file: nothing is approved).
    pub approved_json: PathBuf,
    /// `SMARTMON_RESTART_COOLDOWN_MIN`: minutes between two restarts of one unit.
    pub cooldown: Duration,
    /// `SMARTMON_RESTART_BACKOFF_FAILS` failures within `SMARTMON_RESTART_BACKOFF_WINDOW_MIN` refuse more.
    pub backoff_fails: u64,
    pub backoff_window: Duration,
    /// `RESTART_MODE`: `dbus` (default) or `helper`; `scm` on Windows.
    pub mode: RestartMode,
    /// `SMARTMON_HELPER_SOCKET`: the helper's unix socket.
    pub helper_socket: PathBuf,
    /// `SMARTMON_HELPER_GROUP`: the group (name or id) the helper gives its socket; unset keeps the process's.
    pub helper_group: Option<String>,
    /// `SMARTMON_RESTART_TIMEOUT_SECS`: how long to wait for systemd's `JobRemoved` (on Windows: for
    /// STOPPED, then again for RUNNING).
    pub job_timeout: Duration,
    /// `SMARTMON_RESTART_QUEUE_TTL_SECS`: a queued request for another host expires after this long.
    pub queue_ttl: Duration,
    /// `SMARTMON_RESTART_POLL_SECS`: how often an agent looks for queued requests (SQLite, or as a
    /// safety net beside `LISTEN`).
    pub poll_interval: Duration,
    /// `SMARTMON_RESTART_RATE_PER_MINUTE`: restart asks per user per minute, refused ones included (the
    /// console's first gate).
    pub per_user_per_minute: u32,
    /// `AUTO_RESTART`: restart approved, recoverable units that enter `failed`.
    pub auto_restart: bool,
    /// `AUTO_RESTART_MAX` restarts within `AUTO_RESTART_WINDOW_MIN`, then stop and alert.
    pub auto_max: u64,
    pub auto_window: Duration,
}

impl RestartSettings {
    pub(crate) fn from_vars(vars: &Vars) -> Result<Self, SettingsError> {
        let minutes = |name: &str, default: u64, min: u64| -> Result<Duration, SettingsError> {
            Ok(Duration::from_secs(
                vars.number(name, default, min..=10_080)? * 60,
            ))
        };
        let mode = restart_mode(vars)?;
        Ok(Self {
            approved_json: PathBuf::from(
                vars.text("SMARTMON_APPROVED_JSON")
                    .unwrap_or_else(|| "/app/config/approved_services.json".into()),
            ),
            cooldown: minutes("SMARTMON_RESTART_COOLDOWN_MIN", 10, 0)?,
            backoff_fails: vars.number("SMARTMON_RESTART_BACKOFF_FAILS", 3, 1..=1000)?,
            backoff_window: minutes("SMARTMON_RESTART_BACKOFF_WINDOW_MIN", 30, 1)?,
            mode,
            helper_socket: PathBuf::from(
                vars.text("SMARTMON_HELPER_SOCKET")
                    .unwrap_or_else(|| "/run/smartmon/helper.sock".into()),
            ),
            helper_group: vars.text("SMARTMON_HELPER_GROUP"),
            job_timeout: Duration::from_secs(vars.number(
                "SMARTMON_RESTART_TIMEOUT_SECS",
                90,
                1..=3600,
            )?),
            queue_ttl: Duration::from_secs(vars.number(
                "SMARTMON_RESTART_QUEUE_TTL_SECS",
                300,
                1..=86_400,
            )?),
            poll_interval: Duration::from_secs(vars.number(
                "SMARTMON_RESTART_POLL_SECS",
                5,
                1..=3600,
            )?),
            per_user_per_minute: vars.number("SMARTMON_RESTART_RATE_PER_MINUTE", 6, 1..=10_000)?,
            auto_restart: vars.flag("AUTO_RESTART", false)?,
            auto_max: vars.number("AUTO_RESTART_MAX", 3, 1..=1000)?,
            auto_window: minutes("AUTO_RESTART_WINDOW_MIN", 10, 1)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<RestartSettings, SettingsError> {
        RestartSettings::from_vars(&Vars::from_pairs(pairs))
    }

    #[test]
    fn defaults_are_the_issues_and_bad_values_name_their_variable() {
        let s = settings(&[]).expect("defaults");
        assert_eq!(s.cooldown.as_secs(), 600);
        assert_eq!((s.backoff_fails, s.backoff_window.as_secs()), (3, 1800));
        assert_eq!(
            (s.auto_restart, s.auto_max, s.auto_window.as_secs()),
            (false, 3, 600)
        );
        #[cfg(unix)]
        assert_eq!(s.mode, RestartMode::Dbus);
        #[cfg(windows)]
        assert_eq!(s.mode, RestartMode::Scm);
        assert_eq!(s.helper_socket.to_str(), Some("/run/smartmon/helper.sock"));
        let err = settings(&[("RESTART_MODE", "ssh")]).expect_err("no such mode");
        assert_eq!(err.variable, "RESTART_MODE");
        let err = settings(&[("AUTO_RESTART_MAX", "0")]).expect_err("at least one");
        assert_eq!(err.variable, "AUTO_RESTART_MAX");
    }
}

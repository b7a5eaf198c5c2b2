//! The collector's settings (`CollectorSettings::from_vars`), names from the deployment spec where it has one.

use std::path::PathBuf;
use std::time::Duration;

use crate::domain::{NameRules, UnitName};
use crate::vars::{SettingsError, Vars};

/// Where service states come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceStatusMode {
    /// systemd over D-Bus, event driven (the default on Linux).
    #[cfg(unix)]
    Dbus,
    /// `SERVICE_STATUS_CMD` speaking the systemctl-shim contract (`list-units`, `show UNIT`).
    #[cfg(unix)]
    Cmd(PathBuf),
    /// The `systemctl` command line (`SYSTEMCTL`, default `systemctl` on `PATH`).
    #[cfg(unix)]
    Systemctl(PathBuf),
    /// Windows: the Service Control Manager API (the only mode there).
    #[cfg(windows)]
    Scm,
}

#[derive(Debug, Clone)]
pub struct CollectorSettings {
    /// `SMARTMON_COLLECT`: whether `serve` runs the collector for its own host (default true).
    pub enabled_in_serve: bool,
    /// `SERVICE_STATUS_MODE` (`dbus`, `cmd`, `systemd`) with `SERVICE_STATUS_CMD`.
    pub service_mode: ServiceStatusMode,
    /// `SMARTMON_SERVICE_WATCH`: only these units (comma list); empty means every `*.service`.
    pub service_watch: Vec<UnitName>,
    /// `SERVICE_RESYNC_INTERVAL`: seconds between full service resyncs (and polls in cmd/systemd mode).
    pub service_resync: Duration,
    /// `SERVICE_POLL_INTERVAL` (Windows): seconds between the short polls that catch changes between
    /// resyncs (default 2).
    #[cfg(windows)]
    pub service_poll: Duration,
    /// `METRICS_INTERVAL`: seconds between host metric samples.
    pub metrics_interval: Duration,
    /// `PROCFS_ROOT` / `SYSFS_ROOT`: the host's /proc and /sys (`/host/proc`, `/host/sys` in a container).
    pub procfs_root: PathBuf,
    pub sysfs_root: PathBuf,
    /// `SMARTCTL`, `SMARTCTL_USE_SUDO`, `SMART_INTERVAL`.
    pub smartctl: PathBuf,
    pub smartctl_sudo: bool,
    pub smart_interval: Duration,
    /// `SMARTMON_HOSTS_CONFIG`: the network checks file (unset: no checks); `CHECK_INTERVAL`.
    pub hosts_config: Option<PathBuf>,
    pub check_interval: Duration,
    /// `SMARTMON_COMMAND_TIMEOUT_SECS`: the longest a subprocess (smartctl, ping, the shim) may run.
    pub command_timeout: Duration,
    /// `ALERT_DISK_PERCENT`, `ALERT_INODE_PERCENT`, `ALERT_MEMORY_PERCENT`.
    pub alert_disk_percent: f64,
    pub alert_inode_percent: f64,
    pub alert_memory_percent: f64,
    /// `SMARTMON_BUFFER_SECS` / `SMARTMON_BUFFER_MAX_RECORDS`: the outage buffer's bound.
    pub buffer_max_age: Duration,
    pub buffer_max_records: usize,
}

impl CollectorSettings {
    pub(crate) fn from_vars(vars: &Vars) -> Result<Self, SettingsError> {
        let secs = |name: &str, default: u64, max: u64| -> Result<Duration, SettingsError> {
            Ok(Duration::from_secs(vars.number(name, default, 1..=max)?))
        };
        let percent = |name: &str, default: u32| -> Result<f64, SettingsError> {
            Ok(f64::from(vars.number(name, default, 1..=100)?))
        };
        let service_mode = service_mode(vars)?;
        let service_watch = vars
            .text("SMARTMON_SERVICE_WATCH")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                UnitName::parse_as(s, NameRules::HOST).map_err(|e| {
                    SettingsError::new("SMARTMON_SERVICE_WATCH", format!("{s:?}: {e}"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            enabled_in_serve: vars.flag("SMARTMON_COLLECT", true)?,
            service_mode,
            service_watch,
            service_resync: secs("SERVICE_RESYNC_INTERVAL", 60, 86_400)?,
            #[cfg(windows)]
            service_poll: secs("SERVICE_POLL_INTERVAL", 2, 3_600)?,
            metrics_interval: secs("METRICS_INTERVAL", 15, 86_400)?,
            procfs_root: PathBuf::from(vars.text("PROCFS_ROOT").unwrap_or_else(|| "/proc".into())),
            sysfs_root: PathBuf::from(vars.text("SYSFS_ROOT").unwrap_or_else(|| "/sys".into())),
            smartctl: PathBuf::from(vars.text("SMARTCTL").unwrap_or_else(|| "smartctl".into())),
            smartctl_sudo: vars.flag("SMARTCTL_USE_SUDO", false)?,
            smart_interval: secs("SMART_INTERVAL", 6 * 3600, 7 * 86_400)?,
            hosts_config: vars.text("SMARTMON_HOSTS_CONFIG").map(PathBuf::from),
            check_interval: secs("CHECK_INTERVAL", 60, 86_400)?,
            command_timeout: secs("SMARTMON_COMMAND_TIMEOUT_SECS", 30, 600)?,
            alert_disk_percent: percent("ALERT_DISK_PERCENT", 90)?,
            alert_inode_percent: percent("ALERT_INODE_PERCENT", 90)?,
            alert_memory_percent: percent("ALERT_MEMORY_PERCENT", 95)?,
            buffer_max_age: secs("SMARTMON_BUFFER_SECS", 900, 7 * 86_400)?,
            buffer_max_records: vars.number(
                "SMARTMON_BUFFER_MAX_RECORDS",
                100_000,
                1..=10_000_000,
            )?,
        })
    }
}

/// `SERVICE_STATUS_MODE` on Linux: `dbus` (default), `cmd` with `SERVICE_STATUS_CMD`, or `systemd`.
#[cfg(unix)]
fn service_mode(vars: &Vars) -> Result<ServiceStatusMode, SettingsError> {
    Ok(match vars.text("SERVICE_STATUS_MODE").as_deref() {
        None | Some("dbus") => ServiceStatusMode::Dbus,
        Some("cmd") => ServiceStatusMode::Cmd(PathBuf::from(
            vars.text("SERVICE_STATUS_CMD")
                .unwrap_or_else(|| "/usr/local/bin/systemctl-shim".into()),
        )),
        Some("systemd") => ServiceStatusMode::Systemctl(PathBuf::from(
            vars.text("SYSTEMCTL").unwrap_or_else(|| "systemctl".into()),
        )),
        Some(other) => {
            return Err(SettingsError::new(
                "SERVICE_STATUS_MODE",
                format!("expected dbus, cmd or systemd, got {other:?}"),
            ));
        }
    })
}

/// `SERVICE_STATUS_MODE` on Windows: `scm` (the Service Control Manager), the default and only mode.
#[cfg(windows)]
fn service_mode(vars: &Vars) -> Result<ServiceStatusMode, SettingsError> {
    match vars.text("SERVICE_STATUS_MODE").as_deref() {
        None | Some("scm") => Ok(ServiceStatusMode::Scm),
        Some(other) => Err(SettingsError::new(
            "SERVICE_STATUS_MODE",
            format!(
                "on Windows services come from the Service Control Manager (scm), got {other:?}"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<CollectorSettings, SettingsError> {
        CollectorSettings::from_vars(&Vars::from_pairs(pairs))
    }

    #[test]
    fn defaults_follow_every_service_over_dbus() {
        let s = settings(&[]).expect("defaults");
        #[cfg(unix)]
        assert_eq!(s.service_mode, super::ServiceStatusMode::Dbus);
        #[cfg(windows)]
        assert_eq!(s.service_mode, super::ServiceStatusMode::Scm);
        assert!(s.service_watch.is_empty());
        assert!(s.enabled_in_serve);
        assert_eq!(s.buffer_max_age.as_secs(), 900);
    }

    #[test]
    fn bad_values_name_their_variable() {
        let err = settings(&[("SERVICE_STATUS_MODE", "psychic")]).expect_err("bad mode");
        assert_eq!(err.variable, "SERVICE_STATUS_MODE");
        let err = settings(&[("SMARTMON_SERVICE_WATCH", "ssh, ../x")]).expect_err("bad unit");
        assert_eq!(err.variable, "SMARTMON_SERVICE_WATCH");
        assert!(err.message.contains("../x"), "{err}");
        let err = settings(&[("METRICS_INTERVAL", "0")]).expect_err("zero");
        assert_eq!(err.variable, "METRICS_INTERVAL");
    }

    #[test]
    fn the_watch_list_takes_bare_names() {
        let s =
            settings(&[("SMARTMON_SERVICE_WATCH", "ssh, nginx.service,,")]).expect("watch list");
        let names: Vec<&str> = s.service_watch.iter().map(|u| u.as_str()).collect();
        assert_eq!(names, ["ssh.service", "nginx.service"]);
    }
}

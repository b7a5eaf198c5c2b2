//! The notifier's settings (`SMARTMON_NOTIFY_*`, `SMARTMON_PUBLIC_URL`).

use std::path::PathBuf;
use std::time::Duration;

use crate::vars::{SettingsError, Vars};

#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// `SMARTMON_NOTIFY`: `serve` sends notifications (default true). Agents never send.
    pub enabled: bool,
    /// `SMARTMON_NOTIFY_POLL_MS`: how often the outbox is checked when nothing wakes the sender (1000).
    pub poll: Duration,
    /// `SMARTMON_NOTIFY_MAX_ATTEMPTS`: attempts before a message is marked failed (12).
    pub max_attempts: i32,
    /// `SMARTMON_NOTIFY_RETRY_FIRST_SECS`: the first retry's wait; it doubles per attempt (5).
    pub retry_first: Duration,
    /// `SMARTMON_NOTIFY_RETRY_MAX_SECS`: the longest wait between attempts (900).
    pub retry_max: Duration,
    /// `SMARTMON_NOTIFY_TIMEOUT_SECS`: one request's time limit (10).
    pub timeout: Duration,
    /// `SMARTMON_NOTIFY_LEASE_SECS`: how long a replica's claim on a channel lasts unless renewed (60).
    pub lease: Duration,
    /// `SMARTMON_NOTIFY_FLEET_HOSTS`: news from more hosts than this at once is one fleet-wide message (5).
    pub fleet_hosts: usize,
    /// `SMARTMON_NOTIFY_HOST_DOWN_SECS`: a host silent this long is "down" (180; 0 turns it off).
    pub host_down_after: Duration,
    /// `SMARTMON_PUBLIC_URL`: the console's address as people reach it, for links in messages.
    pub public_url: Option<String>,
    /// `SMARTMON_NOTIFY_CONFIG`: a TOML file of channels and recurring maintenance windows (GitOps),
    /// applied at start.
    pub config_file: Option<PathBuf>,
}

impl NotifySettings {
    pub(crate) fn from_vars(vars: &Vars) -> Result<Self, SettingsError> {
        let public_url = vars.text("SMARTMON_PUBLIC_URL");
        if let Some(url) = &public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(SettingsError::new(
                "SMARTMON_PUBLIC_URL",
                format!("expected an http:// or https:// URL, got {url:?}"),
            ));
        }
        let secs =
            |name, default, range| vars.number(name, default, range).map(Duration::from_secs);
        Ok(Self {
            enabled: vars.flag("SMARTMON_NOTIFY", true)?,
            poll: Duration::from_millis(vars.number(
                "SMARTMON_NOTIFY_POLL_MS",
                1000,
                50..=60_000,
            )?),
            max_attempts: vars.number("SMARTMON_NOTIFY_MAX_ATTEMPTS", 12, 1..=100)?,
            retry_first: secs("SMARTMON_NOTIFY_RETRY_FIRST_SECS", 5, 1..=3600)?,
            retry_max: secs("SMARTMON_NOTIFY_RETRY_MAX_SECS", 900, 1..=86_400)?,
            timeout: secs("SMARTMON_NOTIFY_TIMEOUT_SECS", 10, 1..=120)?,
            lease: secs("SMARTMON_NOTIFY_LEASE_SECS", 60, 5..=3600)?,
            fleet_hosts: vars.number("SMARTMON_NOTIFY_FLEET_HOSTS", 5, 1..=10_000)?,
            host_down_after: secs("SMARTMON_NOTIFY_HOST_DOWN_SECS", 180, 0..=86_400)?,
            public_url,
            config_file: vars.text("SMARTMON_NOTIFY_CONFIG").map(PathBuf::from),
        })
    }

    /// The wait before attempt `attempts + 1`: `retry_first` doubled per attempt, at most `retry_max`.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let doublings = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
        self.retry_first
            .saturating_mul(1 << doublings)
            .min(self.retry_max)
    }
}

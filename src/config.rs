//! Settings, read once at start from the environment (and `NAME_FILE` for secrets), failing fast with the
//! variable's name and what was expected. `.env.example` documents every variable read here.
//!
//! Each area owns its settings type and reads it itself (`from_vars`); this module only puts them
//! together for `main` and `startup`, which hand each area its own part. No area imports this module.

use std::collections::HashMap;

use crate::auth::AuthSettings;
use crate::collector::CollectorSettings;
use crate::db::DatabaseSettings;
use crate::journal::JournalSettings;
use crate::lifecycle::LifecycleSettings;
use crate::notify::NotifySettings;
use crate::restart::RestartSettings;
use crate::site::SiteSettings;
use crate::telemetry::LogSettings;
use crate::vars::{Secret, Vars};
use crate::web::HttpSettings;

pub use crate::vars::SettingsError;

/// Everything the process needs to know about its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub http: HttpSettings,
    pub log: LogSettings,
    /// This host: its name, `DRY_RUN`, the system bus.
    pub site: SiteSettings,
    /// `SMARTMON_API_KEY` / `SMARTMON_API_KEY_FILE`: the key machine clients send as `X-API-Key`, and the
    /// key the host helper expects.
    pub api_key: Option<Secret>,
    /// Sessions, Basic Auth, SSO, trusted proxies and rate limits.
    pub auth: AuthSettings,
    /// The collector's sources, intervals and bounds.
    pub collector: CollectorSettings,
    /// The restart workflow: allow-list, gates, executor, remote queue, auto-remediation.
    pub restart: RestartSettings,
    /// Retention, rollups and partitions.
    pub lifecycle: LifecycleSettings,
    /// Where this host's journal is read from (`journalctl`, a journal directory) and how much a page shows.
    pub journal: JournalSettings,
    /// Notification delivery: retries, grouping, host-down, the channel file.
    pub notify: NotifySettings,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_vars(&Vars::from_env())
    }

    /// Reads settings from an explicit set of variables (what tests use).
    pub fn from_map(vars: HashMap<String, String>) -> Result<Self, SettingsError> {
        Self::from_vars(&Vars::new(vars))
    }

    fn from_vars(vars: &Vars) -> Result<Self, SettingsError> {
        Ok(Self {
            database: DatabaseSettings::from_vars(vars)?,
            http: HttpSettings::from_vars(vars)?,
            log: LogSettings::from_vars(vars)?,
            site: SiteSettings::from_vars(vars)?,
            api_key: api_key(vars)?,
            auth: AuthSettings::from_vars(vars)?,
            collector: CollectorSettings::from_vars(vars)?,
            restart: RestartSettings::from_vars(vars)?,
            lifecycle: LifecycleSettings::from_vars(vars)?,
            journal: JournalSettings::from_vars(vars)?,
            notify: NotifySettings::from_vars(vars)?,
        })
    }
}

/// The shortest `SMARTMON_API_KEY` accepted: long enough that guessing it (one address backs off after a
/// few wrong keys) is hopeless. `openssl rand -hex 32` gives 64 characters.
pub const MIN_API_KEY_LEN: usize = 32;

fn api_key(vars: &Vars) -> Result<Option<Secret>, SettingsError> {
    let key = vars.secret("SMARTMON_API_KEY")?;
    if let Some(short) = key
        .as_ref()
        .map(|k| k.expose().chars().count())
        .filter(|n| *n < MIN_API_KEY_LEN)
    {
        return Err(SettingsError::new(
            "SMARTMON_API_KEY",
            format!(
                "expected at least {MIN_API_KEY_LEN} characters (e.g. `openssl rand -hex 32`), got {short}"
            ),
        ));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        Settings::from_map(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn defaults_are_the_safe_embedded_setup() {
        let s = settings(&[]).expect("defaults are valid");
        assert_eq!(s.http.port, 5003);
        assert!(s.site.dry_run, "DRY_RUN must default to true");
        assert!(s.database.url.is_none());
        assert_eq!(s.database.sqlite_path, PathBuf::from("./smartmon.db"));
        assert_eq!(s.http.bind.to_string(), "127.0.0.1");
    }

    #[test]
    fn a_bad_port_names_the_variable() {
        let err = settings(&[("GUI_PORT", "abc")]).expect_err("abc is no port");
        assert_eq!(err.variable, "GUI_PORT");
        assert!(
            err.to_string()
                .starts_with("GUI_PORT: expected a whole number"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_flag_names_the_variable() {
        let err = settings(&[("DRY_RUN", "maybe")]).expect_err("maybe is no flag");
        assert_eq!(
            err.to_string(),
            "DRY_RUN: expected true or false (or 1/0), got \"maybe\""
        );
    }

    #[test]
    fn delegation_settings_default_to_open_logs_and_the_usual_group_names() {
        let s = settings(&[]).expect("defaults are valid");
        assert!(
            !s.auth.logs_need_grant,
            "viewers read logs unless told otherwise"
        );
        assert_eq!(s.auth.sso.groups_header, "Remote-Groups");
        assert_eq!(s.auth.sso.groups_claim, "groups");
        let err = settings(&[("SMARTMON_SSO_GROUPS_HEADER", "X-Groups: evil")])
            .expect_err("not a header name");
        assert_eq!(err.variable, "SMARTMON_SSO_GROUPS_HEADER");
        let err = settings(&[("SMARTMON_LOGS_NEED_GRANT", "sometimes")]).expect_err("no flag");
        assert_eq!(err.variable, "SMARTMON_LOGS_NEED_GRANT");
    }

    #[test]
    fn empty_values_count_as_unset() {
        let s = settings(&[("DATABASE_URL", ""), ("GUI_PORT", " ")]).expect("empty is unset");
        assert!(s.database.url.is_none());
        assert_eq!(s.http.port, 5003);
    }

    #[test]
    fn secrets_come_from_files_and_are_never_printed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("key");
        std::fs::write(&path, "s3cret-key-0123456789abcdef-0123456789\n").expect("write secret");
        let s = settings(&[("SMARTMON_API_KEY_FILE", path.to_str().expect("utf-8 path"))])
            .expect("file secret");
        let key = s.api_key.expect("key read from file");
        assert_eq!(key.expose(), "s3cret-key-0123456789abcdef-0123456789");
        assert_eq!(format!("{key:?}"), "[redacted]");
        assert!(
            !format!(
                "{:?}",
                settings(&[("SMARTMON_API_KEY", "abc-0123456789abcdef-0123456789xyz")])
                    .expect("ok")
            )
            .contains("abc-0123456789abcdef-0123456789xyz")
        );
    }

    #[test]
    fn a_secret_and_its_file_together_are_refused() {
        let err = settings(&[("SMARTMON_API_KEY", "a"), ("SMARTMON_API_KEY_FILE", "/x")])
            .expect_err("ambiguous");
        assert!(err.to_string().contains("not both"), "{err}");
    }

    #[test]
    fn a_short_api_key_is_refused_at_start() {
        let err = settings(&[("SMARTMON_API_KEY", "k1")]).expect_err("too short");
        assert_eq!(err.variable, "SMARTMON_API_KEY");
        assert!(err.to_string().contains("at least 32 characters"), "{err}");
        assert!(
            !err.to_string().contains("k1"),
            "the key is not printed: {err}"
        );
        let long = "x".repeat(MIN_API_KEY_LEN);
        let ok = settings(&[("SMARTMON_API_KEY", long.as_str())]);
        assert!(ok.is_ok());
    }

    #[test]
    fn a_missing_secret_file_names_the_file_variable() {
        let err = settings(&[("DATABASE_URL_FILE", "/nonexistent/db-url")]).expect_err("missing");
        assert_eq!(err.variable, "DATABASE_URL_FILE");
    }
}

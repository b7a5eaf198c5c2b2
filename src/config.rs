//! Settings, read once at start from the environment (and `NAME_FILE` for secrets), failing fast with the
//! variable's name and what was expected. `.env.example` documents every variable read here.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything the process needs to know about its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub http: HttpSettings,
    pub log: LogSettings,
    /// `DRY_RUN`: when true (the default) restarts are recorded and shown, never performed.
    pub dry_run: bool,
    /// `SMARTMON_API_KEY` / `SMARTMON_API_KEY_FILE`: the key machine clients send as `X-API-Key`.
    pub api_key: Option<Secret>,
    /// `HOSTNAME_OVERRIDE`: the name this host reports under, instead of the system hostname.
    pub hostname_override: Option<String>,
    /// Sessions, Basic Auth, SSO, trusted proxies and rate limits (`crate::auth::settings`).
    pub auth: crate::auth::AuthSettings,
    /// The collector's sources, intervals and bounds.
    pub collector: crate::collector::CollectorSettings,
    /// The restart workflow: allow-list, gates, executor, remote queue, auto-remediation.
    pub restart: crate::restart::RestartSettings,
    /// Retention, rollups and partitions (`crate::lifecycle::settings`).
    pub lifecycle: crate::lifecycle::LifecycleSettings,
}

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// `DATABASE_URL` / `DATABASE_URL_FILE`: `postgresql://…` selects Postgres; unset selects SQLite.
    pub url: Option<Secret>,
    /// `DATABASE_URL_READ` / `DATABASE_URL_READ_FILE`: a Postgres read replica for history reads (charts).
    pub read_url: Option<Secret>,
    /// `SMARTMONITOR_DB_PATH`: the embedded SQLite file used when `DATABASE_URL` is unset.
    pub sqlite_path: PathBuf,
    /// `SMARTMON_INIT_PG`: apply pending migrations to Postgres at start (SQLite always migrates itself).
    pub init_pg: bool,
    /// `SMARTMON_DB_TIMEOUT_SECS`: how long a connection attempt or a readiness probe may take.
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// `GUI_BIND`: the address the console listens on.
    pub bind: IpAddr,
    /// `GUI_PORT`: the port the console listens on (0 picks a free one).
    pub port: u16,
    /// `SMARTMON_MAX_BODY_BYTES`: the largest request body accepted.
    pub max_body_bytes: usize,
    /// `GUI_WORKERS`: HTTP worker threads (default: one per core).
    pub workers: usize,
}

#[derive(Debug, Clone)]
pub struct LogSettings {
    /// `LOG_LEVEL`: `ERROR`, `WARNING`, `INFO`, `DEBUG`, `TRACE`, or a tracing filter such as `smartmon=debug`.
    pub filter: String,
    /// `LOG_FORMAT`: `text` (default) or `json`.
    pub json: bool,
}

/// A value that must never be logged or rendered; `Debug` prints `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A setting that could not be used, naming the variable and what was expected.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct SettingsError {
    pub variable: String,
    pub message: String,
}

impl SettingsError {
    pub fn new(variable: &str, message: impl Into<String>) -> Self {
        Self {
            variable: variable.to_owned(),
            message: message.into(),
        }
    }
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_vars(&Vars(std::env::vars().collect()))
    }

    /// Reads settings from an explicit set of variables (what tests use).
    pub fn from_map(vars: HashMap<String, String>) -> Result<Self, SettingsError> {
        Self::from_vars(&Vars(vars))
    }

    fn from_vars(vars: &Vars) -> Result<Self, SettingsError> {
        Ok(Self {
            database: DatabaseSettings {
                url: vars.secret("DATABASE_URL")?,
                read_url: vars.secret("DATABASE_URL_READ")?,
                sqlite_path: vars
                    .text("SMARTMONITOR_DB_PATH")
                    .map_or_else(|| PathBuf::from("./smartmon.db"), PathBuf::from),
                init_pg: vars.flag("SMARTMON_INIT_PG", false)?,
                timeout: Duration::from_secs(vars.number(
                    "SMARTMON_DB_TIMEOUT_SECS",
                    5,
                    1..=300,
                )?),
            },
            http: HttpSettings {
                bind: vars.parsed(
                    "GUI_BIND",
                    "an IP address such as 127.0.0.1 or 0.0.0.0",
                    || IpAddr::from([127, 0, 0, 1]),
                )?,
                port: vars.number("GUI_PORT", 5003, 0..=65535)?,
                max_body_bytes: vars.number(
                    "SMARTMON_MAX_BODY_BYTES",
                    64 * 1024,
                    1024..=16 << 20,
                )?,
                workers: vars.number(
                    "GUI_WORKERS",
                    std::thread::available_parallelism().map_or(2, |n| n.get()),
                    1..=256,
                )?,
            },
            log: LogSettings {
                filter: log_filter(vars.text("LOG_LEVEL").as_deref().unwrap_or("INFO")),
                json: match vars.text("LOG_FORMAT").as_deref() {
                    None | Some("text") => false,
                    Some("json") => true,
                    Some(other) => {
                        return Err(SettingsError::new(
                            "LOG_FORMAT",
                            format!("expected text or json, got {other:?}"),
                        ));
                    }
                },
            },
            dry_run: vars.flag("DRY_RUN", true)?,
            api_key: vars.secret("SMARTMON_API_KEY")?,
            hostname_override: vars.text("HOSTNAME_OVERRIDE"),
            auth: crate::auth::AuthSettings::from_vars(vars)?,
            collector: crate::collector::CollectorSettings::from_vars(vars)?,
            restart: crate::restart::RestartSettings::from_vars(vars)?,
            lifecycle: crate::lifecycle::LifecycleSettings::from_vars(vars)?,
        })
    }
}

/// Maps the deployment spec's Python-style levels onto a tracing filter; anything else passes through.
fn log_filter(level: &str) -> String {
    let directive = match level.to_ascii_uppercase().as_str() {
        "CRITICAL" | "ERROR" => "error",
        "WARNING" | "WARN" => "warn",
        "INFO" => "info",
        "DEBUG" => "debug",
        "TRACE" => "trace",
        _ => return level.to_owned(),
    };
    format!("{directive},sqlx=warn,sea_orm=warn,zbus=warn")
}

/// The environment, with empty values treated as unset (compose writes `HOST_IP=` for "no value").
/// Area modules read their own settings from it (`fn from_vars(vars: &Vars) -> Result<_, SettingsError>`).
pub struct Vars(HashMap<String, String>);

impl Vars {
    pub fn text(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// A secret from `NAME` or from the file named by `NAME_FILE` (Docker secrets), never both.
    pub fn secret(&self, name: &str) -> Result<Option<Secret>, SettingsError> {
        let file_var = format!("{name}_FILE");
        match (self.text(name), self.text(&file_var)) {
            (Some(_), Some(_)) => Err(SettingsError::new(
                name,
                format!("set either {name} or {file_var}, not both"),
            )),
            (Some(value), None) => Ok(Some(Secret(value))),
            (None, Some(path)) => {
                let value = std::fs::read_to_string(&path).map_err(|e| {
                    SettingsError::new(&file_var, format!("cannot read {path:?}: {e}"))
                })?;
                let value = value.trim_end_matches(['\n', '\r']).to_owned();
                if value.is_empty() {
                    return Err(SettingsError::new(&file_var, format!("{path:?} is empty")));
                }
                Ok(Some(Secret(value)))
            }
            (None, None) => Ok(None),
        }
    }

    pub fn flag(&self, name: &str, default: bool) -> Result<bool, SettingsError> {
        let Some(value) = self.text(name) else {
            return Ok(default);
        };
        match value.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(SettingsError::new(
                name,
                format!("expected true or false (or 1/0), got {value:?}"),
            )),
        }
    }

    pub fn number<T>(
        &self,
        name: &str,
        default: T,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<T, SettingsError>
    where
        T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
    {
        let Some(value) = self.text(name) else {
            return Ok(default);
        };
        match value.parse::<T>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(SettingsError::new(
                name,
                format!(
                    "expected a whole number from {} to {}, got {value:?}",
                    range.start(),
                    range.end()
                ),
            )),
        }
    }

    pub fn parsed<T: std::str::FromStr>(
        &self,
        name: &str,
        expected: &str,
        default: impl FnOnce() -> T,
    ) -> Result<T, SettingsError> {
        match self.text(name) {
            None => Ok(default()),
            Some(value) => value.parse().map_err(|_| {
                SettingsError::new(name, format!("expected {expected}, got {value:?}"))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
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
        assert!(s.dry_run, "DRY_RUN must default to true");
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
    fn empty_values_count_as_unset() {
        let s = settings(&[("DATABASE_URL", ""), ("GUI_PORT", " ")]).expect("empty is unset");
        assert!(s.database.url.is_none());
        assert_eq!(s.http.port, 5003);
    }

    #[test]
    fn secrets_come_from_files_and_are_never_printed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("key");
        std::fs::write(&path, "s3cret-key\n").expect("write secret");
        let s = settings(&[("SMARTMON_API_KEY_FILE", path.to_str().expect("utf-8 path"))])
            .expect("file secret");
        let key = s.api_key.expect("key read from file");
        assert_eq!(key.expose(), "s3cret-key");
        assert_eq!(format!("{key:?}"), "[redacted]");
        assert!(
            !format!(
                "{:?}",
                settings(&[("SMARTMON_API_KEY", "abc")]).expect("ok")
            )
            .contains("abc")
        );
    }

    #[test]
    fn a_secret_and_its_file_together_are_refused() {
        let err = settings(&[("SMARTMON_API_KEY", "a"), ("SMARTMON_API_KEY_FILE", "/x")])
            .expect_err("ambiguous");
        assert!(err.to_string().contains("not both"), "{err}");
    }

    #[test]
    fn a_missing_secret_file_names_the_file_variable() {
        let err = settings(&[("DATABASE_URL_FILE", "/nonexistent/db-url")]).expect_err("missing");
        assert_eq!(err.variable, "DATABASE_URL_FILE");
    }

    #[test]
    fn python_style_log_levels_are_understood() {
        assert!(log_filter("WARNING").starts_with("warn,"));
        assert_eq!(log_filter("smartmon=debug"), "smartmon=debug");
    }
}

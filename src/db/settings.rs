//! The database's settings: which store (`DATABASE_URL` or the embedded SQLite file), the read replica,
//! migrations at start, and the connection timeout.

use std::path::PathBuf;
use std::time::Duration;

use crate::vars::{Secret, SettingsError, Vars};

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

impl DatabaseSettings {
    pub(crate) fn from_vars(vars: &Vars) -> Result<Self, SettingsError> {
        Ok(Self {
            url: vars.secret("DATABASE_URL")?,
            read_url: vars.secret("DATABASE_URL_READ")?,
            sqlite_path: vars
                .text("SMARTMONITOR_DB_PATH")
                .map_or_else(|| PathBuf::from("./smartmon.db"), PathBuf::from),
            init_pg: vars.flag("SMARTMON_INIT_PG", false)?,
            timeout: Duration::from_secs(vars.number("SMARTMON_DB_TIMEOUT_SECS", 5, 1..=300)?),
        })
    }
}

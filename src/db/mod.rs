//! The database: connecting to Postgres or the embedded SQLite file, applying migrations, and the
//! readiness probe. Query functions live in one module per table beside this one.

pub mod alert_list;
pub mod alerts;
pub mod audit_log;
pub mod checks;
pub mod disks;
pub mod entities;
pub mod health;
pub mod hosts;
pub mod log_requests;
pub mod notify_channels;
pub mod notify_delivery;
pub mod notify_events;
pub mod notify_noise;
pub mod notify_outbox;
pub mod notify_reminders;
pub mod notify_schedules;
pub mod notify_silences;
pub mod pg_tls;
pub mod readings;
pub mod restart_locks;
pub mod restart_requests;
pub mod rollup_layout;
pub mod secrets;
pub mod series;
pub mod services;
pub mod sessions;
mod settings;
pub mod unit_grants;
pub mod users;

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

pub use settings::DatabaseSettings;

/// Begins a transaction that will write: `BEGIN IMMEDIATE` on SQLite, so it takes the write lock at
/// once (waiting up to the busy timeout) instead of reading first and then failing with "database is
/// locked" when another writer got there in between; a plain `BEGIN` on Postgres.
pub async fn begin_write(conn: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    conn.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Which engine holds the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn label(self) -> &'static str {
        match self {
            Backend::Postgres => "PostgreSQL",
            Backend::Sqlite => "SQLite (embedded)",
        }
    }
}

/// A pooled connection plus what it is connected to.
#[derive(Debug, Clone)]
pub struct Db {
    pub conn: DatabaseConnection,
    pub backend: Backend,
    timeout: Duration,
    /// `DATABASE_URL_READ`: a read replica for history (charts); None reads history from `conn`.
    read: Option<DatabaseConnection>,
}

/// Why the database could not be used; the message is safe to show (no credentials).
#[derive(Debug, thiserror::Error)]
pub enum DbUnavailable {
    #[error("the database did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the database refused the query: {0}")]
    Failed(String),
}

impl Db {
    /// Connects according to the settings: `DATABASE_URL` when set, else the SQLite file.
    pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        let (url, backend) = match &settings.url {
            Some(url) => {
                let url = url.expose();
                let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://")
                {
                    Backend::Postgres
                } else if url.starts_with("sqlite:") {
                    Backend::Sqlite
                } else {
                    anyhow::bail!(
                        "DATABASE_URL: expected postgresql://user:pass@host:5432/db (or sqlite://path), got a URL with another scheme"
                    );
                };
                (url.to_owned(), backend)
            }
            None => (
                format!("sqlite://{}?mode=rwc", settings.sqlite_path.display()),
                Backend::Sqlite,
            ),
        };
        if backend == Backend::Postgres {
            check_tls(&url)?;
        }
        let mut options = ConnectOptions::new(url);
        options
            .connect_timeout(settings.timeout)
            .acquire_timeout(settings.timeout)
            .sqlx_logging(false);
        if backend == Backend::Sqlite {
            // One writer at a time is SQLite's model; a small pool avoids "database is locked" storms,
            // and a writer waits for the lock (up to twice the timeout) instead of failing at once.
            let busy = settings.timeout * 2;
            options
                .max_connections(4)
                .min_connections(1)
                .map_sqlx_sqlite_opts(move |o| {
                    o.busy_timeout(busy)
                        .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                        .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                });
        } else {
            options.max_connections(16).min_connections(1);
        }
        let conn = tokio::time::timeout(settings.timeout * 2, Database::connect(options))
            .await
            .map_err(|_| {
                anyhow::anyhow!(
                    "no answer from the database within {:?}",
                    settings.timeout * 2
                )
            })?
            .map_err(|e| anyhow::anyhow!("{}", redact(&e.to_string())))
            .with_context(|| format!("cannot connect to {}", describe(settings)))?;
        let read = match &settings.read_url {
            Some(url) => Some(connect_read(url.expose(), backend, settings).await?),
            None => None,
        };
        let db = Self {
            conn,
            backend,
            timeout: settings.timeout,
            read,
        };
        if backend == Backend::Sqlite {
            db.conn
                .execute_unprepared("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
                .await
                .context("cannot switch SQLite to WAL mode")?;
        }
        Ok(db)
    }

    /// Applies pending migrations. On Postgres an advisory lock lets several replicas start at once.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self.backend {
            Backend::Postgres => {
                let txn = self
                    .conn
                    .begin()
                    .await
                    .context("cannot open a migration transaction")?;
                txn.execute_unprepared("SELECT pg_advisory_xact_lock(727361)")
                    .await
                    .context("cannot take the migration lock")?;
                Migrator::up(&txn, None).await.context("migration failed")?;
                txn.commit().await.context("cannot commit the migrations")?;
            }
            Backend::Sqlite => Migrator::up(&self.conn, None)
                .await
                .context("migration failed")?,
        }
        Ok(())
    }

    /// Fails with a readable message when migrations are pending (Postgres without `SMARTMON_INIT_PG`).
    pub(crate) async fn ensure_migrated(&self) -> anyhow::Result<()> {
        // A plain read: sea-orm-migration's own check first creates its table when missing, which an
        // agent's least-privilege role (`smartmon agent-role`) may not do.
        let applied: std::collections::HashSet<String> = self
            .conn
            .query_all_raw(Statement::from_string(
                self.conn.get_database_backend(),
                "SELECT version FROM seaql_migrations",
            ))
            .await
            .context(
                "cannot read the migration table: run `smartmon migrate` or set SMARTMON_INIT_PG=1 \
                 (an agent's role may only read it)",
            )?
            .iter()
            .filter_map(|row| row.try_get_by_index::<String>(0).ok())
            .collect();
        let pending: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .filter(|name| !applied.contains(name))
            .collect();
        if !pending.is_empty() {
            anyhow::bail!(
                "the database schema is {} migration(s) behind: run `smartmon migrate` or set SMARTMON_INIT_PG=1",
                pending.len()
            );
        }
        Ok(())
    }

    /// How long a connection attempt or a probe may take (`SMARTMON_DB_TIMEOUT_SECS`).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// `SELECT 1` within the configured timeout: the readiness and healthcheck probe.
    pub async fn ping(&self) -> Result<(), DbUnavailable> {
        let probe = self.conn.execute_unprepared("SELECT 1");
        match tokio::time::timeout(self.timeout, probe).await {
            Err(_) => Err(DbUnavailable::Timeout(self.timeout)),
            Ok(Err(e)) => Err(DbUnavailable::Failed(redact(&e.to_string()))),
            Ok(Ok(_)) => Ok(()),
        }
    }

    /// Where history is read from: the read replica when `DATABASE_URL_READ` is set, else the primary.
    /// A replica may lag the primary by its replication delay; live pages never read from it.
    pub fn history(&self) -> &DatabaseConnection {
        self.read.as_ref().unwrap_or(&self.conn)
    }
}

/// Reads `url`'s TLS options (so a bad `sslmode` or an unreadable certificate stops start-up with a
/// clear message) and warns when the server will not be verified.
fn check_tls(url: &str) -> anyhow::Result<()> {
    let (_, tls) = pg_tls::PgTls::from_url(url)?;
    tls.client_config()?;
    if tls.mode == pg_tls::SslMode::Require {
        tracing::warn!(
            "DATABASE_URL has sslmode=require: the connection is encrypted but the server is not \
             verified; use sslmode=verify-full with sslrootcert=<CA file>"
        );
    }
    Ok(())
}

/// The read replica's pool (`DATABASE_URL_READ`), which only makes sense beside a Postgres primary.
async fn connect_read(
    url: &str,
    backend: Backend,
    settings: &DatabaseSettings,
) -> anyhow::Result<DatabaseConnection> {
    if backend != Backend::Postgres
        || !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
    {
        anyhow::bail!(
            "DATABASE_URL_READ: a read replica needs a postgresql:// URL beside a Postgres DATABASE_URL"
        );
    }
    check_tls(url)?;
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .connect_timeout(settings.timeout)
        .acquire_timeout(settings.timeout)
        .max_connections(16)
        .min_connections(1)
        .sqlx_logging(false);
    tokio::time::timeout(settings.timeout * 2, Database::connect(options))
        .await
        .map_err(|_| {
            anyhow::anyhow!(
                "DATABASE_URL_READ: no answer within {:?}",
                settings.timeout * 2
            )
        })?
        .map_err(|e| anyhow::anyhow!("DATABASE_URL_READ: {}", redact(&e.to_string())))
}

/// Where the settings point, without credentials, for error messages.
pub fn describe(settings: &DatabaseSettings) -> String {
    match &settings.url {
        Some(url) => redact(url.expose()),
        None => format!("SQLite file {}", settings.sqlite_path.display()),
    }
}

/// Removes `user:password@` from anything that looks like a connection URL.
fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(scheme_end) = rest.find("://") {
        let (head, tail) = rest.split_at(scheme_end + 3);
        out.push_str(head);
        let authority_end = tail.find(['/', ' ', '"', '\'']).unwrap_or(tail.len());
        match tail[..authority_end].rfind('@') {
            Some(at) => {
                out.push_str("***@");
                rest = &tail[at + 1..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn credentials_are_removed_from_urls() {
        assert_eq!(
            redact("error connecting to postgresql://smart:pw@db:5432/smartdb"),
            "error connecting to postgresql://***@db:5432/smartdb"
        );
        assert_eq!(
            redact("sqlite://./smartmon.db?mode=rwc"),
            "sqlite://./smartmon.db?mode=rwc"
        );
    }
}

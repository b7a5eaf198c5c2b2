//! Data lifecycle: retention windows, rollups, Postgres day partitions, the background job that runs
//! them (in `serve`, and in `agent` with `RETENTION_IN_AGENT`), the admin page's table figures, and the
//! least-privilege role for agents on other hosts.

pub mod agent_role;
pub mod partitions;
pub mod retention;
pub mod rollups;
pub mod settings;
pub mod status;

use std::time::Duration;

use sea_orm::DatabaseConnection;

pub use settings::LifecycleSettings;

use crate::clock::Clock;
use crate::db::{Backend, Db};

/// One pass of the job as of `now`: partitions ahead, rollups, and retention when `retention` is true.
pub async fn tick(
    db: &Db,
    settings: &LifecycleSettings,
    now: f64,
    retention: bool,
) -> anyhow::Result<()> {
    let conn: &DatabaseConnection = &db.conn;
    if db.backend == Backend::Postgres {
        for table in partitions::PARTITIONED {
            // A missing partition only sends rows to the default one; rollups and retention go on.
            if let Err(err) =
                partitions::ensure_ahead(conn, table, now, settings.partition_days_ahead).await
            {
                tracing::warn!(
                    error = format!("{err:#}"),
                    table,
                    "cannot create partitions ahead"
                );
            }
        }
    }
    let started = std::time::Instant::now();
    let buckets = rollups::run(conn, now, settings.rollup_delay_secs as f64).await?;
    let seconds = started.elapsed().as_secs_f64();
    if seconds >= 1.0 {
        tracing::info!(buckets, seconds, "rollup pass");
    } else {
        tracing::debug!(buckets, seconds, "rollup pass");
    }
    if retention {
        retention::run(conn, settings, now).await?;
    }
    Ok(())
}

/// Runs rollups every `ROLLUP_INTERVAL_SECS` and retention every `RETENTION_INTERVAL_SECS` (the first
/// one right after the first rollup pass) until the task is aborted. Failures are logged and retried.
pub fn spawn(db: Db, settings: LifecycleSettings) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let clock = Clock::default();
        let mut next_retention = clock.now();
        let mut interval =
            tokio::time::interval(Duration::from_secs(settings.rollup_interval_secs));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let now = clock.now();
            let due = now >= next_retention;
            match tick(&db, &settings, now, due).await {
                Ok(()) if due => next_retention = now + settings.interval_secs as f64,
                Ok(()) => {}
                Err(err) => {
                    tracing::warn!(error = format!("{err:#}"), "data lifecycle pass failed")
                }
            }
        }
    })
}

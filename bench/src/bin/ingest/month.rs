//! The database after a simulated month with retention on. `seed` writes 30 days of a smaller fleet
//! (metrics every 15 s, filesystems, state changes) into day partitions created ahead, as the lifecycle
//! job would have created them over the month; then one product lifecycle pass (`lifecycle::tick`:
//! rollups catching up, then retention with the default windows) runs. Sizes are measured before and
//! after; the per-host figure is what scales to a larger fleet.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use sea_orm::{ConnectionTrait, Statement};
use smartmon::config::Settings;
use smartmon::db::Db;
use smartmon::lifecycle::partitions;

const DAY: f64 = 86_400.0;

/// The tables agents append to.
pub const APPENDED: [&str; 3] = ["system_metrics", "filesystem_usage", "service_status"];

/// The month's fleet.
#[derive(Debug, Clone)]
pub struct MonthPlan {
    pub hosts: u32,
    pub units: u32,
    pub mounts: u32,
    pub changes_per_unit_day: f64,
    pub days: u32,
}

/// Sizes in bytes, durations in seconds.
#[derive(Debug, Clone)]
pub struct MonthReport {
    pub plan: MonthPlan,
    pub raw_days: u32,
    pub seed_secs: f64,
    pub lifecycle_secs: f64,
    pub empty: i64,
    pub before: i64,
    pub after_retention: i64,
    /// After `VACUUM FULL` of the unpartitioned tables retention deleted rows from: what a database
    /// whose retention ran every hour all month holds (it never let those tables grow past the window).
    pub steady: i64,
    pub tables_before: Vec<(String, i64)>,
    /// Stored bytes per row of the appended tables after seeding (millions of rows: little overhead).
    pub per_row: Vec<(String, f64)>,
    pub tables_steady: Vec<(String, i64)>,
}

impl MonthReport {
    /// The database's growth per simulated host at steady state.
    pub fn per_host(&self) -> f64 {
        (self.steady - self.empty) as f64 / f64::from(self.plan.hosts)
    }
}

pub async fn run(db: &Db, url: &str, seed: &Path, plan: &MonthPlan) -> anyhow::Result<MonthReport> {
    db.migrate().await?;
    let empty = database_size(db).await?;
    let now = smartmon::clock::Clock::default().now();
    let first_day = now - f64::from(plan.days + 1) * DAY;
    for table in partitions::PARTITIONED {
        partitions::ensure_ahead(&db.conn, table, first_day, plan.days + 4).await?;
    }
    let started = Instant::now();
    run_seed(seed, url, plan).await?;
    let seed_secs = started.elapsed().as_secs_f64();
    let before = database_size(db).await?;
    let tables_before = table_sizes(db).await?;
    let mut per_row = Vec::new();
    for table in APPENDED {
        let rows = row_count(db, table).await?;
        if let Some((_, bytes)) = tables_before.iter().find(|(t, _)| t == table) {
            per_row.push((table.to_owned(), *bytes as f64 / rows.max(1) as f64));
        }
    }

    let settings = Settings::from_map(
        [("DATABASE_URL".to_owned(), url.to_owned())]
            .into_iter()
            .collect(),
    )?;
    let started = Instant::now();
    smartmon::lifecycle::tick(db, &settings.lifecycle, now, true).await?;
    let lifecycle_secs = started.elapsed().as_secs_f64();
    let after_retention = database_size(db).await?;
    for table in ["filesystem_usage", "disk_health", "alerts"] {
        db.conn
            .execute_unprepared(&format!("VACUUM FULL {table}"))
            .await?;
    }
    Ok(MonthReport {
        plan: plan.clone(),
        raw_days: settings.lifecycle.raw_days,
        seed_secs,
        lifecycle_secs,
        empty,
        before,
        after_retention,
        steady: database_size(db).await?,
        tables_before,
        per_row,
        tables_steady: table_sizes(db).await?,
    })
}

async fn run_seed(seed: &Path, url: &str, plan: &MonthPlan) -> anyhow::Result<()> {
    let changes = plan.changes_per_unit_day.round().max(1.0) as u32;
    let status = tokio::process::Command::new(seed)
        .args(["--hosts", &plan.hosts.to_string()])
        .args(["--units", &plan.units.to_string()])
        .args(["--days", &plan.days.to_string()])
        .args(["--metrics-every", "15"])
        .args(["--changes-per-day", &changes.to_string()])
        .args(["--mounts", &plan.mounts.to_string()])
        .arg("--no-checks")
        .env("DATABASE_URL", url)
        .kill_on_drop(true)
        .status()
        .await
        .with_context(|| format!("cannot run {}", seed.display()))?;
    anyhow::ensure!(status.success(), "seed failed: {status}");
    Ok(())
}

pub async fn database_size(db: &Db) -> anyhow::Result<i64> {
    let row = db
        .conn
        .query_one_raw(Statement::from_string(
            db.conn.get_database_backend(),
            "SELECT pg_database_size(current_database()) AS bytes",
        ))
        .await?
        .context("no size")?;
    Ok(row.try_get("", "bytes")?)
}

/// Every public table with its partitions, indexes and TOAST, largest first.
pub async fn table_sizes(db: &Db) -> anyhow::Result<Vec<(String, i64)>> {
    let rows = db
        .conn
        .query_all_raw(Statement::from_string(
            db.conn.get_database_backend(),
            "SELECT t.relname::text AS name,
               CASE WHEN t.relkind = 'p' THEN
                 (SELECT coalesce(sum(pg_total_relation_size(p.relid)), 0)
                  FROM pg_partition_tree(t.oid) p)
               ELSE pg_total_relation_size(t.oid) END::bigint AS bytes
             FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace
             WHERE n.nspname = 'public' AND t.relkind IN ('r', 'p') AND NOT t.relispartition
             ORDER BY bytes DESC",
        ))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("", "name")?, r.try_get("", "bytes")?)))
        .collect()
}

/// Rows in a table (its partitions included).
pub async fn row_count(db: &Db, table: &str) -> anyhow::Result<i64> {
    let row = db
        .conn
        .query_one_raw(Statement::from_string(
            db.conn.get_database_backend(),
            format!("SELECT count(*) AS n FROM {table}"),
        ))
        .await?
        .context("no count")?;
    Ok(row.try_get("", "n")?)
}

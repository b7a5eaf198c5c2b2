//! The figures the admin Data page shows: each history table's size, rows, oldest sample, and when
//! retention last ran and runs next.

use anyhow::Context;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::lifecycle::LifecycleSettings;

/// The tables the page lists, with the column that dates their rows.
pub const TABLES: [(&str, &str); 12] = [
    ("system_metrics", "ts_epoch"),
    ("service_status", "ts_epoch"),
    ("network_checks", "ts_epoch"),
    ("disk_health", "ts_epoch"),
    ("filesystem_usage", "ts_epoch"),
    ("metric_rollups", "ts_epoch"),
    ("check_rollups", "ts_epoch"),
    ("alerts", "opened_at"),
    ("audit_log", "ts_epoch"),
    ("service_current", "ts_epoch"),
    ("hosts", "first_seen"),
    ("retention_runs", "ts_epoch"),
];

#[derive(Debug, Clone)]
pub struct TableStat {
    pub table: &'static str,
    /// Bytes on disk with indexes (and every partition), when the backend can tell.
    pub bytes: Option<i64>,
    /// Exact on SQLite; on Postgres the planner's estimate (an exact count of millions of rows is slow).
    pub rows: i64,
    pub rows_estimated: bool,
    pub oldest: Option<f64>,
    pub partitions: i64,
}

#[derive(Debug, Clone)]
pub struct DataStatus {
    pub tables: Vec<TableStat>,
    pub database_bytes: Option<i64>,
    pub last_run: Option<LastRun>,
    /// When the next retention run is due (the job also runs one right after start).
    pub next_run: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct LastRun {
    pub at: f64,
    pub rows: i64,
    pub partitions: i64,
    pub seconds: Option<f64>,
}

pub async fn read(
    db: &DatabaseConnection,
    settings: &LifecycleSettings,
) -> anyhow::Result<DataStatus> {
    let mut tables = Vec::new();
    for (table, column) in TABLES {
        tables.push(table_stat(db, table, column).await?);
    }
    let last_run = last_run(db).await?;
    let next_run = settings
        .enabled
        .then(|| {
            last_run
                .as_ref()
                .map(|r| r.at + settings.interval_secs as f64)
        })
        .flatten();
    Ok(DataStatus {
        tables,
        database_bytes: database_bytes(db).await?,
        last_run,
        next_run,
    })
}

async fn table_stat(
    db: &DatabaseConnection,
    table: &'static str,
    column: &str,
) -> anyhow::Result<TableStat> {
    let oldest = scalar_f64(db, &format!("SELECT MIN({column}) AS v FROM {table}")).await?;
    if db.get_database_backend() != DbBackend::Postgres {
        let rows = one(db, &format!("SELECT COUNT(*) AS v FROM {table}"))
            .await?
            .and_then(|r| r.try_get::<i64>("", "v").ok())
            .unwrap_or(0);
        // dbstat is compiled into the bundled SQLite; without it the size is unknown.
        let bytes = one(
            db,
            &format!(
                "SELECT SUM(pgsize) AS v FROM dbstat WHERE name = '{table}'
                   OR name IN (SELECT name FROM sqlite_master WHERE tbl_name = '{table}' AND type = 'index')"
            ),
        )
        .await
        .ok()
        .flatten()
        .and_then(|r| r.try_get::<i64>("", "v").ok());
        return Ok(TableStat {
            table,
            bytes,
            rows,
            rows_estimated: false,
            oldest,
            partitions: 0,
        });
    }
    // pg_partition_tree lists nothing for a plain table; n_live_tup is kept current by the statistics
    // collector, unlike reltuples which waits for ANALYZE.
    let sql = format!(
        "WITH tree AS (SELECT relid FROM pg_partition_tree('public.{table}')
                       UNION SELECT 'public.{table}'::regclass)
         SELECT COALESCE(SUM(pg_total_relation_size(t.relid)), 0)::bigint AS bytes,
                COALESCE(SUM(s.n_live_tup), 0)::bigint AS rows,
                (SELECT COUNT(*) FROM pg_inherits
                  WHERE inhparent = 'public.{table}'::regclass)::bigint AS parts
         FROM tree t LEFT JOIN pg_stat_user_tables s ON s.relid = t.relid"
    );
    let row = one(db, &sql).await?;
    let field = |name: &str| row.as_ref().and_then(|r| r.try_get::<i64>("", name).ok());
    Ok(TableStat {
        table,
        bytes: field("bytes"),
        rows: field("rows").unwrap_or(0),
        rows_estimated: true,
        oldest,
        partitions: field("parts").unwrap_or(0),
    })
}

async fn database_bytes(db: &DatabaseConnection) -> anyhow::Result<Option<i64>> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => "SELECT pg_database_size(current_database()) AS v",
        _ => "SELECT page_count * page_size AS v FROM pragma_page_count(), pragma_page_size()",
    };
    Ok(one(db, sql)
        .await?
        .and_then(|r| r.try_get::<i64>("", "v").ok()))
}

async fn last_run(db: &DatabaseConnection) -> anyhow::Result<Option<LastRun>> {
    Ok(one(
        db,
        "SELECT ts_epoch, rows_removed, partitions_dropped, duration_secs FROM retention_runs
         WHERE table_name = '(run)' ORDER BY ts_epoch DESC LIMIT 1",
    )
    .await?
    .and_then(|r| {
        Some(LastRun {
            at: r.try_get("", "ts_epoch").ok()?,
            rows: r.try_get("", "rows_removed").ok()?,
            partitions: r.try_get("", "partitions_dropped").ok()?,
            seconds: r.try_get("", "duration_secs").ok().flatten(),
        })
    }))
}

async fn one(db: &DatabaseConnection, sql: &str) -> anyhow::Result<Option<sea_orm::QueryResult>> {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .with_context(|| format!("cannot read table figures: {sql}"))
}

async fn scalar_f64(db: &DatabaseConnection, sql: &str) -> anyhow::Result<Option<f64>> {
    Ok(one(db, sql)
        .await?
        .and_then(|r| r.try_get::<Option<f64>>("", "v").ok().flatten()))
}

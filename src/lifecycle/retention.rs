//! Retention: removes what is older than each table's window, in small batches (each its own short
//! statement, so the console's reads never wait long), dropping whole day partitions first on Postgres.
//! Every run is recorded in `retention_runs` and logged.

use std::time::Instant;

use anyhow::Context;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::lifecycle::LifecycleSettings;
use crate::lifecycle::partitions::{self, PARTITIONED};

const DAY: f64 = 86_400.0;

/// One table's share of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRemoval {
    pub table: &'static str,
    pub cutoff: f64,
    pub rows: u64,
    pub partitions: u64,
}

/// What one run removed.
#[derive(Debug, Clone, Default)]
pub struct RetentionReport {
    pub tables: Vec<TableRemoval>,
    pub seconds: f64,
}

impl RetentionReport {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }

    pub fn partitions(&self) -> u64 {
        self.tables.iter().map(|t| t.partitions).sum()
    }
}

/// A table, the time column that ages it, an extra condition, and its window in days (0 = forever).
struct Rule {
    table: &'static str,
    column: &'static str,
    only: &'static str,
    days: u32,
}

fn rules(s: &LifecycleSettings) -> Vec<Rule> {
    let rule = |table, column, only, days| Rule {
        table,
        column,
        only,
        days,
    };
    vec![
        rule("system_metrics", "ts_epoch", "", s.raw_days),
        rule("service_status", "ts_epoch", "", s.raw_days),
        rule("network_checks", "ts_epoch", "", s.raw_days),
        rule("disk_health", "ts_epoch", "", s.raw_days),
        rule("filesystem_usage", "ts_epoch", "", s.raw_days),
        rule("metric_rollups", "ts_epoch", "", s.rollup_days),
        rule("check_rollups", "ts_epoch", "", s.rollup_days),
        rule("retention_runs", "ts_epoch", "", s.rollup_days),
        // Open alerts are current state, whatever their age.
        rule(
            "alerts",
            "resolved_at",
            " AND resolved_at IS NOT NULL",
            s.alerts_days,
        ),
        rule("audit_log", "ts_epoch", "", s.audit_days),
    ]
}

/// Applies every window once, as of `now`.
pub async fn run(
    db: &DatabaseConnection,
    settings: &LifecycleSettings,
    now: f64,
) -> anyhow::Result<RetentionReport> {
    let started = Instant::now();
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    let mut report = RetentionReport::default();
    for rule in rules(settings) {
        if rule.days == 0 {
            continue;
        }
        let cutoff = now - f64::from(rule.days) * DAY;
        let mut removal = TableRemoval {
            table: rule.table,
            cutoff,
            rows: 0,
            partitions: 0,
        };
        if postgres && PARTITIONED.contains(&rule.table) {
            let dropped = partitions::drop_before(db, rule.table, cutoff).await?;
            removal.partitions = dropped.len() as u64;
        }
        removal.rows = delete_in_batches(db, &rule, cutoff, settings.batch_rows).await?;
        report.tables.push(removal);
    }
    report.seconds = started.elapsed().as_secs_f64();
    record(db, &report, now).await?;
    tracing::info!(
        rows = report.rows(),
        partitions = report.partitions(),
        seconds = report.seconds,
        removed = %summary(&report),
        "retention run"
    );
    Ok(report)
}

async fn delete_in_batches(
    db: &DatabaseConnection,
    rule: &Rule,
    cutoff: f64,
    batch: u64,
) -> anyhow::Result<u64> {
    let (table, column, only) = (rule.table, rule.column, rule.only);
    let old = format!("{column} < {cutoff}{only}");
    let sql = format!(
        "DELETE FROM {table} WHERE {old} AND id IN (SELECT id FROM {table} WHERE {old} LIMIT {batch})"
    );
    let mut removed = 0;
    loop {
        let result = db
            .execute_raw(Statement::from_string(db.get_database_backend(), &sql))
            .await
            .with_context(|| format!("retention cannot delete from {table}"))?;
        removed += result.rows_affected();
        if result.rows_affected() < batch {
            return Ok(removed);
        }
        // Let the console's queries and the collector's writes in between batches.
        tokio::task::yield_now().await;
    }
}

/// One `retention_runs` row per table that lost something, and a `(run)` row for the run itself.
async fn record(db: &DatabaseConnection, report: &RetentionReport, now: f64) -> anyhow::Result<()> {
    let mut values: Vec<String> = report
        .tables
        .iter()
        .filter(|t| t.rows > 0 || t.partitions > 0)
        .map(|t| {
            format!(
                "({now}, '{}', {}, {}, {}, NULL)",
                t.table, t.cutoff, t.rows, t.partitions
            )
        })
        .collect();
    values.push(format!(
        "({now}, '(run)', {now}, {}, {}, {})",
        report.rows(),
        report.partitions(),
        report.seconds
    ));
    let sql = format!(
        "INSERT INTO retention_runs (ts_epoch, table_name, cutoff_epoch, rows_removed, partitions_dropped, duration_secs) VALUES {}",
        values.join(", ")
    );
    db.execute_unprepared(&sql)
        .await
        .context("cannot record the retention run")?;
    Ok(())
}

fn summary(report: &RetentionReport) -> String {
    let parts: Vec<String> = report
        .tables
        .iter()
        .filter(|t| t.rows > 0 || t.partitions > 0)
        .map(|t| format!("{}={} rows/{} partitions", t.table, t.rows, t.partitions))
        .collect();
    if parts.is_empty() {
        "nothing".to_owned()
    } else {
        parts.join(", ")
    }
}

//! Rollups: 5-minute and 1-hour min/avg/max of `system_metrics` (into `metric_rollups`) and of check
//! latencies (into `check_rollups`), maintained incrementally from each rollup's high-water mark in
//! `rollup_marks`. A bucket is rolled up once it has ended (plus `ROLLUP_DELAY_SECS`), and again on each
//! pass while it is less than 15 minutes behind the mark, for samples that arrive late; rows are upserted, so a pass run twice, or by two writers, gives the same rows. On Postgres one
//! writer at a time holds an advisory lock for the pass; the others skip it.

use anyhow::Context;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

pub use crate::db::rollup_layout::{METRICS, RESOLUTIONS};
pub(crate) use crate::db::rollup_layout::{bucket_expr, mark};

/// At most this much history is aggregated per statement, so one statement stays short.
const CHUNK_SECS: f64 = 86_400.0;

const LOCK_KEY: i64 = 727_362;

/// Buckets this far behind the mark are rolled up again on every pass, so samples an agent flushes
/// late (its outage buffer holds `SMARTMON_BUFFER_SECS`, 900 by default) still reach their bucket.
const REROLL_SECS: f64 = 900.0;

/// One family of rollups: its mark prefix, target table, key columns and aggregate expressions.
struct Family {
    name: &'static str,
    table: &'static str,
    source: &'static str,
    keys: &'static str,
}

const FAMILIES: [Family; 2] = [
    Family {
        name: "metrics",
        table: "metric_rollups",
        source: "system_metrics",
        keys: "hostname",
    },
    Family {
        name: "checks",
        table: "check_rollups",
        source: "network_checks",
        keys: "hostname, target, method",
    },
];

/// Rolls up every completed bucket since each mark, as of `now`; returns the buckets written.
pub async fn run(db: &DatabaseConnection, now: f64, delay_secs: f64) -> anyhow::Result<u64> {
    // Reads then writes: on SQLite it must hold the write lock from the start (IMMEDIATE), or a
    // collector write in between fails it with "database is locked".
    let txn = crate::db::begin_write(db)
        .await
        .context("cannot start the rollup pass")?;
    if db.get_database_backend() == DbBackend::Postgres {
        let row = txn
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SELECT pg_try_advisory_xact_lock({LOCK_KEY}) AS locked"),
            ))
            .await?;
        let locked = row.and_then(|r| r.try_get::<bool>("", "locked").ok());
        if locked != Some(true) {
            return Ok(0);
        }
    }
    let mut written = 0;
    for family in &FAMILIES {
        let mut finer_mark = f64::INFINITY;
        for (i, &secs) in RESOLUTIONS.iter().enumerate() {
            let r = f64::from(secs);
            let end = (((now - delay_secs) / r).floor() * r).min((finer_mark / r).floor() * r);
            let from_raw = i == 0;
            let mark_name = format!("{}_{secs}", family.name);
            let previous = mark(&txn, &mark_name).await?;
            let start = match previous {
                Some(done) => ((done - REROLL_SECS) / r).floor() * r,
                None => first_bucket(&txn, family, from_raw, r)
                    .await?
                    .unwrap_or(end),
            };
            let mut at = start;
            while at < end {
                let to = (at + CHUNK_SECS).min(end);
                let sql = upsert_sql(family, secs, from_raw, at, to, txn.get_database_backend());
                written += txn
                    .execute_unprepared(&sql)
                    .await
                    .with_context(|| format!("cannot roll up {} at {secs} s", family.source))?
                    .rows_affected();
                at = to;
            }
            let done = at.max(previous.unwrap_or(start));
            set_mark(&txn, &mark_name, done).await?;
            finer_mark = done;
        }
    }
    txn.commit().await.context("cannot commit the rollups")?;
    Ok(written)
}

async fn set_mark(db: &impl ConnectionTrait, name: &str, done: f64) -> anyhow::Result<()> {
    db.execute_unprepared(&format!(
        "INSERT INTO rollup_marks (name, done_until) VALUES ('{name}', {done})
         ON CONFLICT (name) DO UPDATE SET done_until = CASE
           WHEN excluded.done_until > rollup_marks.done_until THEN excluded.done_until
           ELSE rollup_marks.done_until END"
    ))
    .await
    .context("cannot move the rollup mark")?;
    Ok(())
}

/// The start of the first bucket that has data to roll up (None when the source is empty).
async fn first_bucket(
    db: &impl ConnectionTrait,
    family: &Family,
    from_raw: bool,
    r: f64,
) -> anyhow::Result<Option<f64>> {
    let sql = if from_raw {
        format!("SELECT MIN(ts_epoch) AS first FROM {}", family.source)
    } else {
        format!(
            "SELECT MIN(ts_epoch) AS first FROM {} WHERE bucket_secs = {}",
            family.table, RESOLUTIONS[0]
        )
    };
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    Ok(row
        .and_then(|r| r.try_get::<Option<f64>>("", "first").ok().flatten())
        .map(|first| (first / r).floor() * r))
}

fn upsert_sql(
    family: &Family,
    secs: u32,
    from_raw: bool,
    from: f64,
    to: f64,
    backend: DbBackend,
) -> String {
    let r = f64::from(secs);
    let bucket = bucket_expr(backend, "ts_epoch", r);
    let (stat_cols, aggregates): (Vec<String>, Vec<String>) = match (family.name, from_raw) {
        ("metrics", true) => METRICS
            .iter()
            .map(|(p, c)| {
                (
                    format!("{p}_min, {p}_avg, {p}_max"),
                    format!("MIN({c}), AVG({c}), MAX({c})"),
                )
            })
            .unzip(),
        ("metrics", false) => METRICS
            .iter()
            .map(|(p, _)| (format!("{p}_min, {p}_avg, {p}_max"), weighted(p)))
            .unzip(),
        (_, true) => (
            vec!["failures, latency_min, latency_avg, latency_max".into()],
            vec![
                "SUM(CASE WHEN status = 'ok' THEN 0 ELSE 1 END), MIN(latency_ms), AVG(latency_ms), MAX(latency_ms)"
                    .into(),
            ],
        ),
        (_, false) => (
            vec!["failures, latency_min, latency_avg, latency_max".into()],
            vec![format!("SUM(failures), {}", weighted("latency"))],
        ),
    };
    let (samples, source, only) = if from_raw {
        ("COUNT(*)", family.source, String::new())
    } else {
        (
            "SUM(samples)",
            family.table,
            format!(" AND bucket_secs = {}", RESOLUTIONS[0]),
        )
    };
    let stat_cols = stat_cols.join(", ");
    let updates: Vec<String> = std::iter::once("samples".to_owned())
        .chain(stat_cols.split(", ").map(str::to_owned))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO {table} ({keys}, bucket_secs, ts_epoch, samples, {stat_cols})
         SELECT {keys}, {secs}, {bucket} AS bucket, {samples}, {aggregates}
         FROM {source} WHERE ts_epoch >= {from} AND ts_epoch < {to}{only}
         GROUP BY {keys}, bucket
         ON CONFLICT ({keys}, bucket_secs, ts_epoch) DO UPDATE SET {updates}",
        table = family.table,
        keys = family.keys,
        aggregates = aggregates.join(", "),
        updates = updates.join(", "),
    )
}

/// min of mins, sample-weighted mean of means, max of maxes.
fn weighted(prefix: &str) -> String {
    format!(
        "MIN({prefix}_min), SUM({prefix}_avg * samples) / SUM(CASE WHEN {prefix}_avg IS NULL THEN NULL ELSE samples END), MAX({prefix}_max)"
    )
}

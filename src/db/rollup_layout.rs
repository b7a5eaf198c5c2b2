//! The rollup tables' layout, shared by the lifecycle job that writes them and the chart queries that read
//! them: the resolutions, which `system_metrics` columns are rolled up, the bucket expression, and how far
//! each rollup has got (`rollup_marks`).

use anyhow::Context;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

/// The rollup resolutions, finest first; each coarser one is built from the one before.
pub const RESOLUTIONS: [u32; 2] = [300, 3_600];

/// The `system_metrics` columns rolled up, as (rollup prefix, raw column).
pub const METRICS: [(&str, &str); 7] = [
    ("cpu", "cpu_percent"),
    ("memory", "memory_percent"),
    ("swap", "swap_percent"),
    ("load_1", "load_1"),
    ("disk", "disk_percent"),
    ("net_rx", "net_rx_bps"),
    ("net_tx", "net_tx_bps"),
];

/// How far the rollup named `name` has got, if it ever ran.
pub(crate) async fn mark(db: &impl ConnectionTrait, name: &str) -> anyhow::Result<Option<f64>> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT done_until FROM rollup_marks WHERE name = '{name}'"),
        ))
        .await
        .context("cannot read the rollup marks")?;
    Ok(row.and_then(|r| r.try_get::<f64>("", "done_until").ok()))
}

/// `floor(column / secs) * secs` on either backend, as a double.
pub(crate) fn bucket_expr(backend: DbBackend, column: &str, secs: f64) -> String {
    match backend {
        DbBackend::Postgres => format!("floor({column} / {secs}) * {secs}"),
        _ => format!("CAST(CAST({column} / {secs} AS INTEGER) * {secs} AS DOUBLE PRECISION)"),
    }
}

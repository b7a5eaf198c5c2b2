//! Reading `network_checks`: each target's latest result, recent failures, and a target's latency series.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, Order,
    QueryFilter, QueryOrder, QuerySelect, Statement,
};

use crate::db::entities::network_checks;

/// The latest result of every (host, target, method), failing ones first.
pub async fn latest(db: &impl ConnectionTrait) -> Result<Vec<network_checks::Model>, DbErr> {
    let sql = "SELECT c.* FROM network_checks c
         JOIN (SELECT hostname, target, method, MAX(ts_epoch) AS ts FROM network_checks
               GROUP BY hostname, target, method) l
           ON c.hostname = l.hostname AND c.target = l.target AND c.method = l.method AND c.ts_epoch = l.ts
         ORDER BY CASE c.status WHEN 'ok' THEN 1 ELSE 0 END, c.hostname, c.target";
    network_checks::Model::find_by_statement(Statement::from_string(db.get_database_backend(), sql))
        .all(db)
        .await
}

/// Results since `since`, newest first (optionally one host, one target, failures only).
pub async fn events(
    db: &impl ConnectionTrait,
    since: f64,
    host: Option<&str>,
    target: Option<&str>,
    failures_only: bool,
    limit: u64,
) -> Result<Vec<network_checks::Model>, DbErr> {
    let mut q = network_checks::Entity::find().filter(network_checks::Column::TsEpoch.gte(since));
    if let Some(host) = host {
        q = q.filter(network_checks::Column::Hostname.eq(host));
    }
    if let Some(target) = target {
        q = q.filter(network_checks::Column::Target.eq(target));
    }
    if failures_only {
        q = q.filter(network_checks::Column::Status.ne("ok"));
    }
    q.order_by(network_checks::Column::TsEpoch, Order::Desc)
        .limit(limit)
        .all(db)
        .await
}

/// One chart bucket of a target's latency.
#[derive(Debug, Clone, FromQueryResult)]
pub struct LatencyPoint {
    pub ts: f64,
    pub latency: Option<f64>,
}

/// A target's average latency since `since`, in buckets of `bucket_secs` (oldest first).
pub(crate) async fn latency_series(
    db: &impl ConnectionTrait,
    hostname: &str,
    target: &str,
    since: f64,
    bucket_secs: f64,
) -> Result<Vec<LatencyPoint>, DbErr> {
    let backend = db.get_database_backend();
    let (bucket, p1, p2) = match backend {
        DbBackend::Postgres => (
            format!("floor(ts_epoch / {bucket_secs}) * {bucket_secs}"),
            "$1",
            "$2",
        ),
        _ => (
            format!("CAST(ts_epoch / {bucket_secs} AS INTEGER) * {bucket_secs}"),
            "?",
            "?",
        ),
    };
    let sql = format!(
        "SELECT CAST({bucket} AS DOUBLE PRECISION) AS ts, AVG(latency_ms) AS latency
         FROM network_checks WHERE hostname = {p1} AND target = {p2} AND ts_epoch >= {since}
         GROUP BY 1 ORDER BY 1"
    );
    LatencyPoint::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [hostname.into(), target.into()],
    ))
    .all(db)
    .await
}

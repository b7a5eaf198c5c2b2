//! Host chart series: `system_metrics` averaged into chart buckets, read from the coarsest rollup
//! (`metric_rollups`, 5 min or 1 h) whose resolution still fits a bucket, and from raw samples after the
//! rollup's high-water mark, so a 30-day chart reads hundreds of rows instead of hundreds of thousands.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement};

use crate::db::rollup_layout::{METRICS, RESOLUTIONS, bucket_expr, mark};

/// One chart bucket: the average of each figure over `[ts, ts + bucket)`.
#[derive(Debug, Clone, FromQueryResult)]
pub struct MetricPoint {
    pub ts: f64,
    pub cpu: Option<f64>,
    pub memory: Option<f64>,
    pub swap: Option<f64>,
    pub load_1: Option<f64>,
    pub disk: Option<f64>,
    pub net_rx: Option<f64>,
    pub net_tx: Option<f64>,
    /// Raw samples behind the point (weights the merge of rollup and raw points).
    pub samples: i64,
}

/// Where a series was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Raw,
    /// `metric_rollups` at this many seconds (then raw samples after its mark).
    Rollup(u32),
}

/// The coarsest rollup resolution no wider than a chart bucket, or raw samples.
pub(crate) fn source_for(bucket_secs: f64) -> Source {
    RESOLUTIONS
        .iter()
        .rev()
        .find(|r| f64::from(**r) <= bucket_secs)
        .map_or(Source::Raw, |r| Source::Rollup(*r))
}

/// `hostname`'s figures since `since`, averaged into buckets of `bucket_secs` (oldest first).
pub async fn series(
    db: &impl ConnectionTrait,
    hostname: &str,
    since: f64,
    bucket_secs: f64,
) -> Result<Vec<MetricPoint>, DbErr> {
    Ok(series_with_source(db, hostname, since, bucket_secs)
        .await?
        .0)
}

/// [`series`], and where it read from.
pub async fn series_with_source(
    db: &impl ConnectionTrait,
    hostname: &str,
    since: f64,
    bucket_secs: f64,
) -> Result<(Vec<MetricPoint>, Source), DbErr> {
    let Source::Rollup(resolution) = source_for(bucket_secs) else {
        return Ok((
            raw(db, hostname, since, None, bucket_secs).await?,
            Source::Raw,
        ));
    };
    let mark = mark(db, &format!("metrics_{resolution}"))
        .await
        .map_err(|e| DbErr::Custom(format!("{e:#}")))?;
    let Some(mark) = mark.filter(|m| *m > since) else {
        return Ok((
            raw(db, hostname, since, None, bucket_secs).await?,
            Source::Raw,
        ));
    };
    // History the rollups never saw (written behind their mark, e.g. imported after they started) is
    // read raw, so a chart never shows a hole where samples exist.
    let rolled_from = first_rollup(db, hostname, resolution, since)
        .await?
        .map_or(mark, |first| first.min(mark));
    let mut points = Vec::new();
    if rolled_from > since + f64::from(resolution) {
        points.extend(raw(db, hostname, since, Some(rolled_from), bucket_secs).await?);
    }
    points.extend(rolled(db, hostname, since, mark, bucket_secs, resolution).await?);
    points.extend(raw(db, hostname, mark, None, bucket_secs).await?);
    Ok((merge(points), Source::Rollup(resolution)))
}

/// The `n`th bind parameter (from 1). Times are bound, not spliced into the text, so each query's text
/// is the same from one request to the next and Postgres plans it once per connection (planning a query
/// over dozens of day partitions costs more than running it).
pub(crate) fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// Raw samples in `[since, until)` (no upper bound when `until` is None), bucketed.
async fn raw(
    db: &impl ConnectionTrait,
    hostname: &str,
    since: f64,
    until: Option<f64>,
    bucket_secs: f64,
) -> Result<Vec<MetricPoint>, DbErr> {
    let backend = db.get_database_backend();
    let mut values = vec![hostname.into(), since.into()];
    let until = until.map_or_else(String::new, |u| {
        values.push(u.into());
        format!(" AND ts_epoch < {}", placeholder(backend, 3))
    });
    let sql = format!(
        "SELECT {bucket} AS ts,
                AVG(cpu_percent) AS cpu, AVG(memory_percent) AS memory, AVG(swap_percent) AS swap,
                AVG(load_1) AS load_1, AVG(disk_percent) AS disk,
                AVG(net_rx_bps) AS net_rx, AVG(net_tx_bps) AS net_tx, COUNT(*) AS samples
         FROM system_metrics
         WHERE hostname = {p} AND ts_epoch >= {since}{until}
         GROUP BY 1 ORDER BY 1",
        bucket = ts_bucket(backend, bucket_secs),
        p = placeholder(backend, 1),
        since = placeholder(backend, 2),
    );
    MetricPoint::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await
}

async fn rolled(
    db: &impl ConnectionTrait,
    hostname: &str,
    since: f64,
    until: f64,
    bucket_secs: f64,
    resolution: u32,
) -> Result<Vec<MetricPoint>, DbErr> {
    let backend = db.get_database_backend();
    let averages: Vec<String> = METRICS
        .iter()
        .map(|(p, _)| {
            format!(
                "SUM({p}_avg * samples) / SUM(CASE WHEN {p}_avg IS NULL THEN NULL ELSE samples END) AS {p}"
            )
        })
        .collect();
    // A rollup bucket counts when it starts inside the range (the raw query covers the rest).
    let sql = format!(
        "SELECT {bucket} AS ts, {averages}, CAST(SUM(samples) AS BIGINT) AS samples
         FROM metric_rollups
         WHERE hostname = {p} AND bucket_secs = {resolution}
           AND ts_epoch >= {start} AND ts_epoch < {end}
         GROUP BY 1 ORDER BY 1",
        bucket = ts_bucket(backend, bucket_secs),
        averages = averages.join(", "),
        p = placeholder(backend, 1),
        start = placeholder(backend, 2),
        end = placeholder(backend, 3),
    );
    let start = (since / f64::from(resolution)).floor() * f64::from(resolution);
    MetricPoint::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [hostname.into(), start.into(), until.into()],
    ))
    .all(db)
    .await
}

/// The start of the host's first rollup bucket at `resolution` from `since` on, if any.
async fn first_rollup(
    db: &impl ConnectionTrait,
    hostname: &str,
    resolution: u32,
    since: f64,
) -> Result<Option<f64>, DbErr> {
    #[derive(FromQueryResult)]
    struct First {
        ts: Option<f64>,
    }
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT MIN(ts_epoch) AS ts FROM metric_rollups
         WHERE hostname = {p} AND bucket_secs = {resolution} AND ts_epoch >= {start}",
        p = placeholder(backend, 1),
        start = placeholder(backend, 2),
    );
    let start = (since / f64::from(resolution)).floor() * f64::from(resolution);
    Ok(First::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [hostname.into(), start.into()],
    ))
    .one(db)
    .await?
    .and_then(|f| f.ts))
}

fn ts_bucket(backend: DbBackend, bucket_secs: f64) -> String {
    format!(
        "CAST({} AS DOUBLE PRECISION)",
        bucket_expr(backend, "ts_epoch", bucket_secs)
    )
}

/// Joins points that share a bucket (the one where rollups end and raw samples begin).
fn merge(points: Vec<MetricPoint>) -> Vec<MetricPoint> {
    let mut out: Vec<MetricPoint> = Vec::with_capacity(points.len());
    for p in points {
        match out.last_mut() {
            Some(last) if last.ts == p.ts => {
                let (a, b) = (last.samples as f64, p.samples as f64);
                let mix = |x: Option<f64>, y: Option<f64>| match (x, y) {
                    (Some(x), Some(y)) if a + b > 0.0 => Some((x * a + y * b) / (a + b)),
                    (x, y) => x.or(y),
                };
                last.cpu = mix(last.cpu, p.cpu);
                last.memory = mix(last.memory, p.memory);
                last.swap = mix(last.swap, p.swap);
                last.load_1 = mix(last.load_1, p.load_1);
                last.disk = mix(last.disk, p.disk);
                last.net_rx = mix(last.net_rx, p.net_rx);
                last.net_tx = mix(last.net_tx, p.net_tx);
                last.samples += p.samples;
            }
            _ => out.push(p),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Source, source_for};

    #[test]
    fn the_coarsest_resolution_that_fits_a_bucket_is_chosen() {
        assert_eq!(source_for(15.0), Source::Raw);
        assert_eq!(source_for(299.0), Source::Raw);
        assert_eq!(source_for(2_520.0), Source::Rollup(300));
        assert_eq!(source_for(10_800.0), Source::Rollup(3_600));
    }
}

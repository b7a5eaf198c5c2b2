//! `GET /api/hosts`, `/api/hosts/{host}/metrics?minutes=`, `/api/hosts/{host}/services`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::clock::rfc3339;
use crate::db::entities::system_metrics;
use crate::db::hosts::{HostSummary, MetricPoint};
use crate::db::services::ServiceFilter;
use crate::live_state::host_is_up;
use crate::web::handlers::api::services::{ServiceJson, service_json};
use crate::web::handlers::api::{ApiError, ApiErrors, ErrorBody, host_from_path, params};
use crate::web::state::AppState;

/// At most this many points in a metrics answer; longer windows are averaged into buckets.
const MAX_POINTS: f64 = 1_000.0;

/// One host and its latest figures.
#[derive(Serialize, ToSchema)]
pub(crate) struct Host<'a> {
    hostname: &'a str,
    /// `up` (reported within the last 2 minutes) or `stale`.
    status: &'static str,
    os: Option<&'a str>,
    kernel: Option<&'a str>,
    agent_version: Option<&'a str>,
    first_seen: String,
    last_seen: String,
    /// The latest sample, if the host sent one.
    latest: Option<Figures>,
}

/// One sample of a host's figures.
#[derive(Serialize, ToSchema)]
pub(crate) struct Figures {
    ts: String,
    cpu_percent: Option<f64>,
    memory_percent: Option<f64>,
    swap_percent: Option<f64>,
    load_1: Option<f64>,
    load_5: Option<f64>,
    load_15: Option<f64>,
    disk_percent: Option<f64>,
    inode_percent: Option<f64>,
    net_rx_bps: Option<f64>,
    net_tx_bps: Option<f64>,
    uptime_secs: Option<i64>,
    process_count: Option<i32>,
    temperature_c: Option<f64>,
}

impl From<&system_metrics::Model> for Figures {
    fn from(m: &system_metrics::Model) -> Self {
        Self {
            ts: rfc3339(m.ts_epoch),
            cpu_percent: m.cpu_percent,
            memory_percent: m.memory_percent,
            swap_percent: m.swap_percent,
            load_1: m.load_1,
            load_5: m.load_5,
            load_15: m.load_15,
            disk_percent: m.disk_percent,
            inode_percent: m.inode_percent,
            net_rx_bps: m.net_rx_bps,
            net_tx_bps: m.net_tx_bps,
            uptime_secs: m.uptime_secs,
            process_count: m.process_count,
            temperature_c: m.temperature_c,
        }
    }
}

fn host_json(h: &HostSummary, now: f64) -> Host<'_> {
    Host {
        hostname: h.host.hostname.as_str(),
        status: if host_is_up(h, now) { "up" } else { "stale" },
        os: h.host.os.as_deref(),
        kernel: h.host.kernel.as_deref(),
        agent_version: h.host.agent_version.as_deref(),
        first_seen: rfc3339(h.host.first_seen),
        last_seen: rfc3339(h.host.last_seen),
        latest: h.latest.as_ref().map(Figures::from),
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct HostList<'a> {
    items: Vec<Host<'a>>,
    total: usize,
}

/// Every host with its latest figures
#[utoipa::path(
    get,
    path = "/api/hosts",
    operation_id = "list_hosts",
    tag = "hosts",
    responses((status = 200, description = "OK", body = HostList), ApiErrors)
)]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let hosts = state.current.hosts(now).await?;
    let items: Vec<Host<'_>> = hosts.iter().map(|h| host_json(h, now)).collect();
    let total = items.len();
    Ok(HttpResponse::Ok().json(HostList { items, total }))
}

/// A host's figures over a window, averaged into buckets.
#[derive(Serialize, ToSchema)]
pub(crate) struct HostMetrics<'a> {
    hostname: &'a str,
    minutes: u64,
    bucket_seconds: f64,
    items: Vec<Point>,
}

/// One bucket's averages.
#[derive(Serialize, ToSchema)]
pub(crate) struct Point {
    ts: String,
    cpu_percent: Option<f64>,
    memory_percent: Option<f64>,
    swap_percent: Option<f64>,
    load_1: Option<f64>,
    disk_percent: Option<f64>,
    net_rx_bps: Option<f64>,
    net_tx_bps: Option<f64>,
}

impl From<&MetricPoint> for Point {
    fn from(p: &MetricPoint) -> Self {
        Self {
            ts: rfc3339(p.ts),
            cpu_percent: p.cpu,
            memory_percent: p.memory,
            swap_percent: p.swap,
            load_1: p.load_1,
            disk_percent: p.disk,
            net_rx_bps: p.net_rx,
            net_tx_bps: p.net_tx,
        }
    }
}

/// A host's metrics over the last minutes, averaged to at most 1000 points
#[utoipa::path(
    get,
    path = "/api/hosts/{host}/metrics",
    operation_id = "host_metrics",
    tag = "hosts",
    params(
        ("host" = String, Path, description = "the host's name"),
        ("minutes" = Option<u64>, Query, description = "window, 1 to 525600 (default 60)"),
    ),
    responses(
        (status = 200, description = "OK", body = HostMetrics),
        (status = 404, description = "No host of that name has reported", body = ErrorBody),
        ApiErrors,
    )
)]
pub async fn metrics(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let host = host_from_path(&path)?;
    let minutes = params(&req)?.clamped("minutes", 60, 1, 525_600)?;
    if state.current.host(host.as_str()).await?.is_none() {
        return Err(ApiError::NotFound(format!(
            "no host named {host} has reported"
        )));
    }
    let seconds = minutes as f64 * 60.0;
    let now = state.clock.now();
    let bucket = (seconds / MAX_POINTS).max(15.0);
    let points = state
        .current
        .series(state.db.history(), host.as_str(), now - seconds, bucket)
        .await?;
    Ok(HttpResponse::Ok().json(HostMetrics {
        hostname: host.as_str(),
        minutes,
        bucket_seconds: bucket,
        items: points.iter().map(Point::from).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct HostServices<'a> {
    hostname: &'a str,
    items: Vec<ServiceJson<'a>>,
    total: u64,
}

/// Every unit of one host
#[utoipa::path(
    get,
    path = "/api/hosts/{host}/services",
    operation_id = "host_services",
    tag = "hosts",
    params(("host" = String, Path, description = "the host's name")),
    responses((status = 200, description = "OK", body = HostServices), ApiErrors)
)]
pub async fn services(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let host = host_from_path(&path)?;
    let filter = ServiceFilter {
        host: Some(host.to_owned()),
        limit: 10_000,
        ..ServiceFilter::default()
    };
    state.current.ensure_loaded().await?;
    let page = state.current.page(&filter);
    Ok(HttpResponse::Ok().json(HostServices {
        hostname: host.as_str(),
        items: page.items.iter().map(|s| service_json(s)).collect(),
        total: page.total,
    }))
}

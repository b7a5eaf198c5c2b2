//! `GET /api/alerts` (+ `.csv`), `/api/smart`, `/api/network/targets`, `/api/network/events`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::clock::rfc3339;
use crate::db::alert_list;
use crate::db::entities::{alerts, disk_health, network_checks};
use crate::db::{checks, disks};
use crate::domain::Hostname;
use crate::web::handlers::api::csv::Csv;
use crate::web::handlers::api::{ApiError, ApiErrors, params};
use crate::web::handlers::fleet_health::alert_filter;
use crate::web::state::AppState;

/// One alert.
#[derive(Serialize, ToSchema)]
pub(crate) struct Alert<'a> {
    id: i64,
    hostname: &'a str,
    /// What raised it, e.g. `service:nginx.service`, `disk:/dev/sda`, `check:ping:8.8.8.8`.
    source: &'a str,
    /// `critical` or `warning`.
    severity: &'a str,
    message: &'a str,
    opened_at: String,
    /// The last collection that still saw the condition.
    last_seen_at: String,
    resolved_at: Option<String>,
    open: bool,
}

fn alert_json(a: &alerts::Model) -> Alert<'_> {
    Alert {
        id: a.id,
        hostname: a.hostname.as_str(),
        source: &a.source,
        severity: a.severity.as_str(),
        message: &a.message,
        opened_at: rfc3339(a.opened_at),
        last_seen_at: rfc3339(a.last_seen_at),
        resolved_at: a.resolved_at.map(rfc3339),
        open: a.resolved_at.is_none(),
    }
}

/// One network check's result.
#[derive(Serialize, ToSchema)]
pub(crate) struct Check<'a> {
    hostname: &'a str,
    target: &'a str,
    /// `ping`, `nslookup`, `tcp` or `http`.
    method: &'a str,
    /// `ok` or `fail`.
    status: &'a str,
    latency_ms: Option<f64>,
    loss_percent: Option<f64>,
    detail: Option<&'a str>,
    ts: String,
}

fn check_json(c: &network_checks::Model) -> Check<'_> {
    Check {
        hostname: c.hostname.as_str(),
        target: &c.target,
        method: &c.method,
        status: &c.status,
        latency_ms: c.latency_ms,
        loss_percent: c.loss_percent,
        detail: c.detail.as_deref(),
        ts: rfc3339(c.ts_epoch),
    }
}

/// The alert filters of the list and its CSV export (read by `alert_filter`; this type describes them).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(
    dead_code,
    reason = "describes the query string; the handlers parse it with Params"
)]
pub(crate) struct AlertQuery {
    /// open, resolved or all (default all)
    state: Option<String>,
    /// critical or warning
    severity: Option<String>,
    /// only this host
    host: Option<String>,
    /// page size, 1 to 1000
    limit: Option<u64>,
    /// rows to skip
    offset: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct AlertList<'a> {
    items: Vec<Alert<'a>>,
    total: u64,
    limit: u64,
    offset: u64,
}

/// Alerts, open first: {items, total, limit, offset}
#[utoipa::path(
    get,
    path = "/api/alerts",
    operation_id = "list_alerts",
    tag = "alerts",
    params(AlertQuery),
    responses((status = 200, description = "OK", body = AlertList), ApiErrors)
)]
pub async fn alerts(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let filter = alert_filter(&params(&req)?)?;
    let page = state.current.alerts(&filter).await?;
    let (rows, total) = (&page.0, page.1);
    Ok(HttpResponse::Ok().json(AlertList {
        items: rows.iter().map(alert_json).collect(),
        total,
        limit: filter.limit,
        offset: filter.offset,
    }))
}

/// The same list as CSV
#[utoipa::path(
    get,
    path = "/api/alerts.csv",
    operation_id = "export_alerts",
    tag = "alerts",
    params(AlertQuery),
    responses(
        (status = 200, description = "OK", body = String, content_type = "text/csv"),
        ApiErrors,
    )
)]
pub(crate) async fn alerts_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let p = params(&req)?;
    let mut filter = alert_filter(&p)?;
    if p.text("limit").is_none() {
        filter.limit = 100_000;
    }
    let (rows, _) = alert_list::find_page(&state.db.conn, &filter).await?;
    let mut csv = Csv::new(&[
        "hostname",
        "source",
        "severity",
        "message",
        "opened_at",
        "last_seen_at",
        "resolved_at",
    ]);
    for a in &rows {
        let (opened, seen) = (rfc3339(a.opened_at), rfc3339(a.last_seen_at));
        let resolved = a.resolved_at.map(rfc3339).unwrap_or_default();
        csv.row([
            a.hostname.as_str(),
            &a.source,
            a.severity.as_str(),
            &a.message,
            &opened,
            &seen,
            &resolved,
        ]);
    }
    Ok(csv.into_response("alerts.csv"))
}

/// One drive's latest SMART reading.
#[derive(Serialize, ToSchema)]
pub(crate) struct Drive<'a> {
    hostname: &'a str,
    /// `/dev/sda`, `/dev/nvme0`, …
    device: &'a str,
    /// smartctl's device type (`sat`, `nvme`, `scsi`, …).
    device_type: &'a str,
    /// `passed`, `failed`, `worn`, `standby` or `unreadable`.
    health: &'a str,
    model: Option<&'a str>,
    serial: Option<&'a str>,
    temperature_c: Option<f64>,
    power_on_hours: Option<i64>,
    reallocated_sectors: Option<i64>,
    pending_sectors: Option<i64>,
    percentage_used: Option<f64>,
    media_errors: Option<i64>,
    detail: Option<&'a str>,
    ts: String,
    /// Failed, worn or unreadable.
    needs_attention: bool,
}

fn drive_json(d: &disk_health::Model) -> Drive<'_> {
    Drive {
        hostname: d.hostname.as_str(),
        device: &d.device,
        device_type: &d.device_type,
        health: &d.health,
        model: d.model.as_deref(),
        serial: d.serial.as_deref(),
        temperature_c: d.temperature_c,
        power_on_hours: d.power_on_hours,
        reallocated_sectors: d.reallocated_sectors,
        pending_sectors: d.pending_sectors,
        percentage_used: d.percentage_used,
        media_errors: d.media_errors,
        detail: d.detail.as_deref(),
        ts: rfc3339(d.ts_epoch),
        needs_attention: disks::ATTENTION.contains(&d.health.as_str()),
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct DriveList<'a> {
    items: Vec<Drive<'a>>,
    total: usize,
}

/// Every drive's latest SMART reading, drives needing attention first
#[utoipa::path(
    get,
    path = "/api/smart",
    operation_id = "list_drives",
    tag = "disks",
    responses((status = 200, description = "OK", body = DriveList), ApiErrors)
)]
pub async fn smart(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rows = state.current.disks().await?;
    let items: Vec<Drive<'_>> = rows.iter().map(drive_json).collect();
    let total = items.len();
    Ok(HttpResponse::Ok().json(DriveList { items, total }))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct CheckList<'a> {
    items: Vec<Check<'a>>,
    total: usize,
}

/// Every check target's latest result, failing first
#[utoipa::path(
    get,
    path = "/api/network/targets",
    operation_id = "list_check_targets",
    tag = "network checks",
    responses((status = 200, description = "OK", body = CheckList), ApiErrors)
)]
pub(crate) async fn network_targets(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rows = state.current.checks().await?;
    let items: Vec<Check<'_>> = rows.iter().map(check_json).collect();
    let total = items.len();
    Ok(HttpResponse::Ok().json(CheckList { items, total }))
}

/// Check results in a window, newest first.
#[derive(Serialize, ToSchema)]
pub(crate) struct CheckEvents<'a> {
    minutes: u64,
    items: Vec<Check<'a>>,
}

/// Check results, newest first
#[utoipa::path(
    get,
    path = "/api/network/events",
    operation_id = "list_check_results",
    tag = "network checks",
    params(
        ("minutes" = Option<u64>, Query, description = "window (default 60)"),
        ("host" = Option<String>, Query, description = "only this host"),
        ("target" = Option<String>, Query, description = "only this target"),
        ("status" = Option<String>, Query, description = "fail for failures only, or all (default)"),
        ("limit" = Option<u64>, Query, description = "at most this many (default 500)"),
    ),
    responses((status = 200, description = "OK", body = CheckEvents), ApiErrors)
)]
pub(crate) async fn network_events(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let p = params(&req)?;
    let minutes = p.clamped("minutes", 60, 1, 525_600)?;
    let limit = p.clamped("limit", 500, 1, 10_000)?;
    let host = p.hostname("host")?;
    let failures = p.choice("status", &["fail", "all"])? == Some("fail");
    let since = state.clock.now() - minutes as f64 * 60.0;
    let rows = checks::events(
        &state.db.conn,
        since,
        host.as_ref().map(Hostname::as_str),
        p.text("target"),
        failures,
        limit,
    )
    .await?;
    Ok(HttpResponse::Ok().json(CheckEvents {
        minutes,
        items: rows.iter().map(check_json).collect(),
    }))
}

//! `GET /api/hosts`, `/api/hosts/{host}/metrics?minutes=`, `/api/hosts/{host}/services`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use crate::clock::{now_epoch, rfc3339};
use crate::db::hosts::{self, HostSummary};
use crate::db::services::ServiceFilter;
use crate::state::AppState;
use crate::web::handlers::api::services::service_json;
use crate::web::handlers::api::{ApiError, host_from_path, params};
use crate::web::views::hosts::is_up;

/// At most this many points in a metrics answer; longer windows are averaged into buckets.
const MAX_POINTS: f64 = 1_000.0;

fn host_json(h: &HostSummary, now: f64) -> Value {
    let m = h.latest.as_ref();
    json!({
        "hostname": h.host.hostname,
        "status": if is_up(h, now) { "up" } else { "stale" },
        "os": h.host.os,
        "kernel": h.host.kernel,
        "agent_version": h.host.agent_version,
        "first_seen": rfc3339(h.host.first_seen),
        "last_seen": rfc3339(h.host.last_seen),
        "latest": m.map(|m| json!({
            "ts": rfc3339(m.ts_epoch),
            "cpu_percent": m.cpu_percent,
            "memory_percent": m.memory_percent,
            "swap_percent": m.swap_percent,
            "load_1": m.load_1, "load_5": m.load_5, "load_15": m.load_15,
            "disk_percent": m.disk_percent,
            "inode_percent": m.inode_percent,
            "net_rx_bps": m.net_rx_bps,
            "net_tx_bps": m.net_tx_bps,
            "uptime_secs": m.uptime_secs,
            "process_count": m.process_count,
            "temperature_c": m.temperature_c,
        })),
    })
}

pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let now = now_epoch();
    let hosts = hosts::list(&state.db.conn, now).await?;
    let items: Vec<Value> = hosts.iter().map(|h| host_json(h, now)).collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items, "total": items.len() })))
}

pub async fn metrics(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let host = host_from_path(&path)?;
    let minutes = params(&req)?.clamped("minutes", 60, 1, 525_600)?;
    let db = &state.db.conn;
    if hosts::find(db, host.as_str()).await?.is_none() {
        return Err(ApiError::NotFound(format!(
            "no host named {host} has reported"
        )));
    }
    let seconds = minutes as f64 * 60.0;
    let now = now_epoch();
    let bucket = (seconds / MAX_POINTS).max(15.0);
    let points = hosts::series(state.db.history(), host.as_str(), now - seconds, bucket).await?;
    let items: Vec<Value> = points
        .iter()
        .map(|p| {
            json!({
                "ts": rfc3339(p.ts),
                "cpu_percent": p.cpu, "memory_percent": p.memory, "swap_percent": p.swap,
                "load_1": p.load_1, "disk_percent": p.disk,
                "net_rx_bps": p.net_rx, "net_tx_bps": p.net_tx,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "hostname": host, "minutes": minutes, "bucket_seconds": bucket, "items": items,
    })))
}

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
    state.current.ensure_loaded(&state.db).await?;
    let page = state.current.page(&filter);
    let items: Vec<_> = page.items.iter().map(|s| service_json(s)).collect();
    Ok(HttpResponse::Ok().json(json!({ "hostname": host, "items": items, "total": page.total })))
}

//! `GET /api/alerts` (+ `.csv`), `/api/smart`, `/api/network/targets`, `/api/network/events`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use crate::clock::{now_epoch, rfc3339};
use crate::db::alert_list;
use crate::db::entities::{alerts, network_checks};
use crate::db::{checks, disks};
use crate::domain::Hostname;
use crate::state::AppState;
use crate::web::handlers::api::csv::Csv;
use crate::web::handlers::api::{ApiError, params};
use crate::web::handlers::fleet_health::alert_filter;

fn alert_json(a: &alerts::Model) -> Value {
    json!({
        "id": a.id, "hostname": a.hostname, "source": a.source, "severity": a.severity,
        "message": a.message, "opened_at": rfc3339(a.opened_at), "last_seen_at": rfc3339(a.last_seen_at),
        "resolved_at": a.resolved_at.map(rfc3339), "open": a.resolved_at.is_none(),
    })
}

fn check_json(c: &network_checks::Model) -> Value {
    json!({
        "hostname": c.hostname, "target": c.target, "method": c.method, "status": c.status,
        "latency_ms": c.latency_ms, "loss_percent": c.loss_percent, "detail": c.detail,
        "ts": rfc3339(c.ts_epoch),
    })
}

pub async fn alerts(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let filter = alert_filter(&params(&req)?)?;
    let (rows, total) = alert_list::find_page(&state.db.conn, &filter).await?;
    Ok(HttpResponse::Ok().json(json!({
        "items": rows.iter().map(alert_json).collect::<Vec<_>>(),
        "total": total, "limit": filter.limit, "offset": filter.offset,
    })))
}

pub async fn alerts_csv(
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

pub async fn smart(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rows = disks::latest(&state.db.conn).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|d| {
            json!({
                "hostname": d.hostname, "device": d.device, "device_type": d.device_type,
                "health": d.health, "model": d.model, "serial": d.serial,
                "temperature_c": d.temperature_c, "power_on_hours": d.power_on_hours,
                "reallocated_sectors": d.reallocated_sectors, "pending_sectors": d.pending_sectors,
                "percentage_used": d.percentage_used, "media_errors": d.media_errors,
                "detail": d.detail, "ts": rfc3339(d.ts_epoch),
                "needs_attention": disks::ATTENTION.contains(&d.health.as_str()),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items, "total": items.len() })))
}

pub async fn network_targets(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rows = checks::latest(&state.db.conn).await?;
    let items: Vec<Value> = rows.iter().map(check_json).collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items, "total": items.len() })))
}

pub async fn network_events(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let p = params(&req)?;
    let minutes = p.clamped("minutes", 60, 1, 525_600)?;
    let limit = p.clamped("limit", 500, 1, 10_000)?;
    let host = p.hostname("host")?;
    let failures = p.choice("status", &["fail", "all"])? == Some("fail");
    let since = now_epoch() - minutes as f64 * 60.0;
    let rows = checks::events(
        &state.db.conn,
        since,
        host.as_ref().map(Hostname::as_str),
        p.text("target"),
        failures,
        limit,
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({
        "minutes": minutes, "items": rows.iter().map(check_json).collect::<Vec<_>>(),
    })))
}

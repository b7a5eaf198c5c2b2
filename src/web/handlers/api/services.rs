//! `GET /api/services`, `/api/services.csv`, `/api/services/{host}/{unit}/history`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::{Value, json};

use crate::clock::{now_epoch, rfc3339};
use crate::db::entities::service_current;
use crate::db::services;
use crate::domain::ServiceState;
use crate::state::AppState;
use crate::web::handlers::api::csv::Csv;
use crate::web::handlers::api::{ApiError, host_from_path, params};
use crate::web::handlers::services::service_filter;

/// Rows in one CSV export, at most.
const CSV_LIMIT: u64 = 100_000;

/// One unit as the API shows it (serialised straight from the row, without an intermediate tree).
#[derive(Serialize)]
pub struct ServiceJson<'a> {
    hostname: &'a str,
    service_name: &'a str,
    normalized_status: ServiceState,
    raw_status: &'a str,
    sub_state: &'a str,
    service_type: &'a str,
    unit_file_state: &'a str,
    load_state: &'a str,
    description: &'a str,
    recoverable: bool,
    since: String,
    observed_at: String,
}

pub fn service_json(s: &service_current::Model) -> ServiceJson<'_> {
    ServiceJson {
        hostname: s.hostname.as_str(),
        service_name: s.service_name.as_str(),
        normalized_status: s.normalized_status,
        raw_status: &s.raw_status,
        sub_state: &s.sub_state,
        service_type: &s.service_type,
        unit_file_state: &s.unit_file_state,
        load_state: &s.load_state,
        description: &s.description,
        recoverable: s.recoverable,
        since: rfc3339(s.since_epoch),
        observed_at: rfc3339(s.ts_epoch),
    }
}

/// `GET /api/services`: one page of units and the paging figures.
#[derive(Serialize)]
struct ServiceList<'a> {
    items: Vec<ServiceJson<'a>>,
    total: u64,
    limit: u64,
    offset: u64,
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let filter = service_filter(&params(&req)?, "status", 100)?;
    state.current.ensure_loaded(&state.db).await?;
    let page = state.current.page(&filter);
    Ok(HttpResponse::Ok().json(ServiceList {
        items: page.items.iter().map(|s| service_json(s)).collect(),
        total: page.total,
        limit: filter.limit,
        offset: filter.offset,
    }))
}

pub async fn csv(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let p = params(&req)?;
    // The page's filter names (`state`) and the API's (`status`) both work for exports.
    let state_param = if p.text("state").is_some() {
        "state"
    } else {
        "status"
    };
    let mut filter = service_filter(&p, state_param, CSV_LIMIT)?;
    if p.text("limit").is_none() {
        filter.limit = CSV_LIMIT;
    }
    state.current.ensure_loaded(&state.db).await?;
    let page = state.current.page(&filter);
    let mut csv = Csv::new(&[
        "hostname",
        "service_name",
        "normalized_status",
        "raw_status",
        "sub_state",
        "service_type",
        "unit_file_state",
        "recoverable",
        "since",
    ]);
    for s in &page.items {
        let since = rfc3339(s.since_epoch);
        csv.row([
            s.hostname.as_str(),
            s.service_name.as_str(),
            s.normalized_status.as_str(),
            &s.raw_status,
            &s.sub_state,
            &s.service_type,
            &s.unit_file_state,
            if s.recoverable { "true" } else { "false" },
            &since,
        ]);
    }
    Ok(csv.into_response("services.csv"))
}

pub async fn history(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (host, unit) = path.into_inner();
    let host = host_from_path(&host)?;
    let p = params(&req)?;
    let minutes = p.clamped("minutes", 1_440, 1, 525_600)?;
    let limit = p.clamped("limit", 500, 1, 10_000)?;
    let db = &state.db.conn;
    if services::find_one(db, host.as_str(), &unit)
        .await?
        .is_none()
    {
        return Err(ApiError::NotFound(format!(
            "{host} has no unit named {unit}"
        )));
    }
    let since = now_epoch() - minutes as f64 * 60.0;
    let rows = services::history(db, host.as_str(), &unit, since, limit).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "ts": rfc3339(r.ts_epoch),
                "normalized_status": r.normalized_status,
                "raw_status": r.raw_status,
                "sub_state": r.sub_state,
                "unit_file_state": r.unit_file_state,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "hostname": host, "service_name": unit, "minutes": minutes, "items": items,
    })))
}

//! `GET /api/services`, `/api/services.csv`, `/api/services/{host}/{unit}/history`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::clock::rfc3339;
use crate::db::entities::service_current;
use crate::db::services;
use crate::web::handlers::api::csv::Csv;
use crate::web::handlers::api::{ApiError, ApiErrors, ErrorBody, host_from_path, params};
use crate::web::handlers::services::service_filter;
use crate::web::state::AppState;

/// Rows in one CSV export, at most.
const CSV_LIMIT: u64 = 100_000;

/// One unit as the API shows it (serialised straight from the row, without an intermediate tree).
#[derive(Serialize, ToSchema)]
#[schema(as = Service)]
pub struct ServiceJson<'a> {
    hostname: &'a str,
    service_name: &'a str,
    normalized_status: &'a str,
    raw_status: &'a str,
    sub_state: &'a str,
    service_type: &'a str,
    unit_file_state: &'a str,
    load_state: &'a str,
    description: &'a str,
    /// A restart can bring it back (not oneshot, static or masked).
    recoverable: bool,
    /// When it entered its current state (RFC 3339 UTC).
    since: String,
    observed_at: String,
}

pub(crate) fn service_json(s: &service_current::Model) -> ServiceJson<'_> {
    ServiceJson {
        hostname: s.hostname.as_str(),
        service_name: s.service_name.as_str(),
        normalized_status: s.normalized_status.as_str(),
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
#[derive(Serialize, ToSchema)]
pub(crate) struct ServiceList<'a> {
    items: Vec<ServiceJson<'a>>,
    total: u64,
    limit: u64,
    offset: u64,
}

/// The filters of the service list and its CSV export. The handlers read them with `Params` (so a bad
/// value is a 400 naming it); this type only describes them to the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(
    dead_code,
    reason = "describes the query string; the handlers parse it with Params"
)]
pub(crate) struct ServiceQuery {
    /// only this host
    host: Option<String>,
    /// running, stopped, failed, transitioning or unknown (`state` too, on the CSV export)
    status: Option<String>,
    /// case-insensitive text in the unit name or description
    q: Option<String>,
    /// only units whose state changed within this many minutes
    since_minutes: Option<u64>,
    /// host, unit, state, sub, file or since
    sort: Option<String>,
    /// asc or desc
    dir: Option<String>,
    /// page size, 1 to 1000 (clamped)
    limit: Option<u64>,
    /// rows to skip
    offset: Option<u64>,
}

/// Units of every host: {items, total, limit, offset}
#[utoipa::path(
    get,
    path = "/api/services",
    operation_id = "list_services",
    tag = "services",
    params(ServiceQuery),
    responses((status = 200, description = "OK", body = ServiceList), ApiErrors)
)]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let filter = service_filter(&params(&req)?, "status", 100, state.clock.now())?;
    state.current.ensure_loaded().await?;
    let page = state.current.page(&filter);
    Ok(HttpResponse::Ok().json(ServiceList {
        items: page.items.iter().map(|s| service_json(s)).collect(),
        total: page.total,
        limit: filter.limit,
        offset: filter.offset,
    }))
}

/// The same list as CSV
#[utoipa::path(
    get,
    path = "/api/services.csv",
    operation_id = "export_services",
    tag = "services",
    params(ServiceQuery),
    responses(
        (status = 200, description = "OK", body = String, content_type = "text/csv"),
        ApiErrors,
    )
)]
pub async fn csv(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let p = params(&req)?;
    // The page's filter names (`state`) and the API's (`status`) both work for exports.
    let state_param = if p.text("state").is_some() {
        "state"
    } else {
        "status"
    };
    let mut filter = service_filter(&p, state_param, CSV_LIMIT, state.clock.now())?;
    if p.text("limit").is_none() {
        filter.limit = CSV_LIMIT;
    }
    state.current.ensure_loaded().await?;
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

/// A unit's state changes in a window, newest first.
#[derive(Serialize, ToSchema)]
pub(crate) struct UnitHistory<'a> {
    hostname: &'a str,
    service_name: &'a str,
    minutes: u64,
    items: Vec<StateChange<'a>>,
}

/// One observed state.
#[derive(Serialize, ToSchema)]
pub(crate) struct StateChange<'a> {
    ts: String,
    normalized_status: &'a str,
    raw_status: &'a str,
    sub_state: &'a str,
    unit_file_state: &'a str,
}

/// A unit's state changes, newest first
#[utoipa::path(
    get,
    path = "/api/services/{host}/{unit}/history",
    operation_id = "service_history",
    tag = "services",
    params(
        ("host" = String, Path, description = "the host's name"),
        ("unit" = String, Path, description = "unit name, e.g. nginx.service"),
        ("minutes" = Option<u64>, Query, description = "window (default 1440)"),
        ("limit" = Option<u64>, Query, description = "at most this many rows (default 500)"),
    ),
    responses(
        (status = 200, description = "OK", body = UnitHistory),
        (status = 404, description = "The host has no unit of that name", body = ErrorBody),
        ApiErrors,
    )
)]
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
    let since = state.clock.now() - minutes as f64 * 60.0;
    let rows = services::history(db, host.as_str(), &unit, since, limit).await?;
    let items = rows
        .iter()
        .map(|r| StateChange {
            ts: rfc3339(r.ts_epoch),
            normalized_status: r.normalized_status.as_str(),
            raw_status: &r.raw_status,
            sub_state: &r.sub_state,
            unit_file_state: &r.unit_file_state,
        })
        .collect();
    Ok(HttpResponse::Ok().json(UnitHistory {
        hostname: host.as_str(),
        service_name: &unit,
        minutes,
        items,
    }))
}

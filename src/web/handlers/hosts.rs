//! `GET /hosts` and `GET /hosts/{host}`: the fleet and one host's figures and charts.

use actix_web::{HttpRequest, web};
use maud::Markup;

use crate::db::services::ServiceFilter;
use crate::domain::Hostname;
use crate::live_state::{Scope, Topic};
use crate::web::error::AppError;
use crate::web::handlers::{params, wants_partial};
use crate::web::state::AppState;
use crate::web::views::hosts::{
    HostDetail, RANGES, host_charts, host_page, hosts_page, hosts_part, hosts_table,
};
use crate::web::views::layout::Chrome;
use crate::web::views::services::{ServicesView, services_table};

/// Points per chart: enough for a wide screen, few enough to stay light. A chart reads the coarsest
/// rollup whose resolution still gives this many points (`db::series::source_for`).
const CHART_POINTS: f64 = 240.0;

pub async fn list(
    req: HttpRequest,
    chrome: Chrome,
    state: web::Data<AppState>,
) -> Result<Markup, AppError> {
    let now = state.clock.now();
    let hosts = state.current.hosts(now).await?;
    Ok(if wants_partial(&req) {
        hosts_table(&hosts, now)
    } else {
        hosts_page(&chrome, &hosts, now)
    })
}

/// The hosts list's live part as every open hosts page shows it (pushed once per change).
pub(crate) async fn hosts_now(state: &AppState) -> Result<Markup, AppError> {
    let now = state.clock.now();
    let hosts = state.current.hosts(now).await?;
    Ok(hosts_part(&hosts, now))
}

pub async fn detail(
    req: HttpRequest,
    chrome: Chrome,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<Markup, AppError> {
    let hostname = path.into_inner();
    let hostname = Hostname::parse(&hostname)
        .map_err(|e| AppError::BadRequest(format!("{hostname:?} is not a host name: {e}")))?;
    let params = params(&req)?;
    let names: Vec<&str> = RANGES.iter().map(|(v, _, _)| *v).collect();
    let range = params.choice("range", &names)?.unwrap_or("1h");
    let seconds = RANGES
        .iter()
        .find(|(v, _, _)| *v == range)
        .map_or(3_600.0, |r| r.2);
    let found = state.current.host(hostname.as_str()).await?;
    let Some(host) = found.as_ref() else {
        return Err(AppError::NotFound(format!(
            "No host named {hostname} has reported. Hosts appear once `smartmon agent` runs there."
        )));
    };
    let now = state.clock.now();
    let start = now - seconds;
    let bucket = (seconds / CHART_POINTS).max(15.0);
    let charts = charts(&state, hostname.as_str(), (start, now), bucket).await?;
    let filter = ServiceFilter {
        host: Some(hostname.clone()),
        limit: 500,
        ..ServiceFilter::default()
    };
    state.current.ensure_loaded().await?;
    let page = state.current.page(&filter);
    let host_names = vec![hostname.to_string()];
    let services = services_table(&ServicesView {
        filter: &filter,
        rows: &page.items,
        cache: &state.rows,
        total: page.total,
        hosts: &host_names,
        now,
    });
    if wants_partial(&req) {
        return Ok((*charts).clone());
    }
    let detail = HostDetail {
        host,
        range,
        now,
        charts: &charts,
        services,
    };
    Ok(host_page(&chrome, &detail))
}

/// A host's charts from `start` in buckets of `bucket`, rendered once and kept until a new sample
/// arrives or a new bucket starts (the time axis then lags by less than one bucket, 1/240 of a chart).
async fn charts(
    state: &AppState,
    hostname: &str,
    (start, now): (f64, f64),
    bucket: f64,
) -> Result<std::sync::Arc<Markup>, AppError> {
    let current = &state.current;
    let points = current
        .series(state.db.history(), hostname, start, bucket)
        .await?;
    let key = format!("charts {hostname} {bucket} {}", (start / bucket).floor());
    let deps = [Scope::Host(Topic::Metrics, hostname)];
    let render = async { Ok(host_charts(&points, start, now)) };
    Ok(current.reads().get(&key, &deps, render).await?)
}

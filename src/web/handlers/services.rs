//! `GET /services` and `GET /services/{host}/{unit}`: the live services table and one unit's history.

use actix_web::{HttpRequest, web};
use maud::Markup;

use crate::db::services::{self, ServiceFilter, SortKey};
use crate::domain::{Hostname, ServiceState};
use crate::web::error::AppError;
use crate::web::handlers::{params, wants_partial};
use crate::web::params::{BadParam, Params};
use crate::web::state::AppState;
use crate::web::views::layout::Chrome;
use crate::web::views::service_detail::{ServiceDetail, WINDOWS, service_page};
use crate::web::views::services::{ServicesView, services_page, services_table};

/// Reads the services filter from a query string; `state_param` is `state` on pages, `status` in the API.
pub(crate) fn service_filter(
    p: &Params,
    state_param: &str,
    default_limit: u64,
    now: f64,
) -> Result<ServiceFilter, BadParam> {
    let sort_names: Vec<&str> = SortKey::ALL.iter().map(|(_, n)| *n).collect();
    let since_minutes = match p.text("since_minutes") {
        None => None,
        Some(_) => Some(p.clamped("since_minutes", 0, 1, 525_600)?),
    };
    Ok(ServiceFilter {
        host: p.hostname("host")?,
        state: p.one_of(state_param, &ServiceState::ALL, ServiceState::as_str)?,
        search: p.text("q").map(str::to_owned),
        changed_since: since_minutes.map(|m| now - m as f64 * 60.0),
        sort: p
            .choice("sort", &sort_names)?
            .and_then(SortKey::parse)
            .unwrap_or(SortKey::Unit),
        descending: p.choice("dir", &["asc", "desc"])? == Some("desc"),
        limit: p.clamped("limit", default_limit, 1, 1000)?,
        offset: p.clamped("offset", 0, 0, 10_000_000)?,
    })
}

pub async fn list(
    req: HttpRequest,
    chrome: Chrome,
    state: web::Data<AppState>,
) -> Result<Markup, AppError> {
    let filter = service_filter(&params(&req)?, "state", 100, state.clock.now())?;
    state.current.ensure_loaded().await?;
    let page = state.current.page(&filter);
    let hosts = state.current.host_names();
    let view = ServicesView {
        filter: &filter,
        rows: &page.items,
        cache: &state.rows,
        total: page.total,
        hosts: &hosts,
        now: state.clock.now(),
    };
    Ok(if wants_partial(&req) {
        services_table(&view)
    } else {
        services_page(&chrome, &view)
    })
}

pub async fn detail(
    req: HttpRequest,
    mut chrome: Chrome,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<Markup, AppError> {
    let (hostname, unit) = path.into_inner();
    let hostname = Hostname::parse(&hostname)
        .map_err(|e| AppError::BadRequest(format!("{hostname:?} is not a host name: {e}")))?;
    let params = params(&req)?;
    let names: Vec<&str> = WINDOWS.iter().map(|(v, _, _)| *v).collect();
    let window = params.choice("window", &names)?.unwrap_or("24h");
    let log_filter = crate::web::handlers::logs::log_filter(&params)?;
    let seconds = WINDOWS
        .iter()
        .find(|(v, _, _)| *v == window)
        .map_or(86_400.0, |w| w.2);
    state.current.ensure_loaded().await?;
    let Some(current) = state.current.unit(hostname.as_str(), &unit) else {
        return Err(AppError::NotFound(format!(
            "{hostname} has no unit named {unit}."
        )));
    };
    let now = state.clock.now();
    let start = now - seconds;
    let held = state
        .current
        .unit_history(hostname.as_str(), &unit, start, 10_000)
        .await?;
    let (history, initial) = (&held.changes, &held.initial);
    let changes: Vec<(f64, ServiceState)> = history
        .iter()
        .rev()
        .map(|h| (h.ts_epoch, h.normalized_status))
        .collect();
    let uptime = services::uptime_ratio(
        initial.as_ref().map(|s| s.normalized_status),
        &changes,
        start,
        now,
    );
    let shown = &history[..history.len().min(200)];
    let restart = crate::web::handlers::restart::panel_for(
        &state,
        chrome.user.as_ref(),
        hostname.as_str(),
        &unit,
        None,
    )
    .await?;
    let (logs, live_logs) = crate::web::handlers::logs::section_for(
        &state,
        chrome.user.as_ref(),
        &hostname,
        &unit,
        &log_filter,
    )
    .await?;
    chrome.live_logs = live_logs;
    Ok(service_page(
        &chrome,
        &ServiceDetail {
            unit: &current,
            window,
            uptime,
            history: shown,
            now,
            restart,
            logs,
        },
    ))
}

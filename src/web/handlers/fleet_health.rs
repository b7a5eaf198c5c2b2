//! `GET /disks`, `GET /checks`, `GET /alerts`: the pages for SMART, network checks and alerts.

use actix_web::{HttpRequest, web};
use maud::Markup;

use crate::db::alert_list::{AlertFilter, AlertState};
use crate::db::checks;
use crate::db::entities::network_checks;
use crate::domain::Severity;
use crate::live_state::{Scope, Topic};
use crate::web::error::AppError;
use crate::web::handlers::{params, wants_partial};
use crate::web::params::{BadParam, Params};
use crate::web::state::AppState;
use crate::web::views::alerts::{AlertsView, alerts_page, alerts_part, alerts_table};
use crate::web::views::checks::{
    ChecksView, TargetChart, checks_body, checks_page, checks_part, latency_charts,
};
use crate::web::views::disks::{disks_page, disks_part, disks_table};
use crate::web::views::layout::Chrome;

/// The window of the checks page's charts and failure list.
const CHECKS_WINDOW_SECS: f64 = 86_400.0;
/// Latency charts shown at most (failing targets come first).
const MAX_CHARTS: usize = 12;
/// The width of a latency chart's bucket.
const CHART_BUCKET_SECS: f64 = 600.0;

pub async fn disks(
    req: HttpRequest,
    chrome: Chrome,
    state: web::Data<AppState>,
) -> Result<Markup, AppError> {
    let rows = state.current.disks().await?;
    let now = state.clock.now();
    Ok(if wants_partial(&req) {
        disks_table(&rows, now)
    } else {
        disks_page(&chrome, &rows, now)
    })
}

/// The disks table's live part as every open disks page shows it (pushed once per change).
pub(crate) async fn disks_now(state: &AppState) -> Result<Markup, AppError> {
    let rows = state.current.disks().await?;
    Ok(disks_part(&rows, state.clock.now()))
}

pub async fn checks(
    req: HttpRequest,
    chrome: Chrome,
    state: web::Data<AppState>,
) -> Result<Markup, AppError> {
    let partial = wants_partial(&req);
    with_checks(&state, |view| {
        if partial {
            checks_body(view)
        } else {
            checks_page(&chrome, view)
        }
    })
    .await
}

/// The checks page's live part as every open checks page shows it (pushed once per change).
pub(crate) async fn checks_now(state: &AppState) -> Result<Markup, AppError> {
    with_checks(state, checks_part).await
}

/// Reads what the checks page shows and renders it with `render`.
async fn with_checks<R>(
    state: &AppState,
    render: impl FnOnce(&ChecksView) -> R,
) -> Result<R, AppError> {
    let now = state.clock.now();
    let start = now - CHECKS_WINDOW_SECS;
    let latest = state.current.checks().await?;
    // Held, charts drawn, until a check reports (or a new chart bucket starts: the time axis then lags
    // by less than one bucket).
    let key = format!("checks page {}", (start / CHART_BUCKET_SECS).floor());
    let deps = [Scope::Fleet(Topic::Checks)];
    let load = async {
        let (charts, failures) = check_charts(&state.db.conn, &latest, start).await?;
        Ok((latency_charts(&charts, start, now), failures))
    };
    let held = state.current.reads().get(&key, &deps, load).await?;
    let (charts, failures) = &*held;
    let view = ChecksView {
        latest: &latest,
        charts,
        failures,
        start,
        now,
    };
    Ok(render(&view))
}

/// The latency charts of the first `MAX_CHARTS` checks and the failures since `start`.
async fn check_charts(
    db: &sea_orm::DatabaseConnection,
    latest: &[network_checks::Model],
    start: f64,
) -> Result<(Vec<TargetChart>, Vec<network_checks::Model>), sea_orm::DbErr> {
    let mut charts = Vec::new();
    for c in latest.iter().take(MAX_CHARTS) {
        let points =
            checks::latency_series(db, c.hostname.as_str(), &c.target, start, CHART_BUCKET_SECS)
                .await?;
        charts.push(TargetChart {
            hostname: c.hostname.to_string(),
            target: c.target.clone(),
            points: points
                .iter()
                .filter_map(|p| p.latency.map(|l| (p.ts, l)))
                .collect(),
        });
    }
    let failures = checks::events(db, start, None, None, true, 50).await?;
    Ok((charts, failures))
}

/// Reads the alerts filter; `state` defaults to all (open ones are listed first anyway).
pub(crate) fn alert_filter(p: &Params) -> Result<AlertFilter, BadParam> {
    Ok(AlertFilter {
        state: match p.choice("state", &["open", "resolved", "all"])? {
            Some("open") => AlertState::Open,
            Some("resolved") => AlertState::Resolved,
            _ => AlertState::All,
        },
        host: p.hostname("host")?,
        severity: p.one_of("severity", &Severity::ALL, Severity::as_str)?,
        limit: p.clamped("limit", 100, 1, 1000)?,
        offset: p.clamped("offset", 0, 0, 10_000_000)?,
    })
}

pub async fn alerts(
    req: HttpRequest,
    chrome: Chrome,
    state: web::Data<AppState>,
) -> Result<Markup, AppError> {
    let filter = alert_filter(&params(&req)?)?;
    let page = state.current.alerts(&filter).await?;
    let (rows, total) = (&page.0, page.1);
    let view = AlertsView {
        filter: &filter,
        rows,
        total,
        now: state.clock.now(),
    };
    Ok(if wants_partial(&req) {
        alerts_table(&view)
    } else {
        alerts_page(&chrome, &view)
    })
}

/// The unfiltered alerts table's live part (pushed once per change; filtered pages reload their own).
pub(crate) async fn alerts_now(state: &AppState) -> Result<Markup, AppError> {
    let filter = AlertFilter::default();
    let page = state.current.alerts(&filter).await?;
    Ok(alerts_part(&AlertsView {
        filter: &filter,
        rows: &page.0,
        total: page.1,
        now: state.clock.now(),
    }))
}

//! `GET /`: the overview.

use actix_web::{HttpRequest, web};
use maud::Markup;

use crate::db::alert_list::{AlertFilter, AlertState};
use crate::db::disks;
use crate::db::services::{ServiceFilter, SortKey};
use crate::domain::ServiceState;
use crate::web::error::AppError;
use crate::web::handlers::wants_partial;
use crate::web::state::AppState;
use crate::web::views::layout::Chrome;
use crate::web::views::overview::{Overview, overview_body, overview_page, overview_part};

/// Failed and transitioning units shown on the overview, at most.
const ATTENTION_ROWS: u64 = 15;
/// Open alerts listed on the overview, at most.
const OPEN_ALERT_ROWS: u64 = 5;

/// Restart requests listed under "Latest restarts".
const LATEST_RESTARTS: u64 = 8;

pub async fn overview(
    req: HttpRequest,
    chrome: Chrome,
    state: web::Data<AppState>,
) -> Result<Markup, AppError> {
    let partial = wants_partial(&req);
    with_overview(&state, |view| {
        if partial {
            overview_body(view)
        } else {
            overview_page(&chrome, view)
        }
    })
    .await
}

/// The overview's live part as every open overview shows it (pushed once per change).
pub(crate) async fn overview_now(state: &AppState) -> Result<Markup, AppError> {
    with_overview(state, overview_part).await
}

/// Reads what the overview shows (from memory) and renders it with `render`.
async fn with_overview<R>(
    state: &AppState,
    render: impl FnOnce(&Overview) -> R,
) -> Result<R, AppError> {
    let now = state.clock.now();
    let current = &state.current;
    let hosts = current.hosts(now).await?;
    current.ensure_loaded().await?;
    let states = state.current.count_by_state(None);
    let mut failing = Vec::new();
    for wanted in [ServiceState::Failed, ServiceState::Transitioning] {
        let filter = ServiceFilter {
            state: Some(wanted),
            sort: SortKey::Since,
            descending: true,
            limit: ATTENTION_ROWS,
            ..ServiceFilter::default()
        };
        failing.extend(state.current.page(&filter).items);
    }
    failing.truncate(ATTENTION_ROWS as usize);
    let alert_counts = *current.open_alert_counts().await?;
    let open_alerts = current
        .alerts(&AlertFilter {
            state: AlertState::Open,
            limit: OPEN_ALERT_ROWS,
            ..AlertFilter::default()
        })
        .await?;
    let disks_attention: Vec<_> = current
        .disks()
        .await?
        .iter()
        .filter(|d| disks::ATTENTION.contains(&d.health.as_str()))
        .cloned()
        .collect();
    let restarts = current.latest_restarts(LATEST_RESTARTS).await?;
    let view = Overview {
        hosts: &hosts,
        states: &states,
        failing: &failing,
        rows: &state.rows,
        alert_counts,
        open_alerts: &open_alerts.0,
        disks_attention: &disks_attention,
        restarts: &restarts,
        now,
    };
    Ok(render(&view))
}

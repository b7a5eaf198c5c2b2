//! `GET /api/summary`: the overview's figures.

use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};

use crate::clock::{now_epoch, rfc3339};
use crate::db::{alert_list, disks, hosts};
use crate::state::AppState;
use crate::web::handlers::api::ApiError;
use crate::web::views::hosts::is_up;

pub async fn summary(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let db = &state.db.conn;
    let now = now_epoch();
    let hosts = hosts::list(db, now).await?;
    let up = hosts.iter().filter(|h| is_up(h, now)).count();
    state.current.ensure_loaded(&state.db).await?;
    let states: Map<String, Value> = state
        .current
        .count_by_state(None)
        .into_iter()
        .map(|(state, n)| (state.as_str().to_owned(), json!(n)))
        .collect();
    let (critical, warning) = alert_list::open_counts(db).await?;
    let disks = disks::latest(db).await?;
    let attention = disks
        .iter()
        .filter(|d| disks::ATTENTION.contains(&d.health.as_str()))
        .count();
    Ok(HttpResponse::Ok().json(json!({
        "generated_at": rfc3339(now),
        "hosts": { "total": hosts.len(), "up": up, "stale": hosts.len() - up },
        "services": states,
        "alerts": { "open": critical + warning, "critical": critical, "warning": warning },
        "disks": { "total": disks.len(), "needing_attention": attention },
        "dry_run": state.settings.dry_run,
    })))
}

//! `GET /api/summary`: the overview's figures.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::clock::rfc3339;
use crate::db::disks;
use crate::live_state::host_is_up;
use crate::web::handlers::api::{ApiError, ApiErrors};
use crate::web::state::AppState;

/// The fleet at a glance.
#[derive(Serialize, ToSchema)]
pub(crate) struct Summary {
    /// When these figures were read (RFC 3339 UTC).
    generated_at: String,
    hosts: HostCounts,
    /// Units by normalised state: `running`, `stopped`, `failed`, `transitioning`, `unknown`.
    services: BTreeMap<String, u64>,
    alerts: AlertCounts,
    disks: DiskCounts,
    /// Restarts are only pretended (`DRY_RUN=true`).
    dry_run: bool,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct HostCounts {
    total: usize,
    /// Reported within the last 2 minutes.
    up: usize,
    stale: usize,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct AlertCounts {
    open: u64,
    critical: u64,
    warning: u64,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct DiskCounts {
    total: usize,
    /// Failed, worn or unreadable drives.
    needing_attention: usize,
}

/// Fleet summary: hosts up/stale, services by state
#[utoipa::path(
    get,
    path = "/api/summary",
    operation_id = "summary",
    tag = "fleet",
    responses((status = 200, description = "OK", body = Summary), ApiErrors)
)]
pub async fn summary(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let hosts = state.current.hosts(now).await?;
    let up = hosts.iter().filter(|h| host_is_up(h, now)).count();
    state.current.ensure_loaded().await?;
    let services = state
        .current
        .count_by_state(None)
        .into_iter()
        .map(|(s, n)| (s.as_str().to_owned(), n))
        .collect();
    let (critical, warning) = *state.current.open_alert_counts().await?;
    let disks = state.current.disks().await?;
    let attention = disks
        .iter()
        .filter(|d| disks::ATTENTION.contains(&d.health.as_str()))
        .count();
    Ok(HttpResponse::Ok().json(Summary {
        generated_at: rfc3339(now),
        hosts: HostCounts {
            total: hosts.len(),
            up,
            stale: hosts.len() - up,
        },
        services,
        alerts: AlertCounts {
            open: critical + warning,
            critical,
            warning,
        },
        disks: DiskCounts {
            total: disks.len(),
            needing_attention: attention,
        },
        dry_run: state.restart.dry_run(),
    }))
}

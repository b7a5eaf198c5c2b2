//! Operations endpoints for orchestrators and load balancers: liveness and readiness.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::web::state::AppState;

/// `GET /healthz`: the process is alive and serving. Never touches the database.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// `GET /readyz`: 200 when the database answers `SELECT 1` in time, 503 with the reason otherwise; while
/// it is known to be down, 503 at once (the background probe tells when it is back), so a load balancer's
/// short probe timeout sees an answer.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if !state.health.is_up() {
        return HttpResponse::ServiceUnavailable().json(json!({
            "status": "unavailable",
            "database": state.db.backend.label(),
            "reason": "the database did not answer its last probe; it is probed again in the background",
        }));
    }
    match state.db.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({
            "status": "ready",
            "database": state.db.backend.label(),
        })),
        Err(reason) => {
            tracing::warn!(%reason, "readiness probe failed");
            state.health.report(false);
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "unavailable",
                "database": state.db.backend.label(),
                "reason": reason.to_string(),
            }))
        }
    }
}

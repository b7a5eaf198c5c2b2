//! The single route table. Every route the server answers is registered here, grouped by who may call it.

use actix_web::{Route, guard, web};

use crate::web::assets;
use crate::web::handlers::{api, audit, hosts, metrics, ops, overview, services};

/// Registers every route. Public routes first; everything else will sit behind authentication.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // Public: liveness/readiness probes and static assets.
    cfg.route("/healthz", read().to(ops::healthz))
        .route("/readyz", read().to(ops::readyz))
        .route("/assets/{file}", read().to(assets::serve));

    // Console pages.
    cfg.route("/", read().to(overview::overview))
        .route("/hosts", read().to(hosts::list))
        .route("/hosts/{host}", read().to(hosts::detail))
        .route("/services", read().to(services::list))
        .route("/services/{host}/{unit}", read().to(services::detail))
        .route("/audit", read().to(audit::page));

    // JSON API and Prometheus metrics.
    cfg.route("/api/summary", read().to(api::summary::summary))
        .route("/api/hosts", read().to(api::hosts::list))
        .route("/api/hosts/{host}/metrics", read().to(api::hosts::metrics))
        .route(
            "/api/hosts/{host}/services",
            read().to(api::hosts::services),
        )
        .route("/api/services", read().to(api::services::list))
        .route("/api/services.csv", read().to(api::services::csv))
        .route(
            "/api/services/{host}/{unit}/history",
            read().to(api::services::history),
        )
        .route("/api/audit.csv", read().to(audit::csv))
        .route("/api/openapi.json", read().to(api::openapi::openapi))
        .route("/metrics", read().to(metrics::metrics));
}

/// GET, and HEAD for probes and caches (actix sends no body for HEAD).
fn read() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

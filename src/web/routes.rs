//! The single route table: every route the server answers, each with an explicit access decision.
//!
//! `table()` is the whole HTTP surface; `configure` builds the actix config from it and nothing else
//! registers routes, so a route cannot exist without an `Access`. The route-coverage test
//! (`tests/access.rs`) walks the same list and proves anonymous callers are refused.
//!
//! Adding a route is one line in `table()`:
//!
//! ```text
//! get("/services", Access::Viewer, services::list),
//! post("/services/{host}/{unit}/restart", Access::Operator, restart::request),
//! get("/api/services", Access::ApiKeyOrViewer, api::services),   // /api/* gets the API rate limit
//! get("/events", Access::Viewer, events::stream),
//! get("/metrics", Access::ApiKeyOrViewer, ops::metrics),
//! ```
//!
//! `Access` (in `web::guard`): `Public`, `SetupOnly`, `Viewer`, `Operator`, `Admin`, `ApiKeyOrViewer`,
//! `ApiKeyOrOperator`. Handlers of protected routes take `CurrentUser` as an extractor. State-changing
//! routes (POST …) get the CSRF and Origin checks automatically. Anonymous callers of pages are sent to
//! `/login?next=…`; `/api/…`, `/events` and `/metrics` answer 401. Every path under `/api/` is rate
//! limited per API key or client IP; `.limit(Limit::Login)` adds the per-IP login limit.

use std::sync::Arc;

use actix_governor::Governor;
use actix_web::dev::ServiceRequest;
use actix_web::http::Method;
use actix_web::middleware::{Next, from_fn};
use actix_web::{FromRequest, Handler, Responder, Route, guard, web};

use crate::web::assets;
use crate::web::guard::{Access, audit_rate_limited, enforce};
use crate::web::handlers::{
    api, audit, auth, data, events, fleet_health, grants, hosts, logs, metrics,
    notification_silences, notifications, ops, overview, restart, services, unit_actions, users,
};
use crate::web::limits::Limits;

/// The route table. Grouped by who may call it; order within a path does not matter.
pub fn table() -> Vec<Entry> {
    use Access::*;
    vec![
        // Anyone: probes, assets, the login form, first-run setup.
        get("/healthz", Public, ops::healthz),
        get("/readyz", Public, ops::readyz),
        get("/assets/{file}", Public, assets::serve),
        get("/login", Public, auth::login_form),
        post("/login", Public, auth::login).limit(Limit::Login),
        get("/setup", SetupOnly, auth::setup_form),
        post("/setup", SetupOnly, auth::setup).limit(Limit::Login),
        // Any signed-in user: the console's pages.
        get("/", Viewer, overview::overview),
        get("/hosts", Viewer, hosts::list),
        get("/hosts/{host}", Viewer, hosts::detail),
        get("/services", Viewer, services::list),
        get("/services/{host}/{unit}", Viewer, services::detail),
        get("/services/{host}/{unit}/logs", Viewer, logs::older),
        get("/disks", Viewer, fleet_health::disks),
        get("/checks", Viewer, fleet_health::checks),
        get("/alerts", Viewer, fleet_health::alerts),
        post("/logout", Viewer, auth::logout),
        get("/events", Viewer, events::events),
        // Signed-in users or machine clients with the API key: the JSON API and metrics.
        get("/api/whoami", ApiKeyOrViewer, api::whoami::whoami),
        get("/api/summary", ApiKeyOrViewer, api::summary::summary),
        get("/api/hosts", ApiKeyOrViewer, api::hosts::list),
        get(
            "/api/hosts/{host}/metrics",
            ApiKeyOrViewer,
            api::hosts::metrics,
        ),
        get(
            "/api/hosts/{host}/services",
            ApiKeyOrViewer,
            api::hosts::services,
        ),
        get("/api/services", ApiKeyOrViewer, api::services::list),
        get("/api/services.csv", ApiKeyOrViewer, api::services::csv),
        get(
            "/api/services/{host}/{unit}/history",
            ApiKeyOrViewer,
            api::services::history,
        ),
        get("/api/alerts", ApiKeyOrViewer, api::fleet_health::alerts),
        get(
            "/api/alerts.csv",
            ApiKeyOrViewer,
            api::fleet_health::alerts_csv,
        ),
        get("/api/smart", ApiKeyOrViewer, api::fleet_health::smart),
        get(
            "/api/network/targets",
            ApiKeyOrViewer,
            api::fleet_health::network_targets,
        ),
        get(
            "/api/network/events",
            ApiKeyOrViewer,
            api::fleet_health::network_events,
        ),
        get("/api/openapi.json", ApiKeyOrViewer, api::openapi::openapi),
        get("/metrics", ApiKeyOrViewer, metrics::metrics),
        get(
            "/services/{host}/{unit}/restarts",
            Viewer,
            restart::panel_partial,
        ),
        get(
            "/services/{host}/{unit}/restarts/history",
            Viewer,
            restart::history_partial,
        ),
        // Unit actions: operators, and viewers with a grant for the action on that unit (checked inside,
        // `web::delegation`, refused with a 403 naming what is missing); the gates check again.
        get(
            "/services/{host}/{unit}/restart",
            Viewer,
            restart::confirm_form,
        ),
        post("/services/{host}/{unit}/restart", Viewer, restart::request),
        post("/api/services/restart", ApiKeyOrViewer, restart::api),
        get(
            "/services/{host}/{unit}/actions/{action}",
            Viewer,
            unit_actions::confirm_form,
        ),
        post(
            "/services/{host}/{unit}/actions/{action}",
            Viewer,
            unit_actions::request,
        ),
        post("/api/services/action", ApiKeyOrViewer, unit_actions::api),
        // Operators: the audit log (who restarted what, who was refused).
        get("/audit", Operator, audit::page),
        get("/api/audit.csv", ApiKeyOrOperator, audit::csv),
        // Admins: the Users page and Grants (delegation), the Data page (table sizes, retention),
        // Notifications.
        get("/admin/data", Admin, data::page),
        get("/users", Admin, users::list),
        post("/users", Admin, users::create),
        post("/users/{username}/role", Admin, users::set_role),
        post("/users/{username}/disable", Admin, users::disable),
        post("/users/{username}/enable", Admin, users::enable),
        get("/admin/grants", Admin, grants::page),
        post("/admin/grants", Admin, grants::create),
        post("/admin/grants/{id}/delete", Admin, grants::delete),
        get("/admin/notifications", Admin, notifications::page),
        post("/admin/notifications", Admin, notifications::create),
        // Before `/admin/notifications/{id}`, which would otherwise take "silences" or "schedules" for
        // an id.
        post(
            "/admin/notifications/silences",
            Admin,
            notification_silences::create,
        ),
        post(
            "/admin/notifications/silences/{id}/end",
            Admin,
            notification_silences::end,
        ),
        post(
            "/admin/notifications/schedules",
            Admin,
            notification_silences::create_schedule,
        ),
        post(
            "/admin/notifications/schedules/{id}/delete",
            Admin,
            notification_silences::delete_schedule,
        ),
        get("/admin/notifications/{id}", Admin, notifications::edit),
        post("/admin/notifications/{id}", Admin, notifications::update),
        post(
            "/admin/notifications/{id}/delete",
            Admin,
            notifications::delete,
        ),
        post("/admin/notifications/{id}/test", Admin, notifications::test),
        get(
            "/api/notifications/channels",
            Admin,
            api::notifications::channels,
        ),
        get(
            "/api/notifications/deliveries",
            Admin,
            api::notifications::deliveries,
        ),
    ]
}

/// One route: method, path pattern, who may call it, an optional extra rate limit, and the handler.
pub struct Entry {
    /// `GET` also answers `HEAD`.
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub limit: Option<Limit>,
    route: Route,
}

/// Rate limits a route can opt into (paths under `/api/` always get `Api`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// `POST` attempts per client IP (`SMARTMON_LOGIN_RATE_PER_MINUTE`).
    Login,
    /// Requests per API key or client IP (`SMARTMON_API_RATE_PER_MINUTE`).
    Api,
}

impl Entry {
    pub fn limit(mut self, limit: Limit) -> Self {
        self.limit = Some(limit);
        self
    }
}

pub fn get<F, Args>(path: &'static str, access: Access, handler: F) -> Entry
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    let route = web::route()
        .guard(guard::Any(guard::Get()).or(guard::Head()))
        .to(handler);
    entry(Method::GET, path, access, route)
}

pub fn post<F, Args>(path: &'static str, access: Access, handler: F) -> Entry
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    entry(Method::POST, path, access, web::post().to(handler))
}

fn entry(method: Method, path: &'static str, access: Access, route: Route) -> Entry {
    let limit = path.starts_with("/api/").then_some(Limit::Api);
    Entry {
        method,
        path,
        access,
        limit,
        route,
    }
}

/// Registers every route of `table()`, each path as one resource wrapped in its access guard.
pub(crate) fn configure(cfg: &mut web::ServiceConfig, limits: &Limits) {
    let mut groups: Vec<(&'static str, Vec<Entry>)> = Vec::new();
    for entry in table() {
        match groups.iter_mut().find(|(path, _)| *path == entry.path) {
            Some((_, entries)) => entries.push(entry),
            None => groups.push((entry.path, vec![entry])),
        }
    }
    for (path, entries) in groups {
        let rules: Arc<Vec<(Method, Access)>> = Arc::new(
            entries
                .iter()
                .map(|e| (e.method.clone(), e.access))
                .collect(),
        );
        let limit = entries.iter().find_map(|e| e.limit);
        let resource = entries
            .into_iter()
            .fold(web::resource(path), |resource, e| resource.route(e.route))
            .wrap(from_fn(move |req: ServiceRequest, next: Next<_>| {
                let rules = rules.clone();
                async move { enforce(&rules, req, next).await }
            }));
        match limit {
            None => cfg.service(resource),
            Some(Limit::Login) => cfg.service(
                resource
                    .wrap(Governor::new(&limits.login))
                    .wrap(from_fn(audit_rate_limited)),
            ),
            Some(Limit::Api) => cfg.service(
                resource
                    .wrap(Governor::new(&limits.api))
                    .wrap(from_fn(audit_rate_limited)),
            ),
        };
    }
}

//! `GET /api/openapi.json`: an OpenAPI 3.1 description of the JSON API, written by hand beside the routes.

use actix_web::HttpResponse;
use serde_json::{Value, json};

fn param(name: &str, location: &str, kind: &str, description: &str) -> Value {
    json!({
        "name": name, "in": location, "required": location == "path",
        "schema": { "type": kind }, "description": description,
    })
}

fn get(summary: &str, params: Vec<Value>, content: &str) -> Value {
    json!({ "get": {
        "summary": summary,
        "parameters": params,
        "responses": {
            "200": { "description": "OK", "content": { content: {} } },
            "400": { "description": "A bad parameter; the body names it", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
            "401": { "description": "Not signed in and no valid X-API-Key" },
            "503": { "description": "The database is unreachable" },
        },
    }})
}

/// `POST /api/services/restart`: the original's status codes, each with a body naming state and reason.
fn restart() -> Value {
    let outcome = |description: &str| {
        json!({ "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Restart" } } } })
    };
    json!({ "post": {
        "summary": "Restart an approved unit (X-API-Key, or an operator's session with its CSRF token)",
        "requestBody": { "required": true, "content": { "application/json": { "schema": {
            "type": "object", "required": ["host", "service"],
            "properties": { "host": { "type": "string" }, "service": { "type": "string" } } } } } },
        "responses": {
            "200": outcome("done: the job ended and the unit is active"),
            "202": outcome("queued for the host's agent, or dry_run (DRY_RUN=true): nothing was done"),
            "400": outcome("invalid_name, or a body that is not {host, service}"),
            "401": { "description": "Not signed in and no valid X-API-Key" },
            "403": outcome("not_approved (or a signed-in user below operator)"),
            "404": outcome("unknown_unit: the host has no such unit"),
            "409": outcome("not_recoverable, or in_progress"),
            "429": outcome("cooldown, backoff or rate_limited; Retry-After says when"),
            "502": outcome("restart_failed: systemd ran the job and it failed"),
        },
    }})
}

pub fn document() -> Value {
    let json_ct = "application/json";
    let host = || param("host", "path", "string", "the host's name");
    let service_filters = || {
        vec![
            param("host", "query", "string", "only this host"),
            param(
                "status",
                "query",
                "string",
                "running, stopped, failed, transitioning or unknown",
            ),
            param(
                "q",
                "query",
                "string",
                "case-insensitive text in the unit name or description",
            ),
            param(
                "since_minutes",
                "query",
                "integer",
                "only units whose state changed within this many minutes",
            ),
            param(
                "sort",
                "query",
                "string",
                "host, unit, state, sub, file or since",
            ),
            param("dir", "query", "string", "asc or desc"),
            param(
                "limit",
                "query",
                "integer",
                "page size, 1 to 1000 (clamped)",
            ),
            param("offset", "query", "integer", "rows to skip"),
        ]
    };
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "smartmon API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Hosts, services, metrics and state history. Times are RFC 3339 UTC. Authenticate with a session, HTTP Basic, or X-API-Key.",
            "license": { "name": "GPL-3.0-or-later", "identifier": "GPL-3.0-or-later" },
        },
        "components": {
            "securitySchemes": {
                "apiKey": { "type": "apiKey", "in": "header", "name": "X-API-Key" },
                "basic": { "type": "http", "scheme": "basic" },
            },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": {
                    "error": { "type": "string" }, "parameter": { "type": "string" } } },
                "Restart": { "type": "object", "required": ["state", "message"], "properties": {
                    "state": { "enum": ["done", "failed", "queued", "dry_run", "refused"] },
                    "reason": { "type": ["string", "null"] }, "message": { "type": "string" },
                    "error": { "type": ["string", "null"] }, "host": { "type": "string" },
                    "service": { "type": "string" }, "dry_run": { "type": "boolean" },
                    "request_id": { "type": ["integer", "null"] }, "result": { "type": ["string", "null"] },
                    "active_state": { "type": ["string", "null"] },
                    "duration_secs": { "type": ["number", "null"] } } },
            },
        },
        "security": [ { "apiKey": [] }, { "basic": [] } ],
        "paths": {
            "/api/summary": get("Fleet summary: hosts up/stale, services by state", vec![], json_ct),
            "/api/hosts": get("Every host with its latest figures", vec![], json_ct),
            "/api/hosts/{host}/metrics": get("A host's metrics over the last minutes, averaged to at most 1000 points",
                vec![host(), param("minutes", "query", "integer", "window, 1 to 525600 (default 60)")], json_ct),
            "/api/hosts/{host}/services": get("Every unit of one host", vec![host()], json_ct),
            "/api/services": get("Units of every host: {items, total, limit, offset}", service_filters(), json_ct),
            "/api/services.csv": get("The same list as CSV", service_filters(), "text/csv"),
            "/api/alerts": get("Alerts, open first: {items, total, limit, offset}",
                vec![param("state", "query", "string", "open, resolved or all (default all)"),
                     param("severity", "query", "string", "critical or warning"),
                     param("host", "query", "string", "only this host"),
                     param("limit", "query", "integer", "page size, 1 to 1000"),
                     param("offset", "query", "integer", "rows to skip")], json_ct),
            "/api/alerts.csv": get("The same list as CSV", vec![param("state", "query", "string", "open, resolved or all")], "text/csv"),
            "/api/smart": get("Every drive's latest SMART reading, drives needing attention first", vec![], json_ct),
            "/api/network/targets": get("Every check target's latest result, failing first", vec![], json_ct),
            "/api/network/events": get("Check results, newest first",
                vec![param("minutes", "query", "integer", "window (default 60)"),
                     param("host", "query", "string", "only this host"),
                     param("target", "query", "string", "only this target"),
                     param("status", "query", "string", "fail for failures only"),
                     param("limit", "query", "integer", "at most this many (default 500)")], json_ct),
            "/api/services/{host}/{unit}/history": get("A unit's state changes, newest first",
                vec![host(), param("unit", "path", "string", "unit name, e.g. nginx.service"),
                     param("minutes", "query", "integer", "window (default 1440)"),
                     param("limit", "query", "integer", "at most this many rows (default 500)")], json_ct),
            "/api/services/restart": restart(),
        },
    })
}

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(document())
}

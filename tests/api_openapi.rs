//! The OpenAPI document and the route table agree: every `/api/` route is described with its method,
//! and the document describes no route the server does not have.

use serde_json::Value;
use smartmon::auth::Role;
use smartmon::web::routes;

use crate::support::{Backend, spawn_app};

/// The document as a client fetches it.
async fn served_document() -> Value {
    let app = spawn_app(Backend::Sqlite).await;
    let viewer = app.login_as("viewer", Role::Viewer).await;
    let response = viewer.get("/api/openapi.json").await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("a JSON document")
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_api_routes() {
    let doc = served_document().await;
    let paths = doc["paths"].as_object().expect("paths");
    let table = routes::table();

    let api_routes: Vec<(String, &str)> = table
        .iter()
        .filter(|e| e.path.starts_with("/api/"))
        .map(|e| (e.method.as_str().to_lowercase(), e.path))
        .collect();
    assert!(api_routes.len() >= 15, "the table lists the API");
    let undocumented: Vec<String> = api_routes
        .iter()
        .filter(|(method, path)| {
            !paths
                .get(*path)
                .is_some_and(|item| item[method].is_object())
        })
        .map(|(method, path)| format!("{} {path}", method.to_uppercase()))
        .collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from /api/openapi.json (add #[utoipa::path] to the handler and list it in \
         api::openapi): {undocumented:?}"
    );

    let mut unrouted = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().expect("path item").keys() {
            if !api_routes.iter().any(|(m, p)| m == method && p == path) {
                unrouted.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(
        unrouted.is_empty(),
        "the document describes routes the table does not have: {unrouted:?}"
    );
}

#[tokio::test]
async fn the_document_says_how_to_authenticate_and_what_errors_look_like() {
    let doc = served_document().await;
    assert_eq!(doc["openapi"], "3.1.0");
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["apiKey"]["in"], "header");
    assert_eq!(schemes["apiKey"]["name"], "X-API-Key");
    assert_eq!(schemes["session"]["in"], "cookie");
    let services = &doc["paths"]["/api/services"]["get"];
    for code in ["200", "400", "401", "503"] {
        assert!(services["responses"][code].is_object(), "{code}");
    }
    let names: Vec<&str> = services["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "host",
            "status",
            "q",
            "since_minutes",
            "sort",
            "dir",
            "limit",
            "offset"
        ]
    );
    let restart = &doc["paths"]["/api/services/restart"]["post"]["responses"];
    for code in [
        "200", "202", "400", "401", "403", "404", "409", "429", "502",
    ] {
        assert!(restart[code].is_object(), "restart answers {code}");
    }
    assert!(restart["429"]["headers"]["Retry-After"].is_object());
    let states = &doc["components"]["schemas"]["RestartState"]["enum"];
    assert_eq!(
        states,
        &serde_json::json!(["done", "failed", "queued", "dry_run", "refused"])
    );
}

//! The JSON API, CSV exports, the OpenAPI document and Prometheus metrics.

use serde_json::Value;

use smartmon::auth::Role;

use crate::both_backends;
use crate::support::auth::LoggedIn;
use crate::support::seed::Unit;
use crate::support::{Backend, TestApp, spawn_app};

async fn json(viewer: &LoggedIn, path: &str) -> (u16, Value) {
    let response = viewer.get(path).await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON body"))
}

/// The app (keep it bound: dropping it stops the server) and a signed-in viewer.
async fn seeded(backend: Backend) -> (TestApp, LoggedIn) {
    let app = spawn_app(backend).await;
    app.seed_host("web01", 5.0).await;
    app.seed_host("web02", 3_600.0).await;
    for (host, name, state) in [
        ("web01", "nginx.service", "running"),
        ("web01", "backup.service", "failed"),
        ("web02", "nginx.service", "stopped"),
    ] {
        let sub = if state == "running" {
            "running"
        } else {
            "dead"
        };
        app.seed_unit(
            Unit {
                host,
                name,
                state,
                sub,
            },
            120.0,
        )
        .await;
    }
    app.seed_metrics("web01", 40, 15.0, |i| i as f64).await;
    let viewer = app.login_as("viewer", Role::Viewer).await;
    (app, viewer)
}

fn is_rfc3339_utc(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 20 && s.ends_with('Z') && &s[10..11] == "T")
}

async fn summary_counts_hosts_and_states(backend: Backend) {
    let (_app, viewer) = seeded(backend).await;
    let (status, body) = json(&viewer, "/api/summary").await;
    assert_eq!(status, 200);
    assert_eq!(body["hosts"]["total"], 2);
    assert_eq!(body["hosts"]["up"], 1);
    assert_eq!(body["hosts"]["stale"], 1);
    assert_eq!(body["services"]["running"], 1);
    assert_eq!(body["services"]["failed"], 1);
    assert_eq!(body["services"]["stopped"], 1);
    assert!(is_rfc3339_utc(&body["generated_at"]));
}

async fn services_list_filters_and_pages(backend: Backend) {
    let (_app, viewer) = seeded(backend).await;
    let (status, body) = json(&viewer, "/api/services?host=web01&limit=1").await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 2);
    assert_eq!(body["limit"], 1);
    assert_eq!(body["offset"], 0);
    assert_eq!(body["items"].as_array().map(Vec::len), Some(1));
    let item = &body["items"][0];
    assert_eq!(item["service_name"], "backup.service");
    assert!(is_rfc3339_utc(&item["since"]));

    let (_, body) = json(&viewer, "/api/services?status=failed").await;
    assert_eq!(body["total"], 1);
    let (_, body) = json(&viewer, "/api/services?since_minutes=1").await;
    assert_eq!(body["total"], 0, "nothing changed in the last minute");
    let (_, body) = json(&viewer, "/api/services?limit=99999").await;
    assert_eq!(body["limit"], 1000, "limits are clamped");
}

async fn bad_api_parameters_are_400_with_the_parameter_named(backend: Backend) {
    let (_app, viewer) = seeded(backend).await;
    for (path, name) in [
        ("/api/services?status=sleepy", "status"),
        ("/api/services?limit=-1", "limit"),
        ("/api/services?offset=x", "offset"),
        ("/api/hosts/web01/metrics?minutes=soon", "minutes"),
        ("/api/hosts/bad%20host/services", "host"),
    ] {
        let (status, body) = json(&viewer, path).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(body["parameter"], name, "{path}: {body}");
        assert!(
            body["error"].as_str().is_some_and(|e| e.contains(name)),
            "{body}"
        );
    }
    let (status, body) = json(&viewer, "/api/services/web01/nosuch.service/history").await;
    assert_eq!(status, 404);
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("nosuch.service"))
    );
}

async fn hosts_metrics_and_history_have_their_shapes(backend: Backend) {
    let (_app, viewer) = seeded(backend).await;
    let (_, body) = json(&viewer, "/api/hosts").await;
    assert_eq!(body["total"], 2);
    let web01 = &body["items"][0];
    assert_eq!(web01["hostname"], "web01");
    assert_eq!(web01["status"], "up");
    assert_eq!(web01["latest"]["cpu_percent"], 39.0);
    assert_eq!(body["items"][1]["status"], "stale");

    let (status, body) = json(&viewer, "/api/hosts/web01/metrics?minutes=15").await;
    assert_eq!(status, 200);
    let items = body["items"].as_array().expect("items");
    assert!(
        !items.is_empty() && items.len() <= 61,
        "{} points",
        items.len()
    );
    assert!(is_rfc3339_utc(&items[0]["ts"]));

    let (_, body) = json(&viewer, "/api/hosts/web01/services").await;
    assert_eq!(body["total"], 2);

    let (_, body) = json(&viewer, "/api/services/web01/backup.service/history").await;
    assert_eq!(body["items"][0]["normalized_status"], "failed");
    let (status, _) = json(&viewer, "/api/hosts/nosuch/metrics").await;
    assert_eq!(status, 404);
}

async fn services_csv_exports_what_the_filter_shows(backend: Backend) {
    let (_app, viewer) = seeded(backend).await;
    let response = viewer.get("/api/services.csv?state=failed").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/csv")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("services.csv")
    );
    let body = response.text().await.expect("body");
    let lines: Vec<&str> = body.lines().collect();
    assert!(lines[0].starts_with("hostname,service_name,normalized_status"));
    assert_eq!(lines.len(), 2, "{body}");
    assert!(lines[1].starts_with("web01,backup.service,failed,"));
}

async fn metrics_parse_as_prometheus_text(backend: Backend) {
    let (_app, viewer) = seeded(backend).await;
    let response = viewer.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/plain; version=0.0.4")
    );
    let body = response.text().await.expect("body");
    let lines = body.lines().map(|l| Ok(l.to_owned()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("valid exposition format");
    let value = |name: &str, labels: &[(&str, &str)]| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(|s| match s.value {
                prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v)
                | prometheus_parse::Value::Counter(v) => v,
                _ => f64::NAN,
            })
    };
    assert_eq!(value("smartmon_host_up", &[("host", "web01")]), Some(1.0));
    assert_eq!(value("smartmon_host_up", &[("host", "web02")]), Some(0.0));
    assert_eq!(
        value("smartmon_host_cpu_percent", &[("host", "web01")]),
        Some(39.0)
    );
    let failed = [
        ("host", "web01"),
        ("unit", "backup.service"),
        ("state", "failed"),
    ];
    assert_eq!(value("smartmon_unit_state", &failed), Some(1.0));
    let running = [
        ("host", "web01"),
        ("unit", "backup.service"),
        ("state", "running"),
    ];
    assert_eq!(value("smartmon_unit_state", &running), Some(0.0));
    assert!(value("process_resident_memory_bytes", &[]).is_some_and(|v| v > 0.0));
}

both_backends!(
    summary_counts_hosts_and_states,
    services_list_filters_and_pages,
    bad_api_parameters_are_400_with_the_parameter_named,
    hosts_metrics_and_history_have_their_shapes,
    services_csv_exports_what_the_filter_shows,
    metrics_parse_as_prometheus_text,
);

#[tokio::test]
async fn the_openapi_document_lists_every_api_route() {
    let app = spawn_app(Backend::Sqlite).await;
    let viewer = app.login_as("viewer", Role::Viewer).await;
    let (status, doc) = json(&viewer, "/api/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/summary",
        "/api/hosts",
        "/api/hosts/{host}/metrics",
        "/api/hosts/{host}/services",
        "/api/services",
        "/api/services.csv",
        "/api/services/{host}/{unit}/history",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} is described");
    }
    assert!(doc["paths"]["/api/services/restart"]["post"].is_object());
}

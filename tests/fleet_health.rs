//! Disks, network checks and alerts: their pages, their API endpoints, and how the overview and
//! `/metrics` summarise them.

use serde_json::Value;
use smartmon::auth::Role;

use crate::both_backends;
use crate::support::auth::LoggedIn;
use crate::support::{Backend, TestApp, spawn_app};

/// The app (keep it bound: dropping it stops the server) and a signed-in viewer.
async fn seeded(backend: Backend) -> (TestApp, LoggedIn) {
    let app = spawn_app(backend).await;
    app.seed_host("web01", 5.0).await;
    app.seed_disk("web01", "/dev/sda", "passed", 7_200.0).await;
    app.seed_disk("web01", "/dev/sdb", "passed", 7_200.0).await;
    app.seed_disk("web01", "/dev/sdb", "worn", 60.0).await; // the latest reading of sdb
    app.seed_disk("db01", "/dev/nvme0", "failed", 60.0).await;
    for age in [600.0, 300.0, 60.0] {
        app.seed_check("web01", "8.8.8.8", "ok", Some(12.0), age)
            .await;
    }
    app.seed_check("web01", "10.9.9.9", "fail", None, 30.0)
        .await;
    app.seed_alert("web01", "disk:/dev/sdb", "warning", 600.0, None)
        .await;
    app.seed_alert("db01", "disk:/dev/nvme0", "critical", 300.0, None)
        .await;
    app.seed_alert(
        "web01",
        "service:nginx.service",
        "critical",
        7_200.0,
        Some(3_600.0),
    )
    .await;
    let viewer = app.login_as("viewer", Role::Viewer).await;
    (app, viewer)
}

async fn text(user: &LoggedIn, path: &str) -> (u16, String) {
    let r = user.get(path).await;
    (r.status().as_u16(), r.text().await.expect("body"))
}

async fn json(user: &LoggedIn, path: &str) -> (u16, Value) {
    let r = user.get(path).await;
    (r.status().as_u16(), r.json().await.expect("json"))
}

async fn the_disks_page_puts_failed_and_worn_drives_first(backend: Backend) {
    let (_app, viewer) = seeded(backend).await;
    let (status, page) = text(&viewer, "/disks").await;
    assert_eq!(status, 200);
    let pos = |s: &str| page.find(s).unwrap_or_else(|| panic!("{s} listed"));
    assert!(
        pos("/dev/nvme0") < pos("/dev/sdb") && pos("/dev/sdb") < pos("/dev/sda"),
        "failed, worn, passed"
    );
    assert_eq!(
        page.matches("<td><code>/dev/sdb</code>").count(),
        1,
        "one row per drive: its latest reading"
    );

    let (_, body) = json(&viewer, "/api/smart").await;
    assert_eq!(body["total"], 3);
    assert_eq!(body["items"][0]["health"], "failed");
    assert_eq!(body["items"][0]["needs_attention"], true);
    assert_eq!(body["items"][2]["needs_attention"], false);
}

async fn the_checks_page_shows_latest_results_latency_and_failures(backend: Backend) {
    let (_app, viewer) = seeded(backend).await;
    let (status, page) = text(&viewer, "/checks").await;
    assert_eq!(status, 200);
    assert!(
        page.find("10.9.9.9").expect("failing target") < page.find("8.8.8.8").expect("ok target")
    );
    assert!(
        page.contains("<polyline"),
        "a latency chart for the target with samples"
    );
    assert!(page.contains("100% packet loss"), "the failure's detail");

    let (_, body) = json(&viewer, "/api/network/targets").await;
    assert_eq!(body["total"], 2);
    let (_, body) = json(&viewer, "/api/network/events?minutes=60&status=fail").await;
    assert_eq!(body["items"].as_array().map(Vec::len), Some(1));
    let (_, body) = json(&viewer, "/api/network/events?minutes=60&target=8.8.8.8").await;
    assert_eq!(body["items"].as_array().map(Vec::len), Some(3));
    let (status, body) = json(&viewer, "/api/network/events?status=maybe").await;
    assert_eq!((status, body["parameter"].as_str()), (400, Some("status")));
}

async fn alerts_list_open_first_and_filter(backend: Backend) {
    let (_app, viewer) = seeded(backend).await;
    let (status, page) = text(&viewer, "/alerts").await;
    assert_eq!(status, 200);
    let pos = |s: &str| page.find(s).unwrap_or_else(|| panic!("{s} listed"));
    assert!(
        pos("disk:/dev/nvme0") < pos("disk:/dev/sdb"),
        "critical before warning"
    );
    assert!(
        pos("disk:/dev/sdb") < pos("service:nginx.service"),
        "open before resolved"
    );
    assert!(
        page.contains("after 60 min"),
        "a resolved alert says how long it lasted"
    );

    let (_, body) = json(&viewer, "/api/alerts?state=open").await;
    assert_eq!(body["total"], 2);
    assert_eq!(body["items"][0]["severity"], "critical");
    assert_eq!(body["items"][0]["open"], true);
    let (_, body) = json(&viewer, "/api/alerts?state=resolved").await;
    assert_eq!(body["total"], 1);
    assert!(
        body["items"][0]["resolved_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    let (status, body) = json(&viewer, "/api/alerts?severity=urgent").await;
    assert_eq!(
        (status, body["parameter"].as_str()),
        (400, Some("severity"))
    );

    let csv = viewer
        .get("/api/alerts.csv?state=open")
        .await
        .text()
        .await
        .expect("csv");
    assert_eq!(csv.lines().count(), 3, "{csv}");
}

async fn the_overview_and_metrics_summarise_alerts_and_disks(backend: Backend) {
    let (_app, viewer) = seeded(backend).await;
    let (_, page) = text(&viewer, "/").await;
    assert!(
        page.contains("1 critical · 1 warning"),
        "open alerts by severity"
    );
    assert!(
        page.contains("db01:/dev/nvme0 failed"),
        "the failed drive is named"
    );

    let (_, body) = json(&viewer, "/api/summary").await;
    assert_eq!(body["alerts"]["open"], 2);
    assert_eq!(body["disks"]["needing_attention"], 2);

    let metrics = viewer.get("/metrics").await.text().await.expect("metrics");
    let scrape =
        prometheus_parse::Scrape::parse(metrics.lines().map(|l| Ok(l.to_owned()))).expect("valid");
    let has = |name: &str, labels: &[(&str, &str)], value: f64| {
        scrape.samples.iter().any(|s| {
            s.metric == name
                && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v))
                && matches!(s.value, prometheus_parse::Value::Gauge(v) | prometheus_parse::Value::Untyped(v) if v == value)
        })
    };
    assert!(has(
        "smartmon_disk_health",
        &[("device", "/dev/nvme0"), ("health", "failed")],
        1.0
    ));
    assert!(has("smartmon_check_up", &[("target", "10.9.9.9")], 0.0));
    assert!(has("smartmon_check_up", &[("target", "8.8.8.8")], 1.0));
    assert!(has(
        "smartmon_alerts_open",
        &[("severity", "critical")],
        1.0
    ));
}

both_backends!(
    the_disks_page_puts_failed_and_worn_drives_first,
    the_checks_page_shows_latest_results_latency_and_failures,
    alerts_list_open_first_and_filter,
    the_overview_and_metrics_summarise_alerts_and_disks,
);

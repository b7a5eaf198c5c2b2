//! Pages and API reads of current state answer from memory: a row written without an event (what no
//! collector does) is not shown, the event that follows a collector's write shows it, and a reload (what
//! a gap on the bus or the periodic safety net does) catches up with anything written behind its back.

use smartmon::clock::Clock;
use smartmon::live::LiveEvent;

use crate::both_backends;
use crate::support::auth::LoggedIn;
use crate::support::{Backend, TestApp, spawn_app};

async fn json(user: &LoggedIn, path: &str) -> serde_json::Value {
    let response = user.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.expect("json")
}

async fn text(user: &LoggedIn, path: &str) -> String {
    let response = user.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.expect("text")
}

/// An open alert written straight to the database, with no event.
async fn alert_behind_the_back(app: &TestApp, source: &str) {
    let now = Clock::default().now();
    app.exec(&format!(
        "INSERT INTO alerts (hostname, source, severity, message, opened_at, last_seen_at)
         VALUES ('web01', '{source}', 'warning', '{source} is over its threshold', {now}, {now})"
    ))
    .await;
}

async fn alerts_reach_the_overview_summary_and_alerts_page_with_their_event(backend: Backend) {
    let app = spawn_app(backend).await;
    let viewer = app.login_as("viewer", smartmon::auth::Role::Viewer).await;
    app.seed_host("web01", 5.0).await;
    app.seed_alert("web01", "service:nginx.service", "critical", 60.0, None)
        .await;
    assert_eq!(json(&viewer, "/api/summary").await["alerts"]["open"], 1);
    assert!(
        !text(&viewer, "/")
            .await
            .contains("memory is over its threshold")
    );
    assert!(
        !text(&viewer, "/alerts")
            .await
            .contains("memory is over its threshold")
    );

    alert_behind_the_back(&app, "memory").await;
    assert_eq!(
        json(&viewer, "/api/summary").await["alerts"]["open"],
        1,
        "held in memory: no database read"
    );
    assert!(
        !text(&viewer, "/alerts")
            .await
            .contains("memory is over its threshold")
    );

    app.written(LiveEvent::AlertChanged {
        hostname: "web01".into(),
    })
    .await;
    assert_eq!(json(&viewer, "/api/summary").await["alerts"]["open"], 2);
    assert!(
        text(&viewer, "/")
            .await
            .contains("memory is over its threshold")
    );
    assert!(
        text(&viewer, "/alerts")
            .await
            .contains("memory is over its threshold")
    );

    alert_behind_the_back(&app, "space").await;
    app.state.current.reload().await.expect("reloaded");
    assert_eq!(
        json(&viewer, "/api/summary").await["alerts"]["open"],
        3,
        "a reload reads everything again"
    );
}

async fn host_figures_follow_metrics_events(backend: Backend) {
    let app = spawn_app(backend).await;
    let viewer = app.login_as("viewer", smartmon::auth::Role::Viewer).await;
    app.seed_host("web01", 5.0).await;
    app.seed_metrics("web01", 10, 60.0, |_| 10.0).await;
    let latest = |body: serde_json::Value| body["items"][0]["latest"]["cpu_percent"].clone();
    assert_eq!(latest(json(&viewer, "/api/hosts").await), 10.0);
    let points = |body: serde_json::Value| body["items"].as_array().map_or(0, Vec::len);
    let before = points(json(&viewer, "/api/hosts/web01/metrics?minutes=60").await);
    assert!(text(&viewer, "/hosts/web01").await.contains("10.0%"));

    let later = Clock::default().now() + 30.0;
    app.exec(&format!(
        "INSERT INTO system_metrics (hostname, ts_epoch, cpu_percent, memory_percent)
         VALUES ('web01', {later}, 97, 40)"
    ))
    .await;
    assert_eq!(
        latest(json(&viewer, "/api/hosts").await),
        10.0,
        "held in memory until the event"
    );
    assert!(!text(&viewer, "/hosts").await.contains("97.0%"));

    app.written(LiveEvent::MetricsUpdated {
        hostname: "web01".into(),
    })
    .await;
    assert_eq!(latest(json(&viewer, "/api/hosts").await), 97.0);
    assert!(text(&viewer, "/hosts").await.contains("97.0%"));
    assert!(text(&viewer, "/hosts/web01").await.contains("97.0%"));
    assert_eq!(
        points(json(&viewer, "/api/hosts/web01/metrics?minutes=60").await),
        before + 1,
        "the chart's series has the new sample"
    );
}

async fn disks_and_checks_follow_their_events(backend: Backend) {
    let app = spawn_app(backend).await;
    let viewer = app.login_as("viewer", smartmon::auth::Role::Viewer).await;
    app.seed_host("web01", 5.0).await;
    app.seed_disk("web01", "/dev/sda", "passed", 60.0).await;
    app.seed_check("web01", "gateway", "ok", Some(1.5), 60.0)
        .await;
    assert_eq!(json(&viewer, "/api/summary").await["disks"]["total"], 1);
    assert_eq!(json(&viewer, "/api/network/targets").await["total"], 1);
    assert!(text(&viewer, "/disks").await.contains("/dev/sda"));
    assert!(text(&viewer, "/checks").await.contains("gateway"));

    let now = Clock::default().now();
    app.exec(&format!(
        "INSERT INTO disk_health (hostname, ts_epoch, device, device_type, health)
         VALUES ('web01', {now}, '/dev/sdb', 'sat', 'failed')"
    ))
    .await;
    app.exec(&format!(
        "INSERT INTO network_checks (hostname, ts_epoch, target, method, status)
         VALUES ('web01', {now}, 'resolver.example', 'nslookup', 'fail')"
    ))
    .await;
    assert!(!text(&viewer, "/disks").await.contains("/dev/sdb"));
    assert!(!text(&viewer, "/checks").await.contains("resolver.example"));

    app.written(LiveEvent::DiskUpdated {
        hostname: "web01".into(),
    })
    .await;
    let summary = json(&viewer, "/api/summary").await;
    assert_eq!(
        (
            &summary["disks"]["total"],
            &summary["disks"]["needing_attention"]
        ),
        (&2.into(), &1.into())
    );
    assert!(text(&viewer, "/disks").await.contains("/dev/sdb"));
    assert!(!text(&viewer, "/checks").await.contains("resolver.example"));

    app.written(LiveEvent::CheckUpdated {
        hostname: "web01".into(),
    })
    .await;
    assert!(text(&viewer, "/checks").await.contains("resolver.example"));
    assert_eq!(json(&viewer, "/api/network/targets").await["total"], 2);
}

/// A busy fleet: the host list re-reads only the hosts whose metrics event came; a host that reports for
/// the first time joins the list in name order, the others keep their held figures.
async fn the_host_list_takes_in_only_the_hosts_that_reported(backend: Backend) {
    let app = spawn_app(backend).await;
    let viewer = app.login_as("viewer", smartmon::auth::Role::Viewer).await;
    for host in ["web01", "web03"] {
        app.seed_host(host, 5.0).await;
        app.seed_metrics(host, 5, 60.0, |_| 10.0).await;
    }
    let cpus = |body: serde_json::Value| -> Vec<(String, f64)> {
        let items = body["items"].as_array().cloned().unwrap_or_default();
        items
            .iter()
            .map(|h| {
                let name = h["hostname"].as_str().unwrap_or_default().to_owned();
                (name, h["latest"]["cpu_percent"].as_f64().unwrap_or(-1.0))
            })
            .collect()
    };
    let names = |list: &[(String, f64)]| list.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&cpus(json(&viewer, "/api/hosts").await)),
        ["web01", "web03"]
    );

    let later = Clock::default().now() + 30.0;
    app.seed_host("web02", 0.0).await;
    for (host, cpu) in [("web01", 55.0), ("web02", 66.0), ("web03", 77.0)] {
        app.exec(&format!(
            "INSERT INTO system_metrics (hostname, ts_epoch, cpu_percent, memory_percent)
             VALUES ('{host}', {later}, {cpu}, 40)"
        ))
        .await;
    }
    for host in ["web02", "web03"] {
        app.written(LiveEvent::MetricsUpdated {
            hostname: host.into(),
        })
        .await;
    }
    let list = cpus(json(&viewer, "/api/hosts").await);
    assert_eq!(
        list,
        [
            ("web01".to_owned(), 10.0),
            ("web02".to_owned(), 66.0),
            ("web03".to_owned(), 77.0)
        ],
        "the new host in order, the reported one fresh, the silent one as held"
    );
    assert!(text(&viewer, "/hosts").await.contains("web02"));
}

both_backends!(
    alerts_reach_the_overview_summary_and_alerts_page_with_their_event,
    host_figures_follow_metrics_events,
    the_host_list_takes_in_only_the_hosts_that_reported,
    disks_and_checks_follow_their_events,
);

//! Network checks from `hosts_config.json`, and alerts opening once, staying deduplicated, and
//! resolving on recovery.

use sea_orm::{EntityTrait, QueryOrder};
use smartmon::db::entities::{alerts, network_checks};
use smartmon::domain::Severity;

use crate::both_backends;
use crate::support::collector::collector_for;
use crate::support::fake_systemd::{FakeSystemd, FakeUnit};
use crate::support::{Backend, TestApp, spawn_app_with, unused_address};

async fn checks(app: &TestApp) -> Vec<network_checks::Model> {
    network_checks::Entity::find()
        .order_by_asc(network_checks::Column::Id)
        .all(&app.state.db.conn)
        .await
        .expect("checks")
}

async fn all_alerts(app: &TestApp) -> Vec<alerts::Model> {
    alerts::Entity::find()
        .order_by_asc(alerts::Column::Id)
        .all(&app.state.db.conn)
        .await
        .expect("alerts")
}

async fn checks_of_every_method_are_stored(backend: Backend) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let open_port = listener.local_addr().expect("addr");
    let closed = unused_address();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("hosts_config.json");
    let app = spawn_app_with(
        backend,
        &[("SMARTMON_HOSTS_CONFIG", config.to_str().expect("utf-8"))],
    )
    .await;
    let healthz = app.url("/healthz");
    std::fs::write(
        &config,
        serde_json::json!([
            {"target": "127.0.0.1", "method": "ping"},
            {"target": "localhost", "method": "nslookup"},
            {"target": open_port.to_string(), "method": "tcp"},
            {"target": closed.to_string(), "method": "tcp", "timeout": 2},
            {"target": healthz, "method": "http", "expect_status": 200},
            {"url": healthz, "method": "http", "expect_status": 404},
            {"target": "example.org", "method": "carrier-pigeon"}
        ])
        .to_string(),
    )
    .expect("write config");

    collector_for(&app)
        .await
        .run_checks()
        .await
        .expect("checks run");
    let got: Vec<(String, String)> = checks(&app)
        .await
        .into_iter()
        .map(|c| (c.method, c.status))
        .collect();
    let s = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(
        got,
        vec![
            s("ping", "ok"),
            s("nslookup", "ok"),
            s("tcp", "ok"),
            s("tcp", "fail"),
            s("http", "ok"),
            s("http", "fail"),
            s("carrier-pigeon", "fail"),
        ]
    );
    let rows = checks(&app).await;
    assert_eq!(rows[0].loss_percent, Some(0.0), "{:?}", rows[0].detail);
    assert!(rows[0].latency_ms.is_some());
    assert!(
        rows[1]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("127.0.0.1") || d.contains("::1"))
    );
    assert!(
        rows[5]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("HTTP 200 (expected 404)"))
    );
    assert!(
        rows[6]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("unknown method"))
    );
    drop(listener);
}

async fn a_malformed_hosts_config_is_a_clear_error(backend: Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("hosts_config.json");
    std::fs::write(&config, "{not json").expect("write");
    let app = spawn_app_with(
        backend,
        &[("SMARTMON_HOSTS_CONFIG", config.to_str().expect("utf-8"))],
    )
    .await;
    let err = collector_for(&app)
        .await
        .run_checks()
        .await
        .expect_err("malformed");
    assert!(
        format!("{err:#}").contains("SMARTMON_HOSTS_CONFIG"),
        "{err:#}"
    );
}

async fn alerts_open_once_and_resolve_on_recovery(backend: Backend) {
    let port = unused_address();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("hosts_config.json");
    std::fs::write(
        &config,
        serde_json::json!([{"target": port.to_string(), "method": "tcp", "timeout": 1}])
            .to_string(),
    )
    .expect("write config");
    let bus = FakeSystemd::start(&[FakeUnit::service("nginx.service", "active", "running")]).await;
    let app = spawn_app_with(
        backend,
        &[
            ("SMARTMON_HOSTS_CONFIG", config.to_str().expect("utf-8")),
            ("DBUS_SYSTEM_BUS_ADDRESS", bus.address()),
        ],
    )
    .await;
    let collector = collector_for(&app).await;

    collector.run_checks().await.expect("checks");
    collector.run_checks().await.expect("checks");
    let first = all_alerts(&app).await;
    assert_eq!(
        first.len(),
        1,
        "a failing check opens one alert, not one per run"
    );
    assert!(first[0].resolved_at.is_none());
    assert!(first[0].last_seen_at >= first[0].opened_at);

    let listener = tokio::net::TcpListener::bind(port)
        .await
        .expect("bind the checked port");
    collector.run_checks().await.expect("checks");
    let resolved = all_alerts(&app).await;
    assert_eq!(resolved.len(), 1);
    assert!(resolved[0].resolved_at.is_some(), "recovery resolves it");
    drop(listener);
    collector.run_checks().await.expect("checks");
    let again = all_alerts(&app).await;
    assert_eq!(
        again.len(),
        2,
        "a new failure after recovery is a new alert"
    );

    collector.sync_services().await.expect("sync");
    bus.set_state("nginx.service", "failed", "failed").await;
    collector.sync_services().await.expect("sync");
    collector.sync_services().await.expect("sync");
    let service_alerts: Vec<alerts::Model> = all_alerts(&app)
        .await
        .into_iter()
        .filter(|a| a.source == "service:nginx.service")
        .collect();
    assert_eq!(service_alerts.len(), 1);
    assert_eq!(service_alerts[0].severity, Severity::Critical);
    assert!(service_alerts[0].message.contains("failed"));
    bus.set_state("nginx.service", "active", "running").await;
    collector.sync_services().await.expect("sync");
    let service_alerts: Vec<alerts::Model> = all_alerts(&app)
        .await
        .into_iter()
        .filter(|a| a.source == "service:nginx.service")
        .collect();
    assert_eq!(service_alerts.len(), 1);
    assert!(service_alerts[0].resolved_at.is_some());
}

both_backends!(
    checks_of_every_method_are_stored,
    a_malformed_hosts_config_is_a_clear_error,
    alerts_open_once_and_resolve_on_recovery,
);

//! `/metrics` keeps the names, types and help texts scrapers and dashboards were built against.

use smartmon::auth::Role;

use crate::support::seed::Unit;
use crate::support::{Backend, spawn_app};

/// Every family `/metrics` writes: name, type, help. Changing one breaks someone's dashboard.
const FAMILIES: &[(&str, &str, &str)] = &[
    (
        "smartmon_host_up",
        "gauge",
        "1 when the host reported within the last 2 minutes.",
    ),
    (
        "smartmon_host_last_seen_timestamp_seconds",
        "gauge",
        "When the host last reported.",
    ),
    ("smartmon_host_cpu_percent", "gauge", "CPU busy, percent."),
    (
        "smartmon_host_memory_percent",
        "gauge",
        "Memory used, percent.",
    ),
    ("smartmon_host_swap_percent", "gauge", "Swap used, percent."),
    (
        "smartmon_host_disk_percent",
        "gauge",
        "Root filesystem used, percent.",
    ),
    (
        "smartmon_host_load1",
        "gauge",
        "Load average over 1 minute.",
    ),
    (
        "smartmon_host_load5",
        "gauge",
        "Load average over 5 minutes.",
    ),
    (
        "smartmon_host_load15",
        "gauge",
        "Load average over 15 minutes.",
    ),
    (
        "smartmon_unit_state",
        "gauge",
        "1 for the unit's current normalised state, 0 for the others.",
    ),
    (
        "smartmon_disk_health",
        "gauge",
        "1 for the drive's latest SMART verdict (passed, failed, worn, standby, unreadable, unknown).",
    ),
    (
        "smartmon_disk_temperature_celsius",
        "gauge",
        "The drive's temperature at the latest reading.",
    ),
    (
        "smartmon_check_up",
        "gauge",
        "1 when the network check's latest result was ok.",
    ),
    (
        "smartmon_check_latency_milliseconds",
        "gauge",
        "The network check's latest latency.",
    ),
    ("smartmon_alerts_open", "gauge", "Open alerts by severity."),
    ("smartmon_build_info", "gauge", "The running version."),
    (
        "process_cpu_seconds_total",
        "counter",
        "User and system CPU time.",
    ),
    ("process_resident_memory_bytes", "gauge", "Resident memory."),
    ("process_threads", "gauge", "Threads."),
];

#[tokio::test]
async fn every_metric_keeps_its_name_type_and_help() {
    let app = spawn_app(Backend::Sqlite).await;
    // One of everything, so that every family has a sample to check too.
    app.seed_host("web01", 5.0).await;
    app.seed_metrics("web01", 2, 15.0, |_| 20.0).await;
    let unit = Unit {
        host: "web01",
        name: "nginx.service",
        state: "running",
        sub: "running",
    };
    app.seed_unit(unit, 60.0).await;
    app.seed_disk("web01", "/dev/sda", "passed", 60.0).await;
    app.seed_check("web01", "8.8.8.8", "ok", Some(12.0), 60.0)
        .await;
    let viewer = app.login_as("viewer", Role::Viewer).await;
    let body = viewer.get("/metrics").await.text().await.expect("body");
    let lines: Vec<&str> = body.lines().collect();
    for (name, kind, help) in FAMILIES {
        let help_line = format!("# HELP {name} {help}");
        let type_line = format!("# TYPE {name} {kind}");
        assert!(
            lines.contains(&help_line.as_str()),
            "missing {help_line:?}\n{body}"
        );
        assert!(
            lines.contains(&type_line.as_str()),
            "missing {type_line:?}\n{body}"
        );
    }
    let described = lines.iter().filter(|l| l.starts_with("# HELP ")).count();
    assert_eq!(
        described,
        FAMILIES.len(),
        "a family was added or dropped:\n{body}"
    );
    let version = env!("CARGO_PKG_VERSION");
    assert!(lines.contains(&format!("smartmon_build_info{{version=\"{version}\"}} 1").as_str()));
    assert!(
        !body.contains("# EOF"),
        "Prometheus text 0.0.4, not OpenMetrics"
    );
}

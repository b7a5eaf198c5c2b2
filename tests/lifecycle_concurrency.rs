//! The data lifecycle pass and the collector write at the same time (as on the first start of `serve`):
//! neither fails with "database is locked" on SQLite, because writers take the write lock up front.

use smartmon::clock::Clock;

use crate::both_backends;
use crate::support::collector::collector_for;
use crate::support::lifecycle::{DAY, lifecycle_settings};
use crate::support::{Backend, spawn_app_with};

async fn rollups_and_retention_run_while_the_collector_writes(backend: Backend) {
    let app = spawn_app_with(backend, &[("HOSTNAME_OVERRIDE", "web01")]).await;
    app.seed_host("web01", 5.0).await;
    let start = ((Clock::default().now() - DAY) / 3_600.0).floor() * 3_600.0;
    for i in 0..240 {
        app.metric_at("web01", start + f64::from(i) * 60.0, 40.0)
            .await;
    }
    let collector = collector_for(&app).await;
    let settings = lifecycle_settings(&[("ROLLUP_DELAY_SECS", "0")]);

    let writes = async {
        let mut buffered = Vec::new();
        for _ in 0..40 {
            let report = collector.collect_metrics().await;
            buffered.push(report.buffered);
        }
        buffered
    };
    let passes = async {
        let mut failures = Vec::new();
        for i in 0..40 {
            // Each pass closes new five-minute buckets, so it reads its marks and then writes.
            let now = start + 3_600.0 + f64::from(i) * 300.0;
            if let Err(err) =
                smartmon::lifecycle::tick(&app.state.db, &settings, now, i % 4 == 0).await
            {
                failures.push(format!("{err:#}"));
            }
        }
        failures
    };
    let (buffered, failures) = tokio::join!(writes, passes);

    assert!(failures.is_empty(), "lifecycle passes failed: {failures:?}");
    assert!(
        buffered.iter().all(|&b| b == 0),
        "collector writes waited in the outage buffer: {buffered:?}"
    );
    assert!(
        app.count("metric_rollups", "1 = 1").await > 0,
        "the passes rolled up"
    );
}

both_backends!(rollups_and_retention_run_while_the_collector_writes);

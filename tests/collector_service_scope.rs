//! Which units the collector follows and how it keeps up: a watch list, and a storm of changes.

use std::time::Duration;

use crate::both_backends;
use crate::collector_services::{app_on_bus, current, row, units};
use crate::support::Backend;
use crate::support::collector::{collector_for, eventually, rows};
use crate::support::fake_systemd::{FakeSystemd, FakeUnit};

async fn a_storm_of_changes_is_followed_to_the_last_state(backend: Backend) {
    let many: Vec<FakeUnit> = (0..150)
        .map(|i| FakeUnit::service(&format!("svc{i:03}.service"), "active", "running"))
        .collect();
    let bus = FakeSystemd::start(&many).await;
    let app = app_on_bus(backend, &bus, &[]).await;
    let watcher = collector_for(&app).await.spawn_services();
    // Changes start while the initial sync is still reading: more signals than zbus queues by default.
    for round in ["failed", "active", "failed"] {
        for unit in &many {
            let sub = if round == "active" {
                "running"
            } else {
                "failed"
            };
            bus.set_state(&unit.id, round, sub).await;
        }
    }
    let failed =
        "SELECT CAST(COUNT(*) AS TEXT) FROM service_current WHERE normalized_status = 'failed'";
    eventually(
        "every unit's last state",
        // 450 signals and their writes; a bound, not a timing (the debug build on a busy machine).
        Duration::from_secs(30),
        || async { (rows(&app, failed).await[0][0] == "150").then_some(()) },
    )
    .await;
    let last = rows(
        &app,
        "SELECT normalized_status FROM service_status WHERE service_name = 'svc042.service' ORDER BY ts_epoch DESC, id DESC",
    )
    .await;
    assert_eq!(last[0][0], "failed");
    watcher.abort();
}

async fn a_watch_list_limits_the_units_followed(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let app = app_on_bus(
        backend,
        &bus,
        &[("SMARTMON_SERVICE_WATCH", "ssh,docker.service")],
    )
    .await;
    collector_for(&app)
        .await
        .sync_services()
        .await
        .expect("sync");
    assert_eq!(
        current(&app).await,
        vec![
            row(&[
                "docker.service",
                "inactive",
                "stopped",
                "dead",
                "",
                "",
                "not-found"
            ]),
            row(&[
                "ssh.service",
                "active",
                "running",
                "running",
                "notify",
                "enabled",
                "loaded"
            ]),
        ],
        "only watched units; a watched unit systemd does not know is shown as not-found"
    );
}

both_backends!(
    a_watch_list_limits_the_units_followed,
    a_storm_of_changes_is_followed_to_the_last_state,
);

//! systemd services over a real D-Bus: initial sync, live state changes, units coming and going, a
//! restarted bus.

use std::time::Duration;

use crate::both_backends;
use crate::support::collector::{collector_for, eventually, rows};
use crate::support::fake_systemd::{FakeSystemd, FakeUnit};
use crate::support::{Backend, TestApp, spawn_app_with};

const WAIT: Duration = Duration::from_secs(5);

pub(crate) fn units() -> Vec<FakeUnit> {
    vec![
        FakeUnit::service("ssh.service", "active", "running").with_type("notify"),
        FakeUnit::service("cron.service", "active", "running"),
        FakeUnit::service("setup.service", "active", "exited")
            .with_type("oneshot")
            .with_unit_file_state("static"),
        FakeUnit::service("getty@.service", "inactive", "dead"),
        FakeUnit::service("dbus.socket", "active", "running"),
    ]
}

pub(crate) async fn app_on_bus(
    backend: Backend,
    bus: &FakeSystemd,
    extra: &[(&str, &str)],
) -> TestApp {
    let mut vars = vec![
        ("DBUS_SYSTEM_BUS_ADDRESS", bus.address()),
        ("HOSTNAME_OVERRIDE", "BackendServer"),
    ];
    vars.extend_from_slice(extra);
    spawn_app_with(backend, &vars).await
}

pub(crate) async fn current(app: &TestApp) -> Vec<Vec<String>> {
    rows(
        app,
        "SELECT service_name, raw_status, normalized_status, sub_state, service_type, unit_file_state, load_state
         FROM service_current WHERE hostname = 'BackendServer' ORDER BY service_name",
    )
    .await
}

async fn history(app: &TestApp, unit: &str) -> Vec<String> {
    rows(
        app,
        &format!(
            "SELECT normalized_status FROM service_status
             WHERE hostname = 'BackendServer' AND service_name = '{unit}' ORDER BY ts_epoch, id"
        ),
    )
    .await
    .into_iter()
    .map(|r| r[0].clone())
    .collect()
}

pub(crate) fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

/// When the least recently observed unit was last seen (the API's `observed_at`: the later of the unit's
/// `ts_epoch` and its host's last resync, `services_seen_at`).
async fn oldest_observation(app: &TestApp) -> f64 {
    rows(
        app,
        "SELECT CAST(MIN(CASE WHEN h.services_seen_at > s.ts_epoch THEN h.services_seen_at
                              ELSE s.ts_epoch END) AS TEXT)
         FROM service_current s LEFT JOIN hosts h ON h.hostname = s.hostname",
    )
    .await[0][0]
        .parse()
        .expect("a time")
}

async fn initial_sync_writes_each_service_once_and_skips_templates(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let app = app_on_bus(backend, &bus, &[]).await;
    let collector = collector_for(&app).await;

    collector.sync_services().await.expect("sync over the bus");
    assert_eq!(
        current(&app).await,
        vec![
            row(&[
                "cron.service",
                "active",
                "running",
                "running",
                "simple",
                "enabled",
                "loaded"
            ]),
            row(&[
                "setup.service",
                "active",
                "running",
                "exited",
                "oneshot",
                "static",
                "loaded"
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
        "every *.service but the template, with systemd's raw states"
    );
    let recoverable = rows(
        &app,
        "SELECT service_name FROM service_current WHERE recoverable ORDER BY service_name",
    )
    .await;
    assert_eq!(
        recoverable,
        vec![row(&["cron.service"]), row(&["ssh.service"])]
    );

    let before = oldest_observation(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    collector.sync_services().await.expect("second sync");
    let count = rows(&app, "SELECT CAST(COUNT(*) AS TEXT) FROM service_status").await;
    assert_eq!(count[0][0], "3", "an unchanged resync adds no history");
    assert!(
        oldest_observation(&app).await > before,
        "but every unit's observed time moves on"
    );
}

async fn a_unit_failing_and_recovering_is_written_as_it_happens(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let app = app_on_bus(backend, &bus, &[]).await;
    let mut events = app.state.live.subscribe();
    let collector = collector_for(&app).await;
    let watcher = collector.spawn_services();
    eventually("the initial sync", WAIT, || async {
        (history(&app, "ssh.service").await.len() == 1).then_some(())
    })
    .await;
    assert_eq!(
        bus.subscribers(),
        1,
        "the collector subscribed to systemd's signals"
    );

    bus.set_state("ssh.service", "failed", "failed").await;
    eventually("the failure to be written", WAIT, || async {
        (history(&app, "ssh.service").await.len() == 2).then_some(())
    })
    .await;
    bus.set_state("ssh.service", "active", "running").await;
    eventually("the recovery to be written", WAIT, || async {
        (history(&app, "ssh.service").await.len() == 3).then_some(())
    })
    .await;
    assert_eq!(
        history(&app, "ssh.service").await,
        vec!["running", "failed", "running"]
    );
    let ssh = rows(
        &app,
        "SELECT service_name, raw_status, sub_state, service_type, unit_file_state
         FROM service_status WHERE hostname='BackendServer' AND service_name='ssh.service'
         ORDER BY ts_epoch DESC LIMIT 20",
    )
    .await;
    assert_eq!(
        ssh[1],
        row(&["ssh.service", "failed", "failed", "notify", "enabled"])
    );
    assert_eq!(
        history(&app, "cron.service").await,
        vec!["running"],
        "other units untouched"
    );

    let mut changed = 0;
    while let Ok(event) = events.try_recv() {
        if matches!(event, smartmon::live::LiveEvent::ServiceChanged {
                ref hostname,
                ref service_name,
                news: Some(_),
            } if hostname == "BackendServer" && service_name == "ssh.service")
        {
            changed += 1;
        }
    }
    assert_eq!(
        changed, 3,
        "first sighting, failure and recovery were broadcast"
    );
    watcher.abort();
}

async fn units_added_and_removed_on_the_bus_are_followed(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let app = app_on_bus(backend, &bus, &[]).await;
    let watcher = collector_for(&app).await.spawn_services();
    eventually("the initial sync", WAIT, || async {
        (current(&app).await.len() == 3).then_some(())
    })
    .await;

    bus.add_unit(FakeUnit::service("nginx.service", "activating", "start"))
        .await;
    eventually("the new unit", WAIT, || async {
        current(&app)
            .await
            .into_iter()
            .find(|r| r[0] == "nginx.service" && r[2] == "transitioning")
    })
    .await;

    bus.remove_unit("cron.service").await;
    eventually(
        "the removed unit to leave service_current",
        WAIT,
        || async {
            current(&app)
                .await
                .iter()
                .all(|r| r[0] != "cron.service")
                .then_some(())
        },
    )
    .await;
    let last = rows(
        &app,
        "SELECT load_state FROM service_status WHERE service_name = 'cron.service' ORDER BY ts_epoch DESC, id DESC",
    )
    .await;
    assert_eq!(last[0][0], "not-found", "its history ends with its removal");
    watcher.abort();
}

async fn a_restarted_bus_marks_services_unknown_then_recovers(backend: Backend) {
    let mut bus = FakeSystemd::start(&units()).await;
    let app = app_on_bus(backend, &bus, &[]).await;
    let watcher = collector_for(&app).await.spawn_services();
    eventually("the initial sync", WAIT, || async {
        (history(&app, "ssh.service").await.len() == 1).then_some(())
    })
    .await;

    bus.stop_daemon();
    eventually("services to become unknown", WAIT, || async {
        (history(&app, "ssh.service").await == ["running", "unknown"]).then_some(())
    })
    .await;
    bus.set_state("ssh.service", "failed", "failed").await;
    bus.start_again().await;
    eventually("the state found after the restart", WAIT, || async {
        let h = history(&app, "ssh.service").await;
        (h == ["running", "unknown", "failed"]).then_some(())
    })
    .await;
    eventually("a new subscription", WAIT, || async {
        (bus.subscribers() == 1).then_some(())
    })
    .await;
    bus.set_state("ssh.service", "active", "running").await;
    eventually("events flow again after the restart", WAIT, || async {
        (history(&app, "ssh.service").await.len() == 4).then_some(())
    })
    .await;
    watcher.abort();
}

async fn systemd_leaving_the_bus_marks_services_unknown_within_seconds(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    // A resync far away: only the name's owner can tell the collector systemd left and came back.
    let app = app_on_bus(backend, &bus, &[("SERVICE_RESYNC_INTERVAL", "600")]).await;
    let watcher = collector_for(&app).await.spawn_services();
    eventually("the initial sync", WAIT, || async {
        (history(&app, "ssh.service").await.len() == 1).then_some(())
    })
    .await;

    bus.leave_bus().await;
    eventually("services to become unknown", WAIT, || async {
        (history(&app, "ssh.service").await == ["running", "unknown"]).then_some(())
    })
    .await;
    let states = current(&app).await;
    assert!(
        states.iter().all(|r| r[2] == "unknown"),
        "every unit is unknown: {states:?}"
    );
    bus.set_state("ssh.service", "failed", "failed").await;
    bus.return_to_bus().await;
    eventually("the state found once systemd is back", WAIT, || async {
        let h = history(&app, "ssh.service").await;
        (h == ["running", "unknown", "failed"]).then_some(())
    })
    .await;
    let cron = history(&app, "cron.service").await;
    assert_eq!(cron, ["running", "unknown", "running"], "resynced");
    watcher.abort();
}

async fn an_idle_unit_systemd_unloads_is_still_a_stopped_service(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let app = app_on_bus(backend, &bus, &[]).await;
    let collector = collector_for(&app).await;
    let watcher = collector.spawn_services();
    eventually("the initial sync", WAIT, || async {
        (current(&app).await.len() == 3).then_some(())
    })
    .await;
    bus.set_state("cron.service", "inactive", "dead").await;
    eventually("cron stopped", WAIT, || async {
        (history(&app, "cron.service").await == ["running", "stopped"]).then_some(())
    })
    .await;
    watcher.abort(); // the resync alone must notice, as after a missed UnitRemoved
    bus.unload_unit("cron.service").await;
    collector
        .sync_services()
        .await
        .expect("a resync after the unload");
    assert!(
        current(&app).await.contains(&row(&[
            "cron.service",
            "inactive",
            "stopped",
            "dead",
            "simple",
            "enabled",
            "loaded"
        ])),
        "still listed as stopped: {:?}",
        current(&app).await
    );
    assert_eq!(history(&app, "cron.service").await, ["running", "stopped"]);
}

both_backends!(
    an_idle_unit_systemd_unloads_is_still_a_stopped_service,
    initial_sync_writes_each_service_once_and_skips_templates,
    a_unit_failing_and_recovering_is_written_as_it_happens,
    units_added_and_removed_on_the_bus_are_followed,
    a_restarted_bus_marks_services_unknown_then_recovers,
    systemd_leaving_the_bus_marks_services_unknown_within_seconds,
);

//! Automatic remediation: a failed approved unit is restarted through the same gates and executor, at
//! most `AUTO_RESTART_MAX` times within the window; then it stops and raises a critical alert.

use std::time::Duration;

use smartmon::domain::{RestartState, Severity};

use crate::both_backends;
use crate::support::Backend;
use crate::support::collector::{collector_for, eventually};
use crate::support::fake_systemd::FakeSystemd;
use crate::support::restart::{ALLOW, HOST, Policy, console, units};

async fn auto_remediation_stops_at_its_limit_and_raises_a_critical_alert(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(
        backend,
        &bus,
        &policy,
        &[
            ("DRY_RUN", "false"),
            ("AUTO_RESTART", "true"),
            ("AUTO_RESTART_MAX", "2"),
        ],
    )
    .await;
    let collector = collector_for(&app).await;

    // cron.service was already failed when the console first synced: remediated once.
    eventually(
        "cron's automatic restart",
        Duration::from_secs(5),
        || async { (bus.restart_calls().iter().any(|(u, _)| u == "cron.service")).then_some(()) },
    )
    .await;
    // Each round: nginx runs, then fails; the collector sees the failure and publishes it.
    for round in 1..=3usize {
        collector.sync_services().await.expect("sync");
        bus.set_state("nginx.service", "failed", "failed").await;
        collector.sync_services().await.expect("sync");
        let expected = round.min(2);
        eventually("the automatic restart", Duration::from_secs(5), || async {
            let rows = app.restart_rows().await;
            let auto = rows.iter().filter(|r| {
                r.source == "auto"
                    && r.state == RestartState::Done
                    && r.service_name == "nginx.service"
            });
            (auto.count() == expected).then_some(())
        })
        .await;
        if round == 3 {
            let alert = eventually("the critical alert", Duration::from_secs(5), || async {
                smartmon::db::alerts::open_alert(
                    &app.state.db.conn,
                    HOST,
                    "restart:auto:nginx.service",
                )
                .await
                .ok()
                .flatten()
            })
            .await;
            assert_eq!(alert.severity, Severity::Critical);
            assert!(
                alert.message.contains("2 automatic restarts"),
                "{}",
                alert.message
            );
        }
    }
    let nginx_restarts = || {
        bus.restart_calls()
            .iter()
            .filter(|(unit, _)| unit == "nginx.service")
            .count()
    };
    assert_eq!(nginx_restarts(), 2, "no third restart after the limit");
    assert_eq!(
        bus.unit("nginx.service").expect("unit").active_state,
        "failed"
    );
    // The audit row follows the alert (same task); wait for it rather than race it.
    eventually(
        "the audit row of the stop",
        Duration::from_secs(5),
        || async { (app.audit("auto_restart_stopped").await.len() == 1).then_some(()) },
    )
    .await;
    let done = app.audit("restart_done").await;
    assert!(
        done.iter()
            .all(|r| r.username.as_deref() == Some("auto-remediation"))
    );
    // Running again (an operator fixed it): the alert resolves.
    bus.set_state("nginx.service", "active", "running").await;
    collector.sync_services().await.expect("sync");
    eventually("the alert to resolve", Duration::from_secs(5), || async {
        smartmon::db::alerts::open_alert(&app.state.db.conn, HOST, "restart:auto:nginx.service")
            .await
            .ok()
            .filter(Option::is_none)
    })
    .await;
    // A unit outside the allow-list is never touched.
    bus.set_state("ssh.service", "failed", "failed").await;
    collector.sync_services().await.expect("sync");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        bus.restart_calls()
            .iter()
            .all(|(unit, _)| unit != "ssh.service")
    );
}

both_backends!(auto_remediation_stops_at_its_limit_and_raises_a_critical_alert);

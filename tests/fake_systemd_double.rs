//! The systemd double itself, driven through smartmon's own proxies: what the restart executor and the
//! browser tests will rely on (RestartUnit jobs and their JobRemoved outcome, NoSuchUnit, escaping).

use std::time::Duration;

use futures_util::StreamExt;
use smartmon::systemd::{self, is_no_such_unit, unit_name_from_path};

use crate::support::fake_systemd::{FakeSystemd, FakeUnit, unit_path};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_jobs_end_with_the_chosen_outcome_and_are_counted() {
    let bus = FakeSystemd::start(&[FakeUnit::service("nginx.service", "failed", "failed")]).await;
    let conn = systemd::connect(Some(bus.address()))
        .await
        .expect("connect");
    let manager = systemd::manager(&conn).await.expect("manager");
    let mut jobs = manager
        .receive_job_removed()
        .await
        .expect("JobRemoved stream");

    let job = manager
        .restart_unit("nginx.service", "replace")
        .await
        .expect("restart queued");
    let removed = tokio::time::timeout(Duration::from_secs(5), jobs.next())
        .await
        .expect("JobRemoved in time")
        .expect("signal");
    let args = removed.args().expect("args");
    assert_eq!(args.job().as_str(), job.as_str());
    assert_eq!((*args.unit(), *args.result()), ("nginx.service", "done"));
    let unit = bus.unit("nginx.service").expect("unit");
    assert_eq!(
        (unit.active_state.as_str(), unit.sub_state.as_str()),
        ("active", "running")
    );

    bus.set_restart_outcome("failed", "failed", "failed");
    manager
        .restart_unit("nginx.service", "replace")
        .await
        .expect("restart queued");
    let removed = tokio::time::timeout(Duration::from_secs(5), jobs.next())
        .await
        .expect("JobRemoved in time")
        .expect("signal");
    assert_eq!(*removed.args().expect("args").result(), "failed");
    assert_eq!(
        bus.restart_calls(),
        vec![
            ("nginx.service".to_owned(), "replace".to_owned()),
            ("nginx.service".to_owned(), "replace".to_owned()),
        ]
    );
    let snap = systemd::read_unit_at(&conn, "nginx.service", &unit_path("nginx.service"))
        .await
        .expect("read");
    assert_eq!(snap.active_state, "failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_units_get_no_such_unit_and_paths_use_systemd_escaping() {
    let bus =
        FakeSystemd::start(&[FakeUnit::service("getty@tty1.service", "active", "running")]).await;
    let conn = systemd::connect(Some(bus.address()))
        .await
        .expect("connect");
    let manager = systemd::manager(&conn).await.expect("manager");

    let err = manager.get_unit("nope.service").await.expect_err("unknown");
    assert!(is_no_such_unit(&err), "{err}");
    let err = manager
        .restart_unit("nope.service", "replace")
        .await
        .expect_err("unknown");
    assert!(is_no_such_unit(&err), "{err}");
    assert_eq!(bus.restart_count(), 0);

    let path = manager.get_unit("getty@tty1.service").await.expect("known");
    assert_eq!(
        path.as_str(),
        "/org/freedesktop/systemd1/unit/getty_40tty1_2eservice"
    );
    assert_eq!(
        unit_name_from_path(path.as_str()).as_deref(),
        Some("getty@tty1.service")
    );
    assert_eq!(
        manager
            .get_unit_file_state("getty@tty1.service")
            .await
            .expect("state"),
        "enabled"
    );
}

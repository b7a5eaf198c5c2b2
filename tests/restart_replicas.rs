//! Two console replicas on one database: "one restart at a time" and the cooldown hold across them,
//! because both are checked in the database, in the transaction that records the request.

use smartmon::domain::RestartState;

use crate::both_backends;
use crate::support::Backend;
use crate::support::fake_systemd::FakeSystemd;
use crate::support::restart::{ALLOW, HOST, Policy, console, replica, units};

async fn two_replicas_asked_at_once_restart_a_unit_once(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    // A restart job that takes a while: both asks arrive while the first one runs.
    bus.set_job_duration(std::time::Duration::from_millis(400));
    let policy = Policy::new(ALLOW);
    // No cooldown: only "one at a time" stands between the two.
    let real = [("DRY_RUN", "false")];
    let a = console(backend, &bus, &policy, &real).await;
    let b = replica(&a, &bus, &policy, &real).await;

    for unit in ["nginx.service", "cron.service"] {
        let before = bus.restart_count();
        let (one, two) = tokio::join!(a.api_restart(HOST, unit), b.api_restart(HOST, unit));

        assert_eq!(
            bus.restart_count() - before,
            1,
            "{unit}: systemd was asked once ({one:?} {two:?})"
        );
        let answers = [one, two];
        assert_eq!(
            answers.iter().filter(|(s, _)| *s == 200).count(),
            1,
            "{answers:?}"
        );
        let (status, body) = answers
            .iter()
            .find(|(s, _)| *s != 200)
            .expect("one refusal");
        assert_eq!(
            (*status, body["reason"].as_str()),
            (409, Some("in_progress")),
            "the other is refused with its reason: {body}"
        );
        assert!(
            body["error"].as_str().is_some_and(|e| e.contains(unit)),
            "the refusal names the unit: {body}"
        );
    }
    let rows = a.restart_rows().await;
    assert_eq!(
        rows.iter()
            .filter(|r| r.state == RestartState::Done)
            .count(),
        2
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r.state == RestartState::Refused)
            .count(),
        2
    );
}

async fn the_cooldown_set_by_one_replica_refuses_the_other(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let real = [
        ("DRY_RUN", "false"),
        ("SMARTMON_RESTART_COOLDOWN_MIN", "10"),
    ];
    let a = console(backend, &bus, &policy, &real).await;
    let b = replica(&a, &bus, &policy, &real).await;

    let (status, body) = a.api_restart(HOST, "nginx.service").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = b.api_restart(HOST, "nginx.service").await;

    assert_eq!(status, 429, "{body}");
    assert_eq!(body["reason"], "cooldown");
    assert_eq!(bus.restart_count(), 1);
}

both_backends!(
    two_replicas_asked_at_once_restart_a_unit_once,
    the_cooldown_set_by_one_replica_refuses_the_other
);

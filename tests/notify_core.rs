//! Notification delivery through the outbox, to a real HTTP receiver: a failure and its recovery, the
//! grace period, a receiver that is down for a while, a console restart with messages pending, and two
//! replicas sending each message once.

use std::time::Duration;

use crate::both_backends;
use crate::support::notify::{add_webhook, condition, outbox, settled, write, writer};
use crate::support::receiver::Receiver;
use crate::support::{Backend, TestDb, spawn_app_on, spawn_app_with};

const WAIT: Duration = Duration::from_secs(10);

async fn a_failure_reaches_the_webhook_once_and_so_does_its_recovery(backend: Backend) {
    let receiver = Receiver::start().await;
    let app = spawn_app_with(backend, &[]).await;
    add_webhook(&app, "ops", &receiver.url("/hook/T000/B000/XXXX"), 0).await;
    let collector = writer(&app).await;
    let now = app.state.clock.now();

    write(
        &collector,
        vec![condition("web01", "service:nginx.service", true, now)],
    )
    .await;
    let got = receiver.wait_for(1, WAIT).await;
    assert_eq!(got[0].method, "POST");
    assert_eq!(got[0].path, "/hook/T000/B000/XXXX");
    assert_eq!(got[0].headers["content-type"], "application/json");
    let text = got[0].json()["text"]
        .as_str()
        .expect("Slack's text field")
        .to_owned();
    assert!(
        text.contains("web01") && text.contains("nginx.service"),
        "{text}"
    );

    write(
        &collector,
        vec![condition(
            "web01",
            "service:nginx.service",
            false,
            now + 1.0,
        )],
    )
    .await;
    let got = receiver.wait_for(2, WAIT).await;
    let text = got[1].json()["text"].as_str().expect("text").to_owned();
    assert!(
        text.contains("RESOLVED") && text.contains("nginx.service recovered"),
        "{text}"
    );

    settled(&app, WAIT).await;
    let log = outbox(&app).await;
    assert_eq!(log.len(), 2);
    for row in &log {
        assert_eq!((row.status.as_str(), row.attempts), ("delivered", 1));
        assert_eq!(row.response_status, Some(200));
        assert_eq!(row.response_body.as_deref(), Some("ok"));
    }
    assert_eq!(receiver.requests().len(), 2, "nothing is sent twice");
}

async fn a_failure_that_recovers_within_the_grace_period_sends_nothing(backend: Backend) {
    let receiver = Receiver::start().await;
    let app = spawn_app_with(backend, &[("SMARTMON_NOTIFY", "false")]).await;
    add_webhook(&app, "ops", &receiver.url("/hook"), 60).await;
    let collector = writer(&app).await;
    let now = app.state.clock.now();

    write(
        &collector,
        vec![condition("web01", "service:flaky.service", true, now)],
    )
    .await;
    write(
        &collector,
        vec![condition(
            "web01",
            "service:flaky.service",
            false,
            now + 20.0,
        )],
    )
    .await;
    write(
        &collector,
        vec![condition("web01", "service:down.service", true, now + 20.0)],
    )
    .await;
    app.state.clock.advance(Duration::from_secs(30));
    assert_eq!(
        app.state
            .notifier
            .deliver_due()
            .await
            .expect("delivery runs"),
        0,
        "nothing is due yet"
    );

    app.state.clock.advance(Duration::from_secs(60));
    assert_eq!(
        app.state
            .notifier
            .deliver_due()
            .await
            .expect("delivery runs"),
        1
    );
    let got = receiver.requests();
    assert_eq!(got.len(), 1, "only the failure that lasted is announced");
    assert!(got[0].body.contains("down.service"), "{}", got[0].body);
    let log = outbox(&app).await;
    let statuses: Vec<(&str, &str)> = log
        .iter()
        .map(|r| (r.source.as_str(), r.status.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("service:flaky.service", "cancelled"),
            ("service:down.service", "delivered")
        ]
    );
    assert_eq!(
        log[0].last_error.as_deref(),
        Some("recovered within the grace period")
    );
}

async fn a_receiver_that_was_down_gets_everything_once_and_in_order(backend: Backend) {
    let receiver = Receiver::start().await;
    receiver.stop();
    let app = spawn_app_with(backend, &[("SMARTMON_NOTIFY_RETRY_FIRST_SECS", "1")]).await;
    add_webhook(&app, "ops", &receiver.url("/hook"), 0).await;
    let collector = writer(&app).await;
    let now = app.state.clock.now();
    for (i, host) in ["alpha", "bravo", "charlie"].iter().enumerate() {
        write(
            &collector,
            vec![condition(host, "service:app.service", true, now + i as f64)],
        )
        .await;
    }
    crate::support::collector::eventually("a failed attempt", WAIT, || async {
        outbox(&app)
            .await
            .iter()
            .any(|r| r.attempts > 0 && r.last_error.is_some())
            .then_some(())
    })
    .await;
    let log = outbox(&app).await;
    assert!(
        log[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("could not connect"),
        "{:?}",
        log[0].last_error
    );

    receiver.start_again().await;
    let got = receiver.wait_for(3, WAIT).await;
    settled(&app, WAIT).await;
    let hosts: Vec<String> = receiver
        .requests()
        .iter()
        .map(|r| {
            r.json()["text"]
                .as_str()
                .unwrap_or("")
                .split_whitespace()
                .nth(1)
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(
        hosts,
        ["alpha:", "bravo:", "charlie:"],
        "once each, in order: {got:?}"
    );
    assert!(outbox(&app).await.iter().all(|r| r.status == "delivered"));
}

async fn messages_pending_at_a_restart_are_sent_by_the_next_console(backend: Backend) {
    let receiver = Receiver::start().await;
    let db = TestDb::create(backend).await;
    let first = spawn_app_on(db.shared(), &[("SMARTMON_NOTIFY", "false")]).await;
    add_webhook(&first, "ops", &receiver.url("/hook"), 0).await;
    let collector = writer(&first).await;
    write(
        &collector,
        vec![condition(
            "web01",
            "disk:/dev/sda",
            true,
            first.state.clock.now(),
        )],
    )
    .await;
    assert_eq!(outbox(&first).await[0].status, "pending");
    drop(collector);
    drop(first);

    let second = spawn_app_on(db, &[]).await;
    let got = receiver.wait_for(1, WAIT).await;
    assert!(got[0].body.contains("disk:/dev/sda"), "{}", got[0].body);
    settled(&second, WAIT).await;
    assert_eq!(receiver.requests().len(), 1);
}

async fn two_replicas_send_each_message_once(backend: Backend) {
    let receiver = Receiver::start().await;
    let vars = [("SMARTMON_NOTIFY_POLL_MS", "50")];
    let a = spawn_app_with(backend, &vars).await;
    let b = spawn_app_on(a.db.shared(), &vars).await;
    add_webhook(&a, "ops", &receiver.url("/hook"), 0).await;
    let collector = writer(&a).await;
    let now = a.state.clock.now();
    let hosts: Vec<String> = (0..40).map(|i| format!("host{i:02}")).collect();
    for host in &hosts {
        write(
            &collector,
            vec![condition(host, "service:app.service", true, now)],
        )
        .await;
        // Both replicas look at once, as often as they can.
        let (x, y) = tokio::join!(
            a.state.notifier.deliver_due(),
            b.state.notifier.deliver_due()
        );
        x.expect("replica a delivers");
        y.expect("replica b delivers");
    }
    settled(&a, WAIT).await;
    let log = outbox(&a).await;
    assert_eq!(log.len(), 40);
    assert!(
        log.iter()
            .all(|r| r.status == "delivered" && r.attempts == 1),
        "{log:?}"
    );
    let mut seen: Vec<String> = receiver
        .requests()
        .iter()
        .flat_map(|r| {
            hosts
                .iter()
                .filter(|h| r.body.contains(h.as_str()))
                .cloned()
                .collect::<Vec<_>>()
        })
        .collect();
    seen.sort();
    assert_eq!(seen, hosts, "every host's failure arrived exactly once");
}

both_backends!(
    a_failure_reaches_the_webhook_once_and_so_does_its_recovery,
    a_failure_that_recovers_within_the_grace_period_sends_nothing,
    a_receiver_that_was_down_gets_everything_once_and_in_order,
    messages_pending_at_a_restart_are_sent_by_the_next_console,
    two_replicas_send_each_message_once,
);

//! Alerts that stay or come back: reminders at an interval up to a maximum, and a flapping unit that
//! sends one "flapping" message instead of one per change.

use std::time::Duration;

use serde_json::json;

use crate::both_backends;
use crate::support::notify::{add_routed_channel, condition, outbox, write, writer};
use crate::support::receiver::Receiver;
use crate::support::{Backend, TestApp, spawn_app_with};

async fn round(app: &TestApp) -> usize {
    app.state
        .notifier
        .check_hosts()
        .await
        .expect("periodic check");
    app.state.notifier.deliver_due().await.expect("delivery")
}

async fn an_open_alert_is_reminded_at_its_interval_at_most_twice(backend: Backend) {
    let receiver = Receiver::start().await;
    let app = spawn_app_with(backend, &[("SMARTMON_NOTIFY", "false")]).await;
    let route = json!({"remind_every_secs": 600, "remind_max": 2});
    let hook = json!({"url": receiver.url("/")});
    add_routed_channel(
        &app,
        "ops",
        "webhook",
        json!({"preset": "slack"}),
        hook,
        0,
        route,
    )
    .await;
    let collector = writer(&app).await;
    let clock = &app.state.clock;
    write(
        &collector,
        vec![condition("web01", "service:db.service", true, clock.now())],
    )
    .await;
    assert_eq!(round(&app).await, 1, "the failure");
    clock.advance(Duration::from_secs(300));
    assert_eq!(round(&app).await, 0, "no reminder before the interval");
    for n in 1..=2 {
        clock.advance(Duration::from_secs(301));
        assert_eq!(round(&app).await, 1, "reminder {n}");
        clock.advance(Duration::from_secs(299));
    }
    clock.advance(Duration::from_secs(3600));
    assert_eq!(round(&app).await, 0, "no more than two reminders");
    write(
        &collector,
        vec![condition("web01", "service:db.service", false, clock.now())],
    )
    .await;
    assert_eq!(round(&app).await, 1, "the recovery");
    let texts: Vec<String> = receiver
        .requests()
        .iter()
        .map(|r| {
            r.json()["text"]
                .as_str()
                .unwrap_or("")
                .lines()
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert!(
        texts[1].starts_with("*STILL OPEN web01") && texts[1].contains("reminder 1 of 2"),
        "{texts:?}"
    );
    assert!(texts[2].contains("reminder 2 of 2"), "{texts:?}");
    assert!(texts[3].starts_with("*RESOLVED web01"), "{texts:?}");
}

async fn a_flapping_unit_sends_one_flapping_message_not_one_per_change(backend: Backend) {
    let receiver = Receiver::start().await;
    let app = spawn_app_with(backend, &[("SMARTMON_NOTIFY", "false")]).await;
    let route = json!({"flap_changes": 3, "flap_window_secs": 900});
    let hook = json!({"url": receiver.url("/")});
    add_routed_channel(
        &app,
        "ops",
        "webhook",
        json!({"preset": "slack"}),
        hook,
        0,
        route,
    )
    .await;
    let collector = writer(&app).await;
    let clock = &app.state.clock;
    for _ in 0..6 {
        write(
            &collector,
            vec![condition(
                "web01",
                "service:flappy.service",
                true,
                clock.now(),
            )],
        )
        .await;
        round(&app).await;
        clock.advance(Duration::from_secs(20));
        write(
            &collector,
            vec![condition(
                "web01",
                "service:flappy.service",
                false,
                clock.now(),
            )],
        )
        .await;
        round(&app).await;
        clock.advance(Duration::from_secs(20));
    }
    let first_lines: Vec<String> = receiver
        .requests()
        .iter()
        .map(|r| {
            r.json()["text"]
                .as_str()
                .unwrap_or("")
                .split(':')
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(
        first_lines,
        [
            "*CRITICAL web01",
            "*RESOLVED web01",
            "*CRITICAL web01",
            "*RESOLVED web01",
            "*FLAPPING web01"
        ],
        "two changes as usual, then one flapping message for the other ten"
    );
    assert!(
        receiver.requests()[4]
            .body
            .contains("failed 3 times within 15 min")
    );
    let held = outbox(&app)
        .await
        .iter()
        .filter(|r| r.last_error.as_deref() == Some("held back: flapping"))
        .count();
    assert_eq!(held, 3, "the later failures are in the log, held back");
}

both_backends!(
    an_open_alert_is_reminded_at_its_interval_at_most_twice,
    a_flapping_unit_sends_one_flapping_message_not_one_per_change,
);

//! Alerts that stay or come back: reminders at an interval up to a maximum, a flapping unit that
//! sends one "flapping" message instead of one per change, and a maintenance window that holds
//! messages and announces what is still wrong when it ends.

use std::time::Duration;

use serde_json::json;
use smartmon::auth::Role;

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

async fn a_maintenance_window_holds_messages_and_announces_what_is_still_wrong_at_its_end(
    backend: Backend,
) {
    let receiver = Receiver::start().await;
    let app = spawn_app_with(backend, &[("SMARTMON_NOTIFY", "false")]).await;
    let hook = json!({"url": receiver.url("/")});
    add_routed_channel(
        &app,
        "ops",
        "webhook",
        json!({"preset": "slack"}),
        hook,
        0,
        json!({}),
    )
    .await;
    let admin = app.login_as("root", Role::Admin).await;
    let bad = admin
        .post_form("/admin/notifications/silences", &[("minutes", "soon")])
        .await;
    assert_eq!(bad.status(), 400);
    let fields = [
        ("hosts", "web01"),
        ("minutes", "30"),
        ("reason", "kernel upgrade"),
    ];
    let started = admin
        .post_form("/admin/notifications/silences", &fields)
        .await;
    assert_eq!(started.status(), 303);
    let page = admin
        .get("/admin/notifications")
        .await
        .text()
        .await
        .expect("html");
    assert!(page.contains("kernel upgrade") && page.contains("End now"));

    let collector = writer(&app).await;
    let clock = &app.state.clock;
    let now = clock.now();
    write(
        &collector,
        vec![
            condition("web01", "service:stays.service", true, now),
            condition("web01", "service:blip.service", true, now),
            condition("web02", "service:other.service", true, now),
        ],
    )
    .await;
    write(
        &collector,
        vec![condition("web01", "service:blip.service", false, now + 1.0)],
    )
    .await;
    assert_eq!(
        round(&app).await,
        1,
        "only web02, outside the window, is announced"
    );
    assert!(receiver.requests()[0].body.contains("web02"));

    clock.advance(Duration::from_secs(31 * 60));
    assert_eq!(
        round(&app).await,
        1,
        "the window ended: what is still wrong, once"
    );
    let summary = &receiver.requests()[1].body;
    assert!(
        summary.contains("stays.service") && summary.contains("kernel upgrade"),
        "{summary}"
    );
    assert!(
        !summary.contains("blip.service"),
        "what recovered inside the window is not news"
    );
    assert_eq!(round(&app).await, 0, "the summary is sent once");
    write(
        &collector,
        vec![condition(
            "web01",
            "service:stays.service",
            false,
            clock.now(),
        )],
    )
    .await;
    assert_eq!(round(&app).await, 1, "its recovery follows");
    assert!(receiver.requests()[2].body.contains("RESOLVED web01"));
    assert_eq!(app.audit("notify_silence_changed").await.len(), 1);
}

both_backends!(
    an_open_alert_is_reminded_at_its_interval_at_most_twice,
    a_flapping_unit_sends_one_flapping_message_not_one_per_change,
    a_maintenance_window_holds_messages_and_announces_what_is_still_wrong_at_its_end,
);

mod restart_outcomes {
    //! Restart outcomes reach the channels that route the `restart` kind, and only those.

    use serde_json::json;

    use crate::both_backends;
    use crate::support::Backend;
    use crate::support::fake_systemd::FakeSystemd;
    use crate::support::notify::{add_channel, add_routed_channel};
    use crate::support::receiver::Receiver;
    use crate::support::restart::{ALLOW, HOST, Policy, console, units};

    async fn a_failed_restart_is_routed_to_channels_that_take_restarts(backend: Backend) {
        let bus = FakeSystemd::start(&units()).await;
        bus.set_restart_outcome("failed", "failed", "failed");
        let policy = Policy::new(ALLOW);
        let app = console(backend, &bus, &policy, &[("DRY_RUN", "false")]).await;
        let (restarts, others) = (Receiver::start().await, Receiver::start().await);
        let slack = json!({"preset": "slack"});
        let route = json!({"kinds": ["restart"]});
        let hook = json!({"url": restarts.url("/")});
        add_routed_channel(&app, "restarts", "webhook", slack.clone(), hook, 0, route).await;
        add_channel(
            &app,
            "alerts",
            "webhook",
            slack,
            json!({"url": others.url("/")}),
            0,
        )
        .await;

        let (status, _) = app.api_restart(HOST, "cron").await;
        assert_eq!(status, 502);
        let got = restarts
            .wait_for(1, std::time::Duration::from_secs(10))
            .await;
        let text = got[0].json()["text"].as_str().unwrap_or("").to_owned();
        assert!(
            text.starts_with("*RESTART FAILED") && text.contains("cron"),
            "{text}"
        );
        app.state.notifier.deliver_due().await.expect("delivery");
        assert!(
            others.requests().is_empty(),
            "restarts are opt-in per channel"
        );
    }

    both_backends!(a_failed_restart_is_routed_to_channels_that_take_restarts);
}

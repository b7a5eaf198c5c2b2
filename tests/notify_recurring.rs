//! Recurring maintenance windows: an admin adds a daily window in a time zone; its occurrence is
//! written ahead, holds the notifications of what it covers while checks keep running, announces
//! what is still wrong when it ends, and the next day's occurrence follows; deleting the schedule
//! removes what is upcoming. Bad input is refused naming the field.

use std::time::Duration;

use smartmon::auth::Role;
use smartmon::db::notify_silences;

use crate::both_backends;
use crate::support::notify::{add_webhook, condition, outbox, write, writer};
use crate::support::receiver::Receiver;
use crate::support::{Backend, spawn_app_with};

/// Asia/Kolkata is UTC+05:30 all year.
const KOLKATA: i64 = 5 * 3600 + 1800;

fn hh_mm(local_epoch: i64) -> String {
    let minute_of_day = local_epoch.rem_euclid(86_400) / 60;
    format!("{:02}:{:02}", minute_of_day / 60, minute_of_day % 60)
}

async fn a_daily_window_holds_what_it_covers_and_announces_what_is_still_wrong(backend: Backend) {
    let receiver = Receiver::start().await;
    let app = spawn_app_with(backend, &[("SMARTMON_NOTIFY", "false")]).await;
    let admin = app.login_as("root", Role::Admin).await;
    add_webhook(&app, "ops", &receiver.url("/hook"), 0).await;
    let clock = &app.state.clock;
    #[allow(clippy::cast_possible_truncation)]
    let now = clock.now() as i64;
    // Two hours from now, on the minute, as Kolkata's clocks will show it.
    let start = (now + 7200).div_euclid(60) * 60 + 60;
    let start_local = hh_mm(start + KOLKATA);
    let mut fields: Vec<(&str, &str)> = vec![
        ("hosts", "web*"),
        ("start_time", &start_local),
        ("minutes", "30"),
        ("time_zone", "Asia/Kolkata"),
        ("reason", "nightly deploy"),
    ];
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map(|d| format!("day_{d}"));
    fields.extend(days.iter().map(|d| (d.as_str(), "1")));
    let added = admin
        .post_form("/admin/notifications/schedules", &fields)
        .await;
    assert_eq!(
        added.status(),
        303,
        "{}",
        added.text().await.unwrap_or_default()
    );
    let page = admin
        .get("/admin/notifications")
        .await
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("Asia/Kolkata") && page.contains(&start_local),
        "{page}"
    );

    let windows = notify_silences::current(&app.state.db.conn, clock.now())
        .await
        .expect("windows");
    #[allow(clippy::cast_precision_loss)]
    let (start_f, end_f) = (start as f64, (start + 1800) as f64);
    assert_eq!(windows.len(), 1, "the coming occurrence is written ahead");
    assert_eq!((windows[0].starts_at, windows[0].ends_at), (start_f, end_f));
    assert!(windows[0].schedule_id.is_some());

    // Inside the window: web01's failure is held, db01's (not covered) is sent.
    clock.advance(Duration::from_secs_f64(start_f + 60.0 - clock.now()));
    let collector = writer(&app).await;
    write(
        &collector,
        vec![
            condition("web01", "service:app.service", true, clock.now()),
            condition("db01", "service:pg.service", true, clock.now()),
        ],
    )
    .await;
    let notifier = &app.state.notifier;
    notifier.check_hosts().await.expect("the check");
    assert_eq!(notifier.deliver_due().await.expect("delivery"), 1);
    let held = outbox(&app)
        .await
        .into_iter()
        .find(|r| r.hostname == "web01")
        .expect("web01's row");
    assert_eq!(held.status, "suppressed");
    assert!(
        held.last_error
            .as_deref()
            .is_some_and(|e| e.contains("held: nightly deploy")),
        "{held:?}"
    );
    assert!(receiver.requests()[0].body.contains("db01"));

    // The occurrence ends with web01 still failing: one summary; tomorrow's occurrence is written.
    clock.advance(Duration::from_secs_f64(end_f + 30.0 - clock.now()));
    notifier.check_hosts().await.expect("the check");
    assert_eq!(notifier.deliver_due().await.expect("delivery"), 1);
    let summary = &receiver.requests()[1].body;
    assert!(
        summary.contains("web01") && summary.contains("still wrong after the maintenance window"),
        "{summary}"
    );
    notifier.check_hosts().await.expect("the check");
    assert_eq!(
        notifier.deliver_due().await.expect("delivery"),
        0,
        "the summary is sent once"
    );
    let next = notify_silences::current(&app.state.db.conn, clock.now())
        .await
        .expect("windows");
    assert_eq!(
        next.iter().map(|w| w.starts_at).collect::<Vec<_>>(),
        vec![start_f + 86_400.0],
        "tomorrow's occurrence"
    );

    let schedule = next[0].schedule_id.expect("a schedule");
    // Hours have passed on the clock: the first session has expired.
    let admin = app.login_as("rita", Role::Admin).await;
    let deleted = admin
        .post_form(
            &format!("/admin/notifications/schedules/{schedule}/delete"),
            &[],
        )
        .await;
    assert_eq!(deleted.status(), 303);
    let after = notify_silences::current(&app.state.db.conn, clock.now())
        .await
        .expect("windows");
    assert!(
        after.is_empty(),
        "upcoming occurrences go with the schedule: {after:?}"
    );
    assert_eq!(app.audit("notify_silence_changed").await.len(), 2);
}

async fn a_bad_recurring_window_is_refused_naming_the_field(backend: Backend) {
    let app = spawn_app_with(backend, &[("SMARTMON_NOTIFY", "false")]).await;
    let admin = app.login_as("root", Role::Admin).await;
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[
                ("day_mon", "1"),
                ("start_time", "02:00"),
                ("time_zone", "Mars/Base"),
            ],
            "is not in the system",
        ),
        (
            &[("start_time", "02:00"), ("time_zone", "UTC")],
            "choose at least one weekday",
        ),
        (
            &[("day_sun", "1"), ("start_time", "25:00")],
            "start: a time as HH:MM",
        ),
        (
            &[("day_sun", "1"), ("start_time", "02:00"), ("minutes", "0")],
            "duration",
        ),
    ];
    for (fields, reason) in cases {
        let response = admin
            .post_form("/admin/notifications/schedules", fields)
            .await;
        assert_eq!(response.status(), 400, "{fields:?}");
        let page = response.text().await.expect("html");
        assert!(
            page.contains(reason),
            "{fields:?}: expected {reason:?} in {page}"
        );
    }
    let missing = admin
        .post_form("/admin/notifications/schedules/999/delete", &[])
        .await;
    assert_eq!(missing.status(), 404);
}

both_backends!(
    a_daily_window_holds_what_it_covers_and_announces_what_is_still_wrong,
    a_bad_recurring_window_is_refused_naming_the_field,
);

#[test]
fn the_channel_file_takes_recurring_windows_and_refuses_a_bad_one() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("notify.toml");
    std::fs::write(
        &file,
        "[[maintenance]]\nhosts = \"db*\"\ndays = [\"Saturday\", \"sun\"]\nstart = \"2:30\"\nminutes = 90\ntime_zone = \"Europe/Berlin\"\nreason = \"weekly backups\"\n",
    )
    .expect("write");
    let loaded = smartmon::notify::file_config::load(&file).expect("valid");
    let window = &loaded.maintenance[0];
    assert_eq!(
        (
            window.days.as_str(),
            window.start_time.as_str(),
            window.minutes,
            window.origin.as_str()
        ),
        ("sat,sun", "02:30", 90, "file")
    );
    std::fs::write(
        &file,
        "[[maintenance]]\ndays = \"daily\"\nstart = \"02:30\"\nminutes = 90\ntime_zone = \"Europe/Atlantis\"\n",
    )
    .expect("write");
    let refused = smartmon::notify::file_config::load(&file)
        .expect_err("an unknown zone")
        .to_string();
    assert!(
        refused.contains("maintenance window 1") && refused.contains("Europe/Atlantis"),
        "{refused}"
    );
}

//! A unit's log on its page: the latest lines with time, priority and PID, filters, older pages by
//! cursor, hostile lines shown safely, bad parameters refused, and a failed unit's alert carrying its
//! last lines (the live stream: `unit_logs_live`).

use smartmon::auth::Role;

use crate::both_backends;
use crate::support::Backend;
use crate::support::collector::{collector_for, rows};
use crate::support::fake_systemd::{FakeSystemd, FakeUnit};
use crate::support::journal::{FakeJournal, LOG_HOST, LOG_PAGE, Message, log_console, page_text};
use crate::support::seed::Unit;

async fn a_units_page_shows_its_latest_log_lines_with_time_priority_and_pid(backend: Backend) {
    let journal = FakeJournal::new();
    journal.write("nginx.service", 6, 812, Message::Text("Starting nginx"));
    journal.write(
        "nginx.service",
        3,
        812,
        Message::Text("bind() to 0.0.0.0:80 failed"),
    );
    journal.write("cron.service", 6, 77, Message::Text("a cron line"));
    let app = log_console(backend, &journal, &[]).await;
    let viewer = app.login_as("vera", Role::Viewer).await;

    let html = page_text(&viewer, LOG_PAGE).await;
    assert!(
        html.contains("Starting nginx") && html.contains("bind() to 0.0.0.0:80 failed"),
        "{html}"
    );
    assert!(!html.contains("a cron line"), "only this unit's lines");
    assert!(
        html.contains("prio-3") && html.contains(">err<"),
        "the error is marked as one"
    );
    assert!(html.contains("[812]"), "the PID is shown");
    assert!(
        html.find("Starting nginx") < html.find("bind()"),
        "oldest first, newest last"
    );
    assert!(html.contains("datetime=\""), "each line has its time");
}

async fn hostile_log_lines_are_shown_safely(backend: Backend) {
    let journal = FakeJournal::new();
    journal.write(
        "nginx.service",
        6,
        1,
        Message::Text("<script>alert(1)</script><b>bold</b>"),
    );
    journal.write(
        "nginx.service",
        6,
        1,
        Message::Text("\u{1b}[31mred alert\u{1b}[0m\u{1b}]0;title\u{7} done\r"),
    );
    journal.write("nginx.service", 6, 1, Message::Bytes(b"bytes \xff\xfe end"));
    let huge = format!("HUGE{}", "A".repeat(1024 * 1024));
    journal.write("nginx.service", 6, 1, Message::Text(&huge));
    let app = log_console(backend, &journal, &[]).await;
    let viewer = app.login_as("vera", Role::Viewer).await;

    let html = page_text(&viewer, LOG_PAGE).await;
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;"),
        "markup is text"
    );
    assert!(!html.contains("<script>alert") && !html.contains("<b>bold"));
    assert!(
        html.contains("red alert done"),
        "escape sequences are removed, the words stay"
    );
    assert!(
        !html.contains('\u{1b}') && !html.contains('\u{7}'),
        "no control characters reach the page"
    );
    assert!(
        html.contains("bytes \u{fffd}\u{fffd} end"),
        "invalid UTF-8 is replaced, the rest kept"
    );
    assert!(
        html.contains("HUGE") && html.contains("(cut; 1048580 bytes in all)"),
        "the huge line says it was cut"
    );
    assert!(
        html.len() < 100_000,
        "a 1 MB line does not make a 1 MB page: {}",
        html.len()
    );
}

async fn the_log_is_filtered_by_priority_and_searched_literally(backend: Backend) {
    let journal = FakeJournal::new();
    journal.write("nginx.service", 6, 1, Message::Text("worker started"));
    journal.write("nginx.service", 3, 1, Message::Text("upstream Timed Out"));
    journal.write("nginx.service", 4, 1, Message::Text("slow abc response"));
    let app = log_console(backend, &journal, &[]).await;
    let viewer = app.login_as("vera", Role::Viewer).await;

    let errors = page_text(&viewer, &format!("{LOG_PAGE}?priority=3")).await;
    assert!(
        errors.contains("upstream Timed Out")
            && !errors.contains("worker started")
            && !errors.contains("slow abc")
    );
    assert!(
        errors.contains("data-max-priority=\"3\""),
        "live lines get the same filter"
    );

    let found = page_text(&viewer, &format!("{LOG_PAGE}?q=timed+out")).await;
    assert!(
        found.contains("upstream Timed Out") && !found.contains("worker started"),
        "case-insensitive"
    );
    let literal = page_text(&viewer, &format!("{LOG_PAGE}?q=a.c")).await;
    assert!(
        !literal.contains("slow abc"),
        "a dot is a dot, not any character"
    );
    assert!(literal.contains("No log lines match this filter."));

    for bad in [
        "priority=9",
        "priority=err",
        &format!("q={}", "x".repeat(201)),
    ] {
        let response = viewer.get(&format!("{LOG_PAGE}?{bad}")).await;
        assert_eq!(response.status(), 400, "{bad}");
    }
}

async fn older_lines_load_page_by_page_by_cursor(backend: Backend) {
    let journal = FakeJournal::new();
    journal.write_lines("nginx.service", 1, 12);
    let app = log_console(backend, &journal, &[("SMARTMON_JOURNAL_LINES", "5")]).await;
    let viewer = app.login_as("vera", Role::Viewer).await;

    let html = page_text(&viewer, LOG_PAGE).await;
    assert!(html.contains("line 8") && html.contains("line 12") && !html.contains("line 7<"));
    let older = |html: &str| -> Option<String> {
        let start = html.find("hx-get=\"/services/web01/nginx.service/logs?")? + "hx-get=\"".len();
        let end = start + html[start..].find('"')?;
        Some(html[start..end].replace("&amp;", "&"))
    };
    let more = page_text(&viewer, &older(&html).expect("a Load older control")).await;
    assert!(
        more.contains("line 3<")
            && more.contains("line 7<")
            && !more.contains("line 8<")
            && !more.contains("line 2<"),
        "{more}"
    );
    let rest = page_text(&viewer, &older(&more).expect("more to load")).await;
    assert!(rest.contains("line 1<") && rest.contains("line 2<") && !rest.contains("line 3<"));
    assert!(older(&rest).is_none(), "nothing older: no control");

    let bad = viewer
        .get(&format!("{LOG_PAGE}/logs?before=not%20a%20cursor"))
        .await;
    assert_eq!(bad.status(), 400);
}

async fn log_stream_parameters_are_checked(backend: Backend) {
    let journal = FakeJournal::new();
    let app = log_console(backend, &journal, &[]).await;
    let vera = app.login_as("vera", Role::Viewer).await;
    for bad in [
        "/events?logs=web01",
        "/events?logs=web01/not%20a%20unit",
        "/events?logs=web%2002/nginx.service",
        "/events?logs=web01/nginx.service&after=bad%20cursor",
    ] {
        let response = vera.get(bad).await;
        assert_eq!(response.status(), 400, "{bad}");
        assert!(!response.text().await.expect("body").is_empty());
    }
    // journalctl missing: the page still opens and says why there is no log.
    let broken = crate::support::spawn_app_with(
        backend,
        &[
            ("HOSTNAME_OVERRIDE", LOG_HOST),
            ("SMARTMON_JOURNALCTL", "/nonexistent/journalctl"),
        ],
    )
    .await;
    broken
        .seed_unit(
            Unit {
                host: LOG_HOST,
                name: "nginx.service",
                state: "running",
                sub: "running",
            },
            60.0,
        )
        .await;
    let user = broken.login_as("vera", Role::Viewer).await;
    let html = page_text(&user, LOG_PAGE).await;
    assert!(
        html.contains("The log could not be read: journalctl could not be started"),
        "{html}"
    );
}

async fn a_failed_units_alert_carries_its_last_log_lines(backend: Backend) {
    let journal = FakeJournal::new();
    for n in 1..=7 {
        journal.write(
            "nginx.service",
            6,
            812,
            Message::Text(&format!("request {n} served")),
        );
    }
    journal.write(
        "nginx.service",
        2,
        812,
        Message::Text("bind() to 0.0.0.0:80 failed <eaddrinuse>"),
    );
    journal.write("cron.service", 3, 77, Message::Text("cron line"));
    let bus = FakeSystemd::start(&[
        FakeUnit::service("nginx.service", "failed", "failed"),
        FakeUnit::service("cron.service", "active", "running"),
    ])
    .await;
    let env = journal.env();
    let mut vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    vars.extend([
        ("HOSTNAME_OVERRIDE", LOG_HOST),
        ("DBUS_SYSTEM_BUS_ADDRESS", bus.address()),
    ]);
    let app = crate::support::spawn_app_with(backend, &vars).await;
    collector_for(&app)
        .await
        .sync_services()
        .await
        .expect("sync");

    let alert = rows(
        &app,
        "SELECT message FROM alerts WHERE source = 'service:nginx.service'",
    )
    .await;
    let message = &alert.first().expect("an alert for the failed unit")[0];
    assert!(
        message.starts_with("nginx.service is failed (failed/failed)\nLast log lines:"),
        "{message}"
    );
    assert_eq!(
        message.lines().count(),
        2 + 5,
        "the last five lines: {message}"
    );
    assert!(
        message.ends_with("crit [812] bind() to 0.0.0.0:80 failed <eaddrinuse>"),
        "{message}"
    );
    assert!(!message.contains("request 3 served") && message.contains("request 4 served"));
    assert!(!message.contains("cron line"));
}

both_backends!(
    a_failed_units_alert_carries_its_last_log_lines,
    a_units_page_shows_its_latest_log_lines_with_time_priority_and_pid,
    hostile_log_lines_are_shown_safely,
    the_log_is_filtered_by_priority_and_searched_literally,
    older_lines_load_page_by_page_by_cursor,
    log_stream_parameters_are_checked,
);

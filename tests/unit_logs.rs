//! A unit's log on its page: the latest lines with time, priority and PID, filters, older pages by
//! cursor, hostile lines shown safely, and new lines live over the page's stream from one shared
//! `journalctl --follow` per unit, which stops when nobody watches. Run against the journalctl double.

use std::time::Duration;

use smartmon::auth::Role;

use crate::both_backends;
use crate::support::auth::LoggedIn;
use crate::support::collector::eventually;
use crate::support::journal::{FakeJournal, Message, running};
use crate::support::seed::Unit;
use crate::support::sse::SseClient;
use crate::support::{Backend, TestApp, spawn_app_with};

const HOST: &str = "web01";
const PAGE: &str = "/services/web01/nginx.service";

async fn console(backend: Backend, journal: &FakeJournal, extra: &[(&str, &str)]) -> TestApp {
    let env = journal.env();
    let mut vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    vars.push(("HOSTNAME_OVERRIDE", HOST));
    vars.extend_from_slice(extra);
    let app = spawn_app_with(backend, &vars).await;
    for (host, name) in [
        (HOST, "nginx.service"),
        (HOST, "cron.service"),
        ("web02", "nginx.service"),
    ] {
        let unit = Unit {
            host,
            name,
            state: "running",
            sub: "running",
        };
        app.seed_unit(unit, 60.0).await;
    }
    app
}

async fn page(user: &LoggedIn, path: &str) -> String {
    let response = user.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.expect("page")
}

/// The live stream the page opens (its `sse-connect`), as a browser would follow it.
fn stream_of(html: &str) -> String {
    let start = html.find("sse-connect=\"").expect("the page is live") + "sse-connect=\"".len();
    let end = start + html[start..].find('"').expect("attribute ends");
    html[start..end].replace("&amp;", "&")
}

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
    let app = console(backend, &journal, &[]).await;
    let viewer = app.login_as("vera", Role::Viewer).await;

    let html = page(&viewer, PAGE).await;
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

    // A unit on another host: the page says why there is no log, and the stream is not asked for one.
    let other = page(&viewer, "/services/web02/nginx.service").await;
    assert!(other.contains("agent does not send logs yet"), "{other}");
    assert!(!stream_of(&other).contains("logs="));
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
    let app = console(backend, &journal, &[]).await;
    let viewer = app.login_as("vera", Role::Viewer).await;

    let html = page(&viewer, PAGE).await;
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
    let app = console(backend, &journal, &[]).await;
    let viewer = app.login_as("vera", Role::Viewer).await;

    let errors = page(&viewer, &format!("{PAGE}?priority=3")).await;
    assert!(
        errors.contains("upstream Timed Out")
            && !errors.contains("worker started")
            && !errors.contains("slow abc")
    );
    assert!(
        errors.contains("data-max-priority=\"3\""),
        "live lines get the same filter"
    );

    let found = page(&viewer, &format!("{PAGE}?q=timed+out")).await;
    assert!(
        found.contains("upstream Timed Out") && !found.contains("worker started"),
        "case-insensitive"
    );
    let literal = page(&viewer, &format!("{PAGE}?q=a.c")).await;
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
        let response = viewer.get(&format!("{PAGE}?{bad}")).await;
        assert_eq!(response.status(), 400, "{bad}");
    }
}

async fn older_lines_load_page_by_page_by_cursor(backend: Backend) {
    let journal = FakeJournal::new();
    journal.write_lines("nginx.service", 1, 12);
    let app = console(backend, &journal, &[("SMARTMON_JOURNAL_LINES", "5")]).await;
    let viewer = app.login_as("vera", Role::Viewer).await;

    let html = page(&viewer, PAGE).await;
    assert!(html.contains("line 8") && html.contains("line 12") && !html.contains("line 7<"));
    let older = |html: &str| -> Option<String> {
        let start = html.find("hx-get=\"/services/web01/nginx.service/logs?")? + "hx-get=\"".len();
        let end = start + html[start..].find('"')?;
        Some(html[start..end].replace("&amp;", "&"))
    };
    let more = page(&viewer, &older(&html).expect("a Load older control")).await;
    assert!(
        more.contains("line 3<")
            && more.contains("line 7<")
            && !more.contains("line 8<")
            && !more.contains("line 2<"),
        "{more}"
    );
    let rest = page(&viewer, &older(&more).expect("more to load")).await;
    assert!(rest.contains("line 1<") && rest.contains("line 2<") && !rest.contains("line 3<"));
    assert!(older(&rest).is_none(), "nothing older: no control");

    let bad = viewer
        .get(&format!("{PAGE}/logs?before=not%20a%20cursor"))
        .await;
    assert_eq!(bad.status(), 400);
}

async fn new_lines_reach_open_pages_live_from_one_shared_follower(backend: Backend) {
    let journal = FakeJournal::new();
    journal.write(
        "nginx.service",
        6,
        1,
        Message::Text("before the page opened"),
    );
    let app = console(backend, &journal, &[]).await;
    let (vera, otto) = (
        app.login_as("vera", Role::Viewer).await,
        app.login_as("otto", Role::Operator).await,
    );
    let stream = stream_of(&page(&vera, PAGE).await);
    assert!(
        stream.contains("logs=web01%2Fnginx.service") && stream.contains("after="),
        "{stream}"
    );
    let mut first = SseClient::connect_to(&vera, &stream).await;
    let mut second = SseClient::connect_to(&otto, &stream_of(&page(&otto, PAGE).await)).await;

    journal.write(
        "nginx.service",
        3,
        4242,
        Message::Text("worker process exited on <signal> 11"),
    );
    journal.write("cron.service", 3, 1, Message::Text("not nginx"));
    for client in [&mut first, &mut second] {
        let frame = client
            .expect("logs", Duration::from_secs(5), |d| d.contains("exited on"))
            .await;
        assert!(
            frame.data.contains("&lt;signal&gt;") && frame.data.contains("[4242]"),
            "{}",
            frame.data
        );
        assert!(
            !frame.data.contains("before the page opened"),
            "nothing shown twice"
        );
    }
    assert_eq!(
        app.state.logs.following(),
        1,
        "one follower serves both pages"
    );
    let pids = journal.followers();
    assert_eq!(pids.len(), 1, "one journalctl --follow for the unit");

    drop(first);
    drop(second);
    eventually(
        "the follower stops when nobody watches",
        Duration::from_secs(10),
        || async { (app.state.logs.following() == 0 && !running(pids[0])).then_some(()) },
    )
    .await;
}

async fn a_page_that_reconnects_or_joins_late_misses_nothing(backend: Backend) {
    let journal = FakeJournal::new();
    journal.write("nginx.service", 6, 1, Message::Text("shown on the page"));
    let app = console(backend, &journal, &[]).await;
    let (vera, otto) = (
        app.login_as("vera", Role::Viewer).await,
        app.login_as("otto", Role::Operator).await,
    );
    let vera_stream = stream_of(&page(&vera, PAGE).await);
    let otto_stream = stream_of(&page(&otto, PAGE).await);

    // Written while no stream was open: the first stream starts its follower after the page's cursor.
    journal.write("nginx.service", 6, 1, Message::Text("missed one"));
    let mut first = SseClient::connect_to(&vera, &vera_stream).await;
    first
        .expect("logs", Duration::from_secs(5), |d| d.contains("missed one"))
        .await;

    // A second page joins the running follower and is caught up from its own cursor.
    journal.write("nginx.service", 6, 1, Message::Text("missed two"));
    first
        .expect("logs", Duration::from_secs(5), |d| d.contains("missed two"))
        .await;
    let mut late = SseClient::connect_to(&otto, &otto_stream).await;
    let caught_up = late
        .expect("logs", Duration::from_secs(5), |d| d.contains("missed one"))
        .await;
    assert!(caught_up.data.contains("missed two") && !caught_up.data.contains("shown on the page"));
}

async fn log_stream_parameters_are_checked(backend: Backend) {
    let journal = FakeJournal::new();
    let app = console(backend, &journal, &[]).await;
    let vera = app.login_as("vera", Role::Viewer).await;
    for bad in [
        "/events?logs=web01",
        "/events?logs=web01/not%20a%20unit",
        "/events?logs=web02/nginx.service",
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
            ("HOSTNAME_OVERRIDE", HOST),
            ("SMARTMON_JOURNALCTL", "/nonexistent/journalctl"),
        ],
    )
    .await;
    broken
        .seed_unit(
            Unit {
                host: HOST,
                name: "nginx.service",
                state: "running",
                sub: "running",
            },
            60.0,
        )
        .await;
    let user = broken.login_as("vera", Role::Viewer).await;
    let html = page(&user, PAGE).await;
    assert!(
        html.contains("The log could not be read: journalctl could not be started"),
        "{html}"
    );
}

both_backends!(
    a_units_page_shows_its_latest_log_lines_with_time_priority_and_pid,
    hostile_log_lines_are_shown_safely,
    the_log_is_filtered_by_priority_and_searched_literally,
    older_lines_load_page_by_page_by_cursor,
    new_lines_reach_open_pages_live_from_one_shared_follower,
    a_page_that_reconnects_or_joins_late_misses_nothing,
    log_stream_parameters_are_checked,
);

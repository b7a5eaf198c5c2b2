//! A unit's log, live: new lines reach open pages over their stream from one shared `journalctl
//! --follow` per unit, which stops when no page watches; a page that reconnects or joins late is caught
//! up from its own cursor, so nothing is skipped or shown twice.

use std::time::Duration;

use smartmon::auth::Role;

use crate::both_backends;
use crate::support::Backend;
use crate::support::collector::eventually;
use crate::support::journal::{
    FakeJournal, LOG_PAGE, Message, log_console, page_text, running, stream_of,
};
use crate::support::sse::SseClient;

async fn new_lines_reach_open_pages_live_from_one_shared_follower(backend: Backend) {
    let journal = FakeJournal::new();
    journal.write(
        "nginx.service",
        6,
        1,
        Message::Text("before the page opened"),
    );
    let app = log_console(backend, &journal, &[]).await;
    let (vera, otto) = (
        app.login_as("vera", Role::Viewer).await,
        app.login_as("otto", Role::Operator).await,
    );
    let stream = stream_of(&page_text(&vera, LOG_PAGE).await);
    assert!(
        stream.contains("logs=web01%2Fnginx.service") && stream.contains("after="),
        "{stream}"
    );
    let mut first = SseClient::connect_to(&vera, &stream).await;
    let mut second =
        SseClient::connect_to(&otto, &stream_of(&page_text(&otto, LOG_PAGE).await)).await;

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
    let app = log_console(backend, &journal, &[]).await;
    let (vera, otto) = (
        app.login_as("vera", Role::Viewer).await,
        app.login_as("otto", Role::Operator).await,
    );
    let vera_stream = stream_of(&page_text(&vera, LOG_PAGE).await);
    let otto_stream = stream_of(&page_text(&otto, LOG_PAGE).await);

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

both_backends!(
    new_lines_reach_open_pages_live_from_one_shared_follower,
    a_page_that_reconnects_or_joins_late_misses_nothing,
);

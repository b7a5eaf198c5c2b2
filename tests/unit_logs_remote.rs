//! Another host's unit log: the console never reads that host's journal itself; it queues the read
//! (`log_requests`) and the real `smartmon agent` on that host answers it from its own journal. The
//! page shows those lines, older pages load, new lines arrive live, and a host whose agent does not
//! answer gets a page that says so in time.

use std::process::Stdio;
use std::time::Duration;

use smartmon::auth::Role;

use crate::both_backends;
use crate::support::collector::rows;
use crate::support::fake_systemd::{FakeSystemd, FakeUnit};
use crate::support::journal::{FakeJournal, Message, log_console, page_text, stream_of};
use crate::support::sse::SseClient;
use crate::support::{Backend, TestApp};

const REMOTE_PAGE: &str = "/services/web02/nginx.service";

/// `smartmon agent` for web02, on the console's database, reading `journal`.
fn agent_for_web02(
    app: &TestApp,
    journal: &FakeJournal,
    bus: &FakeSystemd,
) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_smartmon"))
        .arg("agent")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(app.db.env())
        .envs(journal.env())
        .env("HOSTNAME_OVERRIDE", "web02")
        .env("DBUS_SYSTEM_BUS_ADDRESS", bus.address())
        .env("SMARTCTL", "/nonexistent/smartctl")
        .env("LOG_LEVEL", "ERROR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the agent")
}

async fn another_hosts_log_is_read_by_its_agent_older_pages_and_live(backend: Backend) {
    let here = FakeJournal::new();
    here.write(
        "nginx.service",
        6,
        1,
        Message::Text("a line on the console's host"),
    );
    let web02 = FakeJournal::new();
    web02.write_lines("nginx.service", 1, 150);
    web02.write(
        "nginx.service",
        3,
        4242,
        Message::Text("bind() to 0.0.0.0:80 failed <Address in use>"),
    );
    let bus = FakeSystemd::start(&[FakeUnit::service("nginx.service", "failed", "failed")]).await;
    let app = log_console(backend, &here, &[]).await;
    let _agent = agent_for_web02(&app, &web02, &bus);
    let vera = app.login_as("vera", Role::Viewer).await;

    let html = page_text(&vera, REMOTE_PAGE).await;
    assert!(
        html.contains("bind() to 0.0.0.0:80 failed &lt;Address in use&gt;")
            && html.contains("[4242]"),
        "web02's own lines, escaped: {html}"
    );
    assert!(!html.contains("a line on the console's host"));
    assert!(
        html.contains("line 150") && !html.contains("line 50<"),
        "the latest page only"
    );
    let answered = rows(
        &app,
        "SELECT state, answered_by FROM log_requests WHERE hostname = 'web02'",
    )
    .await;
    assert_eq!(answered[0], ["answered", "agent on web02"]);

    // "Load older": the page before the oldest line shown, from the agent too.
    let older_start = html.find("before=").expect("a control for older lines") + "before=".len();
    let older_end = older_start + html[older_start..].find(['"', '&']).expect("ends");
    let before = html[older_start..older_end].to_owned();
    let older = page_text(&vera, &format!("{REMOTE_PAGE}/logs?before={before}")).await;
    assert!(
        older.contains("line 50<") || older.contains("line 50 "),
        "{older}"
    );
    assert!(
        !older.contains("line 150"),
        "only lines before the page's first"
    );

    // Live: a new line on web02 reaches the open page through the agent.
    let stream = stream_of(&html);
    assert!(stream.contains("logs=web02%2Fnginx.service"), "{stream}");
    let mut live = SseClient::connect_to(&vera, &stream).await;
    web02.write(
        "nginx.service",
        2,
        4243,
        Message::Text("worker exited on signal 11"),
    );
    let frame = live
        .expect("logs", Duration::from_secs(15), |d| {
            d.contains("exited on signal")
        })
        .await;
    assert!(
        !frame.data.contains("line 150"),
        "nothing shown twice: {}",
        frame.data
    );
}

async fn a_host_whose_agent_does_not_answer_gets_a_page_that_says_so(backend: Backend) {
    let here = FakeJournal::new();
    let app = log_console(backend, &here, &[]).await;
    let vera = app.login_as("vera", Role::Viewer).await;

    let html = page_text(&vera, REMOTE_PAGE).await;
    assert!(
        html.contains("the agent on web02 did not answer within 5 s"),
        "{html}"
    );
    assert!(!stream_of(&html).contains("logs="), "nothing to follow");
    let left = rows(
        &app,
        "SELECT state FROM log_requests WHERE hostname = 'web02'",
    )
    .await;
    assert_eq!(left, [["expired"]], "no agent will take it later");
}

both_backends!(
    another_hosts_log_is_read_by_its_agent_older_pages_and_live,
    a_host_whose_agent_does_not_answer_gets_a_page_that_says_so,
);

//! The live stream (`GET /events`): a unit's change reaches an open page as a row fragment, whether the
//! collector in this process or another process wrote it, and the page hears when the database goes and
//! returns.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, TransactionTrait};
use smartmon::auth::Role;

use crate::both_backends;
use crate::collector_services::{app_on_bus, units};
use crate::support::collector::{collector_for, eventually, rows};
use crate::support::fake_systemd::FakeSystemd;
use crate::support::proxy::spawn_app_behind_proxy;
use crate::support::sse::SseClient;
use crate::support::{Backend, TestDb, spawn_app_on};

const WAIT: Duration = Duration::from_secs(5);

fn is_failed_ssh_row(data: &str) -> bool {
    data.contains("id=\"svc:BackendServer:ssh.service\"") && data.contains("class=\"state-failed\"")
}

async fn a_collector_change_reaches_an_open_page_as_a_row(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let app = app_on_bus(backend, &bus, &[]).await;
    let viewer = app.login_as("viewer", Role::Viewer).await;
    let mut stream = SseClient::connect(&viewer).await;
    assert!(stream.content_type.starts_with("text/event-stream"));
    assert!(stream.cache_control.contains("no-cache"));
    stream
        .expect("status", WAIT, |d| d.contains("data-database=\"up\""))
        .await;

    let collector = collector_for(&app).await;
    let _watcher = collector.spawn_services();
    eventually("the initial sync", WAIT, || async {
        let n = rows(
            &app,
            "SELECT service_name FROM service_current WHERE service_name = 'ssh.service'",
        )
        .await;
        (n.len() == 1).then_some(())
    })
    .await;

    bus.set_state("ssh.service", "failed", "failed").await;
    let row = stream.expect("rows", WAIT, is_failed_ssh_row).await;
    assert!(row.data.starts_with("<tr "), "a table row: {}", row.data);
    stream
        .expect("changed", WAIT, |d| {
            d.lines().any(|l| l == "services BackendServer")
        })
        .await;
    assert_page_shows_ssh_failed(&viewer).await;
}

/// Reloading the page once the row arrived shows the same state: the page and the stream agree.
async fn assert_page_shows_ssh_failed(viewer: &crate::support::auth::LoggedIn) {
    let page = viewer
        .get("/services?state=failed")
        .await
        .text()
        .await
        .expect("page");
    assert!(
        is_failed_ssh_row(&page),
        "the reloaded page lists ssh.service as failed"
    );
    let api: serde_json::Value = viewer
        .get("/api/services?status=failed&q=ssh")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(api["total"], 1, "the API agrees: {api}");
}

both_backends!(a_collector_change_reaches_an_open_page_as_a_row);

/// Another connection holding a transaction that keeps every write to `service_current` waiting (reads
/// still answer): a busy database, as far as the collector's writer can tell.
async fn hold_unit_writes(db: &TestDb) -> (DatabaseConnection, DatabaseTransaction) {
    let url = match db.backend {
        Backend::Postgres => db.url.clone().expect("pg url"),
        Backend::Sqlite => format!(
            "sqlite://{}?mode=rwc",
            db.sqlite_path.as_ref().expect("sqlite path").display()
        ),
    };
    let conn = sea_orm::Database::connect(url).await.expect("connect");
    let txn = conn.begin().await.expect("begin");
    let sql = match db.backend {
        Backend::Postgres => "LOCK TABLE service_current IN EXCLUSIVE MODE",
        // Any write statement takes SQLite's one write lock until the transaction ends.
        Backend::Sqlite => "UPDATE service_current SET description = description WHERE 1 = 0",
    };
    txn.execute_unprepared(sql).await.expect("lock");
    (conn, txn)
}

async fn a_change_reaches_the_page_before_the_busy_database_holds_it(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let app = app_on_bus(backend, &bus, &[]).await;
    let viewer = app.login_as("viewer", Role::Viewer).await;
    let mut stream = SseClient::connect(&viewer).await;
    let collector = collector_for(&app).await;
    let _watcher = collector.spawn_services();
    eventually("the initial sync", WAIT, || async {
        let n = rows(
            &app,
            "SELECT service_name FROM service_current WHERE service_name = 'ssh.service'",
        )
        .await;
        (n.len() == 1).then_some(())
    })
    .await;
    app.state.current.reload().await.expect("reload");

    let (_conn, lock) = hold_unit_writes(&app.db).await;
    bus.set_state("ssh.service", "failed", "failed").await;
    stream.expect("rows", WAIT, is_failed_ssh_row).await;
    let stored = "SELECT normalized_status FROM service_current WHERE service_name = 'ssh.service'";
    assert_eq!(
        rows(&app, stored).await,
        [["running"]],
        "the page heard it while the database still waits to store it"
    );
    // A full reload from the lagging database does not take the change back.
    app.state.current.reload().await.expect("reload");
    let api: serde_json::Value = viewer
        .get("/api/services?status=failed&q=ssh")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(api["total"], 1, "the API shows it from memory: {api}");

    lock.rollback().await.expect("release");
    eventually("the database to store the change", WAIT * 2, || async {
        (rows(&app, stored).await == [["failed"]]).then_some(())
    })
    .await;
    assert_page_shows_ssh_failed(&viewer).await;
}

both_backends!(a_change_reaches_the_page_before_the_busy_database_holds_it);

/// The overview's part as pushed: the whole `#overview` element, counting `failed` units.
fn is_overview_with_failed(data: &str, failed: u32) -> bool {
    data.starts_with("<div id=\"overview\"")
        && data.contains("data-live-part=\"overview\"")
        && data.contains(&format!(
            "<span class=\"tile-label\">Services failed</span><span class=\"tile-value\">{failed}</span>"
        ))
}

async fn a_change_pushes_the_new_overview_to_every_open_page(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let app = app_on_bus(backend, &bus, &[]).await;
    let viewer = app.login_as("viewer", Role::Viewer).await;
    let collector = collector_for(&app).await;
    let _watcher = collector.spawn_services();
    eventually("the initial sync", WAIT, || async {
        let n = rows(
            &app,
            "SELECT service_name FROM service_current WHERE service_name = 'ssh.service'",
        )
        .await;
        (n.len() == 1).then_some(())
    })
    .await;
    let overview = viewer.get("/").await.text().await.expect("page");
    assert!(
        overview.contains("data-live-part=\"overview\"")
            && overview.contains("sse-connect=\"/events?part=overview\""),
        "the page marks its pushed part and asks for it"
    );
    let mut first = SseClient::connect_to(&viewer, "/events?part=overview").await;
    let mut second = SseClient::connect_to(&viewer, "/events?part=overview").await;
    let mut services_page = SseClient::connect(&viewer).await;

    bus.set_state("ssh.service", "failed", "failed").await;
    let pushed = first
        .expect("part", WAIT, |d| is_overview_with_failed(d, 1))
        .await;
    assert!(
        pushed.data.contains("id=\"svc:BackendServer:ssh.service\""),
        "the failed unit is listed: {}",
        pushed.data
    );
    let same = second
        .expect("part", WAIT, |d| is_overview_with_failed(d, 1))
        .await;
    assert_eq!(same.data, pushed.data, "one rendering for every page");
    // A page that does not show the overview gets its row, not the overview.
    let row = services_page.expect("rows", WAIT, is_failed_ssh_row).await;
    assert!(row.data.starts_with("<tr "));
    let bad = viewer.get("/events?part=everything").await;
    assert_eq!(bad.status(), 400, "an unknown part is refused");
    let message = bad.text().await.expect("body");
    assert!(message.contains("not a live page part"), "{message}");
}

both_backends!(a_change_pushes_the_new_overview_to_every_open_page);

#[tokio::test]
async fn a_change_written_by_another_process_reaches_the_page() {
    let bus = FakeSystemd::start(&units()).await;
    // The console, with no collector of its own, and an agent-like second process on the same Postgres.
    let console = app_on_bus(Backend::Postgres, &bus, &[]).await;
    let url = console.db.url.clone().expect("pg url");
    let agent = spawn_app_on(
        TestDb::external(url),
        &[
            ("DBUS_SYSTEM_BUS_ADDRESS", bus.address()),
            ("HOSTNAME_OVERRIDE", "BackendServer"),
        ],
    )
    .await;
    let viewer = console.login_as("viewer", Role::Viewer).await;
    let mut stream = SseClient::connect(&viewer).await;

    let collector = collector_for(&agent).await;
    let _watcher = collector.spawn_services();
    eventually("the initial sync", WAIT, || async {
        let n = rows(
            &console,
            "SELECT service_name FROM service_current WHERE service_name = 'ssh.service'",
        )
        .await;
        (n.len() == 1).then_some(())
    })
    .await;
    // The console's LISTEN connects in the background; flip until the page hears one.
    let mut heard = false;
    for _ in 0..10 {
        bus.set_state("ssh.service", "failed", "failed").await;
        let got = tokio::time::timeout(
            Duration::from_secs(1),
            stream.expect("rows", Duration::from_secs(1), is_failed_ssh_row),
        )
        .await;
        if got.is_ok() {
            heard = true;
            break;
        }
        bus.set_state("ssh.service", "active", "running").await;
    }
    assert!(
        heard,
        "the other process's change reached the page through NOTIFY"
    );
    assert_page_shows_ssh_failed(&viewer).await;
}

#[tokio::test]
async fn the_page_hears_when_the_database_goes_and_returns() {
    let (app, proxy, db) = spawn_app_behind_proxy(&[]).await;
    let viewer = app.login_as("viewer", Role::Viewer).await;
    let mut stream = SseClient::connect(&viewer).await;
    stream
        .expect("status", WAIT, |d| d.contains("data-database=\"up\""))
        .await;

    proxy.cut();
    let down = stream
        .expect("status", Duration::from_secs(10), |d| {
            d.contains("data-database=\"down\"")
        })
        .await;
    assert!(down.data.contains("Database unreachable"));
    proxy.restore();
    stream
        .expect("status", Duration::from_secs(10), |d| {
            d.contains("data-database=\"up\"")
        })
        .await;
    drop(db);
}

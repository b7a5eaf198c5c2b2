//! Restarts for other hosts: queued for that host, run by the `smartmon agent` process there (woken by
//! LISTEN on Postgres, polling on SQLite), the result visible on the console; unclaimed requests expire.

use std::process::Stdio;
use std::time::Duration;

use smartmon::auth::Role;
use smartmon::domain::RestartState;
use smartmon::live::LiveEvent;

use crate::both_backends;
use crate::support::Backend;
use crate::support::collector::eventually;
use crate::support::fake_systemd::FakeSystemd;
use crate::support::restart::{ALLOW, Policy, console, units};
use crate::support::seed::Unit;

const BIN: &str = env!("CARGO_BIN_EXE_smartmon");

async fn a_remote_request_is_run_by_the_agent_on_that_host(backend: Backend) {
    let console_bus = FakeSystemd::start(&units()).await;
    let web02_bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(backend, &console_bus, &policy, &[("DRY_RUN", "false")]).await;
    let mut agent = tokio::process::Command::new(BIN);
    agent
        .arg("agent")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(app.db.env())
        .env("HOSTNAME_OVERRIDE", "web02")
        .env("DBUS_SYSTEM_BUS_ADDRESS", web02_bus.address())
        .env("SMARTCTL", "/nonexistent/smartctl")
        .env("LOG_LEVEL", "ERROR")
        .env("DRY_RUN", "false")
        .env("SMARTMON_APPROVED_JSON", policy.path())
        .env("SMARTMON_RESTART_COOLDOWN_MIN", "0")
        // Postgres: only LISTEN can wake the agent in time; SQLite has polling alone.
        .env(
            "SMARTMON_RESTART_POLL_SECS",
            match backend {
                Backend::Postgres => "600",
                Backend::Sqlite => "1",
            },
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let _agent = agent.spawn().expect("start the agent");
    let db = &app.state.db.conn;
    eventually(
        "the agent's first sync",
        Duration::from_secs(15),
        || async {
            smartmon::db::services::find_one(db, "web02", "nginx.service")
                .await
                .ok()
                .flatten()
        },
    )
    .await;
    let mut events = app.state.live.subscribe();

    let (status, body) = app.api_restart("web02", "nginx.service").await;

    assert_eq!(status, 202, "{body}");
    assert_eq!(body["state"], "queued");
    let id = body["request_id"].as_i64().expect("request id");
    let row = eventually("the agent's result", Duration::from_secs(10), || async {
        smartmon::db::restart_requests::find(db, id)
            .await
            .ok()
            .flatten()
            .filter(|r| r.state == RestartState::Done)
    })
    .await;
    assert_eq!(
        row.executed_by.as_deref(),
        Some("web02 (RestartUnit over D-Bus)")
    );
    assert_eq!(
        web02_bus.restart_calls(),
        vec![("nginx.service".to_owned(), "replace".to_owned())]
    );
    assert_eq!(
        console_bus.restart_count(),
        0,
        "the console did not restart its own unit"
    );
    let viewer = app.login_as("vi", Role::Viewer).await;
    let history = viewer
        .get("/services/web02/nginx.service/restarts/history")
        .await
        .text()
        .await
        .expect("history");
    assert!(
        history.contains(">done<") && history.contains("api-key"),
        "{history}"
    );
    assert_eq!(app.audit("restart_done").await.len(), 1);
    if backend == Backend::Postgres {
        // The console published one event (queued); the agent's two (running, done) arrive by NOTIFY.
        let mut seen = 0;
        eventually("the agent's live events", Duration::from_secs(5), || {
            while let Ok(event) = events.try_recv() {
                if matches!(event, LiveEvent::RestartUpdated { ref hostname, .. } if hostname == "web02") {
                    seen += 1;
                }
            }
            let enough = (seen >= 3).then_some(());
            async move { enough }
        })
        .await;
    }
}

async fn a_request_nobody_picks_up_expires(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(
        backend,
        &bus,
        &policy,
        &[
            ("DRY_RUN", "false"),
            ("SMARTMON_RESTART_QUEUE_TTL_SECS", "1"),
            ("SMARTMON_RESTART_POLL_SECS", "1"),
        ],
    )
    .await;
    app.seed_unit(
        Unit {
            host: "ghost",
            name: "nginx.service",
            state: "running",
            sub: "running",
        },
        60.0,
    )
    .await;

    let (status, body) = app.api_restart("ghost", "nginx.service").await;
    assert_eq!(
        (status, body["state"].as_str()),
        (202, Some("queued")),
        "{body}"
    );

    let id = body["request_id"].as_i64().expect("id");
    let row = eventually("expiry", Duration::from_secs(8), || async {
        smartmon::db::restart_requests::find(&app.state.db.conn, id)
            .await
            .ok()
            .flatten()
            .filter(|r| r.state == RestartState::Expired)
    })
    .await;
    assert!(row.error.as_deref().is_some_and(|e| e.contains("no agent")));
    eventually("the expiry's audit row", Duration::from_secs(5), || async {
        (app.audit("restart_expired").await.len() == 1).then_some(())
    })
    .await;
    assert_eq!(bus.restart_count(), 0);
}

both_backends!(
    a_remote_request_is_run_by_the_agent_on_that_host,
    a_request_nobody_picks_up_expires,
);

//! A unit action for another host travels through the agents' queue with its action: the console
//! queues a stop, the `smartmon agent` on that host runs `StopUnit` on its own systemd.

use std::process::Stdio;
use std::time::Duration;

use smartmon::domain::{RestartState, UnitAction};

use crate::both_backends;
use crate::support::Backend;
use crate::support::collector::eventually;
use crate::support::fake_systemd::FakeSystemd;
use crate::support::restart::{ALLOW, Policy, console};
use crate::support::seed::Unit;
use crate::unit_actions::{api_action, units};

const BIN: &str = env!("CARGO_BIN_EXE_smartmon");

async fn a_stop_for_another_host_is_queued_and_run_by_its_agent(backend: Backend) {
    let console_bus = FakeSystemd::start(&units()).await;
    let web02_bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(backend, &console_bus, &policy, &[("DRY_RUN", "false")]).await;
    app.seed_unit(
        Unit {
            host: "web02",
            name: "nginx.service",
            state: "running",
            sub: "running",
        },
        60.0,
    )
    .await;
    let (status, body) = api_action(&app, "web02", "nginx.service", "stop").await;
    assert_eq!(
        (status, body["state"].as_str()),
        (202, Some("queued")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains("will stop nginx.service"),
        "{body}"
    );

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
        .env("SMARTMON_RESTART_POLL_SECS", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let _agent = agent.spawn().expect("start the agent");
    let row = eventually(
        "the agent to run the stop",
        Duration::from_secs(20),
        || async {
            app.restart_rows()
                .await
                .into_iter()
                .find(|r| r.state == RestartState::Done)
        },
    )
    .await;
    assert_eq!(row.action, UnitAction::Stop);
    assert_eq!(
        web02_bus
            .job_calls()
            .first()
            .map(|(m, u, _)| (m.as_str(), u.as_str())),
        Some(("StopUnit", "nginx.service"))
    );
    assert!(
        console_bus.job_calls().is_empty(),
        "the console's own host was not touched"
    );
}

both_backends!(a_stop_for_another_host_is_queued_and_run_by_its_agent);

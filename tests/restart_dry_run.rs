//! The must-show: with `DRY_RUN=true` (the default) no restart reaches systemd through any path, the
//! console page, the API, a request for another host (console and agent side), the host helper, or
//! automatic remediation, while each path reports "dry run".

use std::time::Duration;

use smartmon::auth::Role;
use smartmon::clock::Clock;
use smartmon::config::Settings;
use smartmon::db::restart_requests::{self, NewRequest};
use smartmon::domain::{Hostname, RestartState, UnitAction, UnitName};
use smartmon::restart::Restarter;

use crate::both_backends;
use crate::support::collector::eventually;
use crate::support::fake_systemd::FakeSystemd;
use crate::support::restart::{ALLOW, HOST, KEY, Policy, ask_helper, console, start_helper, units};
use crate::support::seed::Unit;
use crate::support::{Backend, base_vars};

async fn with_dry_run_no_restart_reaches_the_bus_through_any_path(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    // DRY_RUN is not set: the default must be dry run. cron.service starts failed (auto-remediation).
    let app = console(backend, &bus, &policy, &[("AUTO_RESTART", "true")]).await;
    let unit_page = format!("/services/{HOST}/nginx.service");

    // The console page: the confirmation names host and unit and says DRY RUN; so does the result.
    let operator = app.login_as("otto", Role::Operator).await;
    let page = operator.get(&unit_page).await.text().await.expect("page");
    assert!(page.contains("DRY RUN"), "the mode is shown");
    let confirm = operator
        .get(&format!("{unit_page}/restart"))
        .await
        .text()
        .await
        .expect("confirmation");
    assert!(
        confirm.contains("Restart nginx.service on BackendServer?"),
        "{confirm}"
    );
    assert!(confirm.contains("DRY RUN: "), "{confirm}");
    let ui = operator
        .post_form(&format!("{unit_page}/restart"), &[])
        .await;
    assert_eq!(ui.status(), 200);
    let ui = ui.text().await.expect("result");
    assert!(
        ui.contains("DRY RUN: would restart nginx.service on BackendServer"),
        "{ui}"
    );
    assert!(ui.contains("data-restart-state=\"dry_run\""));

    // The API: 202 with the state and reason "dry_run".
    let (status, body) = app.api_restart(HOST, "nginx.service").await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        (body["state"].as_str(), body["reason"].as_str()),
        (Some("dry_run"), Some("dry_run"))
    );

    // Another host: nothing is queued for its agent.
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
    let (status, body) = app.api_restart("web02", "nginx.service").await;
    assert_eq!(
        (status, body["state"].as_str()),
        (202, Some("dry_run")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("Nothing was queued"))
    );

    // An agent in dry run that finds a queued request (from a console without DRY_RUN) runs it dry.
    let queued = restart_requests::insert(
        &app.state.db.conn,
        NewRequest {
            hostname: &Hostname::parse("web02").expect("host"),
            service_name: &UnitName::parse("nginx.service").expect("unit"),
            action: UnitAction::Restart,
            requested_by: "someone",
            client_ip: None,
            source: "ui",
            state: RestartState::Queued,
            dry_run: false,
            result: None,
            error: None,
            requested_at: smartmon::clock::Clock::default().now(),
        },
    )
    .await
    .expect("queue a request");
    let mut vars = base_vars(&app.db);
    vars.insert("HOSTNAME_OVERRIDE".into(), "web02".into());
    vars.insert("DBUS_SYSTEM_BUS_ADDRESS".into(), bus.address().into());
    vars.insert("SMARTMON_APPROVED_JSON".into(), policy.path().into());
    let agent_settings = Settings::from_map(vars).expect("agent settings");
    let agent = Restarter::new(
        agent_settings.restart.clone(),
        &agent_settings.site.resolve().expect("the agent's host"),
        agent_settings.api_key.clone(),
        app.state.db.clone(),
        app.state.live.clone(),
        Clock::default(),
        None,
    );
    assert_eq!(agent.run_queued().await.expect("run the queue"), 1);
    let ran = restart_requests::find(&app.state.db.conn, queued.id)
        .await
        .expect("read")
        .expect("row");
    assert_eq!(ran.state, RestartState::DryRun);

    // The host helper keeps its own DRY_RUN (default true).
    let socket = start_helper(&bus, &policy, policy.dir.path(), &[]).await;
    let helper = ask_helper(&socket, KEY, "restart", "nginx.service").await;
    assert_eq!(helper.state, "dry_run", "{helper:?}");

    // Automatic remediation of the failed cron.service: recorded as a dry run.
    let auto = eventually(
        "auto-remediation's dry run",
        Duration::from_secs(5),
        || async {
            app.restart_rows()
                .await
                .into_iter()
                .find(|r| r.source == "auto" && r.service_name == "cron.service")
        },
    )
    .await;
    assert_eq!(auto.state, RestartState::DryRun);

    assert_eq!(bus.restart_count(), 0, "no path reached RestartUnit");
    let audited = app.audit("restart_dry_run").await;
    assert!(audited.len() >= 5, "{} dry-run audit rows", audited.len());
    assert!(
        app.restart_rows()
            .await
            .iter()
            .all(|r| r.state == RestartState::DryRun)
    );
}

both_backends!(with_dry_run_no_restart_reaches_the_bus_through_any_path);

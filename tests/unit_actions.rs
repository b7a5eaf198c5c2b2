//! Start, stop and reload beside restart: the same gates, dry run, job tracking, audit and result,
//! against the systemd double over D-Bus; the buttons a unit's page offers; a stop's typed
//! confirmation; reload only where the unit can (other hosts' units: `unit_actions_remote`).

use smartmon::auth::Role;
use smartmon::domain::{RestartState, UnitAction};

use crate::both_backends;
use crate::support::Backend;
use crate::support::collector::rows;
use crate::support::fake_systemd::{FakeSystemd, FakeUnit};
use crate::support::restart::{ALLOW, HOST, KEY, Policy, console};

pub(crate) fn units() -> Vec<FakeUnit> {
    vec![
        FakeUnit::service("nginx.service", "active", "running").reloadable(),
        FakeUnit::service("cron.service", "failed", "failed"),
        FakeUnit::service("ssh.service", "active", "running").reloadable(),
    ]
}

pub(crate) async fn api_action(
    app: &crate::support::TestApp,
    host: &str,
    unit: &str,
    action: &str,
) -> (u16, serde_json::Value) {
    let response = app
        .client
        .post(app.url("/api/services/action"))
        .header("X-API-Key", KEY)
        .json(&serde_json::json!({ "host": host, "service": unit, "action": action }))
        .send()
        .await
        .expect("request reaches the server");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON body"))
}

async fn stop_start_and_reload_reach_systemd_and_are_recorded(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(
        backend,
        &bus,
        &policy,
        &[
            ("DRY_RUN", "false"),
            ("SMARTMON_RESTART_COOLDOWN_MIN", "10"),
        ],
    )
    .await;
    let otto = app.login_as("otto", Role::Operator).await;
    let nginx = format!("/services/{HOST}/nginx.service");

    // The page offers what fits the unit now: a running, reloadable nginx can be stopped or reloaded.
    let page = otto.get(&nginx).await.text().await.expect("page");
    assert!(
        page.contains("Stop nginx.service…") && page.contains("Reload nginx.service…"),
        "{page}"
    );
    assert!(!page.contains("Start nginx.service…"));
    let cron = otto
        .get(&format!("/services/{HOST}/cron.service"))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        cron.contains("Start cron.service…")
            && !cron.contains("Stop cron.service…")
            && !cron.contains("Reload cron.service…")
    );

    // A restart first: its cooldown does not hold back a stop.
    assert_eq!(app.api_restart(HOST, "nginx.service").await.0, 200);

    // Stop needs the unit's name typed out; without it nothing reaches systemd.
    let confirm = otto
        .get(&format!("{nginx}/actions/stop"))
        .await
        .text()
        .await
        .expect("confirm");
    assert!(
        confirm.contains("Stop nginx.service on BackendServer?")
            && confirm.contains("name=\"confirm_unit\"")
    );
    let untyped = otto
        .post_form(
            &format!("{nginx}/actions/stop"),
            &[("confirm_unit", "nginx")],
        )
        .await;
    assert_eq!(untyped.status(), 400);
    assert!(
        untyped
            .text()
            .await
            .expect("body")
            .contains("type its name exactly")
    );
    assert!(!bus.job_calls().iter().any(|(m, _, _)| m == "StopUnit"));

    let stopped = otto
        .post_form(
            &format!("{nginx}/actions/stop"),
            &[("confirm_unit", "nginx.service")],
        )
        .await;
    assert_eq!(stopped.status(), 200);
    let stopped = stopped.text().await.expect("result");
    assert!(
        stopped.contains("data-restart-state=\"done\"")
            && stopped.contains("Stopped nginx.service on BackendServer: inactive"),
        "{stopped}"
    );
    assert_eq!(
        bus.unit("nginx.service").expect("unit").active_state,
        "inactive"
    );

    let (status, body) = api_action(&app, HOST, "nginx.service", "start").await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("done")),
        "{body}"
    );
    let (status, body) = api_action(&app, HOST, "nginx.service", "reload").await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("done")),
        "{body}"
    );
    // cron has no ExecReload=: systemd refuses, and the caller is told why.
    let (status, body) = api_action(&app, HOST, "cron.service", "reload").await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (502, Some("restart_failed")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains("not applicable"),
        "{body}"
    );

    let calls: Vec<(String, String)> = bus
        .job_calls()
        .into_iter()
        .map(|(m, u, _)| (m, u))
        .collect();
    let expected = [
        ("RestartUnit", "nginx.service"),
        ("StopUnit", "nginx.service"),
        ("StartUnit", "nginx.service"),
        ("ReloadUnit", "nginx.service"),
    ];
    assert_eq!(calls, expected.map(|(m, u)| (m.to_owned(), u.to_owned())));
    let actions: Vec<(UnitAction, RestartState)> = app
        .restart_rows()
        .await
        .iter()
        .map(|r| (r.action, r.state))
        .collect();
    assert_eq!(
        actions,
        [
            (UnitAction::Restart, RestartState::Done),
            (UnitAction::Stop, RestartState::Done),
            (UnitAction::Start, RestartState::Done),
            (UnitAction::Reload, RestartState::Done),
            (UnitAction::Reload, RestartState::Failed)
        ]
    );
    let audited = rows(&app, "SELECT action FROM audit_log WHERE action LIKE 'unit_action_%' AND detail LIKE '%\"stop\"%' ORDER BY id").await;
    assert_eq!(
        audited,
        [["unit_action_requested"], ["unit_action_done"]].map(|r| r.map(String::from).to_vec())
    );
}

async fn in_dry_run_a_stop_is_recorded_and_never_performed(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(backend, &bus, &policy, &[]).await;
    let otto = app.login_as("otto", Role::Operator).await;
    let stop = format!("/services/{HOST}/nginx.service/actions/stop");
    let answer = otto
        .post_form(&stop, &[("confirm_unit", "nginx.service")])
        .await
        .text()
        .await
        .expect("result");
    assert!(
        answer.contains("DRY RUN: would stop nginx.service on BackendServer (StopUnit over D-Bus)"),
        "{answer}"
    );
    let (status, body) = api_action(&app, HOST, "cron.service", "start").await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (202, Some("dry_run")),
        "{body}"
    );
    assert!(bus.job_calls().is_empty(), "nothing reached systemd");
    assert_eq!(
        bus.unit("nginx.service").expect("unit").active_state,
        "active"
    );
}

async fn each_refusal_of_an_action_says_why(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(backend, &bus, &policy, &[("DRY_RUN", "false")]).await;
    for (unit, action, status, reason) in [
        ("ssh.service", "stop", 403, "not_approved"),
        ("setup.service", "start", 404, "unknown_unit"),
        ("bad name", "stop", 400, "invalid_name"),
        ("nginx.service", "kill", 400, "bad_request"),
    ] {
        let (got, body) = api_action(&app, HOST, unit, action).await;
        assert_eq!(
            (got, body["reason"].as_str()),
            (status, Some(reason)),
            "{unit} {action}: {body}"
        );
        assert!(!body["message"].as_str().unwrap_or("").is_empty());
    }
    let vera = app.login_as("vera", Role::Viewer).await;
    let refused = vera
        .post_form(
            &format!("/services/{HOST}/nginx.service/actions/stop"),
            &[("confirm_unit", "nginx.service")],
        )
        .await;
    assert_eq!(refused.status(), 403, "viewers cannot stop units");
    let page = vera
        .get(&format!("/services/{HOST}/nginx.service"))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        !page.contains("Stop nginx.service…") && !page.contains("Reload nginx.service…"),
        "no buttons for viewers"
    );
    let otto = app.login_as("otto", Role::Operator).await;
    assert_eq!(
        otto.get(&format!("/services/{HOST}/nginx.service/actions/kill"))
            .await
            .status(),
        404
    );
    assert!(bus.job_calls().is_empty());
}

both_backends!(
    stop_start_and_reload_reach_systemd_and_are_recorded,
    in_dry_run_a_stop_is_recorded_and_never_performed,
    each_refusal_of_an_action_says_why,
);

//! Restarting this host's units over a real D-Bus: one `RestartUnit` with the right unit and mode, the
//! job's end recorded (done or failed), one call for concurrent asks, and the audit trail.

use smartmon::auth::Role;
use smartmon::domain::RestartState;

use crate::both_backends;
use crate::support::Backend;
use crate::support::fake_systemd::FakeSystemd;
use crate::support::restart::{ALLOW, HOST, Policy, console, units};

async fn a_restart_calls_restart_unit_once_and_records_the_outcome(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(backend, &bus, &policy, &[("DRY_RUN", "false")]).await;

    let (status, body) = app.api_restart(HOST, "nginx.service").await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "done");
    assert_eq!(body["active_state"], "active");
    assert_eq!(body["dry_run"], false);
    assert_eq!(
        bus.restart_calls(),
        vec![("nginx.service".to_owned(), "replace".to_owned())]
    );
    let rows = app.restart_rows().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, RestartState::Done);
    assert_eq!(rows[0].result.as_deref(), Some("done"));
    assert_eq!(rows[0].requested_by, "api-key");
    assert!(rows[0].duration_secs.is_some_and(|d| d >= 0.0));
    let done = app.audit("restart_done").await;
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].hostname.as_deref(), Some(HOST));
    assert_eq!(done[0].target.as_deref(), Some("nginx.service"));
    let detail: serde_json::Value =
        serde_json::from_str(done[0].detail.as_deref().expect("detail")).expect("json");
    assert_eq!(detail["dry_run"], false);
    assert_eq!(detail["result"], "done");
    assert_eq!(app.audit("restart_requested").await.len(), 1);
}

async fn a_job_ending_failed_is_recorded_as_failed(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    bus.set_restart_outcome("failed", "failed", "failed");
    let policy = Policy::new(ALLOW);
    let app = console(backend, &bus, &policy, &[("DRY_RUN", "false")]).await;

    let (status, body) = app.api_restart(HOST, "cron").await;

    assert_eq!(status, 502, "{body}");
    assert_eq!(body["state"], "failed");
    assert_eq!(body["reason"], "restart_failed");
    assert!(
        body["error"].as_str().is_some_and(|e| e.contains("failed")),
        "{body}"
    );
    assert_eq!(bus.restart_count(), 1);
    let rows = app.restart_rows().await;
    assert_eq!(rows[0].state, RestartState::Failed);
    assert_eq!(rows[0].result.as_deref(), Some("failed"));
    assert_eq!(rows[0].active_state.as_deref(), Some("failed"));
    let failed = app.audit("restart_failed").await;
    assert_eq!(failed.len(), 1);
    assert!(!failed[0].success);
}

async fn concurrent_restarts_of_one_unit_make_one_call(backend: Backend) {
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

    let asks = (0..4).map(|_| app.api_restart(HOST, "nginx.service"));
    let answers = futures_util::future::join_all(asks).await;

    assert_eq!(bus.restart_count(), 1, "{answers:?}");
    let done: Vec<_> = answers.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(done.len(), 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != 200) {
        assert!(
            (*status == 409 && body["reason"] == "in_progress")
                || (*status == 429 && body["reason"] == "cooldown"),
            "{status} {body}"
        );
    }
}

async fn an_operator_confirms_and_gets_the_result_as_a_toast_and_in_the_history(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(backend, &bus, &policy, &[("DRY_RUN", "false")]).await;
    let operator = app.login_as("otto", Role::Operator).await;
    let restart = operator.url(&format!("/services/{HOST}/nginx.service/restart"));

    let confirm = operator
        .client
        .get(&restart)
        .header("HX-Request", "true")
        .send()
        .await
        .expect("confirmation")
        .text()
        .await
        .expect("text");
    assert!(
        confirm.contains("Restart nginx.service on BackendServer?"),
        "{confirm}"
    );
    assert!(!confirm.contains("DRY RUN"), "not in dry run");
    assert!(!confirm.contains("<html"), "a partial for htmx");

    let answer = operator
        .client
        .post(&restart)
        .header("HX-Request", "true")
        .header("Origin", operator.url(""))
        .header("X-CSRF-Token", &operator.csrf)
        .send()
        .await
        .expect("restart");
    assert_eq!(answer.status(), 200);
    let panel = answer.text().await.expect("panel");
    assert!(panel.contains("id=\"restart-panel\""), "{panel}");
    assert!(panel.contains("data-restart-state=\"done\""), "{panel}");
    assert!(
        panel.contains("Restarted nginx.service on BackendServer: active"),
        "{panel}"
    );
    assert!(
        panel.contains(">otto<"),
        "the history names who asked: {panel}"
    );
    assert_eq!(bus.restart_count(), 1);
    let done = app.audit("restart_done").await;
    assert_eq!(done[0].username.as_deref(), Some("otto"));
    assert_eq!(done[0].client_ip.as_deref(), Some("127.0.0.1"));
    let overview = operator.get("/").await.text().await.expect("overview");
    let latest = &overview[overview
        .find("Latest restarts")
        .expect("the overview lists restarts")..];
    assert!(
        latest.contains("nginx.service</a> on BackendServer · otto"),
        "{latest}"
    );
}

both_backends!(
    a_restart_calls_restart_unit_once_and_records_the_outcome,
    an_operator_confirms_and_gets_the_result_as_a_toast_and_in_the_history,
    a_job_ending_failed_is_recorded_as_failed,
    concurrent_restarts_of_one_unit_make_one_call,
);

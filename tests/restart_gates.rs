//! Every gate refuses with its own reason, status and audit row, and systemd is never called: a bad
//! name, a unit outside the allow-list, an unknown unit, an unrecoverable unit, a viewer, the cooldown,
//! the failure backoff and the rate limit. Both allow-list formats, and a malformed file.

use smartmon::auth::Role;
use smartmon::domain::RestartState;

use crate::both_backends;
use crate::support::Backend;
use crate::support::fake_systemd::FakeSystemd;
use crate::support::restart::{ALLOW, HOST, Policy, console, units};

async fn each_gate_refuses_with_its_own_reason_and_no_call(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(backend, &bus, &policy, &[("DRY_RUN", "false")]).await;

    let cases = [
        ("../../bin/sh", 400, "invalid_name"),
        ("nginx;reboot", 400, "invalid_name"),
        ("getty@.service", 400, "invalid_name"),
        ("ssh.service", 403, "not_approved"),
        ("setup.service", 409, "not_recoverable"),
    ];
    for (unit, status, reason) in cases {
        let (got, body) = app.api_restart(HOST, unit).await;
        assert_eq!(
            (got, body["reason"].as_str()),
            (status, Some(reason)),
            "{unit}: {body}"
        );
        assert_eq!(body["state"], "refused");
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{body}"
        );
    }
    // Approved by the wildcard host, but no such unit on that host.
    let (got, body) = app.api_restart("web09", "nginx.service").await;
    assert_eq!(
        (got, body["reason"].as_str()),
        (404, Some("unknown_unit")),
        "{body}"
    );
    let bad = app
        .client
        .post(app.url("/api/services/restart"))
        .header("X-API-Key", crate::support::restart::KEY)
        .header("Content-Type", "application/json")
        .body("{\"host\": 1}")
        .send()
        .await
        .expect("request");
    assert_eq!(bad.status(), 400);

    assert_eq!(bus.restart_count(), 0);
    let refused = app.audit("restart_refused").await;
    assert_eq!(refused.len(), 6, "one audit row per refusal");
    let gates: Vec<String> = refused
        .iter()
        .map(|r| {
            let d: serde_json::Value =
                serde_json::from_str(r.detail.as_deref().expect("detail")).expect("json");
            d["gate"].as_str().expect("gate").to_owned()
        })
        .collect();
    assert!(gates.contains(&"not_recoverable".to_owned()), "{gates:?}");
    assert!(
        app.restart_rows()
            .await
            .iter()
            .all(|r| r.state == RestartState::Refused)
    );
}

async fn a_viewer_sees_no_restart_button_and_is_refused(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(backend, &bus, &policy, &[("DRY_RUN", "false")]).await;
    let viewer = app.login_as("vera", Role::Viewer).await;
    let operator = app.login_as("otto", Role::Operator).await;
    let page = format!("/services/{HOST}/nginx.service");

    let seen = viewer.get(&page).await.text().await.expect("page");
    assert!(
        seen.contains("You have no grant to restart nginx.service"),
        "{seen}"
    );
    assert!(!seen.contains("/restart\""), "no restart link for a viewer");
    let refused = viewer.post_form(&format!("{page}/restart"), &[]).await;
    assert_eq!(refused.status(), 403);

    let op_page = operator.get(&page).await.text().await.expect("page");
    assert!(
        op_page.contains(&format!("{page}/restart")),
        "the operator gets the button"
    );
    let unapproved = operator
        .get(&format!("/services/{HOST}/ssh.service"))
        .await
        .text()
        .await
        .expect("page");
    assert!(unapproved.contains("not in the approved-services list"));
    assert_eq!(bus.restart_count(), 0);
    assert!(!app.audit("access_denied").await.is_empty());
}

async fn cooldown_backoff_and_rate_limit_each_refuse(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let cooled = console(
        backend,
        &bus,
        &policy,
        &[
            ("DRY_RUN", "false"),
            ("SMARTMON_RESTART_COOLDOWN_MIN", "10"),
        ],
    )
    .await;
    assert_eq!(cooled.api_restart(HOST, "nginx").await.0, 200);
    let (status, body) = cooled.api_restart(HOST, "nginx").await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (429, Some("cooldown")),
        "{body}"
    );
    assert_eq!(bus.restart_count(), 1);
    drop(cooled);

    let bus = FakeSystemd::start(&units()).await;
    bus.set_restart_outcome("failed", "failed", "failed");
    let backoff = console(
        backend,
        &bus,
        &policy,
        &[
            ("DRY_RUN", "false"),
            ("SMARTMON_RESTART_BACKOFF_FAILS", "2"),
        ],
    )
    .await;
    assert_eq!(backoff.api_restart(HOST, "cron").await.0, 502);
    assert_eq!(backoff.api_restart(HOST, "cron").await.0, 502);
    let (status, body) = backoff.api_restart(HOST, "cron").await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (429, Some("backoff")),
        "{body}"
    );
    assert_eq!(bus.restart_count(), 2);
    drop(backoff);

    let bus = FakeSystemd::start(&units()).await;
    let limited = console(
        backend,
        &bus,
        &policy,
        &[
            ("DRY_RUN", "false"),
            ("SMARTMON_RESTART_RATE_PER_MINUTE", "1"),
        ],
    )
    .await;
    assert_eq!(limited.api_restart(HOST, "nginx").await.0, 200);
    let (status, body) = limited.api_restart(HOST, "cron").await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (429, Some("rate_limited")),
        "{body}"
    );
    assert_eq!(bus.restart_count(), 1);
}

async fn both_allow_list_formats_work_and_a_malformed_file_keeps_the_last_policy(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(r#"["nginx.service", "cron"]"#);
    let app = console(backend, &bus, &policy, &[]).await;
    let admin = app.login_as("ada", Role::Admin).await;

    assert_eq!(
        app.api_restart(HOST, "cron.service").await.0,
        202,
        "flat list, dry run"
    );
    assert_eq!(app.api_restart(HOST, "ssh").await.0, 403);

    policy.write(r#"{"allow":[{"host":"BackendServer","service":"ssh.service"}]}"#);
    assert_eq!(
        app.api_restart(HOST, "ssh").await.0,
        202,
        "re-read on change"
    );
    assert_eq!(app.api_restart(HOST, "cron").await.0, 403);

    policy.write(r#"{"allow":[{"host":"BackendServer","service":"#);
    assert_eq!(
        app.api_restart(HOST, "ssh").await.0,
        202,
        "the last good policy stays"
    );
    let page = admin.get("/").await.text().await.expect("page");
    assert!(
        page.contains("data-policy=\"malformed\""),
        "admins see the banner"
    );
    let viewer = app.login_as("vic", Role::Viewer).await;
    let page = viewer.get("/").await.text().await.expect("page");
    assert!(
        !page.contains("data-policy=\"malformed\""),
        "viewers do not"
    );

    std::fs::remove_file(&policy.path).expect("remove");
    assert_eq!(
        app.api_restart(HOST, "ssh").await.0,
        403,
        "no file, nothing approved"
    );
    assert_eq!(bus.restart_count(), 0);
}

async fn asks_over_the_rate_limit_are_refused_before_anything_is_written(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(
        backend,
        &bus,
        &policy,
        &[
            ("DRY_RUN", "false"),
            ("SMARTMON_RESTART_RATE_PER_MINUTE", "6"),
        ],
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..50 {
        statuses.push(app.api_restart(HOST, "ssh.service").await.0);
    }
    assert_eq!(&statuses[..6], [403; 6], "{statuses:?}");
    assert!(statuses[6..].iter().all(|s| *s == 429), "{statuses:?}");
    assert_eq!(
        app.restart_rows().await.len(),
        6,
        "asks over the limit record no request"
    );
    app.state.auth.refusals.flush().await;
    assert_eq!(app.audit("restart_requested").await.len(), 6);
    let refused = app.audit("restart_refused").await;
    assert_eq!(
        refused.len(),
        7,
        "one row per refusal by a gate, and one row counting the asks over the limit"
    );
    assert!(refused.iter().any(|r| r.count == 44), "{refused:?}");
    assert_eq!(bus.restart_count(), 0);
}

async fn refused_asks_do_not_push_real_results_out_of_a_units_history(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(
        backend,
        &bus,
        &policy,
        &[
            ("DRY_RUN", "false"),
            ("SMARTMON_RESTART_COOLDOWN_MIN", "60"),
        ],
    )
    .await;
    assert_eq!(app.api_restart(HOST, "nginx").await.0, 200);
    for _ in 0..30 {
        app.state.clock.advance(std::time::Duration::from_secs(11));
        let (status, body) = app.api_restart(HOST, "nginx").await;
        assert_eq!((status, body["reason"].as_str()), (429, Some("cooldown")));
    }
    let operator = app.login_as("otto", Role::Operator).await;
    let history = operator
        .get(&format!("/services/{HOST}/nginx.service/restarts/history"))
        .await
        .text()
        .await
        .expect("history");
    assert!(
        history.contains(">done<"),
        "the real restart is still in the unit's history"
    );
    let shown = history.matches("data-restart-id").count();
    assert!(shown <= 20, "{shown} rows");
}

both_backends!(
    asks_over_the_rate_limit_are_refused_before_anything_is_written,
    refused_asks_do_not_push_real_results_out_of_a_units_history,
);

both_backends!(
    each_gate_refuses_with_its_own_reason_and_no_call,
    a_viewer_sees_no_restart_button_and_is_refused,
    cooldown_backoff_and_rate_limit_each_refuse,
    both_allow_list_formats_work_and_a_malformed_file_keeps_the_last_policy,
);

//! The Notifications page and API (admins): adding a channel, Test showing the receiver's answer, the
//! delivery log, secrets never shown, bad input refused with a reason, and the channel file.

use std::time::Duration;

use smartmon::auth::Role;
use smartmon::config::Settings;
use smartmon::startup::Application;

use crate::both_backends;
use crate::support::notify::outbox;
use crate::support::receiver::Receiver;
use crate::support::{Backend, TestDb, base_vars, spawn_app_with};

const SECRET_PATH: &str = "/hook/T0001/B0001/very-secret-key";
const TOKEN: &str = "Bearer sk-do-not-leak-123";

async fn an_admin_adds_a_webhook_tests_it_and_never_sees_its_secrets_again(backend: Backend) {
    let receiver = Receiver::start().await;
    receiver.answer(200, "ok from the receiver");
    let app = spawn_app_with(backend, &[]).await;
    let admin = app.login_as("root", Role::Admin).await;
    let url = receiver.url(SECRET_PATH);
    let headers = format!("Authorization: {TOKEN}");
    let added = admin
        .post_form(
            "/admin/notifications",
            &[
                ("name", "ops chat"),
                ("kind", "webhook"),
                ("enabled", "1"),
                ("preset", "discord"),
                ("url", &url),
                ("headers", &headers),
                ("grace_secs", "0"),
            ],
        )
        .await;
    assert_eq!(
        added.status(),
        303,
        "{}",
        added.text().await.unwrap_or_default()
    );
    let list: serde_json::Value = admin
        .get("/api/notifications/channels")
        .await
        .json()
        .await
        .expect("json");
    let id = list[0]["id"].as_i64().expect("an id");
    assert_eq!(list[0]["secrets"]["url"], "set");
    assert_eq!(list[0]["secrets"]["token"], "not set");

    let tested = admin
        .post_form(&format!("/admin/notifications/{id}/test"), &[])
        .await;
    assert_eq!(tested.status(), 200);
    let page = tested.text().await.expect("html");
    assert!(page.contains("Test of ops chat: delivered"), "{page}");
    assert!(page.contains("HTTP 200") && page.contains("ok from the receiver"));
    let got = receiver.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(got[0].path, SECRET_PATH);
    assert_eq!(got[0].headers["authorization"], TOKEN);
    assert!(
        got[0].json()["content"]
            .as_str()
            .unwrap_or("")
            .contains("test message")
    );
    let log = outbox(&app).await;
    assert_eq!(
        (log[0].event.as_str(), log[0].status.as_str()),
        ("test", "delivered")
    );

    let mut seen = String::new();
    for path in [
        "/admin/notifications",
        &format!("/admin/notifications/{id}"),
        "/api/notifications/channels",
        "/api/notifications/deliveries",
    ] {
        seen.push_str(&admin.get(path).await.text().await.expect("body"));
    }
    for audit in ["notify_channel_created", "notify_channel_tested"] {
        let rows = app.audit(audit).await;
        assert_eq!(rows.len(), 1, "{audit} is audited");
        seen.push_str(&format!("{rows:?}"));
    }
    assert!(
        !seen.contains("very-secret-key") && !seen.contains("sk-do-not-leak"),
        "a secret leaked"
    );

    let kept = admin
        .post_form(
            &format!("/admin/notifications/{id}"),
            &[
                ("name", "ops chat"),
                ("kind", "webhook"),
                ("enabled", "1"),
                ("preset", "slack"),
                ("clear", "headers"),
            ],
        )
        .await;
    assert_eq!(
        kept.status(),
        303,
        "an edit without secrets keeps the stored URL"
    );
    admin
        .post_form(&format!("/admin/notifications/{id}/test"), &[])
        .await;
    let got = receiver.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(got[1].path, SECRET_PATH);
    assert!(
        !got[1].headers.contains_key("authorization"),
        "the cleared header is gone"
    );
    assert!(got[1].json()["text"].is_string(), "the Slack preset now");

    let filtered = admin
        .get("/admin/notifications?status=failed")
        .await
        .text()
        .await
        .expect("html");
    assert!(filtered.contains("No messages match."));
    let bad = admin.get("/admin/notifications?status=lost").await;
    assert_eq!(bad.status(), 400);
}

async fn bad_channel_input_is_refused_with_the_reason(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let admin = app.login_as("root", Role::Admin).await;
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[("name", "a"), ("kind", "webhook"), ("url", "ftp://x")],
            "expected an http:// or https:// URL",
        ),
        (
            &[
                ("name", "a"),
                ("kind", "webhook"),
                ("url", "http://x"),
                ("body", "{{ secret }}"),
            ],
            "not a field",
        ),
        (
            &[
                ("name", "a"),
                ("kind", "webhook"),
                ("url", "http://x"),
                ("grace_secs", "soon"),
            ],
            "grace period",
        ),
        (
            &[("name", "a"), ("kind", "ntfy"), ("topic", "has space")],
            "topic",
        ),
        (
            &[("name", "a"), ("kind", "carrier-pigeon")],
            "unknown channel kind",
        ),
    ];
    for (fields, reason) in cases {
        let response = admin.post_form("/admin/notifications", fields).await;
        assert_eq!(response.status(), 400, "{fields:?}");
        let page = response.text().await.expect("html");
        assert!(page.contains(reason), "{fields:?}: expected {reason:?}");
    }
    let list: serde_json::Value = admin
        .get("/api/notifications/channels")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(0), "nothing half-saved");
    let viewer = app.login_as("val", Role::Viewer).await;
    assert_eq!(viewer.get("/admin/notifications").await.status(), 403);
    let operator = app.login_as("otto", Role::Operator).await;
    assert_eq!(
        operator.get("/api/notifications/channels").await.status(),
        403
    );
}

async fn the_channel_file_is_applied_and_a_bad_one_stops_start_up(backend: Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = dir.path().join("slack_url");
    std::fs::write(&secret, "http://127.0.0.1:9/hook/secret\n").expect("write");
    let good = dir.path().join("notify.toml");
    std::fs::write(
        &good,
        format!(
            "[[channel]]\nname = \"ops-slack\"\nkind = \"webhook\"\npreset = \"slack\"\nurl_file = {:?}\n\
             route = {{ min_severity = \"critical\", kinds = [\"service\", \"host\"] }}\n",
            secret.display().to_string()
        ),
    )
    .expect("write");
    let app = spawn_app_with(
        backend,
        &[("SMARTMON_NOTIFY_CONFIG", good.to_str().expect("utf-8"))],
    )
    .await;
    let admin = app.login_as("root", Role::Admin).await;
    let list: serde_json::Value = admin
        .get("/api/notifications/channels")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list[0]["name"], "ops-slack");
    assert_eq!(list[0]["origin"], "file");
    assert_eq!(list[0]["secrets"]["url"], "set");
    assert_eq!(list[0]["route"]["min_severity"], "critical");
    let id = list[0]["id"].as_i64().expect("id");
    let edit = admin
        .post_form(
            &format!("/admin/notifications/{id}"),
            &[("name", "x"), ("kind", "webhook")],
        )
        .await;
    assert_eq!(edit.status(), 400, "file channels are changed in the file");

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[channel]]\nname = \"pager\"\nkind = \"webhook\"\nurl = \"not a url\"\n",
    )
    .expect("write");
    let db = TestDb::create(backend).await;
    let mut vars = base_vars(&db);
    vars.insert(
        "SMARTMON_NOTIFY_CONFIG".into(),
        bad.to_str().expect("utf-8").into(),
    );
    let settings = Settings::from_map(vars).expect("settings");
    let err = Application::build(settings)
        .await
        .err()
        .expect("a bad channel file stops start-up");
    let message = format!("{err:#}");
    assert!(
        message.contains("SMARTMON_NOTIFY_CONFIG")
            && message.contains("\"pager\"")
            && message.contains("URL"),
        "{message}"
    );
}

both_backends!(
    an_admin_adds_a_webhook_tests_it_and_never_sees_its_secrets_again,
    bad_channel_input_is_refused_with_the_reason,
    the_channel_file_is_applied_and_a_bad_one_stops_start_up,
);

//! A NUL character, which Postgres cannot store in text, is bad input everywhere a request can carry it:
//! 400 on both backends, the API's JSON error under `/api/`, and nothing reaches a query or the audit log.

use smartmon::auth::Role;

use crate::both_backends;
use crate::support::{Backend, spawn_app_with};

const KEY: &str = "bad-input-key-0123456789abcdef-0123456789";

async fn nul_bytes_are_refused_as_bad_input_on_both_backends(backend: Backend) {
    let app = spawn_app_with(backend, &[("SMARTMON_API_KEY", KEY)]).await;
    let viewer = app.login_as("vic", Role::Viewer).await;

    let login = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "ad\0min"), ("password", "whatever-it-is")])
        .send()
        .await
        .expect("post");
    assert_eq!(login.status(), 400, "a NUL in a login name");
    assert!(login.text().await.expect("text").contains("NUL character"));

    for path in [
        "/services?q=a%00b",
        "/hosts/web%0001",
        "/services/web01/nginx%00.service",
    ] {
        let page = viewer.get(path).await;
        assert_eq!(page.status(), 400, "{path}");
        let text = page.text().await.expect("text");
        assert!(text.contains("NUL character"), "{path}: a readable page");
    }
    for path in [
        "/api/services?q=%00",
        "/api/services?host=web%0001",
        "/api/services/web01/nginx%00.service/history",
        "/api/hosts/web%0001/metrics",
    ] {
        let answer = viewer.get(path).await;
        assert_eq!(answer.status(), 400, "{path}");
        let body: serde_json::Value = answer.json().await.expect("the API's JSON error");
        assert!(
            body["error"].as_str().unwrap_or_default().contains("NUL"),
            "{path}: {body}"
        );
    }
    let restart = app
        .client
        .post(app.url("/api/services/restart"))
        .header("X-API-Key", KEY)
        .json(&serde_json::json!({ "host": "web01", "service": "nginx\u{0}.service" }))
        .send()
        .await
        .expect("post");
    assert_eq!(restart.status(), 400, "a NUL in a JSON body");
    let basic = app.get_basic("/api/whoami", "ad\0min", "whatever").await;
    assert_eq!(basic.status(), 400, "a NUL in Basic Auth credentials");
    assert!(basic.json::<serde_json::Value>().await.is_ok());

    let rows = smartmon::db::audit_log::latest(&app.state.db.conn, None, 50)
        .await
        .expect("the audit log reads back");
    assert!(
        rows.iter()
            .all(|r| !r.username.as_deref().unwrap_or_default().contains('\0')),
        "{rows:?}"
    );
    assert_eq!(
        viewer.get("/api/services?q=nginx").await.status(),
        200,
        "ordinary filters still work"
    );
}

both_backends!(nul_bytes_are_refused_as_bad_input_on_both_backends);

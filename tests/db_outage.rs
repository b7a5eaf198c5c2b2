//! While the database is down: Basic Auth answers 503 with the outage message sessions get (not a login
//! challenge), and once the outage is known, data pages, the API and `/readyz` answer 503 at once instead
//! of waiting for the pool's timeout; both recover by themselves when the database returns.

use std::time::{Duration, Instant};

use smartmon::auth::Role;

use crate::support::proxy::spawn_app_behind_proxy;

async fn eventually_status(get: impl AsyncFn() -> u16, want: u16) -> u16 {
    let mut status = 0;
    for _ in 0..60 {
        status = get().await;
        if status == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_auth_during_an_outage_answers_503_not_a_login_challenge() {
    let (app, proxy, db) = spawn_app_behind_proxy(&[]).await;
    let held = app.create_user("held", Role::Operator).await;
    let password = app.create_user("script", Role::Operator).await;
    assert_eq!(
        app.get_basic("/api/whoami", "held", &held).await.status(),
        200
    );

    proxy.cut();
    // A credential verified a moment ago is held in memory (as a session is) and keeps working on what
    // is answered from memory; one that must be checked against the database meets the outage.
    assert_eq!(
        app.get_basic("/api/whoami", "held", &held).await.status(),
        200,
        "a held credential, like a session, outlives the outage on in-memory routes"
    );
    for _ in 0..2 {
        let api = app.get_basic("/api/whoami", "script", &password).await;
        assert_eq!(api.status(), 503, "the outage, not wrong credentials");
        assert!(
            !api.headers().contains_key("www-authenticate"),
            "no re-prompt"
        );
        let body: serde_json::Value = api.json().await.expect("JSON on the API");
        assert!(
            body["error"]
                .as_str()
                .unwrap_or_default()
                .contains("database"),
            "{body}"
        );
    }
    let page = app.get_basic("/", "script", &password).await;
    assert_eq!(page.status(), 503);
    assert!(!page.headers().contains_key("www-authenticate"));
    assert!(
        page.text()
            .await
            .expect("text")
            .contains("Database unreachable"),
        "the outage banner that session users get"
    );

    proxy.restore();
    let back = eventually_status(
        async || {
            app.get_basic("/api/whoami", "script", &password)
                .await
                .status()
                .as_u16()
        },
        200,
    )
    .await;
    assert_eq!(
        back, 200,
        "Basic Auth works again once the database is back"
    );
    drop(db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_database_is_known_down_pages_and_readyz_answer_at_once() {
    let (app, proxy, db) = spawn_app_behind_proxy(&[]).await;
    let viewer = app.login_as("viewer", Role::Viewer).await;

    proxy.hang();
    // The first request finds the outage out (it waits for the pool); the next ones know it.
    assert_eq!(viewer.get("/alerts").await.status(), 503);
    for path in [
        "/hosts/web01",
        "/alerts",
        "/checks",
        "/api/hosts",
        "/readyz",
    ] {
        let started = Instant::now();
        let response = viewer.get(path).await;
        let took = started.elapsed();
        assert_eq!(response.status(), 503, "{path}");
        assert!(
            took < Duration::from_secs(1),
            "{path} took {took:?} (the pool's timeout is 2 s)"
        );
        let text = response.text().await.expect("text");
        if path.starts_with("/api/") || path == "/readyz" {
            let body: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            assert!(body.is_object(), "{path}: {body}");
        } else {
            assert!(text.contains("Database unreachable"), "{path}: the banner");
        }
    }
    for path in ["/services", "/", "/hosts"] {
        let started = Instant::now();
        let status = viewer.get(path).await.status();
        assert!(
            status == 200 || status == 503,
            "{path}: served from memory, or its outage page ({status})"
        );
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{path} answers from memory without waiting for the pool"
        );
    }
    assert_eq!(
        viewer.get("/services").await.status(),
        200,
        "the units held in memory keep being shown"
    );

    proxy.restore();
    let ready = eventually_status(async || app.get("/readyz").await.status().as_u16(), 200).await;
    assert_eq!(ready, 200, "the background probe notices the return");
    assert_eq!(viewer.get("/hosts").await.status(), 200);
    drop(db);
}

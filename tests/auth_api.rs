//! Machine and script access: `X-API-Key` on the JSON API (and its rate limit per key or IP), and HTTP
//! Basic Auth (with backoff per account and per address).

use smartmon::auth::Role;

use std::time::Duration;

use crate::both_backends;
use crate::support::{Backend, TestApp, spawn_app_with};

/// A key of the length start-up requires.
const K1: &str = "k1-0123456789abcdef-0123456789abcdef";

async fn whoami_with_key(app: &TestApp, key: &str, forwarded_for: &str) -> reqwest::Response {
    app.client
        .get(app.url("/api/whoami"))
        .header("X-API-Key", key)
        .header("X-Forwarded-For", forwarded_for)
        .send()
        .await
        .expect("get")
}

async fn the_api_key_opens_the_api_only(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[("SMARTMON_API_KEY", "the-right-key-0123456789abcdef-0123")],
    )
    .await;
    let ok = app
        .client
        .get(app.url("/api/whoami"))
        .header("X-API-Key", "the-right-key-0123456789abcdef-0123")
        .send()
        .await
        .expect("get");
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = ok.json().await.expect("json");
    assert_eq!(body["via"], "api_key");
    let wrong = app
        .client
        .get(app.url("/api/whoami"))
        .header("X-API-Key", "the-wrong-key-0123456789abcdef-0123")
        .send()
        .await
        .expect("get");
    assert_eq!(wrong.status(), 401);
    assert_eq!(app.get("/api/whoami").await.status(), 401);
    let page = app
        .client
        .get(app.url("/"))
        .header("X-API-Key", "the-right-key-0123456789abcdef-0123")
        .send()
        .await
        .expect("get");
    assert_eq!(
        page.status(),
        303,
        "the API key is no way into the console pages"
    );
    assert_eq!(app.audit("api_key_refused").await.len(), 1);
}

async fn an_unset_api_key_enables_nothing(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let empty = app
        .client
        .get(app.url("/api/whoami"))
        .header("X-API-Key", "")
        .send()
        .await
        .expect("get");
    assert_eq!(empty.status(), 401);
    let any = app
        .client
        .get(app.url("/api/whoami"))
        .header("X-API-Key", "anything")
        .send()
        .await
        .expect("get");
    assert_eq!(any.status(), 401);
}

async fn the_api_is_limited_per_key_and_per_ip(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("SMARTMON_API_KEY", K1),
            ("SMARTMON_API_RATE_PER_MINUTE", "2"),
        ],
    )
    .await;
    let call = |key: Option<&'static str>| {
        let mut request = app.client.get(app.url("/api/whoami"));
        if let Some(key) = key {
            request = request.header("X-API-Key", key);
        }
        request.send()
    };
    assert_eq!(call(Some(K1)).await.expect("get").status(), 200);
    assert_eq!(call(Some(K1)).await.expect("get").status(), 200);
    let limited = call(Some(K1)).await.expect("get");
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(
        call(None).await.expect("get").status(),
        401,
        "the client IP has its own allowance"
    );
}

async fn basic_auth_works_for_scripts_and_can_be_turned_off(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let password = app.create_user("script", Role::Operator).await;
    let ok = app.get_basic("/api/whoami", "script", &password).await;
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = ok.json().await.expect("json");
    assert_eq!(
        (body["via"].as_str(), body["role"].as_str()),
        (Some("basic"), Some("operator"))
    );
    let page = app.get_basic("/", "script", &password).await;
    assert_eq!(page.status(), 200);
    let wrong = app.get_basic("/api/whoami", "script", "nope").await;
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .starts_with("Basic")
    );
    assert!(!app.audit("login_failed").await.is_empty());

    let off = spawn_app_with(Backend::Sqlite, &[("SMARTMON_BASIC_AUTH", "false")]).await;
    let password = off.create_user("script", Role::Operator).await;
    let refused = off.get_basic("/api/whoami", "script", &password).await;
    assert_eq!(refused.status(), 401);
    assert!(!refused.headers().contains_key("www-authenticate"));
}

async fn basic_auth_failures_back_off_the_account_and_the_address(backend: Backend) {
    let app = spawn_app_with(backend, &[("SMARTMON_LOGIN_MAX_FAILURES", "3")]).await;
    let password = app.create_user("script", Role::Viewer).await;
    for name in ["a", "b", "c"] {
        let wrong = app.get_basic("/api/whoami", name, "wrong").await;
        assert_eq!(wrong.status(), 401);
    }
    let sprayed = app.get_basic("/api/whoami", "script", &password).await;
    assert_eq!(
        sprayed.status(),
        401,
        "spraying many accounts from one address backs that address off"
    );
    assert!(
        sprayed
            .text()
            .await
            .expect("text")
            .contains("from your address")
    );
    app.state.clock.advance(std::time::Duration::from_secs(31));
    let later = app.get_basic("/api/whoami", "script", &password).await;
    assert_eq!(later.status(), 200);
}

/// Whoami's status with Basic Auth as `name`/`password`.
async fn whoami(app: &crate::support::TestApp, name: &str, password: &str) -> u16 {
    app.get_basic("/api/whoami", name, password)
        .await
        .status()
        .as_u16()
}

async fn a_held_basic_credential_stops_working_at_once_after_a_password_change_or_disable(
    backend: Backend,
) {
    let app = spawn_app_with(backend, &[]).await;
    let password = app.create_user("script", Role::Operator).await;
    assert_eq!(whoami(&app, "script", &password).await, 200);
    assert_eq!(whoami(&app, "script", &password).await, 200, "held");
    let new_password = crate::support::auth::password_for("script-renewed");
    let (db, clock) = (&app.state.db, &app.state.clock);
    smartmon::auth::accounts::change_password(db, clock, "script", &new_password, None, "test")
        .await
        .expect("password changed");
    assert_eq!(
        whoami(&app, "script", &password).await,
        401,
        "the old password stops working at once"
    );
    assert_eq!(whoami(&app, "script", &new_password).await, 200);
    assert_eq!(whoami(&app, "script", &new_password).await, 200, "held");
    smartmon::auth::accounts::set_disabled(db, clock, "script", true, "test")
        .await
        .expect("disabled");
    assert_eq!(
        whoami(&app, "script", &new_password).await,
        401,
        "a disabled account's held credential stops working at once"
    );
}

async fn a_wrong_basic_password_is_never_held_and_still_counts_against_the_limit(backend: Backend) {
    let app = spawn_app_with(backend, &[("SMARTMON_LOGIN_MAX_FAILURES", "3")]).await;
    let password = app.create_user("script", Role::Viewer).await;
    assert_eq!(whoami(&app, "script", &password).await, 200);
    for _ in 0..3 {
        assert_eq!(whoami(&app, "script", "wrong-password").await, 401);
    }
    assert_eq!(
        app.audit("login_failed").await.len(),
        3,
        "each wrong attempt was checked and refused, none answered from memory"
    );
    let throttled = app.get_basic("/api/whoami", "script", &password).await;
    assert_eq!(throttled.status(), 401);
    assert!(
        throttled
            .text()
            .await
            .expect("text")
            .contains("Too many failed logins for this account"),
        "the account backs off even for a credential held from before"
    );
}

async fn a_basic_credential_changed_by_another_process_stops_working_within_the_recheck(
    backend: Backend,
) {
    let app = spawn_app_with(backend, &[]).await;
    let password = app.create_user("script", Role::Viewer).await;
    let verified = std::time::Instant::now();
    assert_eq!(whoami(&app, "script", &password).await, 200);
    // Another replica or the CLI disables the account: nothing in this process hears of it.
    app.exec("UPDATE users SET disabled = TRUE WHERE username = 'script'")
        .await;
    let held = whoami(&app, "script", &password).await;
    // The interval runs on the real clock from the first request's start; a machine so busy that the
    // debug build's password hash took longer than that has already reached the recheck below.
    if verified.elapsed().as_secs_f64() < smartmon::auth::basic_cache::RECHECK_SECS {
        assert_eq!(held, 200, "held for up to the recheck interval");
    }
    app.state.clock.advance(std::time::Duration::from_secs_f64(
        smartmon::auth::basic_cache::RECHECK_SECS + 1.0,
    ));
    assert_eq!(
        whoami(&app, "script", &password).await,
        401,
        "the account row is read again and the credential refused"
    );
}

async fn wrong_api_keys_back_off_the_address_that_sends_them(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("SMARTMON_API_KEY", K1),
            ("SMARTMON_LOGIN_MAX_FAILURES", "5"),
            ("SMARTMON_LOGIN_BACKOFF_SECS", "30"),
            ("TRUSTED_PROXIES", "127.0.0.1"),
        ],
    )
    .await;
    let mut statuses = Vec::new();
    for i in 0..40 {
        let guess = format!("guess-{i:04}-0123456789abcdef-0123456789");
        statuses.push(
            whoami_with_key(&app, &guess, "203.0.113.7")
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(&statuses[..5], [401; 5], "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    let right = whoami_with_key(&app, K1, "203.0.113.7").await;
    assert_eq!(
        right.status(),
        429,
        "while it backs off, even the right key from that address waits (a hit is not told apart)"
    );
    let retry: u64 = right.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=30).contains(&retry), "{retry}");
    let body: serde_json::Value = right.json().await.expect("json");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("Too many wrong API keys from your address"),
        "{body}"
    );
    assert_eq!(
        whoami_with_key(&app, K1, "203.0.113.8").await.status(),
        200,
        "another address is not blocked"
    );
    app.state.clock.advance(Duration::from_secs(31));
    assert_eq!(
        whoami_with_key(&app, K1, "203.0.113.7").await.status(),
        200,
        "the backoff ends"
    );
}

async fn wrong_api_keys_share_their_address_allowance(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("SMARTMON_API_KEY", K1),
            ("SMARTMON_API_RATE_PER_MINUTE", "3"),
            ("SMARTMON_LOGIN_MAX_FAILURES", "1000"),
        ],
    )
    .await;
    let mut statuses = Vec::new();
    for i in 0..8 {
        let guess = format!("guess-{i:04}-0123456789abcdef-0123456789");
        let response = app
            .client
            .get(app.url("/api/whoami"))
            .header("X-API-Key", guess)
            .send()
            .await
            .expect("get");
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429, 429, 429, 429]);
}

both_backends!(
    wrong_api_keys_back_off_the_address_that_sends_them,
    wrong_api_keys_share_their_address_allowance,
);

both_backends!(
    a_held_basic_credential_stops_working_at_once_after_a_password_change_or_disable,
    a_wrong_basic_password_is_never_held_and_still_counts_against_the_limit,
    a_basic_credential_changed_by_another_process_stops_working_within_the_recheck,
    the_api_key_opens_the_api_only,
    an_unset_api_key_enables_nothing,
    the_api_is_limited_per_key_and_per_ip,
    basic_auth_works_for_scripts_and_can_be_turned_off,
    basic_auth_failures_back_off_the_account_and_the_address,
);

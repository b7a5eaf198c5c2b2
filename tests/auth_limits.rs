//! Login rate limits: per client IP (actix-governor, keyed by the real client IP behind trusted proxies)
//! and per account (backoff on the injected clock).

use std::time::Duration;

use smartmon::auth::Role;

use crate::both_backends;
use crate::support::{Backend, client, spawn_app_with};

async fn post_login(
    app: &crate::support::TestApp,
    user: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut request = client()
        .post(app.url("/login"))
        .form(&[("username", user), ("password", password)]);
    if let Some(ip) = forwarded_for {
        request = request.header("X-Forwarded-For", ip);
    }
    request.send().await.expect("login request")
}

async fn login_attempts_are_limited_per_client_ip(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("SMARTMON_LOGIN_RATE_PER_MINUTE", "3"),
            ("TRUSTED_PROXIES", "127.0.0.1"),
        ],
    )
    .await;
    for _ in 0..3 {
        assert_eq!(
            post_login(&app, "x", "wrong-password", Some("203.0.113.1"))
                .await
                .status(),
            401
        );
    }
    let limited = post_login(&app, "x", "wrong-password", Some("203.0.113.1")).await;
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(
        limited
            .text()
            .await
            .expect("text")
            .contains("Too many login attempts from your address")
    );
    assert_eq!(
        post_login(&app, "x", "wrong-password", Some("203.0.113.2"))
            .await
            .status(),
        401,
        "another client behind the proxy is not blocked"
    );
    assert_eq!(
        app.get("/login").await.status(),
        200,
        "the form itself is not limited"
    );
    let audited = app.audit("rate_limited").await;
    assert_eq!(audited.len(), 1);
    assert_eq!(
        audited[0].client_ip.as_deref(),
        Some("203.0.113.1"),
        "the real client, not the proxy"
    );
}

async fn forwarded_headers_from_untrusted_peers_do_not_dodge_the_limit(backend: Backend) {
    let app = spawn_app_with(backend, &[("SMARTMON_LOGIN_RATE_PER_MINUTE", "2")]).await;
    let mut statuses = Vec::new();
    for i in 0..4 {
        let spoofed = format!("198.51.100.{i}");
        statuses.push(
            post_login(&app, "x", "wrong-password", Some(&spoofed))
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [401, 401, 429, 429]);
}

async fn failed_logins_back_off_one_account_without_blocking_another(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("SMARTMON_LOGIN_MAX_FAILURES", "3"),
            ("SMARTMON_LOGIN_BACKOFF_SECS", "60"),
        ],
    )
    .await;
    let alice = app.create_user("alice", Role::Viewer).await;
    let bob = app.create_user("bob", Role::Viewer).await;
    for _ in 0..3 {
        assert_eq!(
            post_login(&app, "alice", "wrong-password", None)
                .await
                .status(),
            401
        );
    }
    let throttled = post_login(&app, "alice", &alice, None).await;
    assert_eq!(
        throttled.status(),
        429,
        "even the right password waits during backoff"
    );
    assert!(throttled.headers().contains_key("retry-after"));
    assert!(
        throttled
            .text()
            .await
            .expect("text")
            .contains("Too many failed logins for this account")
    );
    assert_eq!(
        post_login(&app, "bob", &bob, None).await.status(),
        303,
        "bob is not locked out by alice's attacker"
    );
    app.state.clock.advance(Duration::from_secs(61));
    assert_eq!(
        post_login(&app, "alice", &alice, None).await.status(),
        303,
        "backoff ends; no permanent lockout"
    );
    assert!(!app.audit("login_throttled").await.is_empty());
}

async fn limiter_refusals_are_audited_once_per_client_and_window_with_a_count(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("SMARTMON_LOGIN_RATE_PER_MINUTE", "3"),
            ("TRUSTED_PROXIES", "127.0.0.1"),
        ],
    )
    .await;
    let mut refused = [0, 0];
    for (i, (client, attempts)) in [("203.0.113.1", 25), ("203.0.113.2", 5)].iter().enumerate() {
        for n in 0..*attempts {
            // A new name each time: the per-account backoff stays out of it.
            let name = format!("x{i}-{n}");
            let response = post_login(&app, &name, "wrong-password", Some(client)).await;
            if response.status() == 429 {
                refused[i] += 1;
            }
        }
    }
    assert_eq!(refused, [22, 2]);
    app.state.auth.refusals.flush().await;
    let rows = app.audit("rate_limited").await;
    assert_eq!(rows.len(), 2, "one row per client, not one per refusal");
    let count_of = |ip: &str| {
        rows.iter()
            .find(|r| r.client_ip.as_deref() == Some(ip))
            .map(|r| r.count)
    };
    assert_eq!(count_of("203.0.113.1"), Some(22));
    assert_eq!(count_of("203.0.113.2"), Some(2));

    let admin = app.login_as("auditor", Role::Admin).await;
    let page = admin
        .get("/audit?action=rate_limited")
        .await
        .text()
        .await
        .expect("text");
    assert!(page.contains("refused 22 times"), "the page says how many");

    app.state.clock.advance(Duration::from_secs(61));
    let next = post_login(&app, "x", "wrong-password", Some("203.0.113.1")).await;
    assert_eq!(next.status(), 429);
    assert_eq!(
        app.audit("rate_limited").await.len(),
        3,
        "the next window starts a new row"
    );
}

both_backends!(
    limiter_refusals_are_audited_once_per_client_and_window_with_a_count,
    login_attempts_are_limited_per_client_ip,
    forwarded_headers_from_untrusted_peers_do_not_dodge_the_limit,
    failed_logins_back_off_one_account_without_blocking_another,
);

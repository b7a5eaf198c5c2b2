//! Single sign-on: Cloudflare Access JWTs verified against a local JWKS endpoint with locally generated
//! RSA keys, and a trusted auth proxy's identity header, honoured only from `TRUSTED_PROXIES`.

use std::time::Duration;

use smartmon::auth::Role;

use crate::both_backends;
use crate::support::jwks::{AUD, JwksServer, SigningKey, TEAM, claims};
use crate::support::{Backend, TestApp, spawn_app_with};

async fn cf_app(backend: Backend, jwks: &JwksServer, extra: &[(&str, &str)]) -> TestApp {
    let mut vars = vec![
        ("CF_ACCESS_TEAM_DOMAIN", TEAM),
        ("CF_ACCESS_AUD", AUD),
        ("CF_ACCESS_CERTS_URL", jwks.url.as_str()),
        ("SSO_ADMINS", "boss@example.com"),
    ];
    vars.extend_from_slice(extra);
    spawn_app_with(backend, &vars).await
}

async fn whoami(app: &TestApp, header: &str, value: &str) -> reqwest::Response {
    app.client
        .get(app.url("/api/whoami"))
        .header(header, value)
        .send()
        .await
        .expect("get")
}

async fn cloudflare_access_tokens_are_verified(backend: Backend) {
    let key = SigningKey::generate("key-a");
    let stranger = SigningKey::generate("key-x");
    let jwks = JwksServer::start(vec![key.jwk()]).await;
    let app = cf_app(backend, &jwks, &[]).await;
    let header = "Cf-Access-Jwt-Assertion";

    let good = whoami(
        &app,
        header,
        &key.sign("key-a", &claims("Boss@example.com")),
    )
    .await;
    assert_eq!(good.status(), 200);
    let body: serde_json::Value = good.json().await.expect("json");
    assert_eq!(
        (
            body["username"].as_str(),
            body["role"].as_str(),
            body["via"].as_str()
        ),
        (
            Some("boss@example.com"),
            Some("admin"),
            Some("cloudflare_access")
        )
    );
    let page = app
        .client
        .get(app.url("/users"))
        .header(header, key.sign("key-a", &claims("boss@example.com")))
        .send()
        .await
        .expect("get");
    assert_eq!(page.status(), 200, "an SSO admin opens the Users page");
    let viewer = whoami(
        &app,
        header,
        &key.sign("key-a", &claims("someone@example.com")),
    )
    .await;
    assert_eq!(
        viewer.json::<serde_json::Value>().await.expect("json")["role"],
        "viewer",
        "unlisted identities are viewers"
    );

    let mut wrong_aud = claims("boss@example.com");
    wrong_aud["aud"] = serde_json::json!(["another-application"]);
    assert_eq!(
        whoami(&app, header, &key.sign("key-a", &wrong_aud))
            .await
            .status(),
        401,
        "wrong audience"
    );
    let mut wrong_iss = claims("boss@example.com");
    wrong_iss["iss"] = serde_json::json!("https://evil.cloudflareaccess.com");
    assert_eq!(
        whoami(&app, header, &key.sign("key-a", &wrong_iss))
            .await
            .status(),
        401,
        "wrong issuer"
    );
    let mut expired = claims("boss@example.com");
    expired["exp"] = serde_json::json!(jsonwebtoken::get_current_timestamp() - 3600);
    assert_eq!(
        whoami(&app, header, &key.sign("key-a", &expired))
            .await
            .status(),
        401,
        "expired"
    );
    assert_eq!(
        whoami(
            &app,
            header,
            &stranger.sign("key-a", &claims("boss@example.com"))
        )
        .await
        .status(),
        401,
        "bad signature"
    );
    assert_eq!(
        whoami(
            &app,
            header,
            &stranger.sign("key-x", &claims("boss@example.com"))
        )
        .await
        .status(),
        401,
        "unknown key id"
    );
    assert_eq!(
        whoami(&app, header, "not.a.jwt").await.status(),
        401,
        "garbage"
    );
    assert!(app.audit("sso_refused").await.len() >= 6);
    assert_eq!(
        jwks.fetches(),
        1,
        "keys are cached, not fetched per request"
    );

    // Later the clock passes the token's expiry: the same token stops working.
    let token = key.sign("key-a", &claims("boss@example.com"));
    app.state.clock.advance(Duration::from_secs(2 * 3600));
    assert_eq!(whoami(&app, header, &token).await.status(), 401);
}

async fn rotated_keys_are_picked_up_by_refreshing_the_cache(backend: Backend) {
    let old = SigningKey::generate("old");
    let new = SigningKey::generate("new");
    let jwks = JwksServer::start(vec![old.jwk()]).await;
    let app = cf_app(backend, &jwks, &[]).await;
    let header = "Cf-Access-Jwt-Assertion";
    assert_eq!(
        whoami(&app, header, &old.sign("old", &claims("a@example.com")))
            .await
            .status(),
        200
    );
    jwks.set_keys(vec![old.jwk(), new.jwk()]);
    app.state.clock.advance(Duration::from_secs(31));
    assert_eq!(
        whoami(&app, header, &new.sign("new", &claims("a@example.com")))
            .await
            .status(),
        200,
        "an unknown key id triggers a refresh"
    );
    assert_eq!(jwks.fetches(), 2);
    assert_eq!(
        whoami(&app, header, &old.sign("new", &claims("a@example.com")))
            .await
            .status(),
        401
    );
}

async fn unknown_sso_identities_can_be_refused(backend: Backend) {
    let key = SigningKey::generate("k");
    let jwks = JwksServer::start(vec![key.jwk()]).await;
    let app = cf_app(backend, &jwks, &[("SSO_AUTO_CREATE", "false")]).await;
    let header = "Cf-Access-Jwt-Assertion";
    assert_eq!(
        whoami(&app, header, &key.sign("k", &claims("new@example.com")))
            .await
            .status(),
        403
    );
    app.create_user("known@example.com", Role::Operator).await;
    let known = whoami(&app, header, &key.sign("k", &claims("known@example.com"))).await;
    assert_eq!(
        known.json::<serde_json::Value>().await.expect("json")["role"],
        "operator"
    );
}

async fn the_auth_proxy_header_is_honoured_only_from_trusted_peers(backend: Backend) {
    let trusted = spawn_app_with(
        backend,
        &[
            ("SSO_USER_HEADER", "Remote-User"),
            ("TRUSTED_PROXIES", "127.0.0.1/32"),
            ("SSO_OPERATORS", "ops@example.com"),
        ],
    )
    .await;
    let ok = whoami(&trusted, "Remote-User", "ops@example.com").await;
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = ok.json().await.expect("json");
    assert_eq!(
        (body["role"].as_str(), body["via"].as_str()),
        (Some("operator"), Some("auth_proxy"))
    );

    let untrusted = spawn_app_with(
        backend,
        &[
            ("SSO_USER_HEADER", "Remote-User"),
            ("TRUSTED_PROXIES", "10.9.9.9"),
        ],
    )
    .await;
    assert_eq!(
        whoami(&untrusted, "Remote-User", "ops@example.com")
            .await
            .status(),
        401
    );
    let page = untrusted
        .client
        .get(untrusted.url("/"))
        .header("Remote-User", "ops@example.com")
        .send()
        .await
        .expect("get");
    assert_eq!(page.status(), 303, "a header from anyone else is ignored");
    let refused = untrusted.audit("sso_refused").await;
    assert!(
        refused.iter().any(|r| r
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("untrusted peer")),
        "{refused:?}"
    );
}

async fn a_proxy_identity_must_be_a_valid_username_before_an_account_is_made(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("SSO_USER_HEADER", "Remote-User"),
            ("TRUSTED_PROXIES", "127.0.0.1/32"),
        ],
    )
    .await;
    let long = "a".repeat(5000);
    for identity in ["<b>mallory</b>", "../../admin", "a/b", long.as_str()] {
        let page = app
            .client
            .get(app.url("/"))
            .header("Remote-User", identity)
            .send()
            .await
            .expect("get");
        assert_eq!(page.status(), 403, "{:.40}", identity);
        let text = page.text().await.expect("text");
        assert!(
            text.contains("cannot be used as a username"),
            "a clear page: {:.400}",
            text
        );
    }
    let users = smartmon::db::users::list(&app.state.db.conn)
        .await
        .expect("users");
    assert!(users.is_empty(), "no account was created: {users:?}");
    let ok = whoami(&app, "Remote-User", "alice@example.com").await;
    assert_eq!(ok.status(), 200, "a valid identity still gets its account");
}

both_backends!(a_proxy_identity_must_be_a_valid_username_before_an_account_is_made,);

both_backends!(
    cloudflare_access_tokens_are_verified,
    rotated_keys_are_picked_up_by_refreshing_the_cache,
    unknown_sso_identities_can_be_refused,
    the_auth_proxy_header_is_honoured_only_from_trusted_peers,
);

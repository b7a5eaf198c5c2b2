//! Logging in and out: sessions, rotation, expiry on the injected clock, "back to where you were going",
//! password changes and disabling, first-run setup, and the audit rows all of it leaves.

use std::time::Duration;

use sha2::{Digest, Sha256};
use smartmon::auth::Role;
use smartmon::auth::accounts;

use crate::both_backends;
use crate::support::{Backend, client, spawn_app, spawn_app_with};

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("smartmon_session="))
        .map(str::to_owned)
}

fn token_of(set_cookie: &str) -> String {
    set_cookie["smartmon_session=".len()..]
        .split(';')
        .next()
        .expect("value")
        .to_owned()
}

async fn login_and_logout_are_audited_with_the_client_ip(backend: Backend) {
    let app = spawn_app(backend).await;
    let password = app.create_user("vera", Role::Viewer).await;
    let wrong = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "vera"), ("password", "nope-nope-nope")])
        .send()
        .await
        .expect("post");
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong
            .text()
            .await
            .expect("text")
            .contains("Wrong username or password")
    );
    let unknown = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "ghost"), ("password", "nope-nope-nope")])
        .send()
        .await
        .expect("post");
    assert_eq!(
        unknown.status(),
        401,
        "an unknown user looks like a wrong password"
    );

    let vera = app.login("vera", &password).await;
    let logout = vera.post_form("/logout", &[]).await;
    assert_eq!(logout.status(), 303);
    assert_eq!(logout.headers()["location"], "/login");
    assert_eq!(vera.get("/").await.status(), 303, "logged out");

    let failed = app.audit("login_failed").await;
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0].client_ip.as_deref(), Some("127.0.0.1"));
    let login = app.audit("login").await;
    assert_eq!(login[0].username.as_deref(), Some("vera"));
    assert_eq!(login[0].client_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(app.audit("logout").await.len(), 1);
}

async fn a_login_lands_where_the_user_was_going(backend: Backend) {
    let app = spawn_app(backend).await;
    let password = app.create_user("ada", Role::Admin).await;
    let anonymous = app.get("/users?sort=name").await;
    assert_eq!(
        anonymous.headers()["location"],
        "/login?next=/users%3Fsort%3Dname"
    );
    let form = app
        .get("/login?next=%2Fusers%3Fsort%3Dname")
        .await
        .text()
        .await
        .expect("text");
    assert!(
        form.contains("value=\"/users?sort=name\""),
        "the form keeps the destination"
    );
    let back = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "ada"),
            ("password", password.as_str()),
            ("next", "/users?sort=name"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(back.headers()["location"], "/users?sort=name");
    let evil = client()
        .post(app.url("/login"))
        .form(&[
            ("username", "ada"),
            ("password", password.as_str()),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(evil.headers()["location"], "/", "no open redirect");
}

async fn each_login_gets_a_new_session_stored_only_as_a_hash(backend: Backend) {
    let app = spawn_app(backend).await;
    let password = app.create_user("vera", Role::Viewer).await;
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let form = [("username", "vera"), ("password", password.as_str())];
    let first = bare
        .post(app.url("/login"))
        .form(&form)
        .send()
        .await
        .expect("login");
    let first_cookie = session_cookie(&first).expect("a session cookie");
    assert!(
        first_cookie.contains("HttpOnly") && first_cookie.contains("SameSite=Strict"),
        "{first_cookie}"
    );
    assert!(
        !first_cookie.contains("Secure"),
        "plain HTTP without SMARTMON_COOKIE_SECURE"
    );
    let old = token_of(&first_cookie);
    let second = bare
        .post(app.url("/login"))
        .header("Cookie", format!("smartmon_session={old}"))
        .form(&form)
        .send()
        .await
        .expect("login");
    let new = token_of(&session_cookie(&second).expect("a new cookie"));
    assert_ne!(old, new, "the session id changes at login");
    let with_old = bare
        .get(app.url("/"))
        .header("Cookie", format!("smartmon_session={old}"))
        .send()
        .await
        .expect("get");
    assert_eq!(with_old.status(), 303, "the pre-login session is gone");
    let with_new = bare
        .get(app.url("/"))
        .header("Cookie", format!("smartmon_session={new}"))
        .send()
        .await
        .expect("get");
    assert_eq!(with_new.status(), 200);

    use sea_orm::EntityTrait;
    let rows = smartmon::db::entities::sessions::Entity::find()
        .all(&app.state.db.conn)
        .await
        .expect("sessions");
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].id, new, "the token itself is never stored");
    assert_eq!(rows[0].id, hex::encode(Sha256::digest(new.as_bytes())));
}

async fn sessions_end_after_idle_time_and_absolute_lifetime(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("SMARTMON_SESSION_IDLE_MINUTES", "30"),
            ("SMARTMON_SESSION_MAX_HOURS", "1"),
        ],
    )
    .await;
    let clock = app.state.clock.clone();
    let idle = app.login_as("idle", Role::Viewer).await;
    let busy = app.login_as("busy", Role::Viewer).await;
    clock.advance(Duration::from_secs(20 * 60));
    assert_eq!(busy.get("/").await.status(), 200);
    clock.advance(Duration::from_secs(20 * 60));
    assert_eq!(
        idle.get("/").await.status(),
        303,
        "40 idle minutes end a 30-minute session"
    );
    assert_eq!(
        busy.get("/").await.status(),
        200,
        "use keeps a session alive"
    );
    clock.advance(Duration::from_secs(25 * 60));
    let expired = busy.get("/").await;
    assert_eq!(
        expired.status(),
        303,
        "the absolute lifetime ends even a busy session"
    );
    assert!(
        expired.headers()["location"]
            .to_str()
            .expect("ascii")
            .starts_with("/login?next=")
    );
}

async fn a_password_change_or_disabling_ends_the_users_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let password = app.create_user("vera", Role::Viewer).await;
    let laptop = app.login("vera", &password).await;
    let phone = app.login("vera", &password).await;
    let other = app.login_as("otto", Role::Operator).await;
    accounts::change_password(
        &app.state.db,
        &app.state.clock,
        "vera",
        "a-brand-new-password",
        None,
        "test",
    )
    .await
    .expect("passwd");
    // Changed outside the web console (as the CLI or another replica does): this server trusts a session
    // from memory for at most five seconds before the database confirms it again.
    app.state.clock.advance(Duration::from_secs(6));
    assert_eq!(laptop.get("/").await.status(), 303);
    assert_eq!(phone.get("/").await.status(), 303);
    assert_eq!(
        other.get("/").await.status(),
        200,
        "other users keep their sessions"
    );
    let refused = client()
        .post(app.url("/login"))
        .form(&[("username", "vera"), ("password", password.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(refused.status(), 401, "the old password no longer works");
    let again = app.login("vera", "a-brand-new-password").await;
    assert_eq!(again.get("/").await.status(), 200);
    accounts::set_disabled(&app.state.db, &app.state.clock, "vera", true, "test")
        .await
        .expect("disable");
    app.state.clock.advance(Duration::from_secs(6));
    assert_eq!(again.get("/").await.status(), 303);
    let disabled = client()
        .post(app.url("/login"))
        .form(&[("username", "vera"), ("password", "a-brand-new-password")])
        .send()
        .await
        .expect("post");
    assert_eq!(disabled.status(), 401, "a disabled user cannot log in");
    assert!(!app.audit("user_password_changed").await.is_empty());
}

/// A session a few seconds old is answered from memory while one background check asks the database;
/// a user disabled elsewhere meanwhile is refused as soon as that check has run.
async fn a_background_check_ends_a_session_revoked_elsewhere(backend: Backend) {
    let app = spawn_app(backend).await;
    let password = app.create_user("vera", Role::Viewer).await;
    let laptop = app.login("vera", &password).await;
    assert_eq!(laptop.get("/").await.status(), 200, "signed in");
    accounts::set_disabled(&app.state.db, &app.state.clock, "vera", true, "cli")
        .await
        .expect("disable");
    app.state.clock.advance(Duration::from_secs(3));
    assert_eq!(
        laptop.get("/").await.status(),
        200,
        "a recent copy still answers while the check runs"
    );
    let mut status = 200;
    for _ in 0..40 {
        status = laptop.get("/").await.status().as_u16();
        if status != 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, 303, "the check found the user disabled");
}

/// Logs "vera" in on a fresh app with `vars`, optionally claiming TLS with `X-Forwarded-Proto: https`,
/// and returns the session cookie the server sets.
async fn login_cookie(backend: Backend, vars: &[(&str, &str)], forwarded_https: bool) -> String {
    let app = spawn_app_with(backend, vars).await;
    let password = app.create_user("vera", Role::Viewer).await;
    let mut request = client()
        .post(app.url("/login"))
        .form(&[("username", "vera"), ("password", password.as_str())]);
    if forwarded_https {
        request = request.header("X-Forwarded-Proto", "https");
    }
    let response = request.send().await.expect("post");
    session_cookie(&response).expect("cookie")
}

async fn the_cookie_is_secure_over_tls_or_when_configured(backend: Backend) {
    let via_tls = login_cookie(backend, &[("TRUSTED_PROXIES", "127.0.0.1")], true).await;
    assert!(via_tls.contains("Secure"), "TLS at a trusted proxy");
    let configured = login_cookie(backend, &[("SMARTMON_COOKIE_SECURE", "true")], false).await;
    assert!(configured.contains("Secure"), "SMARTMON_COOKIE_SECURE=true");
    let spoofed = login_cookie(backend, &[], true).await;
    assert!(
        !spoofed.contains("Secure"),
        "X-Forwarded-Proto from anyone is ignored"
    );
}

both_backends!(
    the_cookie_is_secure_over_tls_or_when_configured,
    login_and_logout_are_audited_with_the_client_ip,
    a_login_lands_where_the_user_was_going,
    each_login_gets_a_new_session_stored_only_as_a_hash,
    sessions_end_after_idle_time_and_absolute_lifetime,
    a_password_change_or_disabling_ends_the_users_sessions,
    a_background_check_ends_a_session_revoked_elsewhere,
);

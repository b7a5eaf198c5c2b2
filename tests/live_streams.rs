//! Live streams (`/events`) end with their session: within the documented bound (5 s) of a logout, a
//! disabled account, a new password or a new role, also when that happens on another replica; and one
//! user may hold at most `MAX_PER_USER` streams (a further one is answered 429).

use std::time::Duration;

use smartmon::auth::Role;
use smartmon::auth::accounts;
use smartmon::web::stream_limits::MAX_PER_USER;

use crate::both_backends;
use crate::support::auth::LoggedIn;
use crate::support::sse::SseClient;
use crate::support::{Backend, TestApp, spawn_app, spawn_app_on};

/// The bound the README promises.
const BOUND: Duration = Duration::from_secs(5);

async fn open_on(app: &TestApp, user: &LoggedIn) -> SseClient {
    SseClient::open(&user.client, &app.url("/events"))
        .await
        .unwrap_or_else(|refused| panic!("the stream opens: {}", refused.status()))
}

async fn a_live_stream_ends_when_its_session_ends(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login_as("root", Role::Admin).await;

    let ann = app.login_as("ann", Role::Viewer).await;
    let mut stream = SseClient::connect(&ann).await;
    stream.expect_open_for(Duration::from_secs(3)).await;
    let logout = ann.post_form("/logout", &[]).await;
    assert_eq!(logout.status(), 303);
    stream.expect_end(BOUND).await;

    let bob = app.login_as("bob", Role::Viewer).await;
    let mut stream = SseClient::connect(&bob).await;
    accounts::set_disabled(&app.state.db, &app.state.clock, "bob", true, "cli")
        .await
        .expect("disable bob");
    stream.expect_end(BOUND).await;

    let cid = app.login_as("cid", Role::Viewer).await;
    let mut stream = SseClient::connect(&cid).await;
    let new_password = "a-brand-new-password-for-cid";
    accounts::change_password(
        &app.state.db,
        &app.state.clock,
        "cid",
        new_password,
        None,
        "cli",
    )
    .await
    .expect("change cid's password");
    stream.expect_end(BOUND).await;

    let dee = app.login_as("dee", Role::Operator).await;
    let mut stream = SseClient::connect(&dee).await;
    let demoted = admin
        .post_form("/users/dee/role", &[("role", "viewer")])
        .await;
    assert!(demoted.status().is_redirection(), "{}", demoted.status());
    stream.expect_end(BOUND).await;

    // The session's lifetime (SMARTMON_SESSION_MAX_HOURS, 12 h) runs out while the page is open.
    let gil = app.login_as("gil", Role::Viewer).await;
    let mut stream = SseClient::connect(&gil).await;
    app.state.clock.advance(Duration::from_secs(13 * 3600));
    stream.expect_end(BOUND).await;
}

async fn a_basic_auth_stream_ends_with_a_new_password_or_a_disabled_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let (db, clock) = (&app.state.db, &app.state.clock);
    for (name, change) in [("eve", "password"), ("fay", "disable")] {
        let password = app.create_user(name, Role::Viewer).await;
        let request = app
            .client
            .get(app.url("/events"))
            .basic_auth(name, Some(&password));
        let mut stream = SseClient::from_request(request)
            .await
            .unwrap_or_else(|refused| panic!("the stream opens: {}", refused.status()));
        stream.expect_open_for(Duration::from_secs(3)).await;
        match change {
            "password" => {
                accounts::change_password(db, clock, name, "another-long-password", None, "cli")
                    .await
                    .map(|_| ())
            }
            _ => accounts::set_disabled(db, clock, name, true, "cli").await,
        }
        .expect("the account changes");
        stream.expect_end(BOUND).await;
    }
}

async fn a_logout_on_one_replica_ends_the_stream_on_another(backend: Backend) {
    let a = spawn_app(backend).await;
    let b = spawn_app_on(a.db.shared(), &[]).await;
    let ann = a.login_as("ann", Role::Viewer).await;

    // The same session cookie, behind a load balancer: the stream lands on replica B.
    let mut stream = open_on(&b, &ann).await;
    stream.expect_open_for(Duration::from_secs(3)).await;
    let logout = ann.post_form("/logout", &[]).await;
    assert_eq!(logout.status(), 303);

    stream.expect_end(BOUND).await;
}

async fn one_user_may_hold_only_a_few_streams(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = app.login_as("ann", Role::Viewer).await;
    let bob = app.login_as("bob", Role::Viewer).await;

    let mut open = Vec::new();
    for _ in 0..MAX_PER_USER {
        open.push(SseClient::connect(&ann).await);
    }
    let refused = SseClient::open(&ann.client, &ann.url("/events"))
        .await
        .err()
        .expect("one stream too many is refused");
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let text = refused.text().await.expect("body");
    assert!(text.contains("live pages open already"), "{text}");

    let _other = SseClient::connect(&bob).await;
    assert_eq!(app.state.streams.open("ann"), MAX_PER_USER);
}

both_backends!(
    a_live_stream_ends_when_its_session_ends,
    a_basic_auth_stream_ends_with_a_new_password_or_a_disabled_account,
    a_logout_on_one_replica_ends_the_stream_on_another,
    one_user_may_hold_only_a_few_streams
);

//! First run: the printed one-time setup token and `/setup`, or `SMARTMON_ADMIN_PASSWORD`.

use crate::both_backends;
use crate::support::{Backend, client, spawn_app, spawn_app_with};

async fn first_run_setup_needs_the_printed_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app
        .state
        .auth
        .setup
        .token()
        .expect("setup is open with no users");
    assert_eq!(app.get("/setup").await.status(), 200);
    let form = |token: &str| {
        vec![
            ("token", token.to_owned()),
            ("username", "root-admin".into()),
            ("password", "first-admin-pw".into()),
            ("confirm", "first-admin-pw".into()),
        ]
    };
    let wrong = app
        .client
        .post(app.url("/setup"))
        .form(&form("guess"))
        .send()
        .await
        .expect("post");
    assert_eq!(wrong.status(), 403);
    let ok = app
        .client
        .post(app.url("/setup"))
        .form(&form(&token))
        .send()
        .await
        .expect("post");
    assert_eq!(ok.status(), 303);
    let home = app.get("/").await;
    assert_eq!(home.status(), 200, "setup signs the new admin in");
    assert!(home.text().await.expect("text").contains("root-admin"));
    assert_eq!(
        app.get("/setup").await.status(),
        404,
        "setup closes once a user exists"
    );
    let again = client()
        .post(app.url("/setup"))
        .form(&form(&token))
        .send()
        .await
        .expect("post");
    assert_eq!(again.status(), 404, "the token is single-use");
    assert_eq!(app.audit("setup").await.len(), 1);
    assert_eq!(app.audit("setup_failed").await.len(), 1);
}

async fn the_admin_password_setting_creates_admin_and_closes_setup(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[("SMARTMON_ADMIN_PASSWORD", "from-the-environment")],
    )
    .await;
    assert!(app.state.auth.setup.token().is_none());
    assert_eq!(app.get("/setup").await.status(), 404);
    let admin = app.login("admin", "from-the-environment").await;
    assert_eq!(admin.get("/users").await.status(), 200);
}

both_backends!(
    first_run_setup_needs_the_printed_token,
    the_admin_password_setting_creates_admin_and_closes_setup,
);

//! Two console replicas on one database behind a load balancer: a form token one replica issued to a
//! Basic Auth or SSO user (who has no session row) is accepted by the other.

use smartmon::auth::Role;
use smartmon::auth::accounts;

use crate::both_backends;
use crate::support::auth::csrf_in;
use crate::support::{Backend, TestApp, spawn_app_on, spawn_app_with};

const SSO: [(&str, &str); 3] = [
    ("SSO_USER_HEADER", "Remote-User"),
    ("TRUSTED_PROXIES", "127.0.0.1/32"),
    ("SSO_ADMINS", "boss@example.com"),
];

/// The Users page as `who` sees it on `app` (Basic Auth, or the proxy's identity header), and the form
/// token it carries.
async fn users_page_token(app: &TestApp, who: &Who) -> String {
    let page = who.apply(app.client.get(app.url("/users"))).send().await;
    let page = page.expect("the Users page answers");
    assert_eq!(page.status(), 200);
    csrf_in(&page.text().await.expect("html")).expect("the page carries a form token")
}

enum Who {
    Basic(String, String),
    Proxy(&'static str),
}

impl Who {
    fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Who::Basic(name, password) => request.basic_auth(name, Some(password)),
            Who::Proxy(identity) => request.header("Remote-User", *identity),
        }
    }
}

/// Disables `target` on `app` with the form token `token`, as the browser posts the Users page's form.
async fn disable_with(app: &TestApp, who: &Who, token: &str, target: &str) -> reqwest::Response {
    let path = format!("/users/{target}/disable");
    who.apply(app.client.post(app.url(&path)))
        .header("Origin", &app.address)
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("csrf_token", token)])
        .send()
        .await
        .expect("the form post answers")
}

async fn a_form_token_from_one_replica_is_accepted_by_another(backend: Backend) {
    let a = spawn_app_with(backend, &SSO).await;
    let b = spawn_app_on(a.db.shared(), &SSO).await;
    let password = a.create_user("root", Role::Admin).await;
    a.create_user("bob", Role::Viewer).await;
    a.create_user("carol", Role::Viewer).await;

    for (who, target) in [
        (Who::Basic("root".into(), password.clone()), "bob"),
        (Who::Proxy("boss@example.com"), "carol"),
    ] {
        let token = users_page_token(&a, &who).await;
        let answer = disable_with(&b, &who, &token, target).await;

        let status = answer.status();
        let body = answer.text().await.unwrap_or_default();
        assert!(
            status.is_redirection() || status.is_success(),
            "replica B accepts replica A's form token: {status} {body}"
        );
        let account = accounts::find(&b.state.db, target).await.expect("user");
        assert!(account.disabled, "{target} is disabled");
        assert_eq!(
            disable_with(&b, &who, "forged", target).await.status(),
            403,
            "a wrong token is still refused"
        );
    }
}

both_backends!(a_form_token_from_one_replica_is_accepted_by_another);

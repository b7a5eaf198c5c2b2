//! The route table's access decisions: anonymous callers are refused everywhere but the public routes,
//! roles are enforced, CSRF and Origin checks guard every state-changing request, CSP is on every page.

use smartmon::auth::Role;
use smartmon::web::guard::Access;
use smartmon::web::guard::is_machine_path;
use smartmon::web::routes;

use crate::both_backends;
use crate::support::{Backend, spawn_app, spawn_app_with};

/// The only routes anyone may call. Adding a public route means adding it here, on purpose.
const PUBLIC: &[&str] = &["/healthz", "/readyz", "/assets/{file}", "/login"];

fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') { "x" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

async fn anonymous_requests_are_refused_on_every_route(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("someone", Role::Viewer).await; // setup is over once a user exists
    let table = routes::table();
    assert!(table.len() >= 10, "the table lists the routes");
    for entry in &table {
        let method = reqwest::Method::from_bytes(entry.method.as_str().as_bytes()).expect("method");
        let path = concrete(entry.path);
        let response = app
            .client
            .request(method, app.url(&path))
            .header("Origin", &app.address)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        let what = format!("{} {} ({:?})", entry.method, entry.path, entry.access);
        match entry.access {
            Access::Public => {
                assert!(
                    PUBLIC.contains(&entry.path),
                    "{what} is public but not in the PUBLIC list"
                );
                assert!(status < 500, "{what} answered {status}");
            }
            Access::SetupOnly => {
                assert_eq!(status, 404, "{what}: setup is closed once a user exists")
            }
            Access::Viewer
            | Access::Operator
            | Access::Admin
            | Access::ApiKeyOrViewer
            | Access::ApiKeyOrOperator => {
                if is_machine_path(entry.path) {
                    assert_eq!(status, 401, "{what} must answer 401 to anonymous callers");
                } else {
                    assert_eq!(
                        status, 303,
                        "{what} must send anonymous callers to the login page"
                    );
                    let location = response.headers()["location"].to_str().expect("ascii");
                    assert!(location.starts_with("/login?next="), "{what} -> {location}");
                }
            }
        }
    }
    let htmx = app
        .client
        .get(app.url("/users"))
        .header("HX-Request", "true")
        .send()
        .await
        .expect("get");
    assert_eq!(
        htmx.status(),
        401,
        "HTMX requests are told to go to the login page"
    );
    assert_eq!(htmx.headers()["hx-redirect"], "/login?next=/users");
    // The overview needs a viewer.
    let root = table.iter().find(|e| e.path == "/").expect("/ is routed");
    assert_eq!(root.access, Access::Viewer);
}

async fn roles_are_enforced_and_refusals_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let viewer = app.login_as("vera", Role::Viewer).await;
    let operator = app.login_as("otto", Role::Operator).await;
    let admin = app.login_as("ada", Role::Admin).await;
    assert_eq!(viewer.get("/").await.status(), 200);
    let refused = viewer.get("/users").await;
    assert_eq!(refused.status(), 403);
    assert!(
        refused
            .text()
            .await
            .expect("text")
            .contains("needs the admin role")
    );
    assert_eq!(operator.get("/users").await.status(), 403);
    let created = viewer
        .post_form(
            "/users",
            &[
                ("username", "mallory"),
                ("role", "admin"),
                ("password", "0123456789ab"),
            ],
        )
        .await;
    assert_eq!(created.status(), 403, "a viewer cannot create users");
    let page = admin.get("/users").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("text");
    assert!(html.contains("vera") && html.contains("otto") && !html.contains("mallory"));
    let denied = app.audit("access_denied").await;
    assert!(
        denied.iter().any(|r| r.username.as_deref() == Some("vera")),
        "{denied:?}"
    );
}

async fn admins_manage_users_on_the_users_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login_as("ada", Role::Admin).await;
    let weak = admin
        .post_form(
            "/users",
            &[
                ("username", "bob"),
                ("role", "operator"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status(), 400);
    assert!(
        weak.text()
            .await
            .expect("text")
            .contains("at least 10 characters")
    );
    let ok = admin
        .post_form(
            "/users",
            &[
                ("username", "bob"),
                ("role", "operator"),
                ("password", "bob-password-1"),
            ],
        )
        .await;
    assert_eq!(ok.status(), 303);
    let bob = app.login("bob", "bob-password-1").await;
    assert_eq!(bob.get("/").await.status(), 200);
    assert_eq!(
        admin
            .post_form("/users/bob/role", &[("role", "admin")])
            .await
            .status(),
        303
    );
    assert_eq!(
        admin.post_form("/users/bob/disable", &[]).await.status(),
        303
    );
    let after = bob.get("/").await;
    assert_eq!(after.status(), 303, "disabling ends the user's sessions");
    assert_eq!(
        admin.post_form("/users/ada/disable", &[]).await.status(),
        400,
        "no disabling yourself"
    );
    assert_eq!(
        admin.post_form("/users/nobody/disable", &[]).await.status(),
        400
    );
    for action in ["user_created", "user_role_changed", "user_disabled"] {
        assert!(!app.audit(action).await.is_empty(), "{action} is audited");
    }
}

async fn state_changes_need_the_csrf_token_and_same_origin(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login_as("ada", Role::Admin).await;
    let form = [
        ("username", "carol"),
        ("role", "viewer"),
        ("password", "carol-password"),
    ];

    let missing = admin
        .client
        .post(admin.url("/users"))
        .header("Origin", &app.address)
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(missing.status(), 403);
    assert!(
        missing
            .text()
            .await
            .expect("text")
            .contains("security token is missing")
    );

    let mut wrong: Vec<(&str, &str)> = form.to_vec();
    wrong.push(("csrf_token", "not-the-token"));
    let response = admin
        .client
        .post(admin.url("/users"))
        .header("Origin", &app.address)
        .form(&wrong)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .expect("text")
            .contains("wrong or expired")
    );

    let cross = admin
        .client
        .post(admin.url("/users"))
        .header("Origin", "https://evil.example")
        .header("X-CSRF-Token", &admin.csrf)
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(
        cross.status(),
        403,
        "a right token from another origin is still refused"
    );
    let cross_site = admin
        .client
        .post(admin.url("/users"))
        .header("Sec-Fetch-Site", "cross-site")
        .header("X-CSRF-Token", &admin.csrf)
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(cross_site.status(), 403);

    // What HTMX sends: the token from hx-headers, as a header.
    let htmx = admin
        .client
        .post(admin.url("/users"))
        .header("Origin", &app.address)
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &admin.csrf)
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(htmx.status(), 303);
    assert!(!app.audit("csrf_refused").await.is_empty());
}

async fn the_origin_check_compares_the_scheme_too(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login_as("ada", Role::Admin).await;
    let form = [
        ("username", "carol"),
        ("role", "viewer"),
        ("password", "carol-password"),
    ];
    let https_origin = app.address.replacen("http://", "https://", 1);
    let response = admin
        .client
        .post(admin.url("/users"))
        .header("Origin", &https_origin)
        .header("X-CSRF-Token", &admin.csrf)
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(
        response.status(),
        403,
        "the same host over another scheme is another origin"
    );
    assert!(
        response
            .text()
            .await
            .expect("text")
            .contains("another origin")
    );
    let behind_tls = spawn_app_with(backend, &[("TRUSTED_PROXIES", "127.0.0.1")]).await;
    let admin = behind_tls.login_as("ada", Role::Admin).await;
    let https_origin = behind_tls.address.replacen("http://", "https://", 1);
    let through_proxy = admin
        .client
        .post(admin.url("/users"))
        .header("Origin", &https_origin)
        .header("X-Forwarded-Proto", "https")
        .header("X-CSRF-Token", &admin.csrf)
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(
        through_proxy.status(),
        303,
        "https at a trusted TLS proxy is this console's own origin"
    );
}

async fn signed_in_pages_api_answers_and_exports_are_never_cached(backend: Backend) {
    let app = spawn_app(backend).await;
    let viewer = app.login_as("vic", Role::Operator).await;
    for path in [
        "/",
        "/services",
        "/api/services",
        "/api/services.csv",
        "/api/audit.csv",
    ] {
        let response = viewer.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{path}"
        );
    }
}

both_backends!(
    the_origin_check_compares_the_scheme_too,
    signed_in_pages_api_answers_and_exports_are_never_cached,
);

async fn pages_carry_a_strict_csp_and_the_token_for_htmx(backend: Backend) {
    let app = spawn_app(backend).await;
    let login = app.get("/login").await;
    let csp = login.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        csp.contains("script-src 'self'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe"),
        "{csp}"
    );
    let viewer = app.login_as("vera", Role::Viewer).await;
    let home = viewer.get("/").await;
    assert!(home.headers().contains_key("content-security-policy"));
    let html = home.text().await.expect("text");
    assert!(
        html.contains("hx-headers=\"{&quot;X-CSRF-Token&quot;:&quot;"),
        "body carries hx-headers"
    );
    assert!(html.contains(&viewer.csrf));
    assert!(!html.contains("<script>"), "no inline script");
}

both_backends!(
    anonymous_requests_are_refused_on_every_route,
    roles_are_enforced_and_refusals_audited,
    admins_manage_users_on_the_users_page,
    state_changes_need_the_csrf_token_and_same_origin,
    pages_carry_a_strict_csp_and_the_token_for_htmx,
);

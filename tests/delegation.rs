//! Delegation: viewers act on the units their grants (or their SSO groups' grants) reach and nowhere
//! else, the allow-list stays the ceiling, logs need a grant only when configured, and the Grants page is
//! the admins' (bad patterns refused with the reason, every change audited).

use smartmon::auth::Role;
use smartmon::db::unit_grants;
use smartmon::domain::Grant;
use smartmon::domain::grant::{GrantPattern, PatternOf, Permissions, SubjectKind};

use crate::both_backends;
use crate::support::auth::{LoggedIn, csrf_in};
use crate::support::fake_systemd::FakeSystemd;
use crate::support::jwks::{AUD, JwksServer, SigningKey, TEAM, claims};
use crate::support::restart::{ALLOW, HOST, Policy, console, units};
use crate::support::{Backend, TestApp};

async fn grant(app: &TestApp, kind: SubjectKind, subject: &str, on: (&str, &str), actions: &str) {
    let grant = Grant {
        kind,
        subject: subject.into(),
        hosts: GrantPattern::parse(on.0, PatternOf::Host).expect("host pattern"),
        units: GrantPattern::parse(on.1, PatternOf::Unit).expect("unit pattern"),
        permissions: Permissions::parse(actions).expect("actions"),
    };
    unit_grants::insert(&app.state.db.conn, &grant, "ada", 0.0)
        .await
        .expect("insert a grant");
}

async fn page_of(user: &LoggedIn, unit: &str) -> String {
    let response = user.get(&format!("/services/{HOST}/{unit}")).await;
    assert_eq!(response.status(), 200, "{unit}'s page");
    response.text().await.expect("page")
}

/// `POST /api/services/action` from a session, with the page's token, as htmx or a script sends it.
async fn api_action(user: &LoggedIn, unit: &str, action: &str) -> (u16, serde_json::Value) {
    let response = user
        .client
        .post(user.url("/api/services/action"))
        .header("X-CSRF-Token", &user.csrf)
        .header("Origin", user.url(""))
        .json(&serde_json::json!({ "host": HOST, "service": unit, "action": action }))
        .send()
        .await
        .expect("request reaches the server");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON body"))
}

async fn a_viewer_acts_only_where_a_grant_reaches_and_the_allow_list_allows(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(backend, &bus, &policy, &[("DRY_RUN", "false")]).await;
    let vera = app.login_as("vera", Role::Viewer).await;
    grant(
        &app,
        SubjectKind::User,
        "vera",
        (HOST, "nginx.service"),
        "restart",
    )
    .await;
    grant(
        &app,
        SubjectKind::User,
        "vera",
        ("elsewhere", "cron.service"),
        "restart",
    )
    .await;
    grant(
        &app,
        SubjectKind::User,
        "vera",
        ("*", "ssh.service"),
        "restart,stop",
    )
    .await;
    grant(
        &app,
        SubjectKind::User,
        "olga",
        ("*", "*"),
        "restart,start,stop,reload",
    )
    .await;

    // The page offers what the grant allows, and nothing else.
    let nginx = page_of(&vera, "nginx.service").await;
    assert!(nginx.contains("Restart nginx.service…"), "{nginx}");
    assert!(!nginx.contains("Stop nginx.service…"), "no stop grant");
    let cron = page_of(&vera, "cron.service").await;
    assert!(!cron.contains("Restart cron.service…") && !cron.contains("Start cron.service…"));
    assert!(
        cron.contains("no grant to restart cron.service on BackendServer"),
        "the grant is for another host: {cron}"
    );

    // The grant's action works, through every gate, for real.
    let done = vera
        .post_form(&format!("/services/{HOST}/nginx.service/restart"), &[])
        .await;
    assert_eq!(done.status(), 200);
    assert!(
        done.text()
            .await
            .expect("page")
            .contains("Restarted nginx.service")
    );
    assert_eq!(bus.restart_count(), 1, "systemd restarted nginx once");
    let rows = app.restart_rows().await;
    assert_eq!(rows.last().map(|r| r.requested_by.as_str()), Some("vera"));

    // No grant for that host, that unit or that action: 403 with the reason, nothing reaches systemd.
    let refusals = [
        (
            "cron.service",
            "restart",
            "no grant to restart cron.service on BackendServer",
        ),
        (
            "setup.service",
            "restart",
            "no grant to restart setup.service",
        ),
        ("nginx.service", "stop", "no grant to stop nginx.service"),
        (
            "nginx.service",
            "reload",
            "no grant to reload nginx.service",
        ),
    ];
    for (unit, action, reason) in refusals {
        let path = match action {
            "restart" => format!("/services/{HOST}/{unit}/restart"),
            other => format!("/services/{HOST}/{unit}/actions/{other}"),
        };
        let refused = vera.post_form(&path, &[("confirm_unit", unit)]).await;
        assert_eq!(refused.status(), 403, "{action} {unit}");
        let body = refused.text().await.expect("page");
        assert!(body.contains(reason), "{action} {unit}: {body}");
        let confirm = vera.get(&path).await;
        assert_eq!(confirm.status(), 403, "no confirmation for {action} {unit}");
        let (status, json) = api_action(&vera, unit, action).await;
        assert_eq!((status, json["reason"].as_str()), (403, Some("no_grant")));
        assert!(
            json["message"]
                .as_str()
                .unwrap_or_default()
                .contains(reason)
        );
    }

    // A grant never goes past the allow-list: ssh is granted but not approved.
    let ceiling = vera
        .post_form(&format!("/services/{HOST}/ssh.service/restart"), &[])
        .await;
    assert_eq!(ceiling.status(), 403);
    let body = ceiling.text().await.expect("page");
    assert!(body.contains("not in the approved-services list"), "{body}");
    let (status, json) = api_action(&vera, "ssh.service", "stop").await;
    assert_eq!(
        (status, json["reason"].as_str()),
        (403, Some("not_approved"))
    );
    assert_eq!(bus.restart_count(), 1, "still only the granted restart");

    // Each refusal is audited with its reason.
    let denied = app.audit("access_denied").await;
    assert!(
        denied.iter().any(|r| r.username.as_deref() == Some("vera")
            && r.detail
                .as_deref()
                .unwrap_or_default()
                .contains("no grant to stop nginx.service")),
        "{denied:?}"
    );

    // Operators need no grant.
    let otto = app.login_as("otto", Role::Operator).await;
    assert!(
        page_of(&otto, "cron.service")
            .await
            .contains("Restart cron.service…")
    );
}

async fn dry_run_still_holds_for_a_granted_viewer(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(backend, &bus, &policy, &[]).await;
    let vera = app.login_as("vera", Role::Viewer).await;
    grant(&app, SubjectKind::User, "vera", ("*", "nginx*"), "restart").await;
    let (status, json) = api_action(&vera, "nginx.service", "restart").await;
    assert_eq!((status, json["state"].as_str()), (202, Some("dry_run")));
    assert_eq!(bus.restart_count(), 0, "DRY_RUN: nothing reached systemd");
}

/// A request through the trusted auth proxy as `web@example.com`, with `groups` in `Remote-Groups`.
fn as_proxy_user(
    app: &TestApp,
    request: reqwest::RequestBuilder,
    groups: Option<&str>,
) -> reqwest::RequestBuilder {
    let request = request
        .header("Remote-User", "web@example.com")
        .header("Origin", app.url(""));
    match groups {
        Some(groups) => request.header("Remote-Groups", groups),
        None => request,
    }
}

async fn group_grants_count_only_while_the_proxy_names_the_group(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let proxy = [
        ("DRY_RUN", "false"),
        ("SSO_USER_HEADER", "Remote-User"),
        ("TRUSTED_PROXIES", "127.0.0.1/32"),
    ];
    let app = console(backend, &bus, &policy, &proxy).await;
    grant(
        &app,
        SubjectKind::Group,
        "team-web",
        ("*", "nginx.service"),
        "restart",
    )
    .await;
    let page = format!("/services/{HOST}/nginx.service");
    let get = |groups: Option<&'static str>, path: String| {
        as_proxy_user(&app, app.client.get(app.url(&path)), groups).send()
    };

    let who: serde_json::Value = get(Some("Ops, TEAM-web"), "/api/whoami".into())
        .await
        .expect("whoami")
        .json()
        .await
        .expect("json");
    assert_eq!(who["groups"], serde_json::json!(["ops", "team-web"]));
    assert_eq!(who["role"], "viewer");

    let member = get(Some("ops team-web"), page.clone()).await.expect("page");
    let member = member.text().await.expect("page");
    assert!(member.contains("Restart nginx.service…"), "{member}");
    let outsider = get(Some("team-db"), page.clone()).await.expect("page");
    assert!(
        !outsider
            .text()
            .await
            .expect("page")
            .contains("Restart nginx.service…")
    );
    let none = get(None, page.clone()).await.expect("page");
    assert!(
        !none
            .text()
            .await
            .expect("page")
            .contains("Restart nginx.service…")
    );

    let confirm = get(Some("team-web"), format!("{page}/restart"))
        .await
        .expect("confirm")
        .text()
        .await
        .expect("form");
    let csrf = csrf_in(&confirm).expect("the confirmation carries the token");
    let post = |groups| {
        let request = app.client.post(app.url(&format!("{page}/restart")));
        as_proxy_user(&app, request, groups)
            .form(&[("csrf_token", csrf.as_str())])
            .send()
    };
    assert_eq!(
        post(None).await.expect("post").status(),
        403,
        "without the group"
    );
    assert_eq!(post(Some("team-db")).await.expect("post").status(), 403);
    assert_eq!(bus.restart_count(), 0);
    assert_eq!(post(Some("team-web")).await.expect("post").status(), 200);
    assert_eq!(bus.restart_count(), 1, "the group's grant restarted it");

    // Groups come with the proxy's identity only: a local session cannot claim one by header.
    let vera = app.login_as("vera", Role::Viewer).await;
    let claimed = vera
        .client
        .get(vera.url(&page))
        .header("Remote-Groups", "team-web")
        .send()
        .await
        .expect("page");
    assert!(
        !claimed
            .text()
            .await
            .expect("page")
            .contains("Restart nginx.service…")
    );
}

async fn cloudflare_access_groups_come_from_the_configured_claim(backend: Backend) {
    let key = SigningKey::generate("key-a");
    let jwks = JwksServer::start(vec![key.jwk()]).await;
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let cloudflare = [
        ("CF_ACCESS_TEAM_DOMAIN", TEAM),
        ("CF_ACCESS_AUD", AUD),
        ("CF_ACCESS_CERTS_URL", jwks.url.as_str()),
        ("SMARTMON_SSO_GROUPS_CLAIM", "teams"),
    ];
    let app = console(backend, &bus, &policy, &cloudflare).await;
    grant(
        &app,
        SubjectKind::Group,
        "team-web",
        ("*", "nginx.service"),
        "restart",
    )
    .await;
    let mut token = claims("web@example.com");
    token["teams"] = serde_json::json!(["Team-Web", "ops"]);
    token["groups"] = serde_json::json!(["team-db"]);
    let signed = key.sign("key-a", &token);
    let get = |path: String| {
        app.client
            .get(app.url(&path))
            .header("Cf-Access-Jwt-Assertion", signed.as_str())
            .send()
    };
    let who: serde_json::Value = get("/api/whoami".into())
        .await
        .expect("whoami")
        .json()
        .await
        .expect("json");
    assert_eq!(
        who["groups"],
        serde_json::json!(["team-web", "ops"]),
        "only the configured claim"
    );
    let page = get(format!("/services/{HOST}/nginx.service"))
        .await
        .expect("page");
    assert!(
        page.text()
            .await
            .expect("page")
            .contains("Restart nginx.service…")
    );
    let plain = key.sign("key-a", &claims("web@example.com"));
    let without = app
        .client
        .get(app.url(&format!("/services/{HOST}/nginx.service")))
        .header("Cf-Access-Jwt-Assertion", plain)
        .send()
        .await
        .expect("page");
    assert!(
        !without
            .text()
            .await
            .expect("page")
            .contains("Restart nginx.service…")
    );
}

async fn logs_need_a_grant_only_when_configured(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let open = console(backend, &bus, &policy, &[]).await;
    let vera = open.login_as("vera", Role::Viewer).await;
    let logs = format!("/services/{HOST}/nginx.service/logs");
    assert_eq!(
        vera.get(&logs).await.status(),
        200,
        "by default viewers read logs"
    );
    assert!(
        !page_of(&vera, "nginx.service")
            .await
            .contains("no grant to read the logs")
    );

    let closed = console(
        backend,
        &bus,
        &policy,
        &[("SMARTMON_LOGS_NEED_GRANT", "true")],
    )
    .await;
    let vera = closed.login_as("vera", Role::Viewer).await;
    let refused = vera.get(&logs).await;
    assert_eq!(refused.status(), 403);
    let reason = "no grant to read the logs of nginx.service on BackendServer";
    assert!(refused.text().await.expect("page").contains(reason));
    assert!(page_of(&vera, "nginx.service").await.contains(reason));
    let live = vera
        .get(&format!("/events?logs={HOST}/nginx.service"))
        .await;
    assert_eq!(live.status(), 403, "no live log either");
    let denied = closed.audit("access_denied").await;
    assert!(
        denied
            .iter()
            .any(|r| r.detail.as_deref().unwrap_or_default().contains(reason))
    );

    // A restart grant is not a logs grant; a logs grant is.
    grant(
        &closed,
        SubjectKind::User,
        "vera",
        ("*", "nginx.service"),
        "restart",
    )
    .await;
    assert_eq!(vera.get(&logs).await.status(), 403);
    grant(
        &closed,
        SubjectKind::User,
        "vera",
        ("*", "nginx.service"),
        "logs",
    )
    .await;
    assert_eq!(vera.get(&logs).await.status(), 200);
    assert!(!page_of(&vera, "nginx.service").await.contains(reason));
    assert_eq!(
        vera.get(&format!("/services/{HOST}/cron.service/logs"))
            .await
            .status(),
        403
    );
    let otto = closed.login_as("otto", Role::Operator).await;
    assert_eq!(
        otto.get(&format!("/services/{HOST}/cron.service/logs"))
            .await
            .status(),
        200
    );
}

async fn anonymous_callers_are_refused_as_before(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(backend, &bus, &policy, &[("DRY_RUN", "false")]).await;
    app.create_user("someone", Role::Viewer).await;
    let api = app
        .client
        .post(app.url("/api/services/action"))
        .json(&serde_json::json!({ "host": HOST, "service": "nginx.service", "action": "restart" }))
        .send()
        .await
        .expect("post");
    assert_eq!(api.status(), 401);
    let page = app
        .client
        .post(app.url(&format!("/services/{HOST}/nginx.service/restart")))
        .header("Origin", app.url(""))
        .send()
        .await
        .expect("post");
    assert_eq!(page.status(), 303, "sent to the login page");
    assert_eq!(bus.restart_count(), 0);
}

async fn a_granted_viewer_still_needs_the_csrf_token(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(backend, &bus, &policy, &[("DRY_RUN", "false")]).await;
    let vera = app.login_as("vera", Role::Viewer).await;
    grant(&app, SubjectKind::User, "vera", ("*", "*"), "restart").await;
    let forged = vera
        .client
        .post(vera.url(&format!("/services/{HOST}/nginx.service/restart")))
        .header("Origin", vera.url(""))
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), 403);
    assert!(
        forged
            .text()
            .await
            .expect("page")
            .contains("security token")
    );
    assert_eq!(bus.restart_count(), 0);
}

async fn admins_manage_grants_on_the_grants_page(backend: Backend) {
    let bus = FakeSystemd::start(&units()).await;
    let policy = Policy::new(ALLOW);
    let app = console(backend, &bus, &policy, &[]).await;
    let ada = app.login_as("ada", Role::Admin).await;
    for role in [Role::Viewer, Role::Operator] {
        let other = app.login_as(&format!("not-{role}"), role).await;
        assert_eq!(other.get("/admin/grants").await.status(), 403, "{role}");
        let add = [
            ("subject_kind", "user"),
            ("subject", "x"),
            ("host_pattern", "*"),
            ("unit_pattern", "*"),
            ("restart", "on"),
        ];
        assert_eq!(
            other.post_form("/admin/grants", &add).await.status(),
            403,
            "{role}"
        );
    }
    assert!(
        ada.get("/users")
            .await
            .text()
            .await
            .expect("page")
            .contains("href=\"/admin/grants\"")
    );

    let good = [
        ("subject_kind", "group"),
        ("subject", "team-web"),
        ("host_pattern", "web*"),
        ("unit_pattern", "php*-fpm.service"),
        ("restart", "on"),
        ("logs", "on"),
    ];
    let too_long = "a".repeat(300);
    // Each with one field changed (an empty value drops it; no action ticked drops both boxes).
    let bad = [
        ("host_pattern", "web;1", "hosts: ';' is not allowed"),
        ("unit_pattern", "", "units: a pattern is required"),
        (
            "unit_pattern",
            "nginx<script>",
            "is not allowed in a pattern for a unit",
        ),
        (
            "unit_pattern",
            too_long.as_str(),
            "units: a pattern is at most 256",
        ),
        ("subject", "", "group: a user or group name is 1 to 128"),
        ("subject_kind", "robot", "grant to a user or a group"),
        ("restart", "", "actions: a grant allows at least one action"),
    ];
    for (field, value, reason) in bad {
        let mut form: Vec<(&str, &str)> = good.to_vec();
        form.retain(|(k, _)| *k != field && !(field == "restart" && *k == "logs"));
        if !value.is_empty() {
            form.push((field, value));
        }
        let refused = ada.post_form("/admin/grants", &form).await;
        assert_eq!(refused.status(), 400, "{field}={value:?}");
        let body = refused.text().await.expect("page");
        assert!(body.contains(reason), "{field}={value:?}: {body}");
    }
    assert!(
        unit_grants::all(&app.state.db.conn)
            .await
            .expect("rows")
            .is_empty(),
        "no row"
    );

    let added = ada.post_form("/admin/grants", &good).await;
    assert_eq!(added.status(), 303);
    let rows = unit_grants::all(&app.state.db.conn).await.expect("rows");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        (
            row.subject.as_str(),
            row.host_pattern.as_str(),
            row.unit_pattern.as_str(),
            row.actions.as_str()
        ),
        ("team-web", "web*", "php*-fpm.service", "logs,restart")
    );
    let listed = ada.get("/admin/grants").await.text().await.expect("page");
    assert!(
        listed.contains("team-web") && listed.contains("php*-fpm.service"),
        "{listed}"
    );
    let created = app.audit("grant_created").await;
    assert_eq!(created.len(), 1);
    assert!(
        created[0]
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("team-web")
    );

    let deleted = ada
        .post_form(&format!("/admin/grants/{}/delete", row.id), &[])
        .await;
    assert_eq!(deleted.status(), 303);
    assert!(
        unit_grants::all(&app.state.db.conn)
            .await
            .expect("rows")
            .is_empty()
    );
    assert_eq!(app.audit("grant_deleted").await.len(), 1);
    let again = ada
        .post_form(&format!("/admin/grants/{}/delete", row.id), &[])
        .await;
    assert_eq!(again.status(), 404);
    assert_eq!(
        ada.post_form("/admin/grants/nope/delete", &[])
            .await
            .status(),
        404
    );
}

both_backends!(
    a_viewer_acts_only_where_a_grant_reaches_and_the_allow_list_allows,
    dry_run_still_holds_for_a_granted_viewer,
    group_grants_count_only_while_the_proxy_names_the_group,
    cloudflare_access_groups_come_from_the_configured_claim,
    logs_need_a_grant_only_when_configured,
    anonymous_callers_are_refused_as_before,
    a_granted_viewer_still_needs_the_csrf_token,
    admins_manage_grants_on_the_grants_page,
);

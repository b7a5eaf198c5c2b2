//! The console's pages: overview, hosts, host detail charts, services (filters, sort, pages), service
//! detail, empty states, bad input, and what a person sees while the database is down.

use std::time::Duration;

use smartmon::auth::Role;

use crate::both_backends;
use crate::support::auth::LoggedIn;
use crate::support::proxy::spawn_app_behind_proxy;
use crate::support::seed::Unit;
use crate::support::{Backend, TestApp, spawn_app};

async fn html(viewer: &LoggedIn, path: &str) -> (u16, String) {
    let response = viewer.get(path).await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

async fn partial(viewer: &LoggedIn, path: &str) -> String {
    viewer
        .client
        .get(viewer.url(path))
        .header("HX-Request", "true")
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body")
}

/// Three hosts (web02 stale) with a mix of unit states.
/// The app (keep it bound: dropping it stops the server) and a signed-in viewer.
async fn seeded(backend: Backend) -> (TestApp, LoggedIn) {
    let app = spawn_app(backend).await;
    app.seed_host("web01", 5.0).await;
    app.seed_host("web02", 3_600.0).await;
    app.seed_host("db01", 10.0).await;
    for (host, name, state, sub) in [
        ("web01", "nginx.service", "running", "running"),
        ("web01", "cron.service", "running", "running"),
        ("web01", "backup.service", "failed", "failed"),
        ("web02", "nginx.service", "stopped", "dead"),
        ("db01", "postgresql.service", "running", "running"),
        ("db01", "pgbouncer.service", "transitioning", "start"),
    ] {
        app.seed_unit(
            Unit {
                host,
                name,
                state,
                sub,
            },
            600.0,
        )
        .await;
    }
    app.seed_metrics("web01", 200, 15.0, |i| (i % 50) as f64)
        .await;
    let viewer = app.login_as("viewer", Role::Viewer).await;
    (app, viewer)
}

/// The unit names in the services table, in order.
fn unit_column(html: &str) -> Vec<String> {
    html.split("<tr id=\"svc:")
        .skip(1)
        .filter_map(|row| {
            row.split(':')
                .nth(1)
                .and_then(|rest| rest.split('"').next())
        })
        .map(str::to_owned)
        .collect()
}

async fn the_overview_shows_the_fleet_and_what_needs_attention(backend: Backend) {
    let (_app, viewer) = seeded(backend).await;
    let (status, page) = html(&viewer, "/").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("2 up") && page.contains("1 stale"),
        "hosts up/stale"
    );
    assert!(page.contains("backup.service"), "the failed unit is listed");
    assert!(
        page.contains("pgbouncer.service"),
        "the transitioning unit is listed"
    );
    assert!(
        page.contains("href=\"/services?state=failed\""),
        "state tiles link to the filtered table"
    );
    assert!(page.contains("DRY RUN"), "dry-run mode is shown");

    let body = partial(&viewer, "/").await;
    assert!(!body.contains("<html"), "HTMX gets the partial alone");
    assert!(body.contains("backup.service"));
}

async fn empty_pages_say_what_to_do(backend: Backend) {
    let app = spawn_app(backend).await;
    let viewer = app.login_as("viewer", Role::Viewer).await;
    for path in ["/", "/hosts", "/services"] {
        let (status, page) = html(&viewer, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            page.contains("smartmon agent"),
            "{path} tells how to get data"
        );
    }
}

async fn services_filter_by_host_state_and_search(backend: Backend) {
    let (_app, viewer) = seeded(backend).await;
    let (_, page) = html(&viewer, "/services?host=web01").await;
    assert_eq!(
        unit_column(&page),
        ["backup.service", "cron.service", "nginx.service"]
    );

    let (_, page) = html(&viewer, "/services?state=failed").await;
    assert_eq!(unit_column(&page), ["backup.service"]);
    assert!(
        page.contains("class=\"state-failed\""),
        "failed rows stand out"
    );

    let (_, page) = html(&viewer, "/services?q=NGINX").await;
    assert_eq!(
        unit_column(&page),
        ["nginx.service", "nginx.service"],
        "search ignores case"
    );

    let (_, page) = html(&viewer, "/services?q=daemon%25").await;
    assert!(
        unit_column(&page).is_empty(),
        "% in a search is a literal, not a wildcard"
    );
    assert!(page.contains("No unit matches these filters"));
}

async fn services_sort_and_page(backend: Backend) {
    let (_app, viewer) = seeded(backend).await;
    let (_, page) = html(&viewer, "/services?sort=unit&dir=desc&limit=2").await;
    assert_eq!(
        unit_column(&page),
        ["postgresql.service", "pgbouncer.service"]
    );
    assert!(page.contains("1–2 of 6"), "the pager says where we are");
    assert!(page.contains("offset=2"), "a next-page link");
    let (_, page) = html(&viewer, "/services?sort=unit&dir=desc&limit=2&offset=4").await;
    assert_eq!(unit_column(&page), ["cron.service", "backup.service"]);
    assert!(page.contains("aria-sort=\"descending\""));

    let body = partial(&viewer, "/services?host=db01").await;
    assert!(
        !body.contains("<html") && body.contains("postgresql.service"),
        "partial for HTMX"
    );
}

async fn bad_query_parameters_get_a_400_naming_the_parameter(backend: Backend) {
    let (_app, viewer) = seeded(backend).await;
    for (path, name) in [
        ("/services?state=sleepy", "state"),
        ("/services?limit=ten", "limit"),
        ("/services?sort=password", "sort"),
        ("/services?host=a%20b", "host"),
        ("/hosts/web01?range=2y", "range"),
        ("/services/web01/nginx.service?window=1y", "window"),
    ] {
        let (status, page) = html(&viewer, path).await;
        assert_eq!(status, 400, "{path}");
        assert!(
            page.contains(&format!("parameter {name}")),
            "{path}: {page}"
        );
    }
}

async fn host_detail_draws_charts_for_every_range(backend: Backend) {
    let (_app, viewer) = seeded(backend).await;
    for range in ["15m", "1h", "6h", "24h", "7d"] {
        let (status, page) = html(&viewer, &format!("/hosts/web01?range={range}")).await;
        assert_eq!(status, 200, "{range}");
        assert_eq!(page.matches("<svg").count(), 5, "five charts for {range}");
        assert!(
            page.contains("<polyline class=\"line series-a\""),
            "a CPU line for {range}"
        );
        assert!(
            page.contains("cpu now"),
            "charts describe themselves for screen readers"
        );
    }
    let (_, page) = html(&viewer, "/hosts/web01").await;
    assert!(
        page.contains("backup.service"),
        "the host's services are listed"
    );
    let (status, page) = html(&viewer, "/hosts/nosuchhost").await;
    assert_eq!(status, 404);
    assert!(page.contains("No host named nosuchhost"));
}

async fn service_detail_shows_uptime_from_the_history(backend: Backend) {
    let app = spawn_app(backend).await;
    let viewer = app.login_as("viewer", Role::Viewer).await;
    app.seed_host("web01", 5.0).await;
    let now = smartmon::clock::Clock::default().now();
    app.seed_unit(
        Unit {
            host: "web01",
            name: "nginx.service",
            state: "running",
            sub: "running",
        },
        3_600.0,
    )
    .await;
    // Running since before the window, failed for an hour, running again for the last hour.
    app.seed_change("web01", "nginx.service", "running", now - 100_000.0)
        .await;
    app.seed_change("web01", "nginx.service", "failed", now - 7_200.0)
        .await;
    let (status, page) = html(&viewer, "/services/web01/nginx.service?window=24h").await;
    assert_eq!(status, 200);
    assert!(page.contains("95.83%"), "23 of 24 hours running: {page}");
    assert_eq!(
        page.matches("badge badge-danger").count(),
        1,
        "the failure is in the history"
    );

    let (status, page) = html(&viewer, "/services/web01/nosuch.service").await;
    assert_eq!(status, 404);
    assert!(page.contains("web01 has no unit named nosuch.service"));
}

async fn the_audit_log_filters_and_exports(backend: Backend) {
    let app = spawn_app(backend).await;
    let operator = app.login_as("operator", Role::Operator).await;
    app.seed_audit("alice", "login", None, true, 300.0).await;
    app.seed_audit("mallory", "login_failed", None, false, 200.0)
        .await;
    app.seed_audit("alice", "restart_requested", Some("web01"), true, 100.0)
        .await;

    let (status, page) = html(&operator, "/audit").await;
    assert_eq!(status, 200);
    for seeded in ["mallory", "login_failed", "restart_requested"] {
        assert!(page.contains(seeded), "{seeded} is listed");
    }
    let (_, page) = html(&operator, "/audit?user=alice").await;
    assert_eq!(page.matches("<td><code>").count(), 2);
    let newest = page.find("restart_requested").expect("restart row");
    assert!(
        newest < page.find("<td><code>login</code>").expect("login row"),
        "newest first"
    );

    let (_, page) = html(&operator, "/audit?failures=1").await;
    assert_eq!(page.matches("<td><code>").count(), 1);
    assert!(page.contains("mallory"));
    let (_, page) = html(&operator, "/audit?user=alice&action=login").await;
    assert_eq!(page.matches("<td><code>").count(), 1);

    let csv = operator
        .get("/api/audit.csv?host=web01")
        .await
        .text()
        .await
        .expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[1].contains(",alice,192.0.2.7,restart_requested,web01,"),
        "{csv}"
    );
}

both_backends!(
    the_audit_log_filters_and_exports,
    the_overview_shows_the_fleet_and_what_needs_attention,
    empty_pages_say_what_to_do,
    services_filter_by_host_state_and_search,
    services_sort_and_page,
    bad_query_parameters_get_a_400_naming_the_parameter,
    host_detail_draws_charts_for_every_range,
    service_detail_shows_uptime_from_the_history,
);

#[tokio::test]
async fn pages_show_the_outage_banner_while_the_database_is_down_and_recover() {
    let (app, proxy, db) = spawn_app_behind_proxy(&[]).await;
    let viewer = app.login_as("viewer", Role::Viewer).await;
    app.seed_unit(
        Unit {
            host: "web01",
            name: "nginx.service",
            state: "failed",
            sub: "failed",
        },
        60.0,
    )
    .await;
    assert_eq!(html(&viewer, "/services").await.0, 200);

    proxy.cut();
    // The live services table is held in memory: it keeps showing the last known state, under the banner
    // (which appears once the health check notices, within a few seconds).
    let mut services = (0, String::new());
    for _ in 0..40 {
        services = html(&viewer, "/services").await;
        if services.1.contains("Database unreachable") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(services.0, 200, "the last known state is still served");
    assert!(
        services.1.contains("Database unreachable")
            && services.1.contains("svc:web01:nginx.service"),
        "the last known units, under the banner"
    );
    // The fleet's figures the overview read at login are held in memory too: the last known, under the banner.
    let (status, page) = html(&viewer, "/hosts").await;
    assert_eq!(status, 200, "the last known hosts are still served");
    assert!(page.contains("Database unreachable"));
    // Pages that read history need the database: a 503 page that says why.
    let (status, page) = html(&viewer, "/hosts/web01?range=30d").await;
    assert_eq!(status, 503);
    assert!(
        page.contains("Database unreachable"),
        "the banner, not a bare error"
    );
    assert!(
        page.contains("data-outage"),
        "the page knows to reload itself on recovery"
    );
    assert!(
        page.contains("sse-connect=\"/events\""),
        "and listens for that recovery"
    );

    proxy.restore();
    let mut status = 0;
    for _ in 0..40 {
        status = html(&viewer, "/services").await.0;
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(status, 200, "pages work again once the database is back");
    drop(db);
}

//! The foundation: probes, pages and assets, migrations on both backends, settings, the healthcheck command.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use smartmon::auth::Role;

use crate::both_backends;
use crate::support::proxy::spawn_app_behind_proxy;
use crate::support::{Backend, TestDb, base_vars, spawn_app, unused_address};

const BIN: &str = env!("CARGO_BIN_EXE_smartmon");

/// Runs the real binary with exactly these variables (plus PATH) and returns its output.
fn smartmon(args: &[&str], vars: &[(String, String)]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(vars.iter().cloned())
        .stdin(Stdio::null())
        .output()
        .expect("run smartmon")
}

async fn probes_pages_and_assets_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let viewer = app.login_as("viewer", Role::Viewer).await;

    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = health.json().await.expect("json");
    assert_eq!(body["status"], "ok");

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(body["status"], "ready");

    let home = viewer.get("/").await;
    assert_eq!(home.status(), 200);
    let csp = home.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe"),
        "{csp}"
    );
    let html = home.text().await.expect("text");
    assert!(html.contains("<nav"), "layout has navigation");
    assert!(
        html.contains(concat!("smartmon ", env!("CARGO_PKG_VERSION"))),
        "footer names the version"
    );
    assert!(html.contains("DRY RUN"), "dry-run mode is shown by default");

    // Assets are linked under hashed names and cached for a year.
    let css_href = html
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|href| href.starts_with("/assets/app.") && href.ends_with(".css"))
        .expect("stylesheet link")
        .to_owned();
    let css = app.get(&css_href).await;
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["cache-control"]
            .to_str()
            .expect("ascii")
            .contains("immutable")
    );
    assert!(
        css.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/css")
    );
    let htmx_src = html
        .split("src=\"")
        .filter_map(|s| s.split('"').next())
        .find(|src| src.starts_with("/assets/htmx.min."))
        .expect("htmx script")
        .to_owned();
    let htmx = app.get(&htmx_src).await.text().await.expect("text");
    assert!(htmx.contains("htmx"), "vendored htmx is served");

    let head = app
        .client
        .head(app.url("/healthz"))
        .send()
        .await
        .expect("HEAD");
    assert_eq!(head.status(), 200, "probes answer HEAD too");
}

async fn unknown_paths_get_a_readable_404_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/no/such/page?x=<script>").await;
    assert_eq!(response.status(), 404);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let html = response.text().await.expect("text");
    assert!(
        html.contains("Not found") && html.contains("/no/such/page"),
        "{html}"
    );
    assert!(html.contains("Back to the overview"));
    assert!(
        !html.contains("<script>"),
        "nothing from the request is rendered unescaped"
    );

    let asset = app.get("/assets/nope.js").await;
    assert_eq!(asset.status(), 404);
}

async fn healthcheck_exits_zero_against_a_live_database(backend: Backend) {
    let db = TestDb::create(backend).await;
    let vars: Vec<_> = db.env().into_iter().collect();
    let out = smartmon(&["healthcheck"], &vars);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok:"));
}

both_backends!(
    probes_pages_and_assets_answer,
    unknown_paths_get_a_readable_404_page,
    healthcheck_exits_zero_against_a_live_database,
);

#[test]
fn healthcheck_fails_within_seconds_when_nothing_listens() {
    let addr = unused_address();
    let started = Instant::now();
    let out = smartmon(
        &["healthcheck"],
        &[
            (
                "DATABASE_URL".into(),
                format!("postgresql://smart:secretpw@{addr}/smartdb"),
            ),
            ("SMARTMON_DB_TIMEOUT_SECS".into(), "2".into()),
        ],
    );
    assert!(!out.status.success());
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("unhealthy:"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains("connection refused"),
        "a refused port is reported as such, not as a timeout: {stderr}"
    );
    assert!(
        !stderr.contains("secretpw"),
        "the password is never printed: {stderr}"
    );
}

#[test]
fn healthcheck_fails_within_its_timeout_when_the_database_hangs() {
    // A listener that accepts and never answers: the handshake hangs.
    let blackhole = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = blackhole.local_addr().expect("addr");
    let started = Instant::now();
    let out = smartmon(
        &["healthcheck"],
        &[
            (
                "DATABASE_URL".into(),
                format!("postgresql://smart@{addr}/smartdb"),
            ),
            ("SMARTMON_DB_TIMEOUT_SECS".into(), "1".into()),
        ],
    );
    assert!(!out.status.success());
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "took {:?}",
        started.elapsed()
    );
    drop(blackhole);
}

#[test]
fn a_bad_setting_stops_start_up_naming_the_variable() {
    let out = smartmon(&["serve"], &[("GUI_PORT".into(), "abc".into())]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("GUI_PORT") && stderr.contains("\"abc\""),
        "{stderr}"
    );
}

#[tokio::test]
async fn readyz_reports_a_lost_database_and_recovers_without_a_restart() {
    let (app, proxy, db) = spawn_app_behind_proxy(&[]).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    let viewer = app.login_as("viewer", Role::Viewer).await;

    proxy.cut();
    let down = app.get("/readyz").await;
    assert_eq!(down.status(), 503);
    let body: serde_json::Value = down.json().await.expect("json");
    assert_eq!(body["status"], "unavailable");
    assert!(
        !body["reason"].as_str().unwrap_or_default().is_empty(),
        "{body}"
    );

    // The overview answers from memory (what it read at login); a chart needs the database.
    assert_eq!(viewer.get("/").await.status(), 200);
    let page = viewer.get("/hosts/web01?range=30d").await;
    assert_eq!(page.status(), 503);
    let html = page.text().await.expect("text");
    assert!(
        html.contains("Database unreachable"),
        "pages show the outage banner, not a bare error"
    );

    proxy.restore();
    let mut status = 0;
    for _ in 0..20 {
        status = app.get("/readyz").await.status().as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(status, 200, "ready again once the database is back");
    drop(db);
}

#[tokio::test]
async fn migrate_gives_postgres_the_runbook_columns() {
    let db = TestDb::create(Backend::Postgres).await;
    let vars: Vec<_> = db.env().into_iter().collect();
    let out = smartmon(&["migrate"], &vars);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let pg = db.pg_client().await;
    let rows = pg
        .query(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'service_status'",
            &[],
        )
        .await
        .expect("columns");
    let columns: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    for wanted in [
        "hostname",
        "service_name",
        "raw_status",
        "normalized_status",
        "sub_state",
        "service_type",
        "unit_file_state",
        "ts_epoch",
    ] {
        assert!(
            columns.iter().any(|c| c == wanted),
            "service_status lacks {wanted}: {columns:?}"
        );
    }
    // The deployment spec's runbook queries, verbatim.
    pg.query(
        "SELECT service_name, raw_status, sub_state, service_type, unit_file_state
FROM service_status
WHERE hostname='BackendServer'
ORDER BY ts_epoch DESC
LIMIT 20;",
        &[],
    )
    .await
    .expect("runbook query C runs");
    pg.query(
        "SELECT normalized_status, COUNT(*) FROM service_status WHERE hostname='BackendServer' GROUP BY 1;",
        &[],
    )
    .await
    .expect("runbook count query runs");

    // Running it again is a no-op.
    assert!(smartmon(&["migrate"], &vars).status.success());
}

#[tokio::test]
async fn serve_refuses_an_unmigrated_postgres_without_init_and_says_what_to_do() {
    let db = TestDb::create(Backend::Postgres).await;
    let mut vars = base_vars(&db);
    vars.insert("SMARTMON_INIT_PG".into(), "0".into());
    let out = smartmon(&["serve"], &vars.into_iter().collect::<Vec<_>>());
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("smartmon migrate") && stderr.contains("SMARTMON_INIT_PG"),
        "{stderr}"
    );
}

#[tokio::test]
async fn both_backends_produce_the_same_tables_and_columns() {
    let pg_app = spawn_app(Backend::Postgres).await;
    let sqlite_app = spawn_app(Backend::Sqlite).await;

    let pg = pg_app.db.pg_client().await;
    let rows = pg
        .query(
            "SELECT table_name, column_name FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name <> 'seaql_migrations'",
            &[],
        )
        .await
        .expect("pg columns");
    let mut pg_columns: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    pg_columns.sort();

    use sea_orm::{ConnectionTrait, Statement};
    let conn = &sqlite_app.state.db.conn;
    let rows = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'seaql_migrations'",
        ))
        .await
        .expect("sqlite columns");
    let mut sqlite_columns: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get_by_index(0).expect("t"),
                r.try_get_by_index(1).expect("c"),
            )
        })
        .collect();
    sqlite_columns.sort();

    assert!(!pg_columns.is_empty());
    assert_eq!(pg_columns, sqlite_columns);
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(BIN)
        .arg("serve")
        .env_clear()
        .env("SMARTMONITOR_DB_PATH", dir.path().join("s.db"))
        .env("GUI_PORT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve");
    std::thread::sleep(Duration::from_millis(800));
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(12),
            "serve did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "a graceful stop exits 0");
}

#[tokio::test]
async fn serve_stops_within_seconds_on_sigterm_even_with_a_live_page_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = unused_address().port();
    let address = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .arg("serve")
        .env_clear()
        .env("SMARTMONITOR_DB_PATH", dir.path().join("s.db"))
        .env("GUI_PORT", port.to_string())
        .env("SMARTMON_COLLECT", "false")
        .env("SMARTMON_ADMIN_PASSWORD", "a-long-test-password")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve");
    let client = crate::support::client();
    let mut logged_in = false;
    for _ in 0..100 {
        let login = client
            .post(format!("{address}/login"))
            .header("Origin", &address)
            .form(&[
                ("username", "admin"),
                ("password", "a-long-test-password"),
                ("next", "/"),
            ])
            .send()
            .await;
        if login.is_ok_and(|r| r.status() == 303) {
            logged_in = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(logged_in, "the admin logs in");
    let mut events = client
        .get(format!("{address}/events"))
        .send()
        .await
        .expect("stream");
    assert_eq!(events.status(), 200);
    assert!(
        events.chunk().await.expect("first frame").is_some(),
        "the stream is open"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "serve lingered on SIGTERM with a stream open"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "a graceful stop exits 0");
    let mut rest = Vec::new();
    while let Ok(Some(chunk)) = events.chunk().await {
        rest.extend_from_slice(&chunk);
    }
    // The stream ended cleanly (no error) rather than being cut mid-frame.
    assert!(
        rest.is_empty() || rest.ends_with(b"\n\n"),
        "{}",
        String::from_utf8_lossy(&rest)
    );
}

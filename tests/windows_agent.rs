//! The Windows agent for real: `smartmon.exe` (x86_64-pc-windows-gnu) under Wine, writing the prefix's
//! real services (through the Service Control Manager) into the test Postgres beside a Linux console, and
//! running the console's restarts on its host. Postgres only: a Windows host reaches the fleet's
//! Postgres over the network (deployment spec, section 10); it has no way to share the console's
//! SQLite file.

use std::time::Duration;

use smartmon::auth::Role;
use smartmon::domain::RestartState;

use crate::support::collector::{eventually, rows};
use crate::support::restart::{KEY, Policy};
use crate::support::wine::{self, Wine};
use crate::support::{Backend, TestApp, TestDb, spawn_app_on};

const WIN_HOST: &str = "win01";
const APPROVED: &str =
    r#"{"allow":[{"host":"win*","service":"Spooler"},{"host":"win*","service":"Schedule"}]}"#;
/// Generous: the first sync under Wine on a loaded two-core machine.
const FIRST_SYNC: Duration = Duration::from_secs(90);

/// A Linux console on a fresh Postgres database, with the API key and `policy`, no cooldown.
async fn console(policy: &Policy) -> TestApp {
    let db = TestDb::create(Backend::Postgres).await;
    let vars = [
        ("HOSTNAME_OVERRIDE", "console01"),
        ("SMARTMON_API_KEY", KEY),
        ("SMARTMON_APPROVED_JSON", policy.path()),
        ("SMARTMON_RESTART_COOLDOWN_MIN", "0"),
        ("DRY_RUN", "false"),
    ];
    spawn_app_on(db, &vars).await
}

/// The agent for `WIN_HOST` on the console's database; `extra` on top of the defaults.
fn agent(
    wine: &Wine,
    app: &TestApp,
    policy: &Policy,
    extra: &[(&str, &str)],
) -> tokio::process::Child {
    let url = app.db.url.clone().expect("a Postgres URL");
    let approved = Wine::windows_path(&policy.path);
    let mut env = vec![
        ("DATABASE_URL", url.as_str()),
        ("HOSTNAME_OVERRIDE", WIN_HOST),
        ("LOG_LEVEL", "WARNING"),
        ("SERVICE_POLL_INTERVAL", "1"),
        ("SMARTMON_APPROVED_JSON", approved.as_str()),
        ("SMARTMON_RESTART_COOLDOWN_MIN", "0"),
        ("SMARTMON_RESTART_TIMEOUT_SECS", "20"),
        // Only LISTEN/NOTIFY can wake the agent in time.
        ("SMARTMON_RESTART_POLL_SECS", "600"),
        ("DRY_RUN", "false"),
    ];
    env.extend_from_slice(extra);
    wine.agent(&env)
}

/// `service_current`'s (raw_status, sub_state) of one of the Windows host's services.
async fn current(app: &TestApp, service: &str) -> Option<(String, String)> {
    let sql = format!(
        "SELECT raw_status, sub_state FROM service_current WHERE hostname = '{WIN_HOST}' AND service_name = '{service}'"
    );
    rows(app, &sql)
        .await
        .pop()
        .map(|r| (r[0].clone(), r[1].clone()))
}

async fn wait_for_state(app: &TestApp, service: &str, raw: &str) -> String {
    let what = format!("{service} {raw} in service_current");
    eventually(&what, Duration::from_secs(30), || async {
        current(app, service)
            .await
            .filter(|(r, _)| r == raw)
            .map(|(_, sub)| sub)
    })
    .await
}

/// Starts `service` in the prefix unless it runs, and waits until the SCM says RUNNING.
/// Starts `service` in the prefix unless it runs (asking again while a fresh prefix settles), and
/// waits until the SCM says RUNNING.
async fn ensure_running(wine: &Wine, service: &str) {
    for _ in 0..50 {
        match wine.sc_state(service).await.as_str() {
            "RUNNING" => return,
            "STOPPED" => {
                let _ = wine.try_sc(&["start", service]).await;
            }
            _ => {}
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{service} did not start in the prefix");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_windows_agent_lists_the_prefixs_real_services_and_its_host() {
    let _one_at_a_time = wine::lock().await;
    let wine = tokio::task::spawn_blocking(wine::ready)
        .await
        .expect("wine ready");
    let policy = Policy::new(APPROVED);
    let app = console(&policy).await;
    let _agent = agent(wine, &app, &policy, &[]);

    eventually("the Windows host's services", FIRST_SYNC, || async {
        current(&app, "RpcSs").await
    })
    .await;
    let services = rows(
        &app,
        "SELECT service_name, raw_status, normalized_status, service_type, unit_file_state, description \
         FROM service_current WHERE hostname = 'win01' ORDER BY service_name",
    )
    .await;
    let names: Vec<&str> = services.iter().map(|r| r[0].as_str()).collect();
    for real in [
        "Eventlog", "PlugPlay", "RpcSs", "Schedule", "Spooler", "wuauserv",
    ] {
        assert!(names.contains(&real), "{real} missing from {names:?}");
    }
    let rpc = services.iter().find(|r| r[0] == "RpcSs").expect("RpcSs");
    assert_eq!((rpc[1].as_str(), rpc[2].as_str()), ("RUNNING", "running"));
    assert_eq!(
        rpc[5], "Remote Procedure Call (RPC)",
        "the display name is the description"
    );
    assert!(
        services
            .iter()
            .all(|r| ["own_process", "share_process"].contains(&r[3].as_str()))
    );
    assert!(
        services
            .iter()
            .all(|r| ["auto", "auto-delayed", "demand", "disabled"].contains(&r[4].as_str()))
    );

    let host = eventually("the hosts row", FIRST_SYNC, || async {
        rows(
            &app,
            "SELECT os, kernel FROM hosts WHERE hostname = 'win01'",
        )
        .await
        .pop()
    })
    .await;
    assert!(host[0].starts_with("Windows"), "os: {host:?}");
    assert!(host[1].starts_with("Windows NT"), "kernel: {host:?}");
    let metrics = eventually("a metrics sample", FIRST_SYNC, || async {
        rows(
            &app,
            "SELECT memory_percent::text, disk_percent::text, uptime_secs::text, process_count::text \
             FROM system_metrics WHERE hostname = 'win01'",
        )
        .await
        .pop()
    })
    .await;
    assert!(
        metrics.iter().all(|v| v != "NULL"),
        "memory, C: drive, uptime, processes: {metrics:?}"
    );
    let drives = rows(
        &app,
        "SELECT mount_point FROM filesystem_usage WHERE hostname = 'win01'",
    )
    .await;
    assert!(drives.iter().any(|d| d[0] == "C:\\"), "{drives:?}");

    let viewer = app.login_as("vera", Role::Viewer).await;
    let page = viewer
        .get("/services?host=win01")
        .await
        .text()
        .await
        .expect("the page");
    assert!(
        page.contains("svc:win01:Spooler") && page.contains("svc:win01:RpcSs"),
        "{page}"
    );
    let detail = viewer.get("/services/win01/Spooler").await;
    assert_eq!(detail.status(), 200, "a Windows service's page");
    assert!(
        detail
            .text()
            .await
            .expect("the page")
            .contains("Print Spooler")
    );
    let hosts = viewer
        .get("/hosts")
        .await
        .text()
        .await
        .expect("the hosts page");
    assert!(
        hosts.contains(r#"class="badge badge-muted" title="Windows"#),
        "the Windows mark: {hosts}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_and_starting_a_service_in_wine_shows_up_as_rows() {
    let _one_at_a_time = wine::lock().await;
    let wine = tokio::task::spawn_blocking(wine::ready)
        .await
        .expect("wine ready");
    ensure_running(wine, "Spooler").await;
    let policy = Policy::new(APPROVED);
    let app = console(&policy).await;
    let _agent = agent(wine, &app, &policy, &[]);
    eventually("Spooler's first row", FIRST_SYNC, || async {
        current(&app, "Spooler").await
    })
    .await;
    let running = wait_for_state(&app, "Spooler", "RUNNING").await;
    assert!(running.starts_with("pid "), "{running}");

    wine.sc(&["stop", "Spooler"]).await;
    assert_eq!(wait_for_state(&app, "Spooler", "STOPPED").await, "stopped");
    wine.sc(&["start", "Spooler"]).await;
    wait_for_state(&app, "Spooler", "RUNNING").await;

    let history = rows(
        &app,
        "SELECT normalized_status FROM service_status WHERE hostname = 'win01' AND service_name = 'Spooler' ORDER BY id",
    )
    .await;
    let states: Vec<&str> = history.iter().map(|r| r[0].as_str()).collect();
    assert!(
        states.ends_with(&["running", "stopped", "running"]),
        "{states:?}"
    );
}

/// Asks the console's API to restart `service` on the Windows host; the finished request row.
async fn restart_through_the_console(
    app: &TestApp,
    service: &str,
    finished: RestartState,
) -> smartmon::db::entities::restart_requests::Model {
    let (status, body) = app.api_restart(WIN_HOST, service).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["state"], "queued", "{body}");
    let id = body["request_id"].as_i64().expect("a request id");
    let db = &app.state.db.conn;
    eventually("the agent's result", Duration::from_secs(60), || async {
        smartmon::db::restart_requests::find(db, id)
            .await
            .ok()
            .flatten()
            .filter(|r| r.state == finished)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_queued_by_the_console_is_run_by_the_windows_agent() {
    let _one_at_a_time = wine::lock().await;
    let wine = tokio::task::spawn_blocking(wine::ready)
        .await
        .expect("wine ready");
    ensure_running(wine, "Spooler").await;
    let policy = Policy::new(APPROVED);
    let app = console(&policy).await;
    let _agent = agent(wine, &app, &policy, &[]);
    eventually("Spooler's first row", FIRST_SYNC, || async {
        current(&app, "Spooler").await
    })
    .await;
    let pid_before = wait_for_state(&app, "Spooler", "RUNNING").await;

    let row = restart_through_the_console(&app, "Spooler", RestartState::Done).await;

    assert_eq!(row.service_name.as_str(), "Spooler");
    assert_eq!(row.active_state.as_deref(), Some("RUNNING"));
    assert!(row.duration_secs.is_some_and(|d| d > 0.0), "{row:?}");
    assert_eq!(wine.sc_state("Spooler").await, "RUNNING");
    let pid_after = eventually("a new process id", Duration::from_secs(30), || async {
        current(&app, "Spooler")
            .await
            .filter(|(raw, sub)| raw == "RUNNING" && *sub != pid_before)
            .map(|(_, sub)| sub)
    })
    .await;
    assert_ne!(pid_after, pid_before);
    let viewer = app.login_as("vi", Role::Viewer).await;
    let history = viewer
        .get("/services/win01/Spooler/restarts/history")
        .await
        .text()
        .await
        .expect("history");
    assert!(
        history.contains(">done<") && history.contains("api-key"),
        "{history}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_on_the_windows_agent_leaves_the_service_alone() {
    let _one_at_a_time = wine::lock().await;
    let wine = tokio::task::spawn_blocking(wine::ready)
        .await
        .expect("wine ready");
    ensure_running(wine, "Spooler").await;
    let policy = Policy::new(APPROVED);
    let app = console(&policy).await;
    // A full sync every 2 s re-reads every service's PID after the request, whatever happened.
    let extra = [("DRY_RUN", "true"), ("SERVICE_RESYNC_INTERVAL", "2")];
    let _agent = agent(wine, &app, &policy, &extra);
    eventually("Spooler's first row", FIRST_SYNC, || async {
        current(&app, "Spooler").await
    })
    .await;
    let pid_before = wait_for_state(&app, "Spooler", "RUNNING").await;

    let row = restart_through_the_console(&app, "Spooler", RestartState::DryRun).await;

    assert_eq!(row.result.as_deref(), Some("dry_run"));
    let finished = row.finished_at.expect("a finish time");
    // A full sync that saw every service writes hosts.services_seen_at.
    let sql = format!(
        "SELECT s.sub_state FROM service_current s JOIN hosts h ON h.hostname = s.hostname \
         WHERE s.hostname = 'win01' AND s.service_name = 'Spooler' AND h.services_seen_at > {finished}"
    );
    let pid_after = eventually(
        "a full sync after the request",
        Duration::from_secs(30),
        || async { rows(&app, &sql).await.pop().map(|r| r[0].clone()) },
    )
    .await;
    assert_eq!(pid_after, pid_before, "the same process still runs");
    let history = rows(
        &app,
        "SELECT count(*)::text FROM service_status WHERE hostname = 'win01' AND service_name = 'Spooler'",
    )
    .await;
    assert_eq!(history[0][0], "1", "no stop or start was seen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_windows_service_that_refuses_to_stop_is_a_recorded_failure() {
    let _one_at_a_time = wine::lock().await;
    let wine = tokio::task::spawn_blocking(wine::ready)
        .await
        .expect("wine ready");
    ensure_running(wine, "Schedule").await;
    let policy = Policy::new(APPROVED);
    let app = console(&policy).await;
    let _agent = agent(wine, &app, &policy, &[]);
    eventually("Schedule's first row", FIRST_SYNC, || async {
        current(&app, "Schedule").await
    })
    .await;

    let row = restart_through_the_console(&app, "Schedule", RestartState::Failed).await;

    assert_eq!(row.result.as_deref(), Some("stop_refused"), "{row:?}");
    assert!(
        row.error
            .as_deref()
            .is_some_and(|e| e.contains("refused to stop Schedule")),
        "{row:?}"
    );
    assert_eq!(wine.sc_state("Schedule").await, "RUNNING", "it still runs");
    assert_eq!(app.audit("restart_failed").await.len(), 1);
}

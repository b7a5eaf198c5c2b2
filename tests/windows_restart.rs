//! Restarts of a Windows host's services: asked through the Linux console's API, queued, and run by the
//! Windows agent under Wine through the Service Control Manager (Postgres only, as `windows_agent`); the
//! agent of the first logs in as the role `smartmon agent-role` made for its host.

use std::time::Duration;

use smartmon::domain::RestartState;

use crate::support::collector::{eventually, rows};
use crate::support::restart::Policy;
use crate::support::windows_host::{
    APPROVED, FIRST_SYNC, agent, console, current, ensure_running, restart_through_the_console,
    wait_for_running,
};
use crate::support::wine;
use smartmon::auth::Role;

/// The agent logs in as the least-privilege role `smartmon agent-role win01` creates, as a Windows host
/// on another network would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_queued_by_the_console_is_run_by_the_windows_agent() {
    let _one_at_a_time = wine::lock().await;
    let wine = tokio::task::spawn_blocking(wine::ready)
        .await
        .expect("wine ready");
    ensure_running(wine, "Spooler").await;
    let policy = Policy::new(APPROVED);
    let app = console(&policy).await;
    let role = agent_role(&app).await;
    let url = app.db.url.clone().expect("a Postgres URL");
    let url = url.replacen("postgres@", &format!("{role}@"), 1);
    let windows_agent = agent(wine, &app, &policy, &[("DATABASE_URL", &url)]);
    eventually("Spooler's first row", FIRST_SYNC, || async {
        current(&app, "Spooler").await
    })
    .await;
    let pid_before = wait_for_running(&app, "Spooler").await;

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
    drop(windows_agent);
    app.exec(&format!("DROP OWNED BY {role}; DROP ROLE {role};"))
        .await;
}

/// `smartmon agent-role win01 --role NAME --apply`, run as an operator would; the role's name (roles
/// are cluster-wide: one of this test's own).
async fn agent_role(app: &crate::support::TestApp) -> String {
    let mut bytes = [0u8; 5];
    getrandom::fill(&mut bytes).expect("random");
    let role = format!("smartmon_agent_w{}", hex::encode(bytes));
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_smartmon"))
        .args(["agent-role", "win01", "--role", &role, "--apply"])
        .env_clear()
        .env("DATABASE_URL", app.db.url.clone().expect("a Postgres URL"))
        .output()
        .await
        .expect("smartmon agent-role runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    role
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
    let pid_before = wait_for_running(&app, "Spooler").await;

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

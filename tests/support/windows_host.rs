//! The Windows host of the Windows agent's tests: a Linux console on a fresh Postgres database, the
//! agent for `WIN_HOST` under Wine writing into it, and reading what it wrote.

use std::time::Duration;

use smartmon::domain::RestartState;

use super::collector::{eventually, rows};
use super::restart::{KEY, Policy};
use super::wine::Wine;
use super::{Backend, TestApp, TestDb, spawn_app_on};

pub const WIN_HOST: &str = "win01";
pub const APPROVED: &str =
    r#"{"allow":[{"host":"win*","service":"Spooler"},{"host":"win*","service":"Schedule"}]}"#;
/// Generous: the first sync under Wine on a loaded two-core machine.
pub const FIRST_SYNC: Duration = Duration::from_secs(90);

/// A Linux console on a fresh Postgres database, with the API key and `policy`, no cooldown.
pub async fn console(policy: &Policy) -> TestApp {
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
pub fn agent(
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
pub async fn current(app: &TestApp, service: &str) -> Option<(String, String)> {
    let sql = format!(
        "SELECT raw_status, sub_state FROM service_current WHERE hostname = '{WIN_HOST}' AND service_name = '{service}'"
    );
    rows(app, &sql)
        .await
        .pop()
        .map(|r| (r[0].clone(), r[1].clone()))
}

/// Waits until `service_current` says `raw` for `service`; its sub-state. On a timeout the panic says
/// what the row said instead.
pub async fn wait_for_state(app: &TestApp, service: &str, raw: &str) -> String {
    wait_for_row(app, service, raw, |_| true).await
}

/// Waits until `service` runs with a process id in its row, and returns that sub-state (`pid N`): the
/// SCM may say RUNNING a moment before it knows the process, and a row written then says `running`.
pub async fn wait_for_running(app: &TestApp, service: &str) -> String {
    wait_for_row(app, service, "RUNNING", |sub| sub.starts_with("pid ")).await
}

async fn wait_for_row(
    app: &TestApp,
    service: &str,
    raw: &str,
    sub_ok: impl Fn(&str) -> bool,
) -> String {
    let limit = Duration::from_secs(45);
    let started = std::time::Instant::now();
    loop {
        let row = current(app, service).await;
        match row {
            Some((r, sub)) if r == raw && sub_ok(&sub) => return sub,
            _ if started.elapsed() > limit => {
                panic!("{service} not {raw} in service_current after {limit:?}: the row is {row:?}")
            }
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Starts `service` in the prefix unless it runs (asking again while a fresh prefix settles), and
/// waits until the SCM says RUNNING.
pub async fn ensure_running(wine: &Wine, service: &str) {
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
/// Asks the console's API to restart `service` on the Windows host; the finished request row.
pub async fn restart_through_the_console(
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

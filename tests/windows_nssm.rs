//! The deployment spec's way to run the Windows collector: `smartmon.exe agent` under NSSM (the real
//! `nssm.exe` 2.24-101, fetched by `scripts/fetch-nssm`), started by Wine's Service Control Manager, with
//! its settings in NSSM's environment: it writes the host's services and runs a restart the console queued.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use smartmon::domain::RestartState;

use crate::support::collector::eventually;
use crate::support::restart::Policy;
use crate::support::windows_host::{
    APPROVED, FIRST_SYNC, console, current, ensure_running, restart_through_the_console,
    wait_for_running,
};
use crate::support::wine::{self, Wine};

const SERVICE: &str = "smartmon-nssm";

/// nssm.exe from the user's cache (fetched once by `scripts/fetch-nssm`, checked by its SHA-256).
fn nssm_exe() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/fetch-nssm");
    let out = std::process::Command::new(script)
        .output()
        .expect("scripts/fetch-nssm runs");
    assert!(
        out.status.success(),
        "scripts/fetch-nssm failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// `nssm.exe ARGS…` in the prefix; panics with what it said when it fails.
async fn nssm(wine: &Wine, exe: &Path, args: &[&str]) -> String {
    try_nssm(wine, exe, args)
        .await
        .unwrap_or_else(|text| panic!("nssm {args:?} failed: {text}"))
}

/// `nssm.exe ARGS…` in the prefix: what it said, as `Err` when it failed.
async fn try_nssm(wine: &Wine, exe: &Path, args: &[&str]) -> Result<String, String> {
    let out = tempfile::tempfile().expect("a temp file");
    let status = wine
        .command(exe)
        .args(args)
        .stdout(out.try_clone().expect("the file again"))
        .stderr(out.try_clone().expect("the file again"))
        .status();
    let status = tokio::time::timeout(Duration::from_secs(60), status)
        .await
        .unwrap_or_else(|_| panic!("nssm {args:?} hung"))
        .expect("wine runs nssm");
    let mut out = out;
    std::io::Seek::rewind(&mut out).expect("rewind");
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut out, &mut bytes).expect("its output");
    // NSSM writes UTF-16 to a console and the ANSI code page to a file; keep what is readable.
    let text = String::from_utf8_lossy(&bytes).replace('\0', "");
    if status.success() {
        Ok(text)
    } else {
        Err(text)
    }
}

/// Stops and removes the NSSM service whatever the test left behind.
struct Installed<'a> {
    wine: &'a Wine,
}

impl Drop for Installed<'_> {
    fn drop(&mut self) {
        for args in [["stop", SERVICE], ["delete", SERVICE]] {
            let _ = std::process::Command::new(self.wine.wine_binary())
                .arg("sc.exe")
                .args(args)
                .env("WINEPREFIX", &self.wine.prefix)
                .env("WINEDEBUG", "-all")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_agent_under_nssm_writes_rows_and_runs_the_consoles_restart() {
    let nssm_path = tokio::task::spawn_blocking(nssm_exe)
        .await
        .expect("nssm.exe");
    let _one_at_a_time = wine::lock().await;
    let wine = tokio::task::spawn_blocking(wine::ready)
        .await
        .expect("wine ready");
    ensure_running(wine, "Spooler").await;
    let policy = Policy::new(APPROVED);
    let app = console(&policy).await;
    // NSSM and the agent in a directory of their own, as an operator would lay them out.
    let dir = tempfile::tempdir().expect("a dir for the service");
    let agent = dir.path().join("smartmon.exe");
    std::fs::copy(&wine.exe, &agent).expect("copy the exe");
    let nssm_exe = dir.path().join("nssm.exe");
    std::fs::copy(&nssm_path, &nssm_exe).expect("copy nssm.exe");
    wine.remove_service(SERVICE).await;

    let agent_path = Wine::windows_path(&agent);
    nssm(wine, &nssm_exe, &["install", SERVICE, &agent_path, "agent"]).await;
    let _installed = Installed { wine };
    let url = app.db.url.clone().expect("a Postgres URL");
    let approved = Wine::windows_path(&policy.path);
    let environment = [
        format!("DATABASE_URL={url}"),
        "HOSTNAME_OVERRIDE=win01".into(),
        "SERVICE_POLL_INTERVAL=1".into(),
        "LOG_LEVEL=WARNING".into(),
        format!("SMARTMON_APPROVED_JSON={approved}"),
        "SMARTMON_RESTART_COOLDOWN_MIN=0".into(),
        "SMARTMON_RESTART_POLL_SECS=600".into(),
        "SMARTMON_RESTART_TIMEOUT_SECS=20".into(),
        "DRY_RUN=false".into(),
    ];
    let mut set = vec!["set", SERVICE, "AppEnvironmentExtra"];
    set.extend(environment.iter().map(String::as_str));
    nssm(wine, &nssm_exe, &set).await;
    // NSSM's `start` waits a moment for the service and, on a busy machine, may give up while the SCM
    // still says START_PENDING; the service then comes up by itself.
    if let Err(said) = try_nssm(wine, &nssm_exe, &["start", SERVICE]).await {
        assert!(
            said.contains("SERVICE_START_PENDING"),
            "nssm start failed: {said}"
        );
    }
    eventually(
        "NSSM started the agent",
        Duration::from_secs(60),
        || async { (wine.sc_state(SERVICE).await == "RUNNING").then_some(()) },
    )
    .await;

    eventually("the agent's first sync under NSSM", FIRST_SYNC, || async {
        current(&app, "Spooler").await
    })
    .await;
    let pid_before = wait_for_running(&app, "Spooler").await;
    let row = restart_through_the_console(&app, "Spooler", RestartState::Done).await;
    assert_eq!(
        row.executed_by.as_deref().map(|e| e.starts_with("win01")),
        Some(true),
        "{row:?}"
    );
    eventually("a new process id", Duration::from_secs(30), || async {
        current(&app, "Spooler")
            .await
            .filter(|(raw, sub)| raw == "RUNNING" && *sub != pid_before)
    })
    .await;

    nssm(wine, &nssm_exe, &["stop", SERVICE]).await;
    eventually(
        "NSSM stopped the agent",
        Duration::from_secs(60),
        || async { (wine.sc_state(SERVICE).await == "STOPPED").then_some(()) },
    )
    .await;
    nssm(wine, &nssm_exe, &["remove", SERVICE, "confirm"]).await;
    assert!(
        wine.try_sc(&["query", SERVICE]).await.is_err(),
        "the service is gone"
    );
}

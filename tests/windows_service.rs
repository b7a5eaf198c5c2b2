//! `smartmon.exe service install|start|stop|uninstall` under Wine: the agent registered as a native
//! Windows service, started by Wine's Service Control Manager with its settings from `smartmon.env`
//! beside the exe, writes the host's services and runs a restart the Linux console queued.

use std::path::Path;
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

/// Runs `exe ARGS…` in the prefix; its exit status and what it printed.
async fn run(wine: &Wine, exe: &Path, args: &[&str]) -> (bool, String) {
    let out = tempfile::tempfile().expect("a temp file");
    let status = wine
        .command(exe)
        .args(args)
        .stdout(out.try_clone().expect("the file again"))
        .stderr(out.try_clone().expect("the file again"))
        .status();
    let status = tokio::time::timeout(Duration::from_secs(60), status)
        .await
        .expect("it ends")
        .expect("wine runs it");
    let mut out = out;
    let mut text = String::new();
    std::io::Seek::rewind(&mut out).expect("rewind");
    std::io::Read::read_to_string(&mut out, &mut text).expect("its output");
    (status.success(), text)
}

/// Removes the service whatever the test left behind (a failed assertion must not leave it running).
struct Installed<'a> {
    wine: &'a Wine,
}

impl Drop for Installed<'_> {
    fn drop(&mut self) {
        for args in [["stop", "smartmon"], ["delete", "smartmon"]] {
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
async fn the_agent_as_a_windows_service_writes_rows_and_runs_the_consoles_restart() {
    let _one_at_a_time = wine::lock().await;
    let wine = tokio::task::spawn_blocking(wine::ready)
        .await
        .expect("wine ready");
    ensure_running(wine, "Spooler").await;
    let policy = Policy::new(APPROVED);
    let app = console(&policy).await;
    // The service's own copy of the exe, with its settings file beside it.
    let dir = tempfile::tempdir().expect("a dir for the service");
    let exe = dir.path().join("smartmon.exe");
    std::fs::copy(&wine.exe, &exe).expect("copy the exe");
    let settings = format!(
        "# what the service reads (its environment is services.exe's)\n\
         DATABASE_URL={}\nHOSTNAME_OVERRIDE=win01\nSERVICE_POLL_INTERVAL=1\nLOG_LEVEL=WARNING\n\
         SMARTMON_APPROVED_JSON={}\nSMARTMON_RESTART_COOLDOWN_MIN=0\nSMARTMON_RESTART_POLL_SECS=600\n\
         SMARTMON_RESTART_TIMEOUT_SECS=20\nDRY_RUN=false\n",
        app.db.url.clone().expect("a Postgres URL"),
        Wine::windows_path(&policy.path),
    );
    std::fs::write(dir.path().join("smartmon.env"), settings).expect("smartmon.env");
    wine.remove_service("smartmon").await;

    let (ok, said) = run(wine, &exe, &["service", "install"]).await;
    assert!(
        ok && said.contains("installed the smartmon service"),
        "{said}"
    );
    let _installed = Installed { wine };
    wine.sc(&["start", "smartmon"]).await;

    eventually("the service's first sync", FIRST_SYNC, || async {
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

    let (ok, said) = run(wine, &exe, &["service", "stop"]).await;
    assert!(ok, "{said}");
    eventually("the service stopped", Duration::from_secs(30), || async {
        (wine.sc_state("smartmon").await == "STOPPED").then_some(())
    })
    .await;
    let (ok, said) = run(wine, &exe, &["service", "uninstall"]).await;
    assert!(
        ok && said.contains("removed the smartmon service"),
        "{said}"
    );
    assert!(
        wine.try_sc(&["query", "smartmon"]).await.is_err(),
        "the service is gone"
    );
}

//! The Windows agent for real: `smartmon.exe` (x86_64-pc-windows-gnu) under Wine, writing the prefix's
//! real services (through the Service Control Manager) into the test Postgres beside a Linux console.
//! Postgres only: a Windows host reaches the fleet's Postgres over the network (deployment spec,
//! section 10); it has no way to share the console's SQLite file.

use smartmon::auth::Role;

use crate::support::collector::{eventually, rows};
use crate::support::restart::Policy;
use crate::support::windows_host::{
    APPROVED, FIRST_SYNC, agent, console, current, ensure_running, wait_for_running, wait_for_state,
};
use crate::support::wine;

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
    // Wine stops an idle RPC service by itself: start it, and see the agent report it running.
    ensure_running(wine, "RpcSs").await;
    // Its row says RUNNING with its process id as the sub-state (`wait_for_running` waits for both).
    wait_for_running(&app, "RpcSs").await;
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
    // Running, as the agent saw it first or (should Wine have stopped it meanwhile) once started again.
    ensure_running(wine, "Spooler").await;
    wait_for_running(&app, "Spooler").await;

    wine.sc(&["stop", "Spooler"]).await;
    assert_eq!(wait_for_state(&app, "Spooler", "STOPPED").await, "stopped");
    wine.sc(&["start", "Spooler"]).await;
    wait_for_running(&app, "Spooler").await;

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

//! Service states from commands instead of D-Bus: `SERVICE_STATUS_MODE=cmd` against a script speaking the
//! systemctl-shim contract, and `SERVICE_STATUS_MODE=systemd` against a script printing `systemctl` output.

use std::path::Path;

use crate::both_backends;
use crate::support::collector::{collector_for, rows};
use crate::support::{Backend, spawn_app_with};

fn write_script(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write script");
    std::process::Command::new("chmod")
        .args(["+x", path.to_str().expect("utf-8")])
        .status()
        .expect("chmod");
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

async fn cmd_mode_reads_states_from_a_shim_script(backend: Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let shim = dir.path().join("systemctl-shim");
    write_script(
        &shim,
        r#"#!/bin/sh
case "$1" in
  list-units) printf 'ssh.service\nnginx.service\nsnapd.socket\n' ;;
  show)
    case "$2" in
      ssh.service) printf 'ActiveState=active\nSubState=running\nType=notify\nUnitFileState=enabled\n' ;;
      nginx.service) printf 'ActiveState=failed\nSubState=failed\nType=forking\nUnitFileState=enabled\n' ;;
      *) exit 1 ;;
    esac ;;
  *) exit 1 ;;
esac
"#,
    );
    let app = spawn_app_with(
        backend,
        &[
            ("SERVICE_STATUS_MODE", "cmd"),
            ("SERVICE_STATUS_CMD", shim.to_str().expect("utf-8")),
            ("HOSTNAME_OVERRIDE", "BackendServer"),
        ],
    )
    .await;
    let collector = collector_for(&app).await;
    collector.sync_services().await.expect("the shim answers");
    let got = rows(
        &app,
        "SELECT service_name, raw_status, normalized_status, service_type FROM service_current ORDER BY service_name",
    )
    .await;
    assert_eq!(
        got,
        vec![
            row(&["nginx.service", "failed", "failed", "forking"]),
            row(&["ssh.service", "active", "running", "notify"]),
        ]
    );
}

async fn systemd_mode_reads_the_systemctl_command_line(backend: Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let systemctl = dir.path().join("systemctl");
    write_script(
        &systemctl,
        r#"#!/bin/sh
case "$1" in
  list-units)
    [ "$2" = "--type=service" ] || exit 9
    printf 'cron.service loaded active running Regular background program processing daemon\n'
    printf 'getty@tty1.service loaded active running Getty on tty1\n'
    printf 'postgresql.service loaded failed failed PostgreSQL RDBMS\n' ;;
  show)
    [ "$3" = "-p" ] || exit 9
    case "$2" in
      cron.service) printf 'Type=simple\nActiveState=active\nSubState=running\nUnitFileState=enabled\nLoadState=loaded\nDescription=cron\n' ;;
      getty@tty1.service) printf 'Type=idle\nActiveState=active\nSubState=running\nUnitFileState=enabled\nLoadState=loaded\n' ;;
      postgresql.service) printf 'Type=oneshot\nActiveState=failed\nSubState=failed\nUnitFileState=enabled\nLoadState=loaded\n' ;;
      *) exit 1 ;;
    esac ;;
  *) exit 1 ;;
esac
"#,
    );
    let app = spawn_app_with(
        backend,
        &[
            ("SERVICE_STATUS_MODE", "systemd"),
            ("SYSTEMCTL", systemctl.to_str().expect("utf-8")),
        ],
    )
    .await;
    collector_for(&app)
        .await
        .sync_services()
        .await
        .expect("systemctl answers");
    let got = rows(
        &app,
        "SELECT service_name, normalized_status, service_type, description FROM service_current ORDER BY service_name",
    )
    .await;
    assert_eq!(
        got,
        vec![
            row(&["cron.service", "running", "simple", "cron"]),
            row(&["getty@tty1.service", "running", "idle", ""]),
            row(&["postgresql.service", "failed", "oneshot", ""]),
        ],
        "template instances are services too; only bare templates are skipped"
    );
}

both_backends!(
    cmd_mode_reads_states_from_a_shim_script,
    systemd_mode_reads_the_systemctl_command_line,
);

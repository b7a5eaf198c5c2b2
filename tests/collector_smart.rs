//! SMART through the real collector path: `SMARTCTL` points at a script that prints the smartctl JSON
//! fixtures (real outputs of smartmontools 7), plus a standby drive and a device that cannot be opened.

use std::path::{Path, PathBuf};

use sea_orm::{EntityTrait, QueryOrder};
use smartmon::db::entities::{alerts, disk_health};

use crate::both_backends;
use crate::support::collector::collector_for;
use crate::support::{Backend, spawn_app_with};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/smartctl")
}

/// A fake smartctl: `--scan-open` prints `scan`; a device read prints the fixture mapped to it.
fn fake_smartctl(dir: &Path, scan: &str, devices: &[(&str, &str)]) -> PathBuf {
    let f = fixtures();
    let mut cases = String::new();
    for (device, output) in devices {
        let body = match *output {
            "standby" => format!(
                r#"printf '%s' '{{"smartctl":{{"version":[7,3],"exit_status":2,"messages":[{{"string":"Device is in STANDBY mode, exit(2)","severity":"information"}}]}},"device":{{"name":"{device}","type":"sat","protocol":"ATA"}}}}'; exit 2"#
            ),
            "unreadable" => format!(
                r#"printf '%s' '{{"smartctl":{{"version":[7,3],"exit_status":2,"messages":[{{"string":"Smartctl open device: {device} failed: No such device","severity":"error"}}]}}}}'; exit 2"#
            ),
            file => format!("cat '{}/{file}'", f.display()),
        };
        cases.push_str(&format!("  *' {device}') {body} ;;\n"));
    }
    let script = format!(
        "#!/bin/sh\necho \"$*\" >> '{log}'\ncase \" $*\" in\n  *--scan-open*) cat '{scan}' ;;\n{cases}  *) exit 1 ;;\nesac\n",
        log = dir.join("calls.log").display(),
        scan = f.join(scan).display(),
    );
    let path = dir.join("smartctl");
    std::fs::write(&path, script).expect("write fake smartctl");
    std::process::Command::new("chmod")
        .args(["+x", path.to_str().expect("utf-8")])
        .status()
        .expect("chmod");
    path
}

async fn every_smartctl_fixture_is_stored_with_its_health(backend: Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let sata = fake_smartctl(
        dir.path(),
        "smartctl_scan_simple.json",
        &[
            ("/dev/sda", "smart-ata-full.json"),
            ("/dev/sdb", "smart-ata.json"),
            ("/dev/sdc", "smart-sat.json"),
            ("/dev/sdd", "smart-ata-failed-scrutiny.json"),
            ("/dev/sde", "smart-nvme.json"),
            ("/dev/sdf", "standby"),
            ("/dev/sdg", "unreadable"),
        ],
    );
    let app = spawn_app_with(backend, &[("SMARTCTL", sata.to_str().expect("utf-8"))]).await;
    collector_for(&app)
        .await
        .collect_smart()
        .await
        .expect("smart");

    let nvme_dir = tempfile::tempdir().expect("tempdir");
    let nvme = fake_smartctl(
        nvme_dir.path(),
        "smartctl_scan_nvme.json",
        &[("/dev/nvme0", "smart-nvme-failed.json")],
    );
    let mut settings = app.settings.clone();
    settings.collector.smartctl = nvme;
    smartmon::startup::collector(&settings, app.state.db.clone(), app.state.live.clone())
        .await
        .expect("collector")
        .collect_smart()
        .await
        .expect("smart");

    let disks = disk_health::Entity::find()
        .order_by_asc(disk_health::Column::Id)
        .all(&app.state.db.conn)
        .await
        .expect("disks");
    let by = |device: &str| {
        disks
            .iter()
            .find(|d| d.device == device)
            .unwrap_or_else(|| panic!("{device} stored"))
    };
    assert_eq!(disks.len(), 8);

    let sda = by("/dev/sda");
    assert_eq!(sda.health, "passed");
    assert_eq!(sda.model.as_deref(), Some("Samsung SSD 860 EVO 500GB"));
    assert_eq!(sda.serial.as_deref(), Some("S3YZNB0KB00864E"));
    assert_eq!(
        (sda.temperature_c, sda.power_on_hours),
        (Some(36.0), Some(14551))
    );
    assert_eq!(sda.reallocated_sectors, Some(0));
    assert!(
        sda.raw_json
            .as_deref()
            .is_some_and(|j| j.contains("ata_smart_attributes"))
    );

    let sdb = by("/dev/sdb");
    assert_eq!(
        (sdb.health.as_str(), sdb.pending_sectors),
        ("passed", Some(0))
    );
    assert_eq!(
        (sdb.temperature_c, sdb.power_on_hours),
        (Some(32.0), Some(1730))
    );

    let sdc = by("/dev/sdc");
    assert_eq!(sdc.health, "unknown", "no overall verdict in this output");
    assert_eq!(
        sdc.power_on_hours,
        Some(2725),
        "read from the attribute's raw string"
    );

    let sdd = by("/dev/sdd");
    assert_eq!(
        sdd.health, "worn",
        "PASSED overall, but the attributes say otherwise"
    );
    assert!(
        sdd.detail
            .as_deref()
            .is_some_and(|d| d.contains("interface CRC errors: 108")),
        "{:?}",
        sdd.detail
    );

    let sde = by("/dev/sde");
    assert_eq!(sde.health, "passed");
    assert_eq!(
        (sde.percentage_used, sde.media_errors),
        (Some(0.0), Some(0))
    );
    assert_eq!(sde.model.as_deref(), Some("INTEL SSDPEKNW010T8"));

    assert_eq!(
        by("/dev/sdf").health,
        "standby",
        "a sleeping drive is not a failed one"
    );
    let sdg = by("/dev/sdg");
    assert_eq!(sdg.health, "unreadable");
    assert!(
        sdg.detail
            .as_deref()
            .is_some_and(|d| d.contains("No such device"))
    );

    let nvme0 = by("/dev/nvme0");
    assert_eq!(nvme0.health, "worn");
    assert_eq!(
        (nvme0.percentage_used, nvme0.media_errors),
        (Some(3.0), Some(7))
    );
    assert_eq!(nvme0.power_on_hours, Some(12798));

    let calls = std::fs::read_to_string(dir.path().join("calls.log")).expect("calls");
    assert!(
        calls
            .lines()
            .any(|l| l == "--json -a -n standby -d scsi /dev/sda"),
        "{calls}"
    );

    let mut open: Vec<String> = alerts::Entity::find()
        .all(&app.state.db.conn)
        .await
        .expect("alerts")
        .into_iter()
        .filter(|a| a.resolved_at.is_none())
        .map(|a| a.source)
        .collect();
    open.sort();
    assert_eq!(open, vec!["disk:/dev/nvme0", "disk:/dev/sdd"]);
}

async fn a_missing_smartctl_is_a_clear_error_not_a_failed_disk(backend: Backend) {
    let app = spawn_app_with(backend, &[("SMARTCTL", "/nonexistent/smartctl")]).await;
    let err = collector_for(&app)
        .await
        .collect_smart()
        .await
        .expect_err("no smartctl");
    assert!(format!("{err:#}").contains("SMARTCTL"), "{err:#}");
    let disks = disk_health::Entity::find()
        .all(&app.state.db.conn)
        .await
        .expect("disks");
    assert!(disks.is_empty());
}

both_backends!(
    every_smartctl_fixture_is_stored_with_its_health,
    a_missing_smartctl_is_a_clear_error_not_a_failed_disk,
);

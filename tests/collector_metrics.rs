//! Host metrics read under `PROCFS_ROOT` / `SYSFS_ROOT` from a fixture tree, so the figures are the
//! "host's", not this process's own /proc.

use std::path::Path;

use sea_orm::{EntityTrait, QueryOrder};
use smartmon::db::entities::{alerts, filesystem_usage, hosts, system_metrics};

use crate::both_backends;
use crate::support::collector::{collector_for, rows};
use crate::support::{Backend, spawn_app_with};

fn write(root: &Path, file: &str, text: &str) {
    let path = root.join(file);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write fixture");
}

const NET_DEV: &str = "Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 999999999 100 0 0 0 0 0 0 999999999 100 0 0 0 0 0 0
  eth0: RX 10 0 0 0 0 0 0 TX 1 0 0 0 0 0 0
";

fn net_dev(rx: u64, tx: u64) -> String {
    NET_DEV
        .replace("RX", &rx.to_string())
        .replace("TX", &tx.to_string())
}

/// A host with 3 processes, 75 % memory, a root and a data filesystem, and two thermal zones.
fn host_tree(root: &Path) {
    let proc = root.join("proc");
    write(
        &proc,
        "stat",
        "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 100 0 100 800 0 0 0 0 0 0\n",
    );
    write(
        &proc,
        "meminfo",
        "MemTotal:        1000000 kB\nMemFree:          100000 kB\nMemAvailable:     250000 kB\nSwapTotal:          1000 kB\nSwapFree:            500 kB\n",
    );
    write(&proc, "loadavg", "0.50 1.00 1.50 2/300 4242\n");
    write(&proc, "uptime", "12345.67 40000.00\n");
    write(&proc, "1/net/dev", &net_dev(1_000, 100));
    write(
        &proc,
        "1/mounts",
        "/dev/sda1 / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\ntmpfs /run tmpfs rw 0 0\n/dev/sdb1 /data xfs rw 0 0\noverlay /var/lib/docker/x overlay rw 0 0\n",
    );
    std::fs::create_dir_all(proc.join("1/root/data")).expect("host root");
    write(
        &proc,
        "1/root/etc/os-release",
        "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
    );
    write(&proc, "sys/kernel/osrelease", "6.1.0-99-amd64\n");
    std::fs::create_dir_all(proc.join("42")).expect("pid");
    std::fs::create_dir_all(proc.join("4242")).expect("pid");
    std::fs::create_dir_all(proc.join("self")).expect("self");
    let sys = root.join("sys");
    write(&sys, "class/thermal/thermal_zone0/temp", "47000\n");
    write(&sys, "class/thermal/thermal_zone1/temp", "52500\n");
}

async fn metrics_come_from_the_host_tree_not_the_container(backend: Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    host_tree(dir.path());
    let proc = dir.path().join("proc");
    let sys = dir.path().join("sys");
    let app = spawn_app_with(
        backend,
        &[
            ("PROCFS_ROOT", proc.to_str().expect("utf-8")),
            ("SYSFS_ROOT", sys.to_str().expect("utf-8")),
            ("ALERT_MEMORY_PERCENT", "70"),
            ("HOSTNAME_OVERRIDE", "web01"),
        ],
    )
    .await;
    let collector = collector_for(&app).await;
    collector.collect_metrics().await;
    // 1000 more jiffies, 750 of them idle: 25 % busy. 5000 bytes in, 500 out.
    write(&proc, "stat", "cpu  250 0 200 1550 0 0 0 0 0 0\n");
    write(&proc, "1/net/dev", &net_dev(6_000, 600));
    collector.collect_metrics().await;

    let samples = system_metrics::Entity::find()
        .order_by_asc(system_metrics::Column::Id)
        .all(&app.state.db.conn)
        .await
        .expect("metrics");
    assert_eq!(samples.len(), 2);
    let (first, s) = (&samples[0], &samples[1]);
    assert_eq!(first.cpu_percent, None, "no rate without a previous sample");
    assert_eq!(s.hostname, "web01");
    assert_eq!(s.cpu_percent, Some(25.0));
    assert_eq!(s.memory_percent, Some(75.0));
    assert_eq!(s.swap_percent, Some(50.0));
    assert_eq!(
        (s.load_1, s.load_5, s.load_15),
        (Some(0.5), Some(1.0), Some(1.5))
    );
    assert_eq!(s.uptime_secs, Some(12345));
    assert_eq!(
        s.process_count,
        Some(3),
        "the fixture's processes, not ours"
    );
    assert_eq!(s.temperature_c, Some(52.5), "the hottest zone");
    let (rx, tx) = (
        s.net_rx_bps.expect("rx rate"),
        s.net_tx_bps.expect("tx rate"),
    );
    assert!(
        rx > 0.0 && (rx / tx - 10.0).abs() < 1e-6,
        "rx {rx} tx {tx}: loopback excluded"
    );
    let disk = s.disk_percent.expect("the host root is measured");
    assert!((0.0..=100.0).contains(&disk), "{disk}");
    assert!(s.inode_percent.is_some());

    let host = hosts::Entity::find()
        .one(&app.state.db.conn)
        .await
        .expect("hosts")
        .expect("the host is recorded");
    assert_eq!(host.hostname, "web01");
    assert_eq!(host.os.as_deref(), Some("Debian GNU/Linux 12 (bookworm)"));
    assert_eq!(host.kernel.as_deref(), Some("6.1.0-99-amd64"));
    assert!(host.last_seen >= host.first_seen);

    let filesystems = filesystem_usage::Entity::find()
        .order_by_asc(filesystem_usage::Column::Id)
        .all(&app.state.db.conn)
        .await
        .expect("filesystems");
    let mounts: Vec<&str> = filesystems.iter().map(|f| f.mount_point.as_str()).collect();
    assert_eq!(
        mounts,
        vec!["/", "/data", "/", "/data"],
        "the host's real filesystems each sample; proc, tmpfs and overlay are not disks"
    );
    assert_eq!(filesystems[2].space_percent, s.disk_percent);

    let open: Vec<String> = alerts::Entity::find()
        .all(&app.state.db.conn)
        .await
        .expect("alerts")
        .into_iter()
        .filter(|a| a.resolved_at.is_none())
        .map(|a| a.source)
        .collect();
    assert_eq!(
        open.iter().filter(|s| *s == "usage:memory").count(),
        1,
        "75 % memory is over the 70 % threshold, once: {open:?}"
    );
}

both_backends!(metrics_come_from_the_host_tree_not_the_container);

/// The memory alert's rows, oldest first: (resolved, last seen).
async fn memory_alerts(app: &crate::support::TestApp) -> Vec<(bool, f64)> {
    alerts::Entity::find()
        .order_by_asc(alerts::Column::Id)
        .all(&app.state.db.conn)
        .await
        .expect("alerts")
        .into_iter()
        .filter(|a| a.source == "usage:memory")
        .map(|a| (a.resolved_at.is_some(), a.last_seen_at))
        .collect()
}

fn memory_used(proc: &Path, percent: u64) {
    let available = 1_000_000 - percent * 10_000;
    write(
        proc,
        "meminfo",
        &format!(
            "MemTotal:        1000000 kB\nMemFree:          100000 kB\nMemAvailable:     {available} kB\nSwapTotal:          1000 kB\nSwapFree:            500 kB\n"
        ),
    );
}

/// The writer holds each host's open alerts in memory: a condition that stays keeps its one alert (seen
/// again), one that clears resolves it, also after the agent restarts, and an alert resolved behind the
/// agent's back is not refreshed but replaced by a new one.
async fn alerts_stay_right_while_the_writer_holds_them_in_memory(backend: Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    host_tree(dir.path());
    let proc = dir.path().join("proc");
    let sys = dir.path().join("sys");
    let app = spawn_app_with(
        backend,
        &[
            ("PROCFS_ROOT", proc.to_str().expect("utf-8")),
            ("SYSFS_ROOT", sys.to_str().expect("utf-8")),
            ("ALERT_MEMORY_PERCENT", "70"),
            ("HOSTNAME_OVERRIDE", "web01"),
        ],
    )
    .await;
    let collector = collector_for(&app).await;
    collector.collect_metrics().await;
    let opened = memory_alerts(&app).await;
    assert_eq!(opened.len(), 1, "75 % opens one alert: {opened:?}");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    collector.collect_metrics().await;
    let kept = memory_alerts(&app).await;
    assert_eq!(kept.len(), 1, "still over: the same alert: {kept:?}");
    assert!(
        !kept[0].0 && kept[0].1 > opened[0].1,
        "seen again: {kept:?}"
    );

    // The agent restarts and memory recovers: the alert the previous run opened resolves.
    let restarted = collector_for(&app).await;
    memory_used(&proc, 50);
    restarted.collect_metrics().await;
    let resolved = memory_alerts(&app).await;
    assert_eq!(resolved.len(), 1);
    assert!(resolved[0].0, "50 % resolves it: {resolved:?}");

    // Over again; then someone resolves it in the database while the writer believes it open.
    memory_used(&proc, 90);
    restarted.collect_metrics().await;
    assert_eq!(
        memory_alerts(&app).await.len(),
        2,
        "a new episode, a new alert"
    );
    rows(
        &app,
        "UPDATE alerts SET resolved_at = last_seen_at WHERE resolved_at IS NULL",
    )
    .await;
    restarted.collect_metrics().await;
    let episodes = memory_alerts(&app).await;
    assert_eq!(
        episodes
            .iter()
            .map(|(resolved, _)| *resolved)
            .collect::<Vec<_>>(),
        [true, true, false],
        "the condition still holds, so it is open again as a new alert: {episodes:?}"
    );
}

both_backends!(alerts_stay_right_while_the_writer_holds_them_in_memory);

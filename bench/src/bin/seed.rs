//! `seed`: fill a database with a simulated fleet (hosts × units, state history and metrics over days),
//! for benchmarks, screenshots and demos. Postgres uses `generate_series` (millions of rows in seconds);
//! SQLite uses a recursive CTE.
//!
//! `cargo run -p smartmon-bench --release --bin seed -- --hosts 10 --units 60 --days 30`
//! with `DATABASE_URL` (or `SMARTMONITOR_DB_PATH`) pointing at the target; the schema is migrated first.

use clap::Parser;
use sea_orm::{ConnectionTrait, DbBackend};
use smartmon::clock::Clock;
use smartmon::config::Settings;
use smartmon::db::Db;

#[derive(Debug, Parser)]
struct Args {
    /// Hosts to simulate.
    #[arg(long, default_value_t = 10)]
    hosts: u32,
    /// Units per host.
    #[arg(long, default_value_t = 60)]
    units: u32,
    /// Days of history.
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// Seconds between metric samples.
    #[arg(long, default_value_t = 60)]
    metrics_every: u32,
    /// State changes per unit per day in the history.
    #[arg(long, default_value_t = 4)]
    changes_per_day: u32,
    /// Filesystems per host, each with a `filesystem_usage` row per metrics sample (as the agent writes).
    #[arg(long, default_value_t = 0)]
    mounts: u32,
    /// No network check results (the agent runs none unless `SMARTMON_HOSTS_CONFIG` is set).
    #[arg(long)]
    no_checks: bool,
    /// Host name prefix (`web` gives web001, web002, …).
    #[arg(long, default_value = "host")]
    prefix: String,
}

const UNIT_NAMES: [&str; 20] = [
    "nginx",
    "postgresql",
    "ssh",
    "cron",
    "systemd-journald",
    "systemd-logind",
    "systemd-networkd",
    "docker",
    "containerd",
    "cloudflared",
    "rsyslog",
    "chrony",
    "redis-server",
    "node-exporter",
    "fail2ban",
    "unattended-upgrades",
    "smartd",
    "backup",
    "certbot",
    "haproxy",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let settings = Settings::from_env()?;
    let db = Db::connect(&settings.database).await?;
    db.migrate().await?;
    let started = std::time::Instant::now();
    let now = Clock::default().now().floor();
    let conn = &db.conn;
    let postgres = conn.get_database_backend() == DbBackend::Postgres;
    let rows_of = |n: u64| -> String {
        if postgres {
            format!("(SELECT g AS i FROM generate_series(0, {n} - 1) AS g) s")
        } else {
            format!(
                "(WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < {n}) SELECT i FROM c) s"
            )
        }
    };
    let names = UNIT_NAMES.map(|n| format!("'{n}'")).join(",");
    let name_pick = |idx: &str| {
        if postgres {
            format!("(ARRAY[{names}])[({idx}) % {} + 1]", UNIT_NAMES.len())
        } else {
            let cases: String = UNIT_NAMES
                .iter()
                .enumerate()
                .map(|(i, n)| format!(" WHEN {i} THEN '{n}'"))
                .collect();
            format!("(CASE ({idx}) % {}{cases} END)", UNIT_NAMES.len())
        }
    };
    let host = |idx: &str| {
        if postgres {
            format!("'{}' || lpad((({idx}) + 1)::text, 3, '0')", args.prefix)
        } else {
            format!("'{}' || substr('00' || (({idx}) + 1), -3, 3)", args.prefix)
        }
    };
    let div = |a: &str, b: &str| {
        if postgres {
            format!("div({a}, {b})")
        } else {
            format!("(({a}) / ({b}))")
        }
    };
    let (h, u, d) = (
        u64::from(args.hosts),
        u64::from(args.units),
        u64::from(args.days),
    );
    let span = (d * 86_400) as f64;

    let statements = vec![
        format!(
            "INSERT INTO hosts (hostname, os, kernel, agent_version, first_seen, last_seen)
             SELECT {host}, 'Debian GNU/Linux 12', '6.1.0-28-amd64', '{ver}', {first}, {now} - (i % 7)
             FROM {rows}",
            host = host("i"), ver = env!("CARGO_PKG_VERSION"), first = now - span, rows = rows_of(h)
        ),
        // Units: i = host * units + unit; 1 in 40 failed, 1 in 25 stopped, 1 in 60 transitioning.
        format!(
            "INSERT INTO service_current (hostname, service_name, raw_status, normalized_status, sub_state,
               service_type, unit_file_state, load_state, description, recoverable, since_epoch, ts_epoch)
             SELECT {host}, {name} || CASE WHEN {unit} >= {n_names} THEN '-' || {unit} ELSE '' END || '.service',
               CASE WHEN i % 40 = 7 THEN 'failed' WHEN i % 25 = 3 THEN 'inactive' WHEN i % 60 = 11 THEN 'activating' ELSE 'active' END,
               CASE WHEN i % 40 = 7 THEN 'failed' WHEN i % 25 = 3 THEN 'stopped' WHEN i % 60 = 11 THEN 'transitioning' ELSE 'running' END,
               CASE WHEN i % 40 = 7 THEN 'failed' WHEN i % 25 = 3 THEN 'dead' WHEN i % 60 = 11 THEN 'start' ELSE 'running' END,
               CASE WHEN i % 9 = 0 THEN 'oneshot' ELSE 'simple' END, 'enabled', 'loaded',
               'Simulated ' || {name} || ' service', i % 9 <> 0, {now} - (i % 86400), {now}
             FROM {rows}",
            host = host(&div("i", &u.to_string())), name = name_pick(&format!("i % {u}")),
            unit = format!("(i % {u})"), n_names = UNIT_NAMES.len(), rows = rows_of(h * u)
        ),
        // History: changes_per_day per unit per day, alternating running/failed/running/stopped.
        format!(
            "INSERT INTO service_status (hostname, service_name, raw_status, normalized_status, sub_state,
               service_type, unit_file_state, load_state, ts_epoch)
             SELECT c.hostname, c.service_name,
               CASE s.i % 4 WHEN 1 THEN 'failed' WHEN 3 THEN 'inactive' ELSE 'active' END,
               CASE s.i % 4 WHEN 1 THEN 'failed' WHEN 3 THEN 'stopped' ELSE 'running' END,
               CASE s.i % 4 WHEN 1 THEN 'failed' WHEN 3 THEN 'dead' ELSE 'running' END,
               c.service_type, 'enabled', 'loaded',
               {start} + s.i * {step} + (c.id % 977)
             FROM service_current c CROSS JOIN {rows}",
            start = now - span, step = 86_400 / u64::from(args.changes_per_day.max(1)),
            rows = rows_of(d * u64::from(args.changes_per_day))
        ),
        // Metrics: one sample per host every metrics_every seconds, with a daily-ish triangle wave per host.
        format!(
            "INSERT INTO system_metrics (hostname, ts_epoch, cpu_percent, memory_percent, swap_percent, load_1,
               load_5, load_15, disk_percent, inode_percent, net_rx_bps, net_tx_bps, uptime_secs, process_count)
             SELECT h.hostname, {start} + s.i * {every},
               20 + 30 * abs(((s.i + h.id * 50) % 200) - 100) / 100.0 + (s.i * 7 + h.id * 13) % 20,
               45 + 10 * abs(((s.i + h.id * 90) % 1440) - 720) / 720.0, 2 + h.id % 5,
               0.5 + ((s.i + h.id) % 40) / 20.0, 0.6, 0.7,
               50 + h.id % 30 + s.i * 0.00001, 12,
               50000 + (s.i * 31 % 1000) * 100, 20000 + (s.i * 17 % 1000) * 50,
               s.i * {every}, 150 + (s.i + h.id) % 30
             FROM hosts h CROSS JOIN {rows}",
            start = now - span, every = args.metrics_every, rows = rows_of(d * 86_400 / u64::from(args.metrics_every.max(1)))
        ),
        // SMART: a SATA disk and an NVMe drive per host; some worn, some failed.
        format!(
            "INSERT INTO disk_health (hostname, ts_epoch, device, device_type, health, model, serial, temperature_c,
               power_on_hours, reallocated_sectors, pending_sectors, percentage_used, media_errors, detail)
             SELECT hostname, {now} - 600, '/dev/sda', 'sat', CASE WHEN id % 7 = 3 THEN 'worn' ELSE 'passed' END,
               'WDC WD40EFRX-68N32N0', 'WD-WCC7K' || id, 30 + id % 12, 20000 + id * 97,
               CASE WHEN id % 7 = 3 THEN 24 ELSE 0 END, CASE WHEN id % 7 = 3 THEN 3 ELSE 0 END, NULL, NULL,
               CASE WHEN id % 7 = 3 THEN 'reallocated sectors: 24, pending: 3' END
             FROM hosts
             UNION ALL
             SELECT hostname, {now} - 600, '/dev/nvme0', 'nvme', CASE WHEN id % 9 = 4 THEN 'failed' ELSE 'passed' END,
               'Samsung SSD 980 PRO 1TB', 'S5GXNF0R' || id, 40 + id % 9, 8000 + id * 51, NULL, NULL,
               (id * 7) % 60, CASE WHEN id % 9 = 4 THEN 12 ELSE 0 END,
               CASE WHEN id % 9 = 4 THEN 'SMART overall-health: FAILED' END
             FROM hosts"
        ),
        // Network checks every 5 minutes: two healthy targets and one that fails on some hosts.
        format!(
            "INSERT INTO network_checks (hostname, ts_epoch, target, method, status, latency_ms, loss_percent, detail)
             SELECT h.hostname, {start} + s.i * 300, t.target, t.method,
               CASE WHEN t.method = 'tcp' AND h.id % 5 = 2 AND s.i % 12 > 8 THEN 'fail' ELSE 'ok' END,
               CASE WHEN t.method = 'tcp' AND h.id % 5 = 2 AND s.i % 12 > 8 THEN NULL
                    ELSE t.base + (s.i * 13 + h.id * 7) % 9 END,
               0, CASE WHEN t.method = 'tcp' AND h.id % 5 = 2 AND s.i % 12 > 8 THEN 'connection refused' END
             FROM hosts h
             CROSS JOIN (SELECT '1.1.1.1' AS target, 'ping' AS method, 9 AS base
                         UNION ALL SELECT 'example.org', 'nslookup', 4
                         UNION ALL SELECT 'db.internal:5432', 'tcp', 1) t
             CROSS JOIN {rows}",
            start = now - span, rows = rows_of(d * 86_400 / 300)
        ),
        // Alerts: one open per failed unit and unhealthy drive, and a resolved history.
        format!(
            "INSERT INTO alerts (hostname, source, severity, message, opened_at, last_seen_at, resolved_at)
             SELECT hostname, 'service:' || service_name, 'critical', service_name || ' is failed',
               since_epoch, {now}, CAST(NULL AS DOUBLE PRECISION) FROM service_current WHERE normalized_status = 'failed'
             UNION ALL
             SELECT hostname, 'disk:' || device, CASE health WHEN 'failed' THEN 'critical' ELSE 'warning' END,
               device || ' is ' || health, ts_epoch, {now}, CAST(NULL AS DOUBLE PRECISION) FROM disk_health WHERE health <> 'passed'
             UNION ALL
             SELECT hostname, 'usage:memory', 'warning', 'memory above 90%', {now} - 86400 - id * 3600,
               {now} - 86400 - id * 3600 + 1800, {now} - 86400 - id * 3600 + 1800 FROM hosts"
        ),
    ];
    let mut labels = vec![
        "hosts",
        "service_current",
        "service_status",
        "system_metrics",
        "disk_health",
        "network_checks",
        "alerts",
    ];
    let mut statements = statements;
    if args.mounts > 0 {
        labels.push("filesystem_usage");
        statements.push(filesystem_sql(
            args.mounts,
            now - span,
            args.metrics_every,
            &rows_of(d * 86_400 / u64::from(args.metrics_every.max(1))),
        ));
    }
    for (label, sql) in labels.iter().zip(statements) {
        if args.no_checks && *label == "network_checks" {
            continue;
        }
        let t = std::time::Instant::now();
        let result = conn.execute_unprepared(&sql).await?;
        println!(
            "{label:>16}: {:>10} rows in {:.1} s",
            result.rows_affected(),
            t.elapsed().as_secs_f64()
        );
    }
    if postgres {
        conn.execute_unprepared("ANALYZE").await?;
    }
    println!(
        "seeded {} hosts × {} units × {} days in {:.1} s",
        args.hosts,
        args.units,
        args.days,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One `filesystem_usage` row per host, mount and metrics sample: `/`, `/boot`, then `/data2`, `/data3`, ….
fn filesystem_sql(mounts: u32, start: f64, every: u32, rows: &str) -> String {
    let names: Vec<String> = (0..mounts)
        .map(|i| match i {
            0 => "SELECT '/' AS mount_point".to_owned(),
            1 => "SELECT '/boot'".to_owned(),
            _ => format!("SELECT '/data{i}'"),
        })
        .collect();
    format!(
        "INSERT INTO filesystem_usage (hostname, ts_epoch, mount_point, space_percent, inode_percent)
         SELECT h.hostname, {start} + s.i * {every}, m.mount_point, 40 + h.id % 30 + s.i * 0.000001, 7
         FROM hosts h CROSS JOIN ({names}) m CROSS JOIN {rows}",
        names = names.join(" UNION ALL ")
    )
}

//! Collector benchmark: CPU time per collection cycle, and the delay from a D-Bus `PropertiesChanged`
//! to the `service_status` row being committed. Writes its figures to `BENCHMARKS.md`.
//!
//! `cargo bench --bench collector` (SQLite; also Postgres when `TEST_DATABASE_URL` is an admin URL).
//! The systemd double runs in a child process (this binary with `BENCH_ROLE=fake`), so the CPU figures
//! are the collector's alone.

#[path = "../tests/support/fake_systemd.rs"]
mod fake_systemd;

use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fake_systemd::{FakeSystemd, FakeUnit};
use smartmon::config::Settings;
use smartmon::db::Db;
use smartmon::live::{LiveBus, LiveEvent};

const UNITS: usize = 300;
const CYCLES: usize = 20;
const METRIC_CYCLES: usize = 200;
const FLIPS: usize = 50;

fn epoch_micros() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros())
}

/// This process's user + system CPU time, from `/proc/self/stat` (fields 14 and 15, in ticks).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("stat");
    let after = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<u64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let ticks = fields[11] + fields[12];
    let hz = String::from_utf8(
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .expect("getconf")
            .stdout,
    )
    .ok()
    .and_then(|s| s.trim().parse::<u64>().ok())
    .unwrap_or(100);
    Duration::from_micros(ticks * 1_000_000 / hz)
}

/// The child: serve the fake, print its address, then apply `flip UNIT ACTIVE SUB` lines, answering
/// with the emission time in epoch microseconds.
async fn fake_role() {
    let units: Vec<FakeUnit> = (0..UNITS)
        .map(|i| FakeUnit::service(&format!("svc{i:03}.service"), "active", "running"))
        .collect();
    let bus = FakeSystemd::start(&units).await;
    println!("{}", bus.address());
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let line = line.expect("stdin");
        let parts: Vec<&str> = line.split_whitespace().collect();
        if let ["flip", unit, active, sub] = parts[..] {
            bus.set_state(unit, active, sub).await;
            println!("{}", epoch_micros());
        }
    }
}

struct Fake {
    child: std::process::Child,
    lines: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
    address: String,
}

impl Fake {
    fn start() -> Fake {
        let mut child = Command::new(std::env::current_exe().expect("exe"))
            .env("BENCH_ROLE", "fake")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the fake");
        let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
        let address = lines.next().expect("address line").expect("address");
        Fake {
            child,
            lines,
            address,
        }
    }

    fn flip(&mut self, unit: &str, active: &str, sub: &str) -> u128 {
        let stdin = self.child.stdin.as_mut().expect("stdin");
        writeln!(stdin, "flip {unit} {active} {sub}").expect("send flip");
        stdin.flush().expect("flush");
        self.lines
            .next()
            .expect("reply")
            .expect("reply")
            .parse()
            .expect("micros")
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smartctl_script(dir: &std::path::Path) -> std::path::PathBuf {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/smartctl");
    let script = format!(
        "#!/bin/sh\ncase \"$*\" in\n *--scan-open*) cat '{f}/smartctl_scan_nvme.json' ;;\n *) cat '{f}/smart-nvme.json' ;;\nesac\n",
        f = fixtures.display()
    );
    let path = dir.join("smartctl");
    std::fs::write(&path, script).expect("script");
    Command::new("chmod")
        .arg("+x")
        .arg(&path)
        .status()
        .expect("chmod");
    path
}

async fn run(label: &str, db_vars: Vec<(String, String)>, out: &mut String) {
    let mut fake = Fake::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let smartctl = smartctl_script(dir.path());
    let mut vars: Vec<(String, String)> = vec![
        ("DBUS_SYSTEM_BUS_ADDRESS".into(), fake.address.clone()),
        ("HOSTNAME_OVERRIDE".into(), "bench".into()),
        ("SMARTCTL".into(), smartctl.display().to_string()),
        ("SMARTMON_INIT_PG".into(), "1".into()),
    ];
    vars.extend(db_vars);
    let settings = Settings::from_map(vars.into_iter().collect()).expect("settings");
    let db = Db::connect(&settings.database).await.expect("db");
    db.migrate().await.expect("migrate");
    let live = LiveBus::new(&db);
    let collector = smartmon::startup::collector(&settings, db, live.clone())
        .await
        .expect("collector");
    collector.collect_once().await; // first sightings: every unit's first history row

    let measure = |n: usize, cpu: Duration, wall: Duration| {
        format!(
            "{:.2} ms CPU, {:.2} ms wall",
            cpu.as_secs_f64() * 1000.0 / n as f64,
            wall.as_secs_f64() * 1000.0 / n as f64
        )
    };
    let (cpu0, wall0) = (cpu_time(), Instant::now());
    for _ in 0..METRIC_CYCLES {
        collector.collect_metrics().await;
    }
    let metrics = measure(METRIC_CYCLES, cpu_time() - cpu0, wall0.elapsed());
    let (cpu0, wall0) = (cpu_time(), Instant::now());
    for _ in 0..CYCLES {
        collector.sync_services().await.expect("sync");
    }
    let services = measure(CYCLES, cpu_time() - cpu0, wall0.elapsed());
    let (cpu0, wall0) = (cpu_time(), Instant::now());
    for _ in 0..CYCLES {
        collector.collect_once().await;
    }
    let full = measure(CYCLES, cpu_time() - cpu0, wall0.elapsed());

    let watcher = collector.spawn_services();
    let mut events = live.subscribe();
    // A warm-up flip: its event can only come after the watcher's initial sync.
    fake.flip("svc299.service", "failed", "failed");
    loop {
        match tokio::time::timeout(Duration::from_secs(30), events.recv()).await {
            Ok(Ok(LiveEvent::ServiceChanged { service_name, .. }))
                if service_name == "svc299.service" =>
            {
                break;
            }
            Ok(Ok(_)) => continue,
            _ => panic!("the watcher never started"),
        }
    }
    let mut delays = Vec::new();
    let cpu0 = cpu_time();
    let mut failed = [false; 10];
    for i in 0..FLIPS {
        let unit = format!("svc{:03}.service", i % 10);
        failed[i % 10] = !failed[i % 10];
        let (active, sub) = if failed[i % 10] {
            ("failed", "failed")
        } else {
            ("active", "running")
        };
        let emitted = fake.flip(&unit, active, sub);
        loop {
            match tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
                Ok(Ok(LiveEvent::ServiceChanged { service_name, .. })) if service_name == unit => {
                    delays.push((epoch_micros().saturating_sub(emitted)) as f64 / 1000.0);
                    break;
                }
                Ok(Ok(_)) => continue,
                _ => panic!("no event for flip {i}"),
            }
        }
    }
    let flip_cpu = (cpu_time() - cpu0).as_secs_f64() * 1000.0 / FLIPS as f64;
    watcher.abort();
    delays.sort_by(f64::total_cmp);
    let p50 = delays[delays.len() / 2];
    let max = delays[delays.len() - 1];
    out.push_str(&format!(
        "| {label} | {metrics} | {services} | {full} | {p50:.2} ms | {max:.2} ms | {flip_cpu:.2} ms |\n"
    ));
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    if std::env::var("BENCH_ROLE").as_deref() == Ok("fake") {
        runtime.block_on(fake_role());
        return;
    }
    let mut table = String::new();
    let dir = tempfile::tempdir().expect("tempdir");
    runtime.block_on(run(
        "SQLite",
        vec![(
            "SMARTMONITOR_DB_PATH".into(),
            dir.path().join("b.db").display().to_string(),
        )],
        &mut table,
    ));
    if let Ok(admin) = std::env::var("TEST_DATABASE_URL") {
        let name = format!("smartmon_bench_{}", std::process::id());
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(b, _)| b)
            .to_owned();
        runtime.block_on(async {
            let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
                .await
                .expect("admin");
            tokio::spawn(conn);
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create");
            run(
                "PostgreSQL",
                vec![("DATABASE_URL".into(), format!("{base}/{name}"))],
                &mut table,
            )
            .await;
            let _ = client
                .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .await;
        });
    }
    let machine = machine_and_date();
    let section = format!(
        "<!-- collector:start -->\n## Collector\n\n`cargo bench --bench collector`: {machine} ({UNITS} services on the systemd double in a child process; \
         CPU from /proc/self/stat utime+stime (10 ms ticks) over {METRIC_CYCLES} metrics cycles and {CYCLES} of the others; delay = commit-and-broadcast time minus the double's \
         PropertiesChanged emission time, over {FLIPS} flips).\n\n\
         | store | metrics cycle | service resync ({UNITS} units) | collect_once (metrics + services + SMART + checks) | flip→row p50 | flip→row max | CPU per flip |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n{table}<!-- collector:end -->\n"
    );
    print!("{section}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
    let existing = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n\n".into());
    let updated = match (
        existing.find("<!-- collector:start -->"),
        existing.find("<!-- collector:end -->"),
    ) {
        (Some(a), Some(b)) => format!(
            "{}{}{}",
            &existing[..a],
            section,
            &existing[b + "<!-- collector:end -->\n".len()..]
        ),
        _ => format!("{existing}{section}"),
    };
    std::fs::write(&path, updated).expect("write BENCHMARKS.md");
}

/// "2026-11-27, 2 cores, 23 GiB": when and on what the figures were taken.
fn machine_and_date() -> String {
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024 / 1024);
    format!("{date}, {cores} cores, {gib} GiB; release build")
}

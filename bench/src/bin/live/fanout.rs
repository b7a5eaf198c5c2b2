//! The fan-out run (Postgres): open overview and services pages, each behaving as the page does, while
//! a simulated fleet (`ingest --into`, the product's collectors and writer in another process) reports
//! into the console's database at the agent's default intervals. Measures the server's CPU, the
//! requests the pages make per second, and the time from a change to every page showing it; then,
//! with `--pgbench`, change-to-browser latency while pgbench saturates Postgres (its own database).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use sea_orm::{ConnectionTrait, Database, Statement};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::clients::{Clients, Seen};
use crate::pages::Overview;
use crate::procs::{FakeSystemd, Server, Store, unit_name};
use crate::stats::{self, Flip, Latencies};
use crate::{Args, Flipper, Usage, warm_up};

/// The database pgbench loads and hammers.
const PGBENCH_DB: &str = "smartmon_bench_pgbench";

/// What one fan-out run measured.
pub struct FanoutRun {
    pub what: String,
    pub cpu_cores: f64,
    pub requests_per_sec: f64,
    pub services: Latencies,
    pub overview: Latencies,
    pub every_page: Latencies,
}

impl FanoutRun {
    pub fn line(&self) -> String {
        let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
        format!(
            "{}: server CPU {:.2} cores; page requests {:.1}/s; services pages p95 {} (every page p95 {}, \
             missed {}/{}); overview pages p95 {} (every page p95 {}, missed {}/{}); change to every page p95 {}",
            self.what,
            self.cpu_cores,
            self.requests_per_sec,
            ms(self.services.p95),
            ms(self.services.last_p95),
            self.services.missed,
            self.services.pairs,
            ms(self.overview.p95),
            ms(self.overview.last_p95),
            self.overview.missed,
            self.overview.pairs,
            ms(self.every_page.last_p95),
        )
    }
}

/// The whole fan-out bench on a fresh database at `url`; a line per run.
pub async fn run(
    bin: &Path,
    dir: &Path,
    admin: &str,
    url: &str,
    args: &Args,
) -> anyhow::Result<Vec<String>> {
    let fake = FakeSystemd::start(bin, args.units).await?;
    let server = Server::start(
        bin,
        &fake.bus,
        &Store::Postgres(url.to_owned()),
        dir.join("serve-fanout.log"),
    )
    .await?;
    let result = measure(bin, dir, admin, url, &fake, &server, args).await;
    let log = crate::procs::log_tail(&server.log);
    server.stop().await;
    fake.stop().await;
    result.with_context(|| format!("fan-out; the end of the server's log:\n{log}"))
}

async fn measure(
    bin: &Path,
    dir: &Path,
    admin: &str,
    url: &str,
    fake: &FakeSystemd,
    server: &Server,
    args: &Args,
) -> anyhow::Result<Vec<String>> {
    let cookie = server.login().await?;
    warm_up(fake, server, &cookie, args.units - 1).await?;
    let mut lines = Vec::new();
    let mut fleet = None;
    if args.fleet_hosts > 0 {
        fleet = Some(Fleet::start(bin, dir, admin, url, args.fleet_hosts).await?);
    }
    let mut flipper = Flipper::default();
    let fleet_label = format!("{} simulated hosts", args.fleet_hosts);
    let run = pages_run(
        &format!(
            "{} overview + {} services pages, {fleet_label}",
            args.overview_pages, args.services_pages
        ),
        fake,
        server,
        &cookie,
        (args.overview_pages, args.services_pages),
        &mut flipper,
        args,
    )
    .await?;
    println!("live: {}", run.line());
    lines.push(run.line());
    if args.pgbench {
        let pgbench = Pgbench::start(admin, dir).await?;
        let run = pages_run(
            &format!(
                "{} services pages, {fleet_label}, Postgres saturated by pgbench",
                args.saturated_pages
            ),
            fake,
            server,
            &cookie,
            (0, args.saturated_pages),
            &mut flipper,
            args,
        )
        .await;
        let tps = pgbench.stop().await;
        let mut line = run?.line();
        line.push_str(&format!("; pgbench: {tps}"));
        println!("live: {line}");
        lines.push(line);
    }
    if let Some(fleet) = fleet {
        fleet.stop().await;
    }
    Ok(lines)
}

/// Opens the pages, flips, and reads the figures while they are still open.
async fn pages_run(
    what: &str,
    fake: &FakeSystemd,
    server: &Server,
    cookie: &str,
    (overviews, services): (usize, usize),
    flipper: &mut Flipper,
    args: &Args,
) -> anyhow::Result<FanoutRun> {
    let requests = Arc::new(AtomicU64::new(0));
    let units = (0..args.flip_units).map(unit_name).collect();
    let overview = Arc::new(Overview::probe(server.addr, cookie, units, requests.clone()).await?);
    let service_pages = Clients::connect(server.addr, cookie, services).await?;
    let overview_pages = OverviewPages::open(overview, overviews).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = server.pid.to_string();
    let before = Usage::read(&pid)?;
    let asked = requests.load(Ordering::Relaxed);
    let started = Instant::now();
    let flips = flipper.series(fake, args).await?;
    tokio::time::sleep(Duration::from_millis(args.timeout_ms)).await;
    let wall = started.elapsed();
    let usage = Usage::read(&pid)?.since(&before);
    let asked = requests.load(Ordering::Relaxed) - asked;
    let seen_services = service_pages.stop().await?;
    let seen_overviews = overview_pages.stop().await?;
    // The overview lists failed units: a unit shows there when it fails.
    let failures: Vec<Flip> = flips.iter().filter(|f| f.failed).cloned().collect();
    let every: Vec<Seen> = seen_services.into_iter().chain(seen_overviews).collect();
    let (services_seen, overview_seen) = every.split_at(services);
    Ok(FanoutRun {
        what: what.to_owned(),
        cpu_cores: usage.server_cpu.as_secs_f64() / wall.as_secs_f64(),
        requests_per_sec: asked as f64 / wall.as_secs_f64(),
        services: stats::latencies(&flips, services_seen),
        overview: stats::latencies(&failures, overview_seen),
        every_page: stats::latencies(&failures, &every),
    })
}

/// Open overview pages; `stop` closes them and hands back what each saw.
struct OverviewPages {
    tasks: Vec<JoinHandle<Seen>>,
    stop: watch::Sender<bool>,
}

impl OverviewPages {
    async fn open(overview: Arc<Overview>, count: usize) -> anyhow::Result<OverviewPages> {
        let (stop, stopped) = watch::channel(false);
        let (ready_tx, mut ready) = mpsc::unbounded_channel();
        let mut tasks = Vec::with_capacity(count);
        for i in 0..count {
            tasks.push(tokio::spawn(
                overview.clone().page(ready_tx.clone(), stopped.clone()),
            ));
            if i % 50 == 49 {
                tokio::task::yield_now().await;
            }
        }
        drop(ready_tx);
        for opened in 0..count {
            let hello = tokio::time::timeout(Duration::from_secs(60), ready.recv()).await;
            anyhow::ensure!(
                matches!(hello, Ok(Some(()))),
                "only {opened} of {count} overview pages opened"
            );
        }
        Ok(OverviewPages { tasks, stop })
    }

    async fn stop(self) -> anyhow::Result<Vec<Seen>> {
        self.stop.send_replace(true);
        let mut seen = Vec::with_capacity(self.tasks.len());
        for task in self.tasks {
            seen.push(task.await.context("page task")?);
        }
        Ok(seen)
    }
}

/// The simulated fleet: `ingest --into` in its own process, writing into the console's database.
struct Fleet {
    child: Child,
}

impl Fleet {
    /// Starts it and waits until every host is in the database and the agents have had time to start.
    async fn start(
        bin: &Path,
        dir: &Path,
        admin: &str,
        url: &str,
        hosts: usize,
    ) -> anyhow::Result<Fleet> {
        let log = std::fs::File::create(dir.join("fleet.log"))?;
        let child = Command::new(bin.join("ingest"))
            .args([
                "--into",
                url,
                "--phases",
                "fleet",
                "--dry",
                "--duration",
                "3600",
            ])
            .args(["--hosts", &hosts.to_string()])
            .env("TEST_DATABASE_URL", admin)
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .context("start ingest (built by bench/live.sh)")?;
        let db = Database::connect(url).await?;
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let row = db
                .query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM hosts",
                ))
                .await?;
            let n: i64 = row.map_or(Ok(0), |r| r.try_get("", "n"))?;
            if n as usize > hosts {
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "the fleet did not populate within 5 minutes"
            );
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        // Agents start, then spread their first samples over the 15 s metrics interval.
        tokio::time::sleep(Duration::from_secs(30)).await;
        println!("live: the simulated fleet of {hosts} hosts is reporting");
        Ok(Fleet { child })
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// pgbench hammering its own database on the same server.
struct Pgbench {
    child: Child,
    log: std::path::PathBuf,
    admin: String,
}

impl Pgbench {
    async fn start(admin: &str, dir: &Path) -> anyhow::Result<Pgbench> {
        let conn = Database::connect(admin).await?;
        conn.execute_unprepared(&format!(
            "DROP DATABASE IF EXISTS {PGBENCH_DB} WITH (FORCE)"
        ))
        .await?;
        conn.execute_unprepared(&format!("CREATE DATABASE {PGBENCH_DB}"))
            .await?;
        let (base, _) = admin
            .rsplit_once('/')
            .context("admin URL without a database")?;
        let url = format!("{base}/{PGBENCH_DB}");
        let init = Command::new("pgbench")
            .args(["-i", "-q", "-s", "20", &url])
            .output()
            .await
            .context("pgbench -i (Debian package postgresql-contrib)")?;
        anyhow::ensure!(
            init.status.success(),
            "pgbench -i failed: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        let log = dir.join("pgbench.log");
        let out = std::fs::File::create(&log)?;
        let child = Command::new("pgbench")
            .args(["-c", "16", "-j", "2", "-T", "3600", "-P", "5", &url])
            .stdout(out.try_clone()?)
            .stderr(out)
            .kill_on_drop(true)
            .spawn()?;
        tokio::time::sleep(Duration::from_secs(5)).await;
        Ok(Pgbench {
            child,
            log,
            admin: admin.to_owned(),
        })
    }

    /// Stops it; its last progress line (transactions per second).
    async fn stop(mut self) -> String {
        let _ = self.child.kill().await;
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let last = text
            .lines()
            .rev()
            .find(|l| l.contains("tps"))
            .unwrap_or("no progress line")
            .to_owned();
        if let Ok(conn) = Database::connect(self.admin.as_str()).await {
            let _ = conn
                .execute_unprepared(&format!(
                    "DROP DATABASE IF EXISTS {PGBENCH_DB} WITH (FORCE)"
                ))
                .await;
        }
        last
    }
}

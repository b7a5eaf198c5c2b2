//! `live`: state change to browser. Flips units on the `fake-systemd` double and times the SSE `rows`
//! frame's arrival at 1 and at 500 `GET /events` clients of `smartmon serve`; reports p50/p95/max, the
//! server's RSS and both sides' CPU, and rewrites the "live" section of `BENCHMARKS.md`.
//!
//! `bench/live.sh` builds what it needs and runs this (SQLite; also Postgres when `TEST_DATABASE_URL`
//! is an admin URL). `live --help` lists the knobs.

mod clients;
mod fanout;
mod http;
mod pages;
mod procs;
mod report;
mod stats;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use sea_orm::{ConnectionTrait, Database};
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::Instant;

use clients::Clients;
use procs::{FakeSystemd, Server, Store, unit_name};
use report::{ClientRun, StoreRun};
use stats::Flip;

/// The Postgres database the bench creates and drops.
const PG_DATABASE: &str = "smartmon_bench_live_pg";

#[derive(Debug, Parser)]
pub struct Args {
    /// Services on the double.
    #[arg(long, default_value_t = 200)]
    units: usize,
    /// SSE client counts, one run each.
    #[arg(long, value_delimiter = ',', default_value = "1,500")]
    clients: Vec<usize>,
    /// State changes per run.
    #[arg(long, default_value_t = 100)]
    flips: usize,
    /// Milliseconds between state changes.
    #[arg(long, default_value_t = 200)]
    spacing_ms: u64,
    /// Units flipped in turn (the first ones).
    #[arg(long, default_value_t = 10)]
    flip_units: usize,
    /// A client that has not seen a change after this many milliseconds missed it.
    #[arg(long, default_value_t = 5000)]
    timeout_ms: u64,
    /// Postgres admin URL; also runs against a fresh database there.
    #[arg(long, env = "TEST_DATABASE_URL")]
    postgres: Option<String>,
    /// Print the figures only; leave BENCHMARKS.md alone.
    #[arg(long)]
    no_write: bool,
    /// Fan-out instead (Postgres): this many open overview pages, with `--services-pages`, while
    /// `--fleet-hosts` simulated hosts report; prints its figures (BENCHMARKS.md is left alone).
    #[arg(long, default_value_t = 0)]
    overview_pages: usize,
    /// Open services pages in the fan-out run.
    #[arg(long, default_value_t = 500)]
    services_pages: usize,
    /// Simulated hosts reporting during the fan-out run (`ingest --into`; 0: none).
    #[arg(long, default_value_t = 1000)]
    fleet_hosts: usize,
    /// After the fan-out run, measure again while pgbench saturates Postgres.
    #[arg(long)]
    pgbench: bool,
    /// Open services pages in the pgbench run.
    #[arg(long, default_value_t = 50)]
    saturated_pages: usize,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    args.postgres = args.postgres.filter(|url| !url.is_empty());
    if args.flip_units == 0 || args.flip_units >= args.units {
        bail!("--flip-units must be between 1 and --units - 1 (the last unit is the warm-up's)");
    }
    let bin = std::env::current_exe()?
        .parent()
        .context("bench binary directory")?
        .to_path_buf();
    let mut terminate = signal(SignalKind::terminate())?;
    if args.overview_pages > 0 || args.pgbench {
        let admin = args
            .postgres
            .clone()
            .context("the fan-out run needs TEST_DATABASE_URL")?;
        let dir = TempDir::create()?;
        let url = create_database(&admin).await?;
        let lines = tokio::select! {
            lines = fanout::run(&bin, dir.path(), &admin, &url, &args) => lines,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
            _ = terminate.recv() => Err(anyhow::anyhow!("terminated")),
        };
        drop_database(&admin).await;
        for line in lines? {
            println!("{line}");
        }
        return Ok(());
    }
    // On a signal the runs are dropped, which stops the server and the double.
    let runs = tokio::select! {
        runs = all_stores(&bin, &args) => runs,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        _ = terminate.recv() => Err(anyhow::anyhow!("terminated")),
    };
    if let Some(admin) = &args.postgres {
        drop_database(admin).await;
    }
    let runs = runs?;
    let section = report::section(&args, &runs);
    println!("\n{section}");
    if !args.no_write {
        report::write(&section)?;
        println!("live: BENCHMARKS.md updated");
    }
    Ok(())
}

/// SQLite, then Postgres when an admin URL is given.
async fn all_stores(bin: &Path, args: &Args) -> anyhow::Result<Vec<StoreRun>> {
    let dir = TempDir::create()?;
    let sqlite = Store::Sqlite(dir.path().join("smartmon.db"));
    let mut runs = vec![one_store("SQLite", &sqlite, bin, dir.path(), args).await?];
    if let Some(admin) = &args.postgres {
        let url = create_database(admin).await?;
        let postgres = Store::Postgres(url);
        runs.push(one_store("PostgreSQL", &postgres, bin, dir.path(), args).await?);
    }
    Ok(runs)
}

/// A fresh double and server; idle memory, then one run per client count.
async fn one_store(
    label: &'static str,
    store: &Store,
    bin: &Path,
    dir: &Path,
    args: &Args,
) -> anyhow::Result<StoreRun> {
    let fake = FakeSystemd::start(bin, args.units).await?;
    let log = dir.join(format!("serve-{label}.log"));
    let server = Server::start(bin, &fake.bus, store, log).await?;
    let result = measure(label, &fake, &server, args).await;
    let log = procs::log_tail(&server.log);
    server.stop().await;
    fake.stop().await;
    result.with_context(|| format!("{label}; the end of the server's log:\n{log}"))
}

async fn measure(
    label: &'static str,
    fake: &FakeSystemd,
    server: &Server,
    args: &Args,
) -> anyhow::Result<StoreRun> {
    let cookie = server.login().await?;
    warm_up(fake, server, &cookie, args.units - 1).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = procs::memory_kb(server.pid)?;
    println!("{label}: idle server RSS {} kB (HWM {} kB)", idle.0, idle.1);
    let mut flipper = Flipper::default();
    let mut runs = Vec::new();
    for &count in &args.clients {
        let run = client_run(fake, server, &cookie, count, &mut flipper, args).await?;
        println!("{label}: {}", report::line(&run));
        runs.push(run);
    }
    Ok(StoreRun { label, idle, runs })
}

/// Waits until the collector follows the bus: flips the warm-up unit until a client sees its row.
async fn warm_up(
    fake: &FakeSystemd,
    server: &Server,
    cookie: &str,
    unit: usize,
) -> anyhow::Result<()> {
    let unit = unit_name(unit);
    for _ in 0..30 {
        let clients = Clients::connect(server.addr, cookie, 1).await?;
        fake.set_state(&unit, "failed", "failed").await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        fake.set_state(&unit, "active", "running").await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let seen = clients.stop().await?;
        if seen
            .iter()
            .any(|s| s.arrivals.iter().any(|a| a.unit == unit))
        {
            return Ok(());
        }
    }
    bail!("no live row for {unit} after 30 s: is the collector on the double's bus?")
}

/// Connects `count` clients, flips, and reads the figures while they are still connected.
async fn client_run(
    fake: &FakeSystemd,
    server: &Server,
    cookie: &str,
    count: usize,
    flipper: &mut Flipper,
    args: &Args,
) -> anyhow::Result<ClientRun> {
    let connecting = Instant::now();
    let clients = Clients::connect(server.addr, cookie, count).await?;
    let connect_time = connecting.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = server.pid.to_string();
    let before = Usage::read(&pid)?;
    let started = Instant::now();
    let flips = flipper.series(fake, args).await?;
    tokio::time::sleep(Duration::from_millis(args.timeout_ms)).await;
    let wall = started.elapsed();
    let usage = Usage::read(&pid)?.since(&before);
    let memory = procs::memory_kb(server.pid)?;
    let seen = clients.stop().await?;
    if let Some(error) = clients::first_error(&seen) {
        eprintln!("live: a client's stream failed during the run: {error}");
    }
    Ok(ClientRun {
        clients: count,
        latencies: stats::latencies(&flips, &seen),
        memory,
        usage,
        wall,
        connect_time,
    })
}

/// CPU time and run-queue wait of the server and of the bench itself.
#[derive(Debug, Default)]
pub struct Usage {
    pub server_cpu: Duration,
    pub server_wait: Duration,
    pub bench_cpu: Duration,
    pub bench_wait: Duration,
}

impl Usage {
    fn read(server: &str) -> anyhow::Result<Usage> {
        Ok(Usage {
            server_cpu: procs::cpu_time(server)?,
            server_wait: procs::runqueue_wait(server)?,
            bench_cpu: procs::cpu_time("self")?,
            bench_wait: procs::runqueue_wait("self")?,
        })
    }

    fn since(&self, before: &Usage) -> Usage {
        Usage {
            server_cpu: self.server_cpu.saturating_sub(before.server_cpu),
            server_wait: self.server_wait.saturating_sub(before.server_wait),
            bench_cpu: self.bench_cpu.saturating_sub(before.bench_cpu),
            bench_wait: self.bench_wait.saturating_sub(before.bench_wait),
        }
    }
}

/// Which unit flips next and to which state, across runs (so each flip is a real change).
#[derive(Default)]
struct Flipper {
    next: usize,
}

impl Flipper {
    /// `--flips` changes, `--spacing-ms` apart, cycling over the first `--flip-units` units.
    async fn series(&mut self, fake: &FakeSystemd, args: &Args) -> anyhow::Result<Vec<Flip>> {
        let spacing = Duration::from_millis(args.spacing_ms);
        let timeout = Duration::from_millis(args.timeout_ms);
        let start = Instant::now();
        let mut flips: Vec<Flip> = Vec::with_capacity(args.flips);
        for i in 0..args.flips {
            let unit = unit_name(self.next % args.flip_units);
            let failed = (self.next / args.flip_units).is_multiple_of(2);
            self.next += 1;
            let (active, sub) = if failed {
                ("failed", "failed")
            } else {
                ("active", "running")
            };
            let at = Instant::now();
            fake.set_state(&unit, active, sub).await?;
            flips.push(Flip {
                at,
                unit,
                failed,
                control: at.elapsed(),
                until: at + timeout,
            });
            tokio::time::sleep_until(start + spacing * (i as u32 + 1)).await;
        }
        // The same unit in the same state again, two rounds later: its frames belong to that flip.
        for i in 0..flips.len() {
            if let Some(later) = flips.get(i + 2 * args.flip_units).map(|f| f.at) {
                flips[i].until = flips[i].until.min(later);
            }
        }
        Ok(flips)
    }
}

/// Drops and creates the bench database; its URL.
async fn create_database(admin: &str) -> anyhow::Result<String> {
    let conn = Database::connect(admin)
        .await
        .context("connect to TEST_DATABASE_URL")?;
    conn.execute_unprepared(&format!(
        "DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"
    ))
    .await?;
    conn.execute_unprepared(&format!("CREATE DATABASE {PG_DATABASE}"))
        .await?;
    conn.close().await?;
    let (base, _) = admin
        .rsplit_once('/')
        .context("admin URL without a database")?;
    Ok(format!("{base}/{PG_DATABASE}"))
}

async fn drop_database(admin: &str) {
    if let Ok(conn) = Database::connect(admin).await {
        let sql = format!("DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)");
        if let Err(err) = conn.execute_unprepared(&sql).await {
            eprintln!("live: could not drop {PG_DATABASE}: {err}");
        }
        let _ = conn.close().await;
    }
}

/// A scratch directory for the SQLite file and the server logs, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn create() -> anyhow::Result<TempDir> {
        let path = std::env::temp_dir().join(format!("smartmon-bench-live.{}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Where `BENCHMARKS.md` lives (the workspace root).
fn benchmarks_md() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../BENCHMARKS.md")
}

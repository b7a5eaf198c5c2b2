//! `ingest`: many simulated agents writing to one Postgres, as `smartmon agent` writes (the product's
//! collector and batched writer, on its schedule), measuring sustained rows/s, write latency and whether
//! the fleet falls behind; then time-compressed runs for the headroom; then the database's size after a
//! simulated month with retention on. Writes the `ingest` section of `BENCHMARKS.md`.
//!
//! `bench/ingest.sh` (builds, runs, cleans up), or
//! `cargo run --release -p smartmon-bench --bin ingest -- --help`. It creates and drops its own
//! databases `smartmon_bench_ingest_fleet` and `smartmon_bench_ingest_month` on the admin URL.

mod fleet;
mod month;
mod report;
mod stats;
mod summary;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use sea_orm::{ConnectionTrait, Database, Statement};
use smartmon::config::Settings;
use smartmon::db::Db;
use smartmon::live::LiveBus;

use fleet::Plan;
use stats::{CpuWindow, Recorder};
use summary::RunSummary;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Phase {
    /// The fleet in real time for `--duration` seconds.
    Fleet,
    /// Time-compressed runs (`--headroom` factors) until the fleet falls behind.
    Headroom,
    /// A simulated month at `--month-hosts`, then retention.
    Month,
}

#[derive(Debug, Parser)]
struct Args {
    /// Postgres admin URL; the bench creates and drops its databases there.
    #[arg(
        long,
        env = "TEST_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    admin_url: String,
    /// Simulated hosts.
    #[arg(long, default_value_t = 1000)]
    hosts: u32,
    /// Units per host.
    #[arg(long, default_value_t = 100)]
    units: u32,
    /// Filesystems per host (each one a `filesystem_usage` row and two alert conditions per sample).
    #[arg(long, default_value_t = 2)]
    mounts: u32,
    /// State changes per unit per day (the churn).
    #[arg(long, default_value_t = 4.0)]
    changes_per_unit_day: f64,
    /// Product connection pools (`Db::connect`, 16 connections each) the fleet shares, round robin.
    #[arg(long, default_value_t = 2)]
    pools: u32,
    /// Seconds of the real-time run.
    #[arg(long, default_value_t = 180)]
    duration: u64,
    /// Time-compression factors for the headroom runs, tried in order until the fleet falls behind.
    #[arg(long, value_delimiter = ',', default_value = "2,4,8")]
    headroom: Vec<f64>,
    /// Seconds of each headroom run.
    #[arg(long, default_value_t = 60)]
    headroom_secs: u64,
    /// Hosts in the simulated month.
    #[arg(long, default_value_t = 10)]
    month_hosts: u32,
    /// Phases to run.
    #[arg(long, value_delimiter = ',', default_value = "fleet,headroom,month")]
    phases: Vec<Phase>,
    /// Print the section without rewriting BENCHMARKS.md.
    #[arg(long)]
    dry: bool,
    /// Write the fleet into this database (migrated, then populated) instead of a fresh one: the live
    /// fan-out bench points it at its console's database.
    #[arg(long)]
    into: Option<String>,
}

const FLEET_DB: &str = "smartmon_bench_ingest_fleet";
const MONTH_DB: &str = "smartmon_bench_ingest_month";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let admin = Database::connect(args.admin_url.as_str()).await?;
    let result = run(&args, &admin).await;
    for name in [FLEET_DB, MONTH_DB] {
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    }
    let section = report::section(&command_line(), &result?);
    print!("{section}");
    if !args.dry {
        report::write_section(&section)?;
        eprintln!("ingest: BENCHMARKS.md updated");
    }
    Ok(())
}

/// Everything one invocation measured.
pub struct Results {
    pub runs: Vec<RunSummary>,
    pub bytes_per_row: Vec<(String, f64)>,
    pub month: Option<month::MonthReport>,
}

async fn run(args: &Args, admin: &sea_orm::DatabaseConnection) -> anyhow::Result<Results> {
    let mut results = Results {
        runs: Vec::new(),
        bytes_per_row: Vec::new(),
        month: None,
    };
    let plan = Plan {
        hosts: args.hosts,
        units: args.units,
        mounts: args.mounts,
        changes_per_unit_day: args.changes_per_unit_day,
        pools: args.pools.max(1),
        compress: 1.0,
        window: Duration::from_secs(args.duration),
    };
    if args.phases.contains(&Phase::Fleet) || args.phases.contains(&Phase::Headroom) {
        let url = match &args.into {
            Some(url) => url.clone(),
            None => fresh_database(admin, &args.admin_url, FLEET_DB).await?,
        };
        let recorder = Arc::new(Recorder::default());
        let pools = pools(&url, args.pools, &recorder).await?;
        pools[0].0.migrate().await?;
        fleet::populate(&pools[0].0, &plan).await?;
        let mut plans = Vec::new();
        if args.phases.contains(&Phase::Fleet) {
            plans.push(plan.clone());
        }
        if args.phases.contains(&Phase::Headroom) {
            plans.extend(args.headroom.iter().map(|&compress| Plan {
                compress,
                window: Duration::from_secs(args.headroom_secs),
                ..plan.clone()
            }));
        }
        for (i, plan) in plans.iter().enumerate() {
            let before = report::Snapshot::take(&pools[0].0).await?;
            let summary = measure(&pools, &url, plan, &recorder).await?;
            eprintln!("ingest: {}", summary.line());
            let behind = !summary.behind().is_empty();
            results.runs.push(summary);
            if i == 0 && args.phases.contains(&Phase::Fleet) {
                let after = report::Snapshot::take(&pools[0].0).await?;
                results.bytes_per_row = after.per_row_since(&before);
            } else if behind {
                break;
            }
        }
    }
    if args.phases.contains(&Phase::Month) {
        let url = fresh_database(admin, &args.admin_url, MONTH_DB).await?;
        let db = connect(&url).await?;
        let seed = std::env::current_exe()?.with_file_name("seed");
        let plan = month::MonthPlan {
            hosts: args.month_hosts,
            units: args.units,
            mounts: args.mounts,
            changes_per_unit_day: args.changes_per_unit_day,
            days: 30,
        };
        eprintln!("ingest: simulating a month of {} hosts", plan.hosts);
        let report = month::run(&db, &url, &seed, &plan).await?;
        eprintln!(
            "ingest: month: {} MB before retention, {} MB after, {} MB compacted",
            report.before >> 20,
            report.after_retention >> 20,
            report.steady >> 20
        );
        results.month = Some(report);
        db.conn.close_by_ref().await?;
    }
    Ok(results)
}

/// One run of the fleet, with the CPU of this process and of the database's backends.
async fn measure(
    pools: &[(Db, LiveBus)],
    url: &str,
    plan: &Plan,
    recorder: &Arc<Recorder>,
) -> anyhow::Result<RunSummary> {
    let before = backends(&pools[0].0).await?;
    let cpu = CpuWindow::start(&before);
    fleet::run(pools, url, plan, recorder).await?;
    let mut summary = RunSummary::of(plan, recorder);
    summary.cpu = cpu.finish(&backends(&pools[0].0).await?);
    Ok(summary)
}

/// Drops and creates `name`; its URL.
async fn fresh_database(
    admin: &sea_orm::DatabaseConnection,
    admin_url: &str,
    name: &str,
) -> anyhow::Result<String> {
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
    Ok(format!("{base}/{name}"))
}

async fn connect(url: &str) -> anyhow::Result<Db> {
    let settings =
        Settings::from_map(HashMap::from([("DATABASE_URL".to_owned(), url.to_owned())]))?;
    Db::connect(&settings.database).await
}

/// `count` product pools, every statement timed into the recorder, each opened to its full size so
/// the run does not pay for connecting; each with its live bus.
async fn pools(
    url: &str,
    count: u32,
    recorder: &Arc<Recorder>,
) -> anyhow::Result<Vec<(Db, LiveBus)>> {
    let mut pools = Vec::new();
    for _ in 0..count.max(1) {
        let mut db = connect(url).await?;
        let r = recorder.clone();
        db.conn.set_metric_callback(move |info| {
            r.statement(&info.statement.sql, info.elapsed, info.failed)
        });
        let warm: Vec<_> = (0..16)
            .map(|_| {
                let conn = db.conn.clone();
                async move { conn.execute_unprepared("SELECT pg_sleep(0.3)").await }
            })
            .collect();
        futures_join(warm).await?;
        let live = LiveBus::new(&db);
        pools.push((db, live));
    }
    Ok(pools)
}

async fn futures_join<F, T>(work: Vec<F>) -> anyhow::Result<()>
where
    F: Future<Output = Result<T, sea_orm::DbErr>> + Send + 'static,
    T: Send + 'static,
{
    let tasks: Vec<_> = work.into_iter().map(tokio::spawn).collect();
    for task in tasks {
        task.await??;
    }
    Ok(())
}

/// The Postgres processes working for this database: the pools' backends, autovacuum workers on it,
/// and the server's WAL writer, checkpointer and background writer (shared with other databases).
async fn backends(db: &Db) -> anyhow::Result<Vec<u32>> {
    let rows = db
        .conn
        .query_all_raw(Statement::from_string(
            db.conn.get_database_backend(),
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()
               OR backend_type IN ('walwriter', 'checkpointer', 'background writer')",
        ))
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<i32>("", "pid")? as u32))
        .collect()
}

/// The command line as run, for the section.
fn command_line() -> String {
    let given: Vec<String> = std::env::args().skip(1).collect();
    if given.is_empty() {
        "bench/ingest.sh".to_owned()
    } else {
        format!("bench/ingest.sh {}", given.join(" "))
    }
}

//! The `ingest` section of `BENCHMARKS.md`: command, machine, date, the runs, per-operation latencies,
//! rows/s and bytes per row, the simulated month and its extrapolation to the target fleet.

use std::fmt::Write;

use smartmon::db::Db;

use crate::Results;
use crate::month::{self, MonthReport};
use crate::stats::Kind;
use crate::summary::RunSummary;

/// The fleet size the issue targets.
const TARGET_HOSTS: f64 = 1000.0;

/// Sizes and row counts of the tables the agents write, at one moment.
pub struct Snapshot {
    tables: Vec<(String, i64, i64)>,
}

const WRITTEN: [&str; 5] = [
    "system_metrics",
    "filesystem_usage",
    "service_status",
    "service_current",
    "hosts",
];

impl Snapshot {
    pub async fn take(db: &Db) -> anyhow::Result<Snapshot> {
        let sizes = month::table_sizes(db).await?;
        let mut tables = Vec::new();
        for table in WRITTEN {
            let bytes = sizes
                .iter()
                .find(|(name, _)| name == table)
                .map_or(0, |(_, b)| *b);
            tables.push((table.to_owned(), bytes, month::row_count(db, table).await?));
        }
        Ok(Snapshot { tables })
    }

    /// Bytes per row: growth over rows added for the appended tables, size over rows for the others
    /// (rewritten in place, so their size is the rows plus what the updates left behind).
    pub fn per_row_since(&self, before: &Snapshot) -> Vec<(String, f64)> {
        self.tables
            .iter()
            .zip(&before.tables)
            .map(|((table, bytes, rows), (_, bytes0, rows0))| {
                let per_row = if month::APPENDED.contains(&table.as_str()) {
                    (bytes - bytes0) as f64 / (rows - rows0).max(1) as f64
                } else {
                    *bytes as f64 / (*rows).max(1) as f64
                };
                (table.clone(), per_row)
            })
            .collect()
    }
}

pub fn section(command: &str, results: &Results) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<!-- ingest:start -->\n## Ingest at scale (`bench/ingest.sh`)\n"
    );
    let _ = writeln!(
        s,
        "`{command}`: {date}, {cores} cores, {ram} GiB; release build; PostgreSQL 15 on the same machine, \
         sharing the cores with the simulated fleet (one process).\n",
        date = today(),
        cores = std::thread::available_parallelism().map_or(0, |n| n.get()),
        ram = ram_gib(),
    );
    if let Some(first) = results.runs.first() {
        method(&mut s, first);
        runs_table(&mut s, results);
        if first.plan.compress == 1.0 {
            operations(&mut s, first);
            rows(
                &mut s,
                first,
                &results.bytes_per_row,
                results.month.as_ref(),
            );
        }
    }
    if let Some(month) = &results.month {
        month_table(&mut s, month, &results.bytes_per_row, results.runs.first());
    }
    s.push_str("<!-- ingest:end -->\n");
    s
}

fn method(s: &mut String, run: &RunSummary) {
    let p = &run.plan;
    let _ = writeln!(
        s,
        "Method: {hosts} simulated hosts × {units} units, {mounts} filesystems each, {churn} state changes per \
         unit per day (exponential gaps). Each host is a product `Collector` writing through its batched \
         writer (one transaction per batch, then the live bus's NOTIFY), what `smartmon agent` writes: \
         every 15 s a metrics sample (heartbeat upsert, {conds} usage alert conditions checked against \
         the open alerts the writer holds in memory, {mounts} \
         `filesystem_usage` rows, the `system_metrics` row); every 60 s a full service resync (nothing \
         changed: one upsert moves the host's `services_seen_at` on); each state change \
         as its own batch (current row, history row, alert). Start offsets are staggered across each \
         interval. The fleet shares the product's own pools (`Db::connect`, 16 connections each; {pools} \
         pools = {conns} connections), as a pgbouncer in front of the agents would, since 1,000 agents \
         with a pool each would need far more than Postgres's `max_connections`. Lag = completion minus the \
         cycle's due time; a late cycle runs at once and the schedule restarts from there (the collector's \
         `MissedTickBehavior::Delay`). \"Behind\" = under 98% of due cycles done, lag p99 over the \
         interval, lag p99 in the last third over twice the first third's, or records buffered/dropped. \
         Headroom runs divide every interval by the factor (and multiply the churn), so host-equivalents \
         = hosts × factor. CPU: this process, and Postgres (the bench's backends, autovacuum on its \
         database, the WAL writer, checkpointer and background writer; `/proc`, utime + stime), in cores; \
         \"machine busy\" counts every process, other users' builds included.\n",
        hosts = p.hosts,
        units = p.units,
        mounts = p.mounts,
        churn = p.changes_per_unit_day,
        conds = 1 + 2 * p.mounts,
        pools = p.pools,
        conns = p.pools * 16,
    );
}

fn runs_table(s: &mut String, results: &Results) {
    let verdict = match results.runs.iter().find(|r| r.plan.compress == 1.0) {
        Some(r) if r.behind().is_empty() && r.host_equivalents() >= TARGET_HOSTS => {
            "**met**".to_owned()
        }
        Some(r) if r.host_equivalents() < TARGET_HOSTS => {
            format!("not measured at full size ({} hosts)", r.plan.hosts)
        }
        Some(r) => format!("**not met** ({})", r.behind().join("; ")),
        None => "not measured (no real-time run)".to_owned(),
    };
    let capacity = results
        .runs
        .iter()
        .filter(|r| r.behind().is_empty())
        .map(RunSummary::host_equivalents)
        .fold(0.0, f64::max);
    let _ = writeln!(
        s,
        "Target, 1,000 simulated hosts sustained without falling behind: {verdict}. Highest load kept up \
         with: {capacity:.0} host-equivalents = {ratio:.1}× the target.\n",
        ratio = capacity / TARGET_HOSTS
    );
    s.push_str(
        "| run | host-equivalents | window | stmt/s | batches/s | metrics done | metrics lag p99 / max | \
         resync done | resync lag p99 / max | lag p99 first → last third (metrics) | client CPU | Postgres CPU | machine busy | verdict |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for r in &results.runs {
        let m = r.kind(Kind::Metrics);
        let v = r.kind(Kind::Resync);
        let behind = r.behind();
        let _ = writeln!(
            s,
            "| {hosts} × {f}× | {eq:.0} | {w} s | {st:.0} | {b:.0} | {md:.1}% | {ml:.0} / {mm:.0} ms | {rd:.1}% | \
             {rl:.0} / {rm:.0} ms | {a:.0} → {z:.0} ms | {c:.2} | {pg:.2} | {busy:.0}% | {verdict} |",
            hosts = r.plan.hosts,
            f = r.plan.compress,
            eq = r.host_equivalents(),
            w = r.plan.window.as_secs(),
            st = r.statements_per_sec(),
            b = r.batches_per_sec(),
            md = m.done_percent(),
            ml = m.lag.p99,
            mm = m.lag.max,
            rd = v.done_percent(),
            rl = v.lag.p99,
            rm = v.lag.max,
            a = m.lag_first,
            z = m.lag_last,
            c = r.cpu.client,
            pg = r.cpu.postgres,
            busy = r.cpu.machine_busy * 100.0,
            verdict = if behind.is_empty() {
                "kept up".to_owned()
            } else {
                format!("behind: {}", behind.join("; "))
            },
        );
    }
    s.push('\n');
}

fn operations(s: &mut String, run: &RunSummary) {
    s.push_str(
        "Write latency in the real-time run, per batch (pool wait + BEGIN + statements + COMMIT + NOTIFY) \
         and per statement (sea-orm's metric callback):\n\n\
         | operation | count | per second | p50 | p99 | max |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    let window = run.plan.window.as_secs_f64();
    for k in &run.kinds {
        let l = k.latency;
        let _ = writeln!(
            s,
            "| batch: {} | {} | {:.1} | {:.2} ms | {:.2} ms | {:.2} ms |",
            k.kind.label(),
            l.n,
            l.n as f64 / window,
            l.p50,
            l.p99,
            l.max
        );
    }
    for (kind, l) in &run.statements {
        let _ = writeln!(
            s,
            "| statement: `{kind}` | {} | {:.1} | {:.2} ms | {:.2} ms | {:.2} ms |",
            l.n,
            l.n as f64 / window,
            l.p50,
            l.p99,
            l.max
        );
    }
    s.push('\n');
}

fn rows(s: &mut String, run: &RunSummary, bytes: &[(String, f64)], month: Option<&MonthReport>) {
    s.push_str(
        "Rows written per second (real-time run) and stored bytes per row (table + indexes + TOAST): growth \
         over the rows the run added (`service_current` and `hosts` are rewritten in place: size over rows), \
         and over the millions of rows of the simulated month below:\n\n\
         | table | rows/s | bytes per row (run) | bytes per row (month) |\n| --- | --- | --- | --- |\n",
    );
    for (table, per_row) in bytes {
        let rate: f64 = run
            .rows_per_sec()
            .iter()
            .filter(|(kind, _)| kind.split(' ').nth(1) == Some(table.as_str()))
            .map(|(_, r)| r)
            .sum();
        let in_month = month
            .and_then(|m| m.per_row.iter().find(|(t, _)| t == table))
            .map_or_else(|| "".to_owned(), |(_, b)| format!("{b:.0}"));
        let _ = writeln!(s, "| `{table}` | {rate:.0} | {per_row:.0} | {in_month} |");
    }
    s.push('\n');
}

fn month_table(s: &mut String, m: &MonthReport, bytes: &[(String, f64)], run: Option<&RunSummary>) {
    let mb = |b: i64| b as f64 / 1_048_576.0;
    let p = &m.plan;
    let per_host = m.per_host();
    let _ = writeln!(
        s,
        "Simulated month (measured at {h} hosts, extrapolated to 1,000): `seed --hosts {h} --units {u} --days \
         {d} --metrics-every 15 --changes-per-day {c} --mounts {mo} --no-checks` into day partitions created ahead (as \
         the lifecycle job creates them), then one product lifecycle pass (`lifecycle::tick`: rollups \
         catching up the month, then retention with the defaults, raw {raw} days, rollups 365 days). \
         Seeding took {seed:.0} s, the lifecycle \
         pass {life:.0} s.\n\n| step | database size |\n| --- | --- |\n\
         | empty schema | {e:.0} MB |\n| after 30 days, no retention | {b:.0} MB |\n\
         | after rollups + retention (day partitions dropped, other tables deleted in batches) | {a:.0} MB |\n\
         | same, unpartitioned tables compacted (`VACUUM FULL`: the steady state of hourly retention) | {st:.0} MB |\n\
         | **per host at steady state** | **{ph:.1} MB** |\n\
         | **extrapolated to 1,000 hosts × {u} units** (linear in hosts) | **{x:.1} GB** |\n",
        h = p.hosts,
        u = p.units,
        d = p.days,
        c = p.changes_per_unit_day.round(),
        mo = p.mounts,
        raw = m.raw_days,
        seed = m.seed_secs,
        life = m.lifecycle_secs,
        e = mb(m.empty),
        b = mb(m.before),
        a = mb(m.after_retention),
        st = mb(m.steady),
        ph = per_host / 1_048_576.0,
        x = (m.empty as f64 + per_host * TARGET_HOSTS) / 1e9,
    );
    let tables: Vec<String> = m
        .tables_steady
        .iter()
        .filter(|(_, b)| *b > 1 << 20)
        .map(|(t, b)| format!("`{t}` {:.0} MB", mb(*b)))
        .collect();
    let _ = writeln!(s, "At steady state: {}.\n", tables.join(", "));
    if let Some(run) = run {
        cross_check(s, m, bytes, run);
    }
}

/// The same steady state from the ingest run's bytes per row: raw days of rows per host per day.
fn cross_check(s: &mut String, m: &MonthReport, bytes: &[(String, f64)], run: &RunSummary) {
    let per_row = |t: &str| bytes.iter().find(|(n, _)| n == t).map_or(0.0, |(_, b)| *b);
    let p = &run.plan;
    let samples = 86_400.0 / 15.0;
    let per_host_day = samples * per_row("system_metrics")
        + samples * f64::from(p.mounts) * per_row("filesystem_usage")
        + f64::from(p.units) * p.changes_per_unit_day * per_row("service_status");
    let raw = per_host_day * f64::from(m.raw_days) * TARGET_HOSTS;
    let _ = writeln!(
        s,
        "Cross-check from the ingest run's bytes per row: raw history is {:.1} MB per host per day, so \
         {} days of raw rows for 1,000 hosts is {:.1} GB before rollups, audit log and alerts. Read the two \
         as bounds: a short run's tables carry fixed per-relation overhead and index pages split by inserts \
         interleaved across hosts (an upper bound), while `seed` bulk-loads each host's rows in order, so \
         its indexes are packed (a lower bound). A live fleet's (hostname, ts_epoch) indexes split like the \
         run's, so its indexes will likely sit nearer the upper figure.\n",
        per_host_day / 1_048_576.0,
        m.raw_days,
        raw / 1e9
    );
}

fn today() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "?".into(), |d| d.trim().to_owned())
}

fn ram_gib() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1_048_576)
}

/// Replaces the `ingest` section of BENCHMARKS.md (or appends it).
pub fn write_section(section: &str) -> anyhow::Result<()> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../BENCHMARKS.md");
    let existing = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".into());
    let (start, end) = ("<!-- ingest:start -->", "<!-- ingest:end -->\n");
    let updated = match (existing.find(start), existing.find(end)) {
        (Some(a), Some(b)) => format!("{}{section}{}", &existing[..a], &existing[b + end.len()..]),
        _ => format!("{}\n\n{section}", existing.trim_end()),
    };
    std::fs::write(&path, updated)?;
    Ok(())
}

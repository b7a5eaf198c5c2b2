//! The figures as a console line and as the "live" section of `BENCHMARKS.md`.

use std::time::Duration;

use crate::stats::Latencies;
use crate::{Args, Usage};

/// The target of issue #10: p95 under this with 500 clients.
const TARGET_P95: Duration = Duration::from_millis(250);
const TARGET_CLIENTS: usize = 500;

/// One store's runs.
pub struct StoreRun {
    pub label: &'static str,
    /// Server VmRSS and VmHWM (kB) with no client connected, after start and warm-up.
    pub idle: (u64, u64),
    pub runs: Vec<ClientRun>,
}

/// One client count's figures.
pub struct ClientRun {
    pub clients: usize,
    pub latencies: Latencies,
    /// Server VmRSS and VmHWM (kB) with the clients still connected, after the flips.
    pub memory: (u64, u64),
    pub usage: Usage,
    /// From the first flip to the end of the wait for stragglers.
    pub wall: Duration,
    pub connect_time: Duration,
}

/// A console line for one run.
pub fn line(run: &ClientRun) -> String {
    let l = &run.latencies;
    format!(
        "{} clients (connected in {}): p50 {} p95 {} max {}, last client p50 {} p95 {}, missed {}/{}, \
         dropped {}; control request p50 {} max {}; server RSS {} HWM {}; CPU (run-queue wait) server {} ({}), \
         bench {} ({})",
        run.clients,
        ms(run.connect_time),
        ms(l.p50),
        ms(l.p95),
        ms(l.max),
        ms(l.last_p50),
        ms(l.last_p95),
        l.missed,
        l.pairs,
        l.dropped_clients,
        ms(l.control_p50),
        ms(l.control_max),
        mib(run.memory.0),
        mib(run.memory.1),
        cpu(run.usage.server_cpu, run.wall),
        ms(run.usage.server_wait),
        cpu(run.usage.bench_cpu, run.wall),
        ms(run.usage.bench_wait),
    )
}

/// The Markdown section, markers included.
pub fn section(args: &Args, stores: &[StoreRun]) -> String {
    let mut table = String::from(
        "| store | SSE clients | p50 | p95 | max | last client p50 / p95 | missed | server VmRSS / VmHWM | server CPU (run-queue wait) | bench client CPU (run-queue wait) |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for store in stores {
        table.push_str(&format!(
            "| {} | 0 (idle) | | | | | | {} / {} | | |\n",
            store.label,
            mib(store.idle.0),
            mib(store.idle.1)
        ));
        for run in &store.runs {
            let l = &run.latencies;
            table.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} / {} | {} of {}{} | {} / {} | {} ({}) | {} ({}) |\n",
                store.label,
                run.clients,
                ms(l.p50),
                ms(l.p95),
                ms(l.max),
                ms(l.last_p50),
                ms(l.last_p95),
                l.missed,
                l.pairs,
                cut_off(l.dropped_clients),
                mib(run.memory.0),
                mib(run.memory.1),
                cpu(run.usage.server_cpu, run.wall),
                ms(run.usage.server_wait),
                cpu(run.usage.bench_cpu, run.wall),
                ms(run.usage.bench_wait),
            ));
        }
    }
    let stores_used: Vec<&str> = stores.iter().map(|s| s.label).collect();
    format!(
        "<!-- live:start -->\n## Live latency (`bench/live.sh`)\n\n\
         `bench/live.sh` (runs `live --units {units} --clients {clients} --flips {flips} --spacing-ms {spacing} \
         --flip-units {k}`; Postgres too when `TEST_DATABASE_URL` is set) on {date}: {cores} cores, {ram} GiB, \
         release build; `smartmon serve` with its collector on the `fake-systemd` double ({units} units on a \
         private dbus-daemon), {stores}; the bench's clients (raw HTTP/1.1 on one tokio thread) share the \
         cores with the server.\n\n\
         Method: the bench changes a unit's state {flips} times, {spacing} ms apart, cycling over {k} units \
         (to failed/failed, later back to active/running) through the double's control API, and starts the \
         clock just before each request; every SSE client on `GET /events` notes when the `rows` frame with \
         that unit in its new state arrives. Latency is arrival − change over all (change, client) pairs; \
         \"last client\" is per change the slowest client; a pair without a frame within {timeout} s is missed; \
         RSS is read from `/proc/<pid>/status` with the clients still connected, CPU is % of one core over \
         the run, and run-queue wait (`/proc/<pid>/task/*/schedstat`) is how long that process's threads \
         were ready but found no free core: on a busy machine the long tails live there.\n\n{table}\n{verdict}\n<!-- live:end -->\n",
        units = args.units,
        clients = args
            .clients
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
        flips = args.flips,
        spacing = args.spacing_ms,
        k = args.flip_units,
        timeout = args.timeout_ms as f64 / 1000.0,
        date = today(),
        cores = std::thread::available_parallelism().map_or(0, usize::from),
        ram = memory_gib(),
        stores = stores_used.join(" and "),
        verdict = verdict(stores),
    )
}

/// Whether the target is met, store by store.
fn verdict(stores: &[StoreRun]) -> String {
    let judged: Vec<String> = stores
        .iter()
        .filter_map(|store| {
            let run = store.runs.iter().find(|r| r.clients == TARGET_CLIENTS)?;
            let l = &run.latencies;
            let met = l.p95 < TARGET_P95 && l.missed == 0;
            Some(format!(
                "{}: **{}** (p95 {}, {} missed)",
                store.label,
                if met { "met" } else { "not met" },
                ms(l.p95),
                l.missed
            ))
        })
        .collect();
    if judged.is_empty() {
        return format!(
            "Target (p95 under 250 ms with {TARGET_CLIENTS} SSE clients): not measured in this run."
        );
    }
    format!(
        "Target (p95 under 250 ms with {TARGET_CLIENTS} SSE clients, none missed): {}.",
        judged.join("; ")
    )
}

/// Replaces the section in `BENCHMARKS.md`, or appends it.
pub fn write(section: &str) -> anyhow::Result<()> {
    let path = crate::benchmarks_md();
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    let (start, end) = ("<!-- live:start -->", "<!-- live:end -->\n");
    let updated = match (existing.find(start), existing.find(end)) {
        (Some(a), Some(b)) if a < b => {
            format!("{}{section}{}", &existing[..a], &existing[b + end.len()..])
        }
        _ => format!("{}\n\n{section}", existing.trim_end()),
    };
    std::fs::write(&path, updated)?;
    Ok(())
}

fn cut_off(clients: usize) -> String {
    match clients {
        0 => String::new(),
        n => format!(" ({n} streams cut off)"),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn mib(kb: u64) -> String {
    format!("{:.1} MiB", kb as f64 / 1024.0)
}

fn cpu(used: Duration, wall: Duration) -> String {
    format!(
        "{:.1}%",
        100.0 * used.as_secs_f64() / wall.as_secs_f64().max(f64::EPSILON)
    )
}

fn today() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

fn memory_gib() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024 / 1024)
}

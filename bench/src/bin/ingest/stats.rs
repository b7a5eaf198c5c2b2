//! What a run measures: every cycle's latency and lag (by kind), every SQL statement's time (from
//! sea-orm's metric callback, by verb and table), and CPU time from `/proc`.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The collector's kinds of write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Metrics sample: host heartbeat, usage alert conditions, filesystems, the metrics row.
    Metrics,
    /// Full service resync: every unit's `service_current` row refreshed.
    Resync,
    /// One unit's state change: current row, history row, its alert.
    Change,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Metrics => "metrics cycle",
            Kind::Resync => "service resync",
            Kind::Change => "state change",
        }
    }
}

/// One cycle as it ran: when it was due, when it finished, and what the writer said.
#[derive(Debug, Clone, Copy)]
pub struct Cycle {
    pub kind: Kind,
    /// Seconds from the window's start to the cycle's due time.
    pub due_at: f64,
    pub latency_ms: f64,
    /// Completion minus due time.
    pub lag_ms: f64,
    /// Records left in the agent's outage buffer, and dropped so far.
    pub buffered: usize,
    pub dropped: u64,
}

/// p50 / p99 / max of a set of milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Spread {
    pub n: usize,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(mut values: Vec<f64>) -> Spread {
        if values.is_empty() {
            return Spread::default();
        }
        values.sort_by(f64::total_cmp);
        let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
        Spread {
            n: values.len(),
            p50: at(0.50),
            p99: at(0.99),
            max: values[values.len() - 1],
        }
    }
}

/// Shared by every agent task and the statement callback.
#[derive(Default)]
pub struct Recorder {
    cycles: Mutex<Vec<Cycle>>,
    due: Mutex<BTreeMap<Kind, u64>>,
    statements: Mutex<BTreeMap<String, Vec<f64>>>,
    failed: Mutex<u64>,
}

impl Recorder {
    /// Cycles an agent should run in the window on an ideal schedule.
    pub fn expect(&self, kind: Kind, cycles: u64) {
        *lock(&self.due).entry(kind).or_default() += cycles;
    }

    pub fn cycle(&self, cycle: Cycle) {
        lock(&self.cycles).push(cycle);
    }

    /// The metric callback's view of one statement.
    pub fn statement(&self, sql: &str, elapsed: Duration, failed: bool) {
        if failed {
            *lock(&self.failed) += 1;
        }
        lock(&self.statements)
            .entry(statement_kind(sql))
            .or_default()
            .push(elapsed.as_secs_f64() * 1000.0);
    }

    /// Forgets everything so far (set-up traffic is not part of the window).
    pub fn reset(&self) {
        lock(&self.cycles).clear();
        lock(&self.due).clear();
        lock(&self.statements).clear();
        *lock(&self.failed) = 0;
    }

    pub fn cycles(&self) -> Vec<Cycle> {
        lock(&self.cycles).clone()
    }

    pub fn expected(&self, kind: Kind) -> u64 {
        lock(&self.due).get(&kind).copied().unwrap_or(0)
    }

    /// Statement kinds with their timings.
    pub fn statements(&self) -> BTreeMap<String, Spread> {
        lock(&self.statements)
            .iter()
            .map(|(kind, times)| (kind.clone(), Spread::of(times.clone())))
            .collect()
    }

    pub fn failed_statements(&self) -> u64 {
        *lock(&self.failed)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `INSERT INTO "system_metrics" …` → `insert system_metrics`; an `ON CONFLICT` insert is an upsert;
/// the live bus's `SELECT pg_notify(…)` is `notify`.
pub fn statement_kind(sql: &str) -> String {
    let verb = sql
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_ascii_lowercase();
    if sql.contains("pg_notify") {
        return "notify (live bus)".into();
    }
    let table = sql.split('"').nth(1).unwrap_or("?");
    let verb = if verb == "insert" && sql.contains("ON CONFLICT") {
        "upsert"
    } else {
        verb.as_str()
    };
    format!("{verb} {table}")
}

/// CPU time (user + system) of a process, from `/proc/PID/stat`.
pub fn cpu_of(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<u64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let ticks = fields.get(11)? + fields.get(12)?;
    Some(Duration::from_micros(ticks * 1_000_000 / clock_ticks()))
}

fn clock_ticks() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// The whole machine's busy and total jiffies, from the first line of `/proc/stat`.
pub fn machine_jiffies() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let total: u64 = fields.iter().sum();
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// CPU used by this process and by a set of Postgres backends over a window, as cores.
pub struct CpuWindow {
    started: Instant,
    own: Duration,
    backends: BTreeMap<u32, Duration>,
    machine: (u64, u64),
}

/// Cores used over a window.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuUse {
    pub client: f64,
    pub postgres: f64,
    /// Share of all cores busy (every process on the machine, other users included).
    pub machine_busy: f64,
}

impl CpuWindow {
    pub fn start(backends: &[u32]) -> CpuWindow {
        CpuWindow {
            started: Instant::now(),
            own: cpu_of(std::process::id()).unwrap_or_default(),
            backends: backends
                .iter()
                .map(|pid| (*pid, cpu_of(*pid).unwrap_or_default()))
                .collect(),
            machine: machine_jiffies(),
        }
    }

    /// `backends` at the end: pids opened during the window count from zero.
    pub fn finish(&self, backends: &[u32]) -> CpuUse {
        let wall = self.started.elapsed().as_secs_f64();
        let own = cpu_of(std::process::id()).unwrap_or_default() - self.own;
        let postgres: Duration = backends
            .iter()
            .map(|pid| {
                let now = cpu_of(*pid).unwrap_or_default();
                now.saturating_sub(self.backends.get(pid).copied().unwrap_or_default())
            })
            .sum();
        let (busy, total) = machine_jiffies();
        CpuUse {
            client: own.as_secs_f64() / wall,
            postgres: postgres.as_secs_f64() / wall,
            machine_busy: (busy - self.machine.0) as f64 / (total - self.machine.1).max(1) as f64,
        }
    }
}

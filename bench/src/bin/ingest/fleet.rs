//! The simulated fleet: one product `Collector` per host, writing through the product's batched writer
//! (one transaction per batch, then the live bus's NOTIFY) what `smartmon agent` writes, on its
//! schedule: a metrics sample every `METRICS_INTERVAL`, a full service resync every
//! `SERVICE_RESYNC_INTERVAL`, and unit state changes as they happen. Start offsets are staggered across
//! each interval like real hosts'. Every cycle's latency and lag goes to the `Recorder`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, EntityTrait};
use smartmon::collector::{Collector, Record, WriteReport};
use smartmon::config::Settings;
use smartmon::db::Db;
use smartmon::db::alerts::AlertCondition;
use smartmon::db::entities::{filesystem_usage, hosts, service_current, system_metrics};
use smartmon::domain::{Hostname, ServiceState, Severity};
use smartmon::live::LiveBus;

use crate::stats::{Cycle, Kind, Recorder};

/// What to simulate, and how fast (`compress` divides every interval and multiplies the change rate).
#[derive(Debug, Clone)]
pub struct Plan {
    pub hosts: u32,
    pub units: u32,
    pub mounts: u32,
    pub changes_per_unit_day: f64,
    /// Product pools the fleet shares (for the report; `main` opens them).
    pub pools: u32,
    pub compress: f64,
    pub window: Duration,
}

impl Plan {
    pub fn metrics_every(&self) -> Duration {
        Duration::from_secs_f64(15.0 / self.compress)
    }

    pub fn resync_every(&self) -> Duration {
        Duration::from_secs_f64(60.0 / self.compress)
    }

    /// State changes per second on one host.
    fn changes_per_host_sec(&self) -> f64 {
        f64::from(self.units) * self.changes_per_unit_day * self.compress / 86_400.0
    }
}

/// The fleet as it was before the window: hosts, every unit's current row (1 in 40 failed, with its
/// open alert), as agents that ran for a while leave it. Written in bulk, not through the writer.
pub async fn populate(db: &Db, plan: &Plan) -> anyhow::Result<()> {
    let (h, u) = (plan.hosts, plan.units);
    let now = smartmon::clock::Clock::default().now();
    let statements = [
        format!(
            "INSERT INTO hosts (hostname, os, kernel, agent_version, first_seen, last_seen)
             SELECT 'host' || lpad((g + 1)::text, 4, '0'), 'Debian GNU/Linux 12', '6.1.0-28-amd64',
               '{ver}', {now} - 86400, {now} FROM generate_series(0, {h} - 1) g",
            ver = env!("CARGO_PKG_VERSION")
        ),
        format!(
            "INSERT INTO service_current (hostname, service_name, raw_status, normalized_status, sub_state,
               service_type, unit_file_state, load_state, description, recoverable, since_epoch, ts_epoch)
             SELECT 'host' || lpad((div(g, {u}) + 1)::text, 4, '0'), 'unit' || lpad((g % {u})::text, 3, '0') || '.service',
               CASE WHEN g % 40 = 7 THEN 'failed' ELSE 'active' END,
               CASE WHEN g % 40 = 7 THEN 'failed' ELSE 'running' END,
               CASE WHEN g % 40 = 7 THEN 'failed' ELSE 'running' END,
               'simple', 'enabled', 'loaded', 'Simulated unit ' || (g % {u}), true, {now} - 3600, {now}
             FROM generate_series(0, {h} * {u} - 1) g"
        ),
        format!(
            "INSERT INTO alerts (hostname, source, severity, message, opened_at, last_seen_at, resolved_at)
             SELECT hostname, 'service:' || service_name, 'critical', service_name || ' is failed',
               since_epoch, {now}, NULL FROM service_current WHERE normalized_status = 'failed'"
        ),
        "ANALYZE".to_owned(),
    ];
    for sql in statements {
        db.conn.execute_unprepared(&sql).await?;
    }
    Ok(())
}

/// One simulated host: the product collector and the agent's own view of its units.
struct Agent {
    index: u32,
    collector: Collector,
    units: Mutex<Vec<service_current::Model>>,
    mounts: Vec<String>,
}

/// Builds one agent per host on the pools, round robin (each pool is a product `Db` with its live bus).
async fn agents(
    pools: &[(Db, LiveBus)],
    url: &str,
    plan: &Plan,
) -> anyhow::Result<Vec<Arc<Agent>>> {
    let mut units: HashMap<String, Vec<service_current::Model>> = HashMap::new();
    for row in service_current::Entity::find()
        .all(&pools[0].0.conn)
        .await?
    {
        units.entry(row.hostname.to_string()).or_default().push(row);
    }
    let mounts: Vec<String> = ["/", "/boot", "/var", "/srv"]
        .iter()
        .cycle()
        .take(plan.mounts as usize)
        .enumerate()
        .map(|(i, m)| {
            if i < 4 {
                (*m).to_owned()
            } else {
                format!("/data{i}")
            }
        })
        .collect();
    let mut agents = Vec::new();
    for index in 0..plan.hosts {
        let hostname = format!("host{:04}", index + 1);
        let (db, live) = &pools[index as usize % pools.len()];
        let settings = Settings::from_map(HashMap::from([
            ("DATABASE_URL".to_owned(), url.to_owned()),
            ("HOSTNAME_OVERRIDE".to_owned(), hostname.clone()),
        ]))?;
        let collector = smartmon::startup::collector(&settings, db.clone(), live.clone()).await?;
        agents.push(Arc::new(Agent {
            index,
            collector,
            units: Mutex::new(units.remove(&hostname).unwrap_or_default()),
            mounts: mounts.clone(),
        }));
    }
    Ok(agents)
}

/// Runs the fleet for the plan's window; the recorder holds the figures afterwards.
pub async fn run(
    pools: &[(Db, LiveBus)],
    url: &str,
    plan: &Plan,
    recorder: &Arc<Recorder>,
) -> anyhow::Result<()> {
    let agents = agents(pools, url, plan).await?;
    recorder.reset();
    let start = Instant::now() + Duration::from_millis(500);
    let end = start + plan.window;
    let mut tasks = Vec::new();
    for agent in agents {
        let hosts = f64::from(plan.hosts);
        let metrics_at = start + plan.metrics_every().mul_f64(f64::from(agent.index) / hosts);
        let spread = f64::from((agent.index * 7919) % plan.hosts) / hosts;
        let resync_at = start + plan.resync_every().mul_f64(spread);
        let a = agent.clone();
        let r = recorder.clone();
        let every = plan.metrics_every();
        tasks.push(tokio::spawn(async move {
            on_schedule(Kind::Metrics, every, metrics_at, (start, end), &r, || {
                a.collector.write(a.metrics_records())
            })
            .await;
        }));
        let a = agent.clone();
        let r = recorder.clone();
        let every = plan.resync_every();
        tasks.push(tokio::spawn(async move {
            on_schedule(Kind::Resync, every, resync_at, (start, end), &r, || {
                a.collector.write(a.resync_records())
            })
            .await;
        }));
        let r = recorder.clone();
        let rate = plan.changes_per_host_sec();
        tasks.push(tokio::spawn(async move {
            changes(&agent, rate, (start, end), &r).await;
        }));
    }
    for task in tasks {
        task.await?;
    }
    Ok(())
}

/// Runs `work` at `first` and then every `period` until `end`, as the collector's `every` does
/// (`MissedTickBehavior::Delay`: a late cycle runs at once and the schedule restarts from there).
async fn on_schedule<F, Fut>(
    kind: Kind,
    period: Duration,
    first: Instant,
    (start, end): (Instant, Instant),
    recorder: &Recorder,
    mut work: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = WriteReport>,
{
    let ideal = (end.saturating_duration_since(first).as_secs_f64() / period.as_secs_f64()).ceil();
    recorder.expect(kind, ideal as u64);
    let mut due = first;
    while due < end {
        tokio::time::sleep_until(due.into()).await;
        let started = Instant::now();
        let report = work().await;
        let finished = Instant::now();
        recorder.cycle(cycle(kind, start, due, started, finished, report));
        due += period;
        if due < finished {
            due = finished;
        }
    }
}

fn cycle(
    kind: Kind,
    start: Instant,
    due: Instant,
    started: Instant,
    finished: Instant,
    report: WriteReport,
) -> Cycle {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Cycle {
        kind,
        due_at: due.saturating_duration_since(start).as_secs_f64(),
        latency_ms: ms(finished - started),
        lag_ms: ms(finished.saturating_duration_since(due)),
        buffered: report.buffered,
        dropped: report.dropped_total,
    }
}

/// State changes at random (exponential gaps, `rate` per second), each written as the D-Bus watcher
/// writes a signal's change: its own batch.
async fn changes(agent: &Agent, rate: f64, (start, end): (Instant, Instant), recorder: &Recorder) {
    let mut rng = Rng(u64::from(agent.index) * 0x9E37_79B9 + 1);
    let gap = |rng: &mut Rng| Duration::from_secs_f64(-rng.unit().max(1e-12).ln() / rate);
    recorder.expect(
        Kind::Change,
        ((end - start).as_secs_f64() * rate).round() as u64,
    );
    let mut due = start + gap(&mut rng);
    while due < end {
        tokio::time::sleep_until(due.into()).await;
        let started = Instant::now();
        let records = agent.change_records(&mut rng);
        let report = agent.collector.write(records).await;
        let finished = Instant::now();
        recorder.cycle(cycle(Kind::Change, start, due, started, finished, report));
        due = (due + gap(&mut rng)).max(finished);
    }
}

impl Agent {
    fn hostname(&self) -> Hostname {
        self.collector.hostname().clone()
    }

    /// What `Collector::collect_metrics` hands the writer: the heartbeat, the usage alert conditions
    /// (memory, each filesystem's space and inodes), each filesystem's row, the metrics row.
    fn metrics_records(&self) -> Vec<Record> {
        let ts = smartmon::clock::Clock::default().now();
        let host = self.hostname();
        let wave = (ts / 600.0 + f64::from(self.index)).sin();
        let memory = 55.0 + 10.0 * wave;
        let mut records = vec![Record::HostSeen(hosts::Model {
            id: 0,
            hostname: host.clone(),
            os: Some("Debian GNU/Linux 12 (bookworm)".into()),
            kernel: Some("6.1.0-28-amd64".into()),
            agent_version: Some(env!("CARGO_PKG_VERSION").into()),
            first_seen: ts,
            last_seen: ts,
        })];
        let condition = |source: String, message: String| {
            Record::Alert(AlertCondition {
                hostname: host.clone(),
                source,
                severity: Severity::Warning,
                message,
                active: false,
                ts_epoch: ts,
            })
        };
        records.push(condition(
            "usage:memory".into(),
            format!("memory {memory:.0}% used (threshold 95%)"),
        ));
        for mount in &self.mounts {
            records.push(condition(
                format!("usage:disk:{mount}"),
                format!("{mount} is 61% full (threshold 90%)"),
            ));
            records.push(condition(
                format!("usage:inodes:{mount}"),
                format!("{mount} uses 7% of its inodes (threshold 90%)"),
            ));
        }
        for mount in &self.mounts {
            records.push(Record::Filesystem(filesystem_usage::Model {
                id: 0,
                hostname: host.clone(),
                ts_epoch: ts,
                mount_point: mount.clone(),
                space_percent: Some(61.0 + wave),
                inode_percent: Some(7.0),
            }));
        }
        records.push(Record::Metrics(system_metrics::Model {
            id: 0,
            hostname: host.clone(),
            ts_epoch: ts,
            cpu_percent: Some(20.0 + 15.0 * wave.abs()),
            memory_percent: Some(memory),
            swap_percent: Some(1.5),
            load_1: Some(0.8 + wave.abs()),
            load_5: Some(0.7),
            load_15: Some(0.6),
            disk_percent: Some(61.0 + wave),
            inode_percent: Some(7.0),
            net_rx_bps: Some(52_000.0 + 9_000.0 * wave),
            net_tx_bps: Some(21_000.0),
            uptime_secs: Some(ts as i64 % 10_000_000),
            process_count: Some(180),
            temperature_c: Some(48.0),
        }));
        records
    }

    /// A full resync where nothing changed: as `ServiceTracker::seen_all`, one record that moves every
    /// unit's `ts_epoch` on (one `UPDATE` for the host); no per-unit rows, no history, no alerts.
    fn resync_records(&self) -> Vec<Record> {
        let ts = smartmon::clock::Clock::default().now();
        let mut units = self.units.lock().unwrap_or_else(|e| e.into_inner());
        for row in units.iter_mut() {
            row.ts_epoch = ts;
        }
        let hostname = units.first().map(|u| u.hostname.to_string());
        hostname
            .map(|hostname| Record::ServicesSeen { hostname, at: ts })
            .into_iter()
            .collect()
    }

    /// One unit flips between running and failed (or stopped): its row with history, and the
    /// service alert opened (failed) or resolved.
    fn change_records(&self, rng: &mut Rng) -> Vec<Record> {
        let ts = smartmon::clock::Clock::default().now();
        let mut units = self.units.lock().unwrap_or_else(|e| e.into_inner());
        if units.is_empty() {
            return Vec::new();
        }
        let pick = (rng.next() % units.len() as u64) as usize;
        let row = &mut units[pick];
        let (raw, normalized, sub) = match (row.normalized_status, rng.next() % 2) {
            (ServiceState::Running, 0) => ("failed", ServiceState::Failed, "failed"),
            (ServiceState::Running, _) => ("inactive", ServiceState::Stopped, "dead"),
            _ => ("active", ServiceState::Running, "running"),
        };
        row.raw_status = raw.into();
        row.normalized_status = normalized;
        row.sub_state = sub.into();
        row.since_epoch = ts;
        row.ts_epoch = ts;
        let alert = AlertCondition {
            hostname: row.hostname.clone(),
            source: format!("service:{}", row.service_name),
            severity: Severity::Critical,
            message: format!("{} is {normalized} ({raw}/{sub})", row.service_name),
            active: normalized == ServiceState::Failed,
            ts_epoch: ts,
        };
        vec![
            Record::Service {
                row: row.clone(),
                history: true,
            },
            Record::Alert(alert),
        ]
    }
}

/// splitmix64: enough randomness for change times and picks, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

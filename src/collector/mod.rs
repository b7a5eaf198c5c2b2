//! The collector: one module per source (host metrics, systemd services, SMART, network checks), the
//! alert rules, and the batched writer they all feed. `serve` runs it for its own host, `agent` runs it
//! alone; tests drive it step by step with `collect_once()` and the per-source methods. On Windows the
//! services come from the Service Control Manager (`scm`) and the host figures from `win_metrics`; the
//! Linux sources (D-Bus, procfs, smartctl) are not built there.

mod alerts;
mod checks;
#[cfg(unix)]
mod log_answers;
mod metrics;
#[cfg(unix)]
mod procfs;
#[cfg(windows)]
mod scm;
#[cfg(unix)]
mod service_cmd;
#[cfg(unix)]
mod service_sync;
mod services;
mod settings;
#[cfg(unix)]
mod smart;
#[cfg(unix)]
mod smart_parse;
#[cfg(unix)]
mod systemd;
mod unit_log;
#[cfg(windows)]
mod win_metrics;
mod writer;

use std::sync::Arc;

use tokio::sync::Mutex;

pub use settings::{CollectorSettings, ServiceStatusMode};
pub use writer::{BufferBound, Record, WriteReport};

use crate::clock::Clock;
use crate::db::Db;
use crate::db::entities::{filesystem_usage, hosts};
use crate::domain::Hostname;
use crate::live::LiveBus;
use crate::site::Site;
use services::ServiceTracker;
use writer::Writer;

/// Cheap to clone; every clone drives the same state.
#[derive(Clone)]
pub struct Collector {
    inner: Arc<Inner>,
}

struct Inner {
    settings: CollectorSettings,
    hostname: Hostname,
    /// The system bus (`DBUS_SYSTEM_BUS_ADDRESS`), from the site.
    #[cfg(unix)]
    bus_address: Option<String>,
    /// When samples and changes happened.
    clock: Clock,
    writer: Writer,
    services: Mutex<ServiceTracker>,
    metrics: Mutex<metrics::MetricsState>,
    /// This host's journal: a failed unit's alert carries its last lines.
    journal: Option<crate::journal::Journal>,
}

/// What one `collect_once` did.
#[derive(Debug, Default)]
pub struct CycleReport {
    pub written: usize,
    pub buffered: usize,
    /// Sources that failed this cycle, with the reason (the others still ran).
    pub errors: Vec<String>,
}

impl Collector {
    /// Picks up where a previous run left this host's services. `db`'s timeout bounds each batch.
    pub async fn new(
        settings: CollectorSettings,
        site: &Site,
        db: Db,
        live: LiveBus,
    ) -> anyhow::Result<Self> {
        let hostname = site.hostname.clone();
        let collector_settings = settings;
        let known = match crate::db::services::current_for_host(&db.conn, hostname.as_str()).await {
            Ok(rows) => rows,
            Err(err) => {
                tracing::warn!(error = %err, "cannot read the last known service states; starting fresh");
                Vec::new()
            }
        };
        let tracker = ServiceTracker::new(&hostname, &collector_settings.service_watch, known);
        let bound = BufferBound {
            max_age: collector_settings.buffer_max_age,
            max_records: collector_settings.buffer_max_records,
        };
        let clock = Clock::default();
        let writer = Writer::new(db, live, bound, clock.clone());
        Ok(Self {
            inner: Arc::new(Inner {
                metrics: Mutex::new(metrics::MetricsState::default()),
                settings: collector_settings,
                hostname,
                #[cfg(unix)]
                bus_address: site.bus_address.clone(),
                clock,
                writer,
                services: Mutex::new(tracker),
                journal: None,
            }),
        })
    }

    pub fn hostname(&self) -> &Hostname {
        &self.inner.hostname
    }

    pub fn settings(&self) -> &CollectorSettings {
        &self.inner.settings
    }

    /// Now, as the collector's clock sees it.
    pub(crate) fn now(&self) -> f64 {
        self.inner.clock.now()
    }

    #[cfg(unix)]
    pub(crate) fn bus_address(&self) -> Option<&str> {
        self.inner.bus_address.as_deref()
    }

    /// Reads this host's journal for failed units' alerts (their last lines); call right after `new`.
    pub fn with_journal(mut self, journal: crate::journal::Journal) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.journal = Some(journal);
        }
        self
    }

    /// Hands records to the batched writer (one transaction per batch, buffered in an outage); a newly
    /// failed unit's alert gets its last log lines first.
    pub async fn write(&self, mut records: Vec<Record>) -> WriteReport {
        if let Some(journal) = &self.inner.journal {
            unit_log::attach_last_lines(journal, &mut records).await;
        }
        self.inner.writer.write(records).await
    }

    /// Writes whatever the outage buffer holds now (tests, and shutdown).
    pub async fn flush(&self) -> WriteReport {
        self.inner.writer.flush().await
    }

    /// Every source once, in order: host, metrics, services, SMART, checks.
    pub async fn collect_once(&self) -> CycleReport {
        let mut report = CycleReport::default();
        let mut add = |result: anyhow::Result<WriteReport>, source: &str| match result {
            Ok(w) => {
                report.written += w.written;
                report.buffered = w.buffered;
            }
            Err(err) => report.errors.push(format!("{source}: {err:#}")),
        };
        add(Ok(self.collect_metrics().await), "metrics");
        add(self.sync_services().await, "services");
        #[cfg(unix)]
        add(self.collect_smart().await, "smart");
        add(self.run_checks().await, "checks");
        report
    }

    fn host_seen(&self, ts: f64) -> Record {
        let version = env!("CARGO_PKG_VERSION").to_owned();
        #[cfg(unix)]
        let (os, kernel) = procfs::os_and_kernel(&self.inner.settings.procfs_root);
        #[cfg(windows)]
        let (os, kernel) = win_metrics::os_and_kernel();
        Record::HostSeen(hosts::Model {
            id: 0,
            hostname: self.inner.hostname.clone(),
            os,
            kernel,
            agent_version: Some(version),
            first_seen: ts,
            last_seen: ts,
        })
    }

    /// One metrics sample (and the host's last-seen time), with its alert conditions.
    #[tracing::instrument(level = "debug", skip_all, fields(hostname = %self.inner.hostname))]
    pub async fn collect_metrics(&self) -> WriteReport {
        let ts = self.now();
        let sample = {
            let mut state = self.inner.metrics.lock().await;
            #[cfg(unix)]
            let sample = metrics::sample(&self.inner.settings, &mut state);
            #[cfg(windows)]
            let sample = win_metrics::sample(&mut state);
            sample
        };
        let mut records = vec![self.host_seen(ts)];
        let hostname = &self.inner.hostname;
        records.extend(alerts::for_metrics(
            &self.inner.settings,
            &sample,
            hostname,
            ts,
        ));
        for (mount_point, space, inodes) in &sample.filesystems {
            records.push(Record::Filesystem(filesystem_usage::Model {
                id: 0,
                hostname: hostname.clone(),
                ts_epoch: ts,
                mount_point: mount_point.clone(),
                space_percent: Some(*space),
                inode_percent: *inodes,
            }));
        }
        records.push(Record::Metrics(sample.into_row(hostname, ts)));
        self.write(records).await
    }

    /// Reads every disk smartctl finds.
    #[cfg(unix)]
    #[tracing::instrument(level = "debug", skip_all, fields(hostname = %self.inner.hostname))]
    pub async fn collect_smart(&self) -> anyhow::Result<WriteReport> {
        let ts = self.now();
        let readings = smart::read_all(&self.inner.settings).await?;
        let mut records = Vec::new();
        for reading in readings {
            let row = reading.into_row(&self.inner.hostname, ts);
            records.extend(alerts::for_disk(&row));
            records.push(Record::Disk(row));
        }
        Ok(self.write(records).await)
    }

    /// Runs every check in `SMARTMON_HOSTS_CONFIG` (nothing when it is unset).
    #[tracing::instrument(level = "debug", skip_all, fields(hostname = %self.inner.hostname))]
    pub async fn run_checks(&self) -> anyhow::Result<WriteReport> {
        let Some(path) = &self.inner.settings.hosts_config else {
            return Ok(WriteReport::default());
        };
        let checks = checks::load(path).await?;
        let ts = self.now();
        let mut records = Vec::new();
        for row in checks::run_all(&checks, &self.inner.settings, &self.inner.hostname, ts).await {
            records.extend(alerts::for_check(&row));
            records.push(Record::Check(row));
        }
        Ok(self.write(records).await)
    }

    /// Starts every source on its own task and interval; the tasks run until the process ends.
    pub fn spawn(&self) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        let c = self.clone();
        tasks.push(tokio::spawn(async move {
            every(c.settings().metrics_interval, || c.collect_metrics_logged()).await;
        }));
        tasks.push(self.spawn_services());
        #[cfg(unix)]
        {
            let c = self.clone();
            tasks.push(tokio::spawn(async move {
                every(c.settings().smart_interval, || {
                    c.log("smart", c.collect_smart())
                })
                .await;
            }));
        }
        #[cfg(unix)]
        tasks.extend(self.spawn_log_answers());
        if self.settings().hosts_config.is_some() {
            let c = self.clone();
            tasks.push(tokio::spawn(async move {
                every(c.settings().check_interval, || {
                    c.log("checks", c.run_checks())
                })
                .await;
            }));
        }
        tasks
    }

    async fn collect_metrics_logged(&self) {
        self.collect_metrics().await;
    }

    pub(crate) async fn log(
        &self,
        source: &str,
        work: impl Future<Output = anyhow::Result<WriteReport>>,
    ) {
        if let Err(err) = work.await {
            tracing::warn!(source, error = format!("{err:#}"), "collection failed");
        }
    }
}

/// Runs `work` now and then every `period`, never overlapping itself.
pub(crate) async fn every<F, Fut>(period: std::time::Duration, mut work: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        work().await;
    }
}

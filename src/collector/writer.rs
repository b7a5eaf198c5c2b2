//! The batched writer: every source hands it records; it writes each batch in one transaction and
//! publishes what changed. A unit's change is told to this process first, from memory, with its new
//! state (so open pages never wait on the database), and to other processes after the commit. When the
//! database is unreachable it keeps a bounded, ordered buffer (`SMARTMON_BUFFER_SECS`,
//! `SMARTMON_BUFFER_MAX_RECORDS`) and flushes it first when the database returns. Each host's open
//! alerts are held in memory (read once per host), so unchanged alert conditions cost no reads.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use sea_orm::DatabaseTransaction;
use tokio::sync::Mutex;

use crate::clock::Clock;
use crate::db::alerts::{AlertChange, AlertCondition};
use crate::db::entities::{
    disk_health, filesystem_usage, hosts, network_checks, service_current, system_metrics,
};
use crate::db::notify_outbox::AlertNews;
use crate::db::{self, Db};
use crate::live::{LiveBus, LiveEvent, UnitNews};

/// Each host's open alerts, id by source, as this writer last read or wrote them.
type OpenAlerts = HashMap<String, HashMap<String, i64>>;

/// One thing to store.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    HostSeen(hosts::Model),
    /// The latest state of a unit; `history` also appends a `service_status` row (a change).
    Service {
        row: service_current::Model,
        history: bool,
    },
    /// A unit systemd no longer knows: its last history row, and its `service_current` row goes.
    ServiceGone(service_current::Model),
    /// A resync saw every unit of `hostname` at `at`: their `ts_epoch` moves on, nothing else changes.
    ServicesSeen {
        hostname: String,
        at: f64,
    },
    Metrics(system_metrics::Model),
    Filesystem(filesystem_usage::Model),
    Disk(disk_health::Model),
    Check(network_checks::Model),
    Alert(AlertCondition),
}

/// How far the buffer may grow while the database is away.
#[derive(Debug, Clone, Copy)]
pub struct BufferBound {
    pub max_age: Duration,
    pub max_records: usize,
}

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Records stored by this call (buffered ones included).
    pub written: usize,
    /// Records still waiting for the database.
    pub buffered: usize,
    /// Records dropped so far because the bound was hit.
    pub dropped_total: u64,
}

struct Buffer {
    items: VecDeque<(f64, Record)>,
    dropped: u64,
    /// During an outage, writes only queue until this moment (no source waits on a dead database).
    retry_at: Option<Instant>,
    /// The wait before the next attempt: doubles per failed attempt (2 s up to 30 s), so a long outage
    /// costs the sources one blocked write now and then, not one per write.
    retry_delay: Duration,
    open_alerts: OpenAlerts,
}

/// A batch the database did not finish in time: slow or locked, not wrong, so it is kept and retried.
#[derive(Debug, thiserror::Error)]
#[error("the database did not finish the batch within {0:?}")]
struct BatchTimedOut(Duration);

/// Whether a failed batch may well succeed later as it is: it timed out, or no connection was to be had.
/// Such a batch is buffered even when a ping then succeeds (a busy or locked database answers a ping).
fn is_transient(err: &anyhow::Error) -> bool {
    err.is::<BatchTimedOut>()
        || matches!(
            err.downcast_ref::<sea_orm::DbErr>(),
            Some(sea_orm::DbErr::ConnectionAcquire(_) | sea_orm::DbErr::Conn(_))
        )
}

/// How long an outage's writes just queue before the next attempt (first, and at most).
const RETRY_FIRST: Duration = Duration::from_secs(2);
const RETRY_MAX: Duration = Duration::from_secs(30);

pub struct Writer {
    db: Db,
    live: LiveBus,
    bound: BufferBound,
    timeout: Duration,
    clock: Clock,
    buffer: Mutex<Buffer>,
}

/// Records per transaction when flushing a backlog.
const CHUNK: usize = 500;

impl Writer {
    /// For the journal's answers to the console (`log_answers`, Linux only).
    #[cfg(unix)]
    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    #[cfg(unix)]
    pub(crate) fn live(&self) -> &LiveBus {
        &self.live
    }

    pub fn new(db: Db, live: LiveBus, bound: BufferBound, clock: Clock) -> Self {
        let timeout = db.timeout();
        Self {
            db,
            live,
            bound,
            timeout,
            clock,
            buffer: Mutex::new(Buffer {
                items: VecDeque::new(),
                dropped: 0,
                retry_at: None,
                retry_delay: RETRY_FIRST,
                open_alerts: OpenAlerts::new(),
            }),
        }
    }

    /// Queues `records` behind anything still buffered and writes as much as the database takes
    /// (during an outage, attempts are spaced out from `RETRY_FIRST` to `RETRY_MAX`).
    pub async fn write(&self, records: Vec<Record>) -> WriteReport {
        self.write_with(records, false).await
    }

    /// Tries to write the buffer now, whatever the retry pacing says.
    pub async fn flush(&self) -> WriteReport {
        self.write_with(Vec::new(), true).await
    }

    async fn write_with(&self, records: Vec<Record>, force: bool) -> WriteReport {
        // What people see does not wait for the database (nor for a batch still being written).
        self.live.broadcast(&unit_news(&records));
        let mut buffer = self.buffer.lock().await;
        let queued_at = self.clock.now();
        buffer
            .items
            .extend(records.into_iter().map(|r| (queued_at, r)));
        if !force && buffer.retry_at.is_some_and(|at| Instant::now() < at) {
            self.enforce_bound(&mut buffer);
            return WriteReport {
                written: 0,
                buffered: buffer.items.len(),
                dropped_total: buffer.dropped,
            };
        }
        let recovering = buffer.retry_at.take().is_some();
        let mut written = 0;
        while !buffer.items.is_empty() {
            let n = buffer.items.len().min(CHUNK);
            let chunk: Vec<Record> = buffer
                .items
                .iter()
                .take(n)
                .map(|(_, r)| r.clone())
                .collect();
            match self.write_batch(&chunk, &mut buffer.open_alerts).await {
                Ok(events) => {
                    buffer.items.drain(..n);
                    written += n;
                    // Unit changes were told here before the write (now they are stored); other
                    // processes hear all of it now.
                    self.live.broadcast(&stored_here(&events));
                    self.live.notify_others(events).await;
                }
                Err(err) if !is_transient(&err) && self.db.ping().await.is_ok() => {
                    // The database answers and refused this batch, so the batch itself is at fault:
                    // keeping it would wedge every later write behind it.
                    tracing::error!(
                        error = format!("{err:#}"),
                        records = n,
                        "a batch was refused; dropping it"
                    );
                    buffer.items.drain(..n);
                    buffer.dropped += n as u64;
                }
                Err(err) => {
                    tracing::warn!(
                        error = format!("{err:#}"),
                        buffered = buffer.items.len(),
                        "database unreachable; buffering"
                    );
                    self.enforce_bound(&mut buffer);
                    buffer.retry_at = Some(Instant::now() + buffer.retry_delay);
                    buffer.retry_delay = (buffer.retry_delay * 2).min(RETRY_MAX);
                    break;
                }
            }
        }
        if buffer.items.is_empty() {
            buffer.retry_delay = RETRY_FIRST;
        }
        if recovering && buffer.items.is_empty() {
            tracing::info!(
                written,
                dropped_total = buffer.dropped,
                "the database is back; the outage buffer is flushed"
            );
        }
        WriteReport {
            written,
            buffered: buffer.items.len(),
            dropped_total: buffer.dropped,
        }
    }

    /// Drops the oldest records beyond the bound, saying how many.
    fn enforce_bound(&self, buffer: &mut Buffer) {
        let oldest_kept = self.clock.now() - self.bound.max_age.as_secs_f64();
        let mut dropped = 0u64;
        while let Some((queued_at, _)) = buffer.items.front() {
            if *queued_at >= oldest_kept && buffer.items.len() <= self.bound.max_records {
                break;
            }
            buffer.items.pop_front();
            dropped += 1;
        }
        if dropped > 0 {
            buffer.dropped += dropped;
            tracing::warn!(
                dropped,
                dropped_total = buffer.dropped,
                max_records = self.bound.max_records,
                max_age_secs = self.bound.max_age.as_secs(),
                "the outage buffer is full; dropped the oldest records"
            );
        }
    }

    /// One transaction; `known` (each host's open alerts) takes what it changed only once it commits.
    async fn write_batch(
        &self,
        records: &[Record],
        known: &mut OpenAlerts,
    ) -> anyhow::Result<Vec<LiveEvent>> {
        let work = async {
            let txn = crate::db::begin_write(&self.db.conn).await?;
            let mut events = Vec::new();
            let mut touched = OpenAlerts::new();
            for record in records {
                let event = apply(&txn, record, known, &mut touched).await?;
                if let Some(event) = event
                    && !events.contains(&event)
                {
                    events.push(event);
                }
            }
            txn.commit().await?;
            known.extend(touched);
            Ok::<_, anyhow::Error>(events)
        };
        tokio::time::timeout(self.timeout * 2, work)
            .await
            .map_err(|_| anyhow::Error::new(BatchTimedOut(self.timeout * 2)))?
    }
}

async fn apply(
    txn: &DatabaseTransaction,
    record: &Record,
    known: &OpenAlerts,
    touched: &mut OpenAlerts,
) -> anyhow::Result<Option<LiveEvent>> {
    Ok(match record {
        Record::HostSeen(host) => {
            db::hosts::upsert_seen(txn, host).await?;
            None
        }
        Record::Service { row, history } => {
            db::services::upsert_current(txn, row).await?;
            if *history {
                db::services::insert_history(txn, row).await?;
            }
            history.then(|| LiveEvent::ServiceChanged {
                hostname: row.hostname.to_string(),
                service_name: row.service_name.to_string(),
                news: Some(UnitNews::now(row)),
            })
        }
        Record::ServiceGone(row) => {
            db::services::insert_history(txn, row).await?;
            db::services::delete_current(txn, row.hostname.as_str(), row.service_name.as_str())
                .await?;
            Some(LiveEvent::ServiceChanged {
                hostname: row.hostname.to_string(),
                service_name: row.service_name.to_string(),
                news: Some(UnitNews::Gone),
            })
        }
        Record::ServicesSeen { hostname, at } => {
            db::services::mark_seen(txn, hostname, *at).await?;
            None
        }
        Record::Metrics(row) => {
            db::readings::insert_metrics(txn, row).await?;
            Some(LiveEvent::MetricsUpdated {
                hostname: row.hostname.to_string(),
            })
        }
        Record::Filesystem(row) => {
            db::readings::insert_filesystem(txn, row).await?;
            Some(LiveEvent::MetricsUpdated {
                hostname: row.hostname.to_string(),
            })
        }
        Record::Disk(row) => {
            db::readings::insert_disk(txn, row).await?;
            Some(LiveEvent::DiskUpdated {
                hostname: row.hostname.to_string(),
            })
        }
        Record::Check(row) => {
            db::readings::insert_check(txn, row).await?;
            Some(LiveEvent::CheckUpdated {
                hostname: row.hostname.to_string(),
            })
        }
        Record::Alert(condition) => apply_alert(txn, condition, known, touched).await?,
    })
}

/// Applies an alert condition against the host's open alerts as known (`known`, or `touched` by this
/// batch); the host's open alerts are read once, the first time it is seen.
async fn apply_alert(
    txn: &DatabaseTransaction,
    condition: &AlertCondition,
    known: &OpenAlerts,
    touched: &mut OpenAlerts,
) -> anyhow::Result<Option<LiveEvent>> {
    let host = condition.hostname.as_str();
    if !touched.contains_key(host) {
        let open = match known.get(host) {
            Some(open) => open.clone(),
            None => db::alerts::open_for_host(txn, host).await?,
        };
        touched.insert(host.to_owned(), open);
    }
    let open = touched.entry(host.to_owned()).or_default();
    let before = open.get(&condition.source).copied();
    let (change, id) = db::alerts::apply_known(txn, condition, before).await?;
    match id {
        Some(id) => open.insert(condition.source.clone(), id),
        None => open.remove(&condition.source),
    };
    if let Some(alert_id) = match change {
        AlertChange::Opened => id,
        AlertChange::Resolved => before,
        AlertChange::Unchanged => None,
    } {
        let news = AlertNews {
            alert_id,
            hostname: host,
            source: &condition.source,
            severity: condition.severity,
            message: &condition.message,
            opened: change == AlertChange::Opened,
            at: condition.ts_epoch,
        };
        db::notify_outbox::enqueue_alert(txn, &news).await?;
    }
    Ok(match change {
        AlertChange::Unchanged => None,
        AlertChange::Opened | AlertChange::Resolved => Some(LiveEvent::AlertChanged {
            hostname: condition.hostname.to_string(),
        }),
    })
}

/// What this process hears after a commit: unit changes as stored (they were told before), the rest
/// as they are.
fn stored_here(events: &[LiveEvent]) -> Vec<LiveEvent> {
    events
        .iter()
        .map(|event| match event {
            LiveEvent::ServiceChanged {
                hostname,
                service_name,
                ..
            } => LiveEvent::ServiceStored {
                hostname: hostname.clone(),
                service_name: service_name.clone(),
            },
            other => other.clone(),
        })
        .collect()
}

/// The unit changes among `records`, each with its new state, for this process's subscribers.
fn unit_news(records: &[Record]) -> Vec<LiveEvent> {
    records
        .iter()
        .filter_map(|record| match record {
            Record::Service { row, history: true } => Some((row, UnitNews::now(row))),
            Record::ServiceGone(row) => Some((row, UnitNews::Gone)),
            _ => None,
        })
        .map(|(row, news)| LiveEvent::ServiceChanged {
            hostname: row.hostname.to_string(),
            service_name: row.service_name.to_string(),
            news: Some(news),
        })
        .collect()
}

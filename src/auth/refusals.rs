//! Refusals by a rate limit or a backoff, recorded in aggregate. The first refusal of a client (for one
//! action) in a window writes its audit row at once; later ones in that window are only counted, and the
//! count is written to the same row every few seconds (`audit_log.count`). However hard the console is
//! hammered, the audit log grows by one row per client, action and window.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::auth::tidy;
use crate::clock::Clock;
use crate::db::Db;
use crate::db::audit_log::{self, AuditEntry};
use crate::domain::AuditAction;

/// One audit row per client and action within this long.
pub const WINDOW: Duration = Duration::from_secs(60);
/// How often the counts of open windows are written to their rows.
const FLUSH_EVERY: Duration = Duration::from_secs(2);
/// Tallies kept in memory at most; beyond it, finished windows are dropped first.
const MAX_OPEN: usize = 100_000;

/// (action, client address, username).
type Key = (AuditAction, String, String);

struct Tally {
    row: Option<i64>,
    started: f64,
    count: i64,
    written: i64,
}

/// Cheap to clone; one per process, shared by the web layer and the restart workflow.
#[derive(Clone)]
pub struct RefusalTally {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    clock: Clock,
    open: Mutex<HashMap<Key, Tally>>,
}

impl RefusalTally {
    pub fn new(db: Db, clock: Clock) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                clock,
                open: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Records one refusal: a new audit row when it opens a window for its client, else a count.
    pub async fn record(&self, entry: AuditEntry) {
        let entry = tidy(entry);
        let now = self.inner.clock.now();
        let key: Key = (
            entry.action,
            entry.client_ip.clone().unwrap_or_default(),
            entry.username.clone().unwrap_or_default(),
        );
        let Some(closed) = self.open_or_count(&key, now) else {
            return;
        };
        if let Some((id, count)) = closed {
            self.write_count(id, count).await;
        }
        let action = entry.action;
        match audit_log::insert_returning_id(&self.inner.db.conn, now, entry).await {
            Ok(id) => {
                let mut open = self.lock();
                if let Some(t) = open.get_mut(&key).filter(|t| t.started == now) {
                    t.row = Some(id);
                }
            }
            Err(err) => {
                tracing::error!(action = action.as_str(), error = %err, "cannot write the audit row")
            }
        }
    }

    /// Counts the refusal in its open window (`None`), or opens a new window, returning the row and
    /// final count of the window it replaces when that count is not written yet.
    fn open_or_count(&self, key: &Key, now: f64) -> Option<Option<(i64, i64)>> {
        let window = WINDOW.as_secs_f64();
        let mut open = self.lock();
        if let Some(t) = open.get_mut(key)
            && now - t.started < window
        {
            t.count += 1;
            return None;
        }
        if open.len() >= MAX_OPEN {
            open.retain(|_, t| now - t.started < window);
        }
        let fresh = Tally {
            row: None,
            started: now,
            count: 1,
            written: 1,
        };
        let old = open.insert(key.clone(), fresh);
        Some(old.and_then(|t| {
            t.row
                .filter(|_| t.count > t.written)
                .map(|id| (id, t.count))
        }))
    }

    /// Writes every count not written yet and forgets windows that are over.
    pub async fn flush(&self) {
        let now = self.inner.clock.now();
        let window = WINDOW.as_secs_f64();
        let due: Vec<(i64, i64)> = {
            let mut open = self.lock();
            let due = open
                .values_mut()
                .filter(|t| t.count > t.written)
                .filter_map(|t| {
                    let id = t.row?;
                    t.written = t.count;
                    Some((id, t.count))
                })
                .collect();
            open.retain(|_, t| now - t.started < window || t.count > t.written);
            due
        };
        for (id, count) in due {
            self.write_count(id, count).await;
        }
    }

    /// Flushes every `FLUSH_EVERY` until the application is gone.
    pub fn spawn_flusher(&self) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(FLUSH_EVERY);
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { break };
                RefusalTally { inner }.flush().await;
            }
        })
    }

    async fn write_count(&self, id: i64, count: i64) {
        if let Err(err) = audit_log::set_count(&self.inner.db.conn, id, count).await {
            tracing::warn!(error = %err, "cannot write a refusal count to the audit log");
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Tally>> {
        self.inner.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}

//! The console's in-memory current state: every unit's latest state and the known host names, loaded from
//! the database at start, kept fresh by its own task (which applies the new state a unit's change event
//! carries, or re-reads a unit whose event carries none, then announces the change to its subscribers)
//! and reloaded in full every `RELOAD_EVERY` as a safety net. A change applied from an event may reach
//! memory before the database holds it: until a reload sees the database agree, that change is kept
//! over what the reload read (`Pending`). The
//! services table, its API and the overview's counts are filtered, sorted and paged in memory, with no
//! database round trip.

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sea_orm::DbErr;
use tokio::sync::broadcast;

use crate::db::entities::service_current::Model as Unit;
use crate::db::health::DbHealth;
use crate::db::services::{self, ServiceFilter};
use crate::db::{Db, hosts};
use crate::domain::ServiceState;
use crate::live::{LiveBus, LiveEvent, UnitNews};
use crate::live_state::fleet_hosts::FleetHosts;
use crate::live_state::reads::{Reads, Topic};
use crate::live_state::snapshot::{ServicePage, Snapshot};

/// How often the whole state is re-read, catching anything the live bus did not carry (a lost
/// `NOTIFY`, a row written by a tool, a unit's `ts_epoch` refreshed by a resync without a change).
pub const RELOAD_EVERY: Duration = Duration::from_secs(30);

/// How long a change applied from an event is kept over a database that does not show it yet (the
/// collector's outage buffer holds records about this long by default).
const PENDING_FOR_SECS: f64 = 600.0;

/// Changes applied from events that the database may not hold yet, by (host, unit): when it was
/// applied, its `ts_epoch`, and the unit (None: gone).
type Pending = std::collections::HashMap<(String, String), (f64, f64, Option<Arc<CurrentUnit>>)>;

/// Changes announced per subscriber before a slow one misses some (it then reloads what it shows).
const CHANGES_BUFFER: usize = 1024;

/// Numbers every `CurrentUnit` ever made, so a consumer can key what it derives from one (a rendered row).
static NEXT_VERSION: AtomicU64 = AtomicU64::new(1);

/// One unit as held in memory (it derefs to the row). A change makes a new one with a new `version`.
pub struct CurrentUnit {
    unit: Unit,
    version: u64,
}

impl CurrentUnit {
    pub fn new(unit: Unit) -> Self {
        Self {
            unit,
            version: NEXT_VERSION.fetch_add(1, AtomicOrdering::Relaxed),
        }
    }

    /// Unique to this copy of this unit: what it shows cannot change while the version stays.
    pub fn version(&self) -> u64 {
        self.version
    }
}

/// What the projection announces once it holds the change.
#[derive(Clone)]
pub enum Change {
    /// A unit changed (`unit` is its new copy; None once it is gone); `replaced` is the old copy's version.
    Unit {
        hostname: String,
        unit: Option<Arc<CurrentUnit>>,
        replaced: Option<u64>,
    },
    /// Something of `topic` (`metrics`, `disks`, `checks`, `alerts`, `restarts`) changed on a host.
    Topic {
        topic: &'static str,
        hostname: String,
    },
    /// Every unit was re-read (the periodic safety net): no copy from before is current.
    Reloaded,
    /// Events may have been missed (a gap on the bus): anything shown may be out of date.
    Gap,
    /// The database became reachable (`true`, after a reload) or unreachable.
    Database { up: bool },
}

impl Deref for CurrentUnit {
    type Target = Unit;

    fn deref(&self) -> &Unit {
        &self.unit
    }
}

/// Shared as `Arc<CurrentState>`; in `AppState` as `current`.
pub struct CurrentState {
    pub(super) db: Db,
    snapshot: RwLock<Snapshot>,
    loaded: AtomicBool,
    /// Serialises writers, so a full reload never overwrites a newer single-unit change.
    writer: tokio::sync::Mutex<Pending>,
    changes: broadcast::Sender<Change>,
    /// The pages' other reads, held until a change says they are stale.
    reads: Arc<Reads>,
    /// The fleet's host list, patched per host that reported.
    pub(super) fleet_hosts: FleetHosts,
    clock: crate::clock::Clock,
}

impl CurrentState {
    /// An empty state reading from `db`; `start` loads and follows it.
    pub fn new(db: Db) -> Arc<Self> {
        Arc::new(Self {
            db,
            snapshot: RwLock::default(),
            loaded: AtomicBool::new(false),
            writer: tokio::sync::Mutex::new(Pending::new()),
            changes: broadcast::channel(CHANGES_BUFFER).0,
            reads: Arc::default(),
            fleet_hosts: FleetHosts::default(),
            clock: crate::clock::Clock::default(),
        })
    }

    /// Loads the state and keeps it fresh: each bus event is applied (a changed unit re-read) before it is
    /// announced, a gap or a database outage reloads everything, and so does `RELOAD_EVERY`.
    pub async fn start(db: Db, live: &LiveBus, health: &DbHealth) -> Arc<Self> {
        let current = Self::new(db);
        current.reads.watch_health(health.clone());
        let reads = current.reads.clone();
        live.observe(Box::new(move |event| {
            if let Some((topic, host)) = Topic::of(event) {
                reads.changed(topic, host);
            }
        }));
        // Subscribed before the first load, so no change falls between the two.
        let events = live.subscribe();
        let status = health.subscribe();
        if let Err(err) = current.reload().await {
            tracing::warn!(error = %err, "current state not loaded yet; pages load it on first use");
        }
        tokio::spawn(current.clone().follow(events, status));
        current.spawn_reloader();
        current
    }

    /// What changed, after the state holds it.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    async fn follow(
        self: Arc<Self>,
        mut events: broadcast::Receiver<LiveEvent>,
        mut status: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Ok(event) => self.apply(event).await,
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        if let Err(err) = self.reload().await {
                            tracing::debug!(error = %err, "current state not reloaded after a gap");
                        }
                        self.announce(Change::Gap);
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                changed = status.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let up = *status.borrow_and_update();
                    // Back after an outage: other writers' changes may not have reached the bus.
                    if up && let Err(err) = self.reload().await {
                        tracing::debug!(error = %err, "current state not reloaded after an outage");
                    }
                    self.announce(Change::Database { up });
                }
            }
        }
    }

    /// Applies one bus event (a changed unit's news, or a re-read when it carries none), then announces it.
    pub async fn apply(&self, event: LiveEvent) {
        // Before anything is announced, so a page reloading on the announcement reads the change.
        match Topic::of(&event) {
            Some((topic, host)) => self.reads.changed(topic, host),
            None => return,
        }
        let (topic, hostname) = match event {
            LiveEvent::ServiceChanged {
                hostname,
                service_name,
                news,
            } => {
                let applied = match news {
                    Some(news) => self.apply_news(&hostname, &service_name, news).await,
                    None => self.refresh_unit(&hostname, &service_name).await,
                };
                match applied {
                    Ok((unit, replaced)) => self.announce(Change::Unit {
                        hostname,
                        unit,
                        replaced,
                    }),
                    Err(err) => tracing::debug!(error = %err, "changed unit not re-read"),
                }
                return;
            }
            // Already applied when its `ServiceChanged` came.
            LiveEvent::ServiceStored { .. } => return,
            LiveEvent::MetricsUpdated { hostname } => {
                self.saw_host(&hostname);
                ("metrics", hostname)
            }
            LiveEvent::DiskUpdated { hostname } => ("disks", hostname),
            LiveEvent::CheckUpdated { hostname } => ("checks", hostname),
            LiveEvent::AlertChanged { hostname } => ("alerts", hostname),
            LiveEvent::RestartUpdated { hostname, .. } => ("restarts", hostname),
            LiveEvent::LogAsked { .. } => return,
        };
        self.announce(Change::Topic { topic, hostname });
    }

    fn announce(&self, change: Change) {
        // No subscribers is fine: nobody is watching.
        let _ = self.changes.send(change);
    }

    /// Reads every unit and host name from the database and replaces what is held (except changes
    /// applied from events that the database does not show yet).
    pub async fn reload(&self) -> Result<(), DbErr> {
        // Read without holding the writer: changes keep being applied meanwhile, and the ones that
        // came with their state stay pending, so the merge below keeps them over this older read.
        let db = &self.db;
        let units = services::all_current(&db.conn).await?;
        let host_names = hosts::names(&db.conn).await?;
        let mut pending = self.writer.lock().await;
        let mut units: std::collections::BTreeMap<_, _> = units
            .into_iter()
            .map(|u| {
                let key = (u.hostname.to_string(), u.service_name.to_string());
                (key, Arc::new(CurrentUnit::new(u)))
            })
            .collect();
        let now = self.clock.now();
        pending.retain(|key, (applied_at, ts, unit)| {
            let stored = units.get(key);
            let agrees = match unit {
                Some(_) => stored.is_some_and(|s| s.ts_epoch >= *ts),
                None => stored.is_none(),
            };
            if agrees || now - *applied_at > PENDING_FOR_SECS {
                return false;
            }
            match unit {
                Some(unit) => units.insert(key.clone(), unit.clone()),
                None => units.remove(key),
            };
            true
        });
        let mut snapshot = self.write();
        snapshot.units = units;
        snapshot.hosts = host_names;
        for (host, _) in pending.keys() {
            snapshot.add_host(host);
        }
        snapshot.orders = Default::default();
        drop(snapshot);
        self.loaded.store(true, AtomicOrdering::Release);
        self.reads.all_stale();
        self.announce(Change::Reloaded);
        Ok(())
    }

    /// Loads the state on first use (the database may have been down at start); afterwards a no-op.
    pub(crate) async fn ensure_loaded(&self) -> Result<(), DbErr> {
        if self.loaded.load(AtomicOrdering::Acquire) {
            return Ok(());
        }
        self.reload().await
    }

    /// Re-reads one unit after the bus said it changed: its new copy (None once it is gone) and the
    /// version of the copy it replaced.
    async fn refresh_unit(
        &self,
        hostname: &str,
        unit: &str,
    ) -> Result<(Option<Arc<CurrentUnit>>, Option<u64>), DbErr> {
        let _writer = self.writer.lock().await;
        let row = services::find_one(&self.db.conn, hostname, unit)
            .await?
            .map(|row| Arc::new(CurrentUnit::new(row)));
        Ok(self.put(hostname, unit, row))
    }

    /// Applies the new state a unit's change event carries (no database read), remembering it until a
    /// reload sees the database agree. News that does not parse falls back to a re-read.
    async fn apply_news(
        &self,
        hostname: &str,
        unit: &str,
        news: UnitNews,
    ) -> Result<(Option<Arc<CurrentUnit>>, Option<u64>), DbErr> {
        let row = match &news {
            UnitNews::Now(row) => match row.to_model(hostname, unit) {
                Some(model) => Some(Arc::new(CurrentUnit::new(model))),
                None => return self.refresh_unit(hostname, unit).await,
            },
            UnitNews::Gone => None,
        };
        let mut pending = self.writer.lock().await;
        let key = (hostname.to_owned(), unit.to_owned());
        let ts = row.as_ref().map_or(0.0, |r| r.ts_epoch);
        pending.insert(key, (self.clock.now(), ts, row.clone()));
        Ok(self.put(hostname, unit, row))
    }

    /// Holds `row` as the unit's current copy (None: it is gone): the new copy and the replaced version.
    fn put(
        &self,
        hostname: &str,
        unit: &str,
        row: Option<Arc<CurrentUnit>>,
    ) -> (Option<Arc<CurrentUnit>>, Option<u64>) {
        let key = (hostname.to_owned(), unit.to_owned());
        let mut snapshot = self.write();
        let replaced = match &row {
            Some(row) => {
                snapshot.add_host(hostname);
                snapshot.units.insert(key, row.clone())
            }
            None => snapshot.units.remove(&key),
        };
        snapshot.orders = Default::default();
        (row, replaced.map(|old| old.version))
    }

    /// Notes a host the bus mentioned (a new agent's first metrics) so filters list it at once.
    fn saw_host(&self, hostname: &str) {
        let known = self.read().hosts.iter().any(|h| h == hostname);
        if !known {
            self.write().add_host(hostname);
        }
    }

    /// The pages' reads held in memory (hosts and figures, alerts, disks, checks, charts, history).
    pub(crate) fn reads(&self) -> &Reads {
        &self.reads
    }

    /// One unit as held, if it exists.
    pub(crate) fn unit(&self, hostname: &str, unit: &str) -> Option<Arc<CurrentUnit>> {
        self.read()
            .units
            .get(&(hostname.to_owned(), unit.to_owned()))
            .cloned()
    }

    /// Every host name, sorted.
    pub(crate) fn host_names(&self) -> Vec<String> {
        self.read().hosts.clone()
    }

    /// Every unit, by host and unit name.
    pub fn all(&self) -> Vec<Arc<CurrentUnit>> {
        self.read().units.values().cloned().collect()
    }

    /// The page of units matching `filter`, sorted by its key (then host and unit), with the total count.
    pub fn page(&self, filter: &ServiceFilter) -> ServicePage {
        self.read().page(filter)
    }

    /// How many units are in each normalised state (optionally on one host), in `STATES` order.
    pub(crate) fn count_by_state(&self, host: Option<&str>) -> Vec<(ServiceState, u64)> {
        self.read().count_by_state(host)
    }

    /// Reloads every `RELOAD_EVERY` for as long as the process runs.
    fn spawn_reloader(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let current = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(RELOAD_EVERY);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                if let Err(err) = current.reload().await {
                    tracing::debug!(error = %err, "current state not reloaded; keeping what is held");
                }
            }
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Snapshot> {
        self.snapshot.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Snapshot> {
        self.snapshot.write().unwrap_or_else(|p| p.into_inner())
    }
}

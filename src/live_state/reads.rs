//! The pages' other reads held in memory: the fleet's hosts with their latest figures, open alerts,
//! disks, check results, latest restarts, a host's charts, a unit's history. Each is read from the
//! database once and then answered from memory until the change stream says something it shows changed
//! (a `LiveEvent` of its topic, for its host or for any host, applied by `CurrentState` before the change
//! is announced, so a page that reloads on the announcement reads the new figures), or until the whole
//! state is known stale (the periodic reload, a gap on the bus, the database coming back), which also
//! bounds how far a figure that depends on the time alone (an hour's average) can lag: `RELOAD_EVERY`.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use sea_orm::{DbErr, RuntimeErr};

use crate::db::health::DbHealth;
use crate::live::LiveEvent;

/// Reads held at most; beyond it the table starts over (keys come from validated query parameters).
const MAX_HELD: usize = 4_096;

/// What a held read shows, as the change stream names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Topic {
    Metrics,
    Disks,
    Checks,
    Alerts,
    Restarts,
    Units,
}

const TOPICS: usize = 6;

/// What a held read depends on: a topic on every host, or on one host.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    Fleet(Topic),
    Host(Topic, &'a str),
}

/// The generations a read saw when it started: it is current while they stay the same.
type Stamp = Vec<u64>;

struct Held {
    stamp: Stamp,
    value: Arc<dyn Any + Send + Sync>,
}

pub(crate) struct Reads {
    /// Bumped when everything may be stale.
    epoch: AtomicU64,
    /// One counter for every change: topic and host generations are taken from it.
    next: AtomicU64,
    topics: [AtomicU64; TOPICS],
    hosts: RwLock<HashMap<(Topic, String), u64>>,
    held: RwLock<HashMap<String, Held>>,
    /// While the database is known down, a read serves what it holds (stale or not) or fails at once.
    health: OnceLock<DbHealth>,
    /// One load per key at a time: requests that find a key stale together wait for the first one's
    /// read (after the periodic reload, 16 connections each re-reading a day of check results was the
    /// checks page's p99 of a second).
    loading: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Default for Reads {
    fn default() -> Self {
        Self {
            epoch: AtomicU64::new(0),
            next: AtomicU64::new(1),
            topics: Default::default(),
            hosts: RwLock::default(),
            held: RwLock::default(),
            health: OnceLock::new(),
            loading: std::sync::Mutex::default(),
        }
    }
}

impl Topic {
    fn index(self) -> usize {
        self as usize
    }

    /// The topic a bus event changes, and on which host; None for an event that changes nothing shown.
    pub(crate) fn of(event: &LiveEvent) -> Option<(Self, &str)> {
        Some(match event {
            LiveEvent::ServiceChanged { hostname, .. } => (Self::Units, hostname),
            // Stored after pages heard of it: reads of unit history see the row only now.
            LiveEvent::ServiceStored { hostname, .. } => (Self::Units, hostname),
            LiveEvent::MetricsUpdated { hostname } => (Self::Metrics, hostname),
            LiveEvent::DiskUpdated { hostname } => (Self::Disks, hostname),
            LiveEvent::CheckUpdated { hostname } => (Self::Checks, hostname),
            LiveEvent::AlertChanged { hostname } => (Self::Alerts, hostname),
            LiveEvent::RestartUpdated { hostname, .. } => (Self::Restarts, hostname),
            LiveEvent::LogAsked { .. } => return None,
        })
    }
}

impl Reads {
    /// Watches `health`: while the database is known down, reads do not wait for the pool.
    pub(crate) fn watch_health(&self, health: DbHealth) {
        let _ = self.health.set(health);
    }

    /// `topic` changed on `hostname`: every read that shows it is read again on its next use.
    pub(crate) fn changed(&self, topic: Topic, hostname: &str) {
        let generation = self.next.fetch_add(1, Ordering::AcqRel);
        self.topics[topic.index()].store(generation, Ordering::Release);
        write(&self.hosts).insert((topic, hostname.to_owned()), generation);
    }

    /// The generation the next change will get: a read that starts now has seen every change before it.
    pub(crate) fn generation(&self) -> u64 {
        self.next.load(Ordering::Acquire)
    }

    /// Bumped whenever everything may be stale.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// The hosts on which `topic` changed at or after `generation`.
    pub(crate) fn hosts_changed_since(&self, topic: Topic, generation: u64) -> Vec<String> {
        read(&self.hosts)
            .iter()
            .filter(|((t, _), g)| *t == topic && **g >= generation)
            .map(|((_, host), _)| host.clone())
            .collect()
    }

    /// Whether the database is known to be down (reads then serve what they hold, or fail at once).
    pub(crate) fn known_down(&self) -> bool {
        self.health.get().is_some_and(|health| !health.is_up())
    }

    /// Everything may be stale (a reload, a gap, the database back): every read is read again.
    pub(crate) fn all_stale(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        write(&self.held).clear();
    }

    fn stamp(&self, deps: &[Scope<'_>]) -> Stamp {
        let mut stamp = Vec::with_capacity(deps.len() + 1);
        stamp.push(self.epoch.load(Ordering::Acquire));
        let hosts = read(&self.hosts);
        for dep in deps {
            stamp.push(match dep {
                Scope::Fleet(topic) => self.topics[topic.index()].load(Ordering::Acquire),
                Scope::Host(topic, host) => hosts
                    .get(&(*topic, (*host).to_owned()))
                    .copied()
                    .unwrap_or(0),
            });
        }
        stamp
    }

    /// The value held under `key` if nothing in `deps` changed since it was read; otherwise `load`'s,
    /// which is then held (unless something changed while it ran: the next use reads again).
    pub(crate) async fn get<T, F>(
        &self,
        key: &str,
        deps: &[Scope<'_>],
        load: F,
    ) -> Result<Arc<T>, DbErr>
    where
        T: Send + Sync + 'static,
        F: Future<Output = Result<T, DbErr>>,
    {
        let stamp = self.stamp(deps);
        if let Some(value) = self.fresh::<T>(key, &stamp) {
            return Ok(value);
        }
        if self.known_down() {
            // The last known figures, under the outage banner; none held: the outage's 503 at once.
            let last = read(&self.held).get(key).map(|held| held.value.clone());
            return match last.and_then(|v| v.downcast::<T>().ok()) {
                Some(value) => Ok(value),
                None => Err(DbErr::Conn(RuntimeErr::Internal(
                    "the database is known to be unreachable".into(),
                ))),
            };
        }
        let turn = self.turn(key);
        let _turn = turn.lock().await;
        if let Some(value) = self.fresh::<T>(key, &stamp) {
            return Ok(value); // read by the request this one waited for
        }
        let loaded = load.await;
        lock(&self.loading).remove(key);
        let value = Arc::new(loaded?);
        let mut held = write(&self.held);
        if held.len() >= MAX_HELD {
            held.clear();
        }
        held.insert(
            key.to_owned(),
            Held {
                stamp,
                value: value.clone(),
            },
        );
        Ok(value)
    }

    /// The value held under `key` if it was read at `stamp`.
    fn fresh<T: Send + Sync + 'static>(&self, key: &str, stamp: &Stamp) -> Option<Arc<T>> {
        read(&self.held)
            .get(key)
            .filter(|held| held.stamp == *stamp)
            .and_then(|held| held.value.clone().downcast::<T>().ok())
    }

    /// The lock that lets one request at a time load `key`.
    fn turn(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.loading)
            .entry(key.to_owned())
            .or_default()
            .clone()
    }
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(reads: &Reads, deps: &[Scope<'_>], value: u32) -> u32 {
        *reads
            .get("k", deps, async { Ok(value) })
            .await
            .expect("no error")
    }

    #[tokio::test]
    async fn a_read_is_held_until_its_topic_changes_on_its_host() {
        let reads = Reads::default();
        let deps = [Scope::Host(Topic::Metrics, "web01")];
        assert_eq!(get(&reads, &deps, 1).await, 1);
        assert_eq!(get(&reads, &deps, 2).await, 1, "held");
        reads.changed(Topic::Metrics, "web02");
        reads.changed(Topic::Alerts, "web01");
        assert_eq!(get(&reads, &deps, 3).await, 1, "other hosts and topics");
        reads.changed(Topic::Metrics, "web01");
        assert_eq!(get(&reads, &deps, 4).await, 4, "read again");
        reads.all_stale();
        assert_eq!(get(&reads, &deps, 5).await, 5, "read again after a reload");
    }

    #[tokio::test]
    async fn a_fleet_read_changes_with_any_host() {
        let reads = Reads::default();
        let deps = [Scope::Fleet(Topic::Disks)];
        assert_eq!(get(&reads, &deps, 1).await, 1);
        reads.changed(Topic::Disks, "db01");
        assert_eq!(get(&reads, &deps, 2).await, 2);
    }

    #[tokio::test]
    async fn requests_that_find_a_read_stale_together_share_one_load() {
        let reads = Reads::default();
        let deps = [Scope::Fleet(Topic::Checks)];
        let loads = std::sync::atomic::AtomicU32::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok(7u32)
        };
        let answers =
            futures_util::future::join_all((0..16).map(|_| reads.get("checks", &deps, load())))
                .await;
        assert!(
            answers
                .iter()
                .all(|a| a.as_ref().ok().map(|v| **v) == Some(7))
        );
        assert_eq!(
            loads.load(Ordering::SeqCst),
            1,
            "one read for sixteen requests"
        );
    }
}

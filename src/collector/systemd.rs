//! systemd over D-Bus: a full sync (`ListUnits` plus each unit's type and unit-file state), then
//! `Subscribe()` and follow `PropertiesChanged` / `UnitNew` / `UnitRemoved`, with a periodic resync.
//! A lost bus marks every unit `unknown` and reconnects with backoff; it never ends the collector.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::time::Duration;

use anyhow::Context;
use futures_util::StreamExt;
use tokio::sync::mpsc;
use zbus::message::Type as MessageType;
use zbus::{MatchRule, MessageStream};

use super::Collector;
use super::services::UnitFilter;
use crate::domain::UnitName;
use crate::systemd::{self, CALL_TIMEOUT, UnitSnapshot, unit_name_from_path};

async fn timed<T>(what: &str, fut: impl Future<Output = zbus::Result<T>>) -> anyhow::Result<T> {
    tokio::time::timeout(CALL_TIMEOUT, fut)
        .await
        .map_err(|_| anyhow::anyhow!("{what}: no answer within {CALL_TIMEOUT:?}"))?
        .with_context(|| what.to_owned())
}

/// Every followed unit's snapshot, or an error when the bus does not answer. `known` units missing
/// from `ListUnits` (systemd unloads idle units) are looked up by name, so only a unit systemd
/// really no longer has comes back `not-found`.
pub(crate) async fn snapshot_all(
    conn: &zbus::Connection,
    filter: &UnitFilter,
    known: &[String],
) -> anyhow::Result<Vec<UnitSnapshot>> {
    let watch = filter.watch_list();
    let manager = systemd::manager(conn).await?;
    let listed = timed("ListUnits", manager.list_units()).await?;
    let mut snapshots = Vec::new();
    let wanted: Vec<_> = listed.iter().filter(|e| filter.wants(&e.0)).collect();
    // A few calls in flight at once: a 600-unit host resyncs in a fraction of the round trips.
    for chunk in wanted.chunks(16) {
        let reads = chunk.iter().map(|entry| async move {
            tokio::time::timeout(CALL_TIMEOUT * 2, systemd::complete_listed(conn, entry))
                .await
                .map_err(|_| anyhow::anyhow!("reading {}: no answer", entry.0))?
        });
        for snap in futures_util::future::join_all(reads).await {
            snapshots.push(snap?);
        }
    }
    // Watched or known units systemd has not loaded are looked up one by one (they may be not-found).
    let mut unlisted: Vec<String> = watch
        .unwrap_or_default()
        .into_iter()
        .chain(known.iter().cloned())
        .filter(|name| filter.wants(name) && !listed.iter().any(|e| e.0 == *name))
        .collect();
    unlisted.sort();
    unlisted.dedup();
    for name in unlisted {
        let Ok(unit) = UnitName::parse(&name) else {
            continue;
        };
        let snap = tokio::time::timeout(CALL_TIMEOUT * 2, systemd::read_unit(conn, &unit))
            .await
            .map_err(|_| anyhow::anyhow!("reading {name}: no answer"))??;
        snapshots.push(snap);
    }
    Ok(snapshots)
}

/// Follows systemd for as long as the process runs. A lost bus is reported once (then at debug level
/// while it stays away) and its recovery once.
pub async fn watch(collector: Collector) {
    let mut backoff = Duration::from_millis(100);
    let mut reported = false;
    loop {
        let mut synced = false;
        let result = follow(&collector, &mut synced, &mut reported).await;
        if synced {
            backoff = Duration::from_millis(100);
        }
        if let Err(err) = result {
            let error = format!("{err:#}");
            if reported && !synced {
                tracing::debug!(error, "the systemd bus is still unreachable");
            } else {
                tracing::warn!(
                    error,
                    "lost the systemd bus; services are unknown until it returns"
                );
                reported = true;
            }
        }
        collector.services_unknown().await;
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

/// One bus connection's life: subscribe, sync, then apply changes as they arrive.
async fn follow(
    collector: &Collector,
    synced: &mut bool,
    reported: &mut bool,
) -> anyhow::Result<()> {
    let conn = systemd::connect(collector.bus_address()).await?;
    let manager = systemd::manager(&conn).await?;
    let rule = MatchRule::builder()
        .msg_type(MessageType::Signal)
        .interface("org.freedesktop.DBus.Properties")
        .member("PropertiesChanged")
        .path_namespace("/org/freedesktop/systemd1/unit")
        .build()?;
    let changes = MessageStream::for_match_rule(rule, &conn, NonZeroUsize::new(1024)).await?;
    let added = manager.receive_unit_new().await?;
    let removed = manager.receive_unit_removed().await?;
    // systemd may leave the bus while the bus stays up (it re-executes, or stops): its name's owner.
    let mut owners = manager.inner().receive_owner_changed().await?;
    let filter = collector.inner.services.lock().await.filter();
    let (mut signals, _forwarder) = forward(changes, added, removed, filter);
    timed("Subscribe", manager.subscribe()).await?;
    collector.sync_services_over(&conn).await?;
    *synced = true;
    if std::mem::take(reported) {
        tracing::info!("the systemd bus is back; services are followed again");
    }

    let mut resync = tokio::time::interval(collector.settings().service_resync);
    resync.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    resync.tick().await;
    loop {
        tokio::select! {
            signal = signals.recv() => match signal.context("the bus connection closed")? {
                BusSignal::States { name, active, sub } => {
                    if !collector.apply_state_change(&name, &active, &sub).await {
                        collector.refresh_unit(&conn, &name).await?;
                    }
                }
                BusSignal::Reread(name) => collector.refresh_unit(&conn, &name).await?,
            },
            owner = owners.next() => {
                if owner.context("the bus connection closed")?.is_none() {
                    systemd_returns(collector, &mut owners).await?;
                }
                // A new systemd knows nothing of our subscription: subscribe again, then resync.
                timed("Subscribe", manager.subscribe()).await?;
                collector.sync_services_over(&conn).await?;
            }
            _ = resync.tick() => {
                collector.sync_services_over(&conn).await?;
            }
        }
    }
}

/// systemd left the bus while the bus stayed up: its units are `unknown` at once, until a new owner of
/// `org.freedesktop.systemd1` appears (then the caller resyncs).
async fn systemd_returns(
    collector: &Collector,
    owners: &mut zbus::proxy::OwnerChangedStream<'_>,
) -> anyhow::Result<()> {
    tracing::warn!("systemd left the bus; services are unknown until it returns");
    collector.services_unknown().await;
    while let Some(owner) = owners.next().await {
        if owner.is_some() {
            tracing::info!("systemd is back on the bus; resyncing services");
            return Ok(());
        }
    }
    anyhow::bail!("the bus connection closed")
}

/// A signal about a unit we follow.
enum BusSignal {
    /// The `ActiveState`/`SubState` a `PropertiesChanged` carried.
    States {
        name: String,
        active: String,
        sub: String,
    },
    /// Read the unit again (`UnitNew`, `UnitRemoved`, or a change without both states).
    Reread(String),
}

impl BusSignal {
    fn name(&self) -> &str {
        match self {
            BusSignal::States { name, .. } | BusSignal::Reread(name) => name,
        }
    }
}

/// Aborts the task when dropped (the forwarder lives as long as its connection's watcher).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Drains zbus's signal queues on a task of its own into an unbounded channel, keeping only units we
/// follow. zbus stops reading the socket while a queue is full, which would also hold back the method
/// replies the watcher waits for; draining here keeps the connection moving during signal storms.
/// The channel closes when the bus does.
fn forward(
    mut changes: MessageStream,
    mut added: crate::systemd::UnitNewStream,
    mut removed: crate::systemd::UnitRemovedStream,
    filter: UnitFilter,
) -> (mpsc::UnboundedReceiver<BusSignal>, AbortOnDrop) {
    let (tx, rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        loop {
            let signal = tokio::select! {
                message = changes.next() => match message {
                    Some(Ok(message)) => properties_signal(&message),
                    _ => return,
                },
                signal = added.next() => match signal {
                    Some(signal) => signal.args().ok().map(|a| BusSignal::Reread(a.id().to_string())),
                    None => return,
                },
                signal = removed.next() => match signal {
                    Some(signal) => signal.args().ok().map(|a| BusSignal::Reread(a.id().to_string())),
                    None => return,
                },
            };
            if let Some(signal) = signal.filter(|s| filter.wants(s.name()))
                && tx.send(signal).is_err()
            {
                return;
            }
        }
    });
    (rx, AbortOnDrop(task))
}

fn properties_signal(message: &zbus::Message) -> Option<BusSignal> {
    let header = message.header();
    let name = header
        .path()
        .and_then(|p| unit_name_from_path(p.as_str()))?;
    match unit_state_change(message) {
        StateChange::OtherInterface => None,
        StateChange::States(active, sub) => Some(BusSignal::States { name, active, sub }),
        StateChange::Unclear => Some(BusSignal::Reread(name)),
    }
}

/// What a `PropertiesChanged` signal says about a unit's state.
enum StateChange {
    /// Another interface changed (`Service`, `Socket`, …): the `Unit` signal carries the state.
    OtherInterface,
    /// The new `ActiveState` and `SubState`, as systemd sends them.
    States(String, String),
    /// The signal does not carry both values (e.g. only invalidated): re-read the unit.
    Unclear,
}

fn unit_state_change(message: &zbus::Message) -> StateChange {
    type Body = (String, HashMap<String, zbus::OwnedVariant>, Vec<String>);
    let Ok((interface, changed, _)) = message.body().deserialize::<Body>() else {
        return StateChange::Unclear;
    };
    if interface != "org.freedesktop.systemd1.Unit" {
        return StateChange::OtherInterface;
    }
    let text = |key: &str| changed.get(key).and_then(|v| String::try_from(&**v).ok());
    match (text("ActiveState"), text("SubState")) {
        (Some(active), Some(sub)) => StateChange::States(active, sub),
        _ => StateChange::Unclear,
    }
}

//! The fleet's host list (each host with its latest sample and hour averages), held and patched per
//! host: after a change it re-reads only the hosts that reported since it was read, so its cost follows
//! the hosts that changed, not the fleet's size (1,000 hosts reporting every 15 s re-read the whole
//! fleet's hour of samples on every render of the overview, which then lagged by seconds).

use std::sync::Arc;

use sea_orm::{DbErr, RuntimeErr};

use crate::db::hosts::{self, HostSummary};
use crate::live_state::reads::{Reads, Topic};

/// Beyond this many changed hosts, one read of the whole fleet is cheaper than a long name list.
const PATCH_AT_MOST: usize = 200;

/// The list as last read, and what it has seen.
struct Held {
    epoch: u64,
    /// Changes from this generation on are not in `hosts`.
    generation: u64,
    hosts: Arc<Vec<HostSummary>>,
}

/// Held in `CurrentState`; one reader at a time (the others wait and find it fresh).
#[derive(Default)]
pub(crate) struct FleetHosts {
    held: tokio::sync::Mutex<Option<Held>>,
}

impl FleetHosts {
    /// Every host, by name, as of `now`: held, patched with the hosts that changed, or read whole
    /// after a reload (and on first use). While the database is known down: what is held, or an error.
    pub(crate) async fn get(
        &self,
        reads: &Reads,
        db: &impl sea_orm::ConnectionTrait,
        now: f64,
    ) -> Result<Arc<Vec<HostSummary>>, DbErr> {
        let mut held = self.held.lock().await;
        let epoch = reads.epoch();
        let generation = reads.generation();
        if reads.known_down() {
            return match held.as_ref() {
                Some(held) => Ok(held.hosts.clone()),
                None => Err(DbErr::Conn(RuntimeErr::Internal(
                    "the database is known to be unreachable".into(),
                ))),
            };
        }
        let changed = match held.as_ref() {
            Some(h) if h.epoch == epoch => reads.hosts_changed_since(Topic::Metrics, h.generation),
            _ => Vec::new(),
        };
        let hosts = match held.as_ref() {
            Some(h) if h.epoch == epoch && changed.is_empty() => return Ok(h.hosts.clone()),
            Some(h) if h.epoch == epoch && changed.len() <= PATCH_AT_MOST => {
                let fresh = hosts::list_of(db, now, Some(&changed)).await?;
                Arc::new(patch(&h.hosts, fresh))
            }
            _ => {
                let mut all = hosts::list(db, now).await?;
                all.sort_by(|a, b| a.host.hostname.as_str().cmp(b.host.hostname.as_str()));
                Arc::new(all)
            }
        };
        *held = Some(Held {
            epoch,
            generation,
            hosts: hosts.clone(),
        });
        Ok(hosts)
    }
}

/// `list` with `fresh`'s hosts put in (replacing or added), still in name order.
fn patch(list: &[HostSummary], fresh: Vec<HostSummary>) -> Vec<HostSummary> {
    let mut merged = list.to_vec();
    for host in fresh {
        let name = host.host.hostname.as_str();
        match merged.binary_search_by(|h| h.host.hostname.as_str().cmp(name)) {
            Ok(at) => merged[at] = host,
            Err(at) => merged.insert(at, host),
        }
    }
    merged
}

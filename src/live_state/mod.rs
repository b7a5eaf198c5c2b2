//! The live state: the console's in-memory projection of the fleet (`current`: every unit's latest state
//! and the host names), which subscribes to the change bus itself and announces what changed (`Change`);
//! the pages' other reads held until a change makes them stale (`reads`, `fleet`: hosts and figures,
//! alerts, disks, checks, restarts, charts, a unit's history); and the fleet rules the pages and APIs
//! share (`host_is_up`). The web layer renders and streams what it
//! is told; it never keeps this state fresh.

mod current;
mod fleet;
mod fleet_hosts;
mod reads;
mod snapshot;

pub use current::{Change, CurrentState, CurrentUnit, RELOAD_EVERY};
pub(crate) use reads::{Scope, Topic};
pub use snapshot::ServicePage;

use crate::db::hosts::HostSummary;

/// A host that has not reported for this long is shown as stale (and `smartmon_host_up` is 0).
pub const STALE_AFTER_SECS: f64 = 120.0;

/// Whether `host` reported within `STALE_AFTER_SECS` of `now`.
pub(crate) fn host_is_up(host: &HostSummary, now: f64) -> bool {
    now - host.host.last_seen <= STALE_AFTER_SECS
}

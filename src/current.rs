//! The console's in-memory current state: every unit's latest state and the known host names, loaded from
//! the database at start, kept fresh by the live feed (which re-reads each unit the bus says changed) and
//! reloaded in full every `RELOAD_EVERY` as a safety net. The services table, its API and the overview's
//! counts are then filtered, sorted and paged in memory, with no database round trip (DESIGN §2).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use sea_orm::DbErr;

use crate::db::entities::service_current::Model as Unit;
use crate::db::services::{self, ServiceFilter, SortKey};
use crate::db::{Db, hosts};
use crate::domain::ServiceState;

/// How often the whole state is re-read, catching anything the live bus did not carry (a lost
/// `NOTIFY`, a row written by a tool, a unit's `ts_epoch` refreshed by a resync without a change).
pub const RELOAD_EVERY: Duration = Duration::from_secs(30);

/// One page of units and how many match in all.
pub struct ServicePage {
    pub items: Vec<Arc<CurrentUnit>>,
    pub total: u64,
}

/// One unit as held in memory (it derefs to the row), with room for its services-table row, which the
/// view renders once per change rather than once per request (`views::services::service_row_cached`).
pub struct CurrentUnit {
    unit: Unit,
    /// The rendered row split around its one time-dependent text ("5 min ago").
    pub row_html: OnceLock<(String, String)>,
}

impl CurrentUnit {
    pub fn new(unit: Unit) -> Self {
        Self {
            unit,
            row_html: OnceLock::new(),
        }
    }
}

impl Deref for CurrentUnit {
    type Target = Unit;

    fn deref(&self) -> &Unit {
        &self.unit
    }
}

/// Sort orders: every `SortKey`, ascending and descending.
const ORDERS: usize = SortKey::ALL.len() * 2;

/// Every unit by (host, unit name), and every host name, as of the last load or change.
#[derive(Default)]
struct Snapshot {
    units: BTreeMap<(String, String), Arc<CurrentUnit>>,
    hosts: Vec<String>,
    /// Every unit in each sort order, computed on first use after a change.
    orders: [OnceLock<Vec<Arc<CurrentUnit>>>; ORDERS],
}

/// Cheap to share; in `AppState` as `current`.
#[derive(Default)]
pub struct CurrentState {
    snapshot: RwLock<Snapshot>,
    loaded: AtomicBool,
    /// Serialises writers, so a full reload never overwrites a newer single-unit change.
    writer: tokio::sync::Mutex<()>,
}

impl CurrentState {
    /// Reads every unit and host name from the database and replaces what is held.
    pub async fn reload(&self, db: &Db) -> Result<(), DbErr> {
        let _writer = self.writer.lock().await;
        let units = services::all_current(&db.conn).await?;
        let host_names = hosts::names(&db.conn).await?;
        let mut snapshot = self.write();
        snapshot.units = units
            .into_iter()
            .map(|u| {
                let key = (u.hostname.to_string(), u.service_name.to_string());
                (key, Arc::new(CurrentUnit::new(u)))
            })
            .collect();
        snapshot.hosts = host_names;
        snapshot.orders = Default::default();
        self.loaded.store(true, AtomicOrdering::Release);
        Ok(())
    }

    /// Loads the state on first use (the database may have been down at start); afterwards a no-op.
    pub async fn ensure_loaded(&self, db: &Db) -> Result<(), DbErr> {
        if self.loaded.load(AtomicOrdering::Acquire) {
            return Ok(());
        }
        self.reload(db).await
    }

    /// Re-reads one unit after the bus said it changed; returns its row (None once it is gone).
    pub async fn refresh_unit(
        &self,
        db: &Db,
        hostname: &str,
        unit: &str,
    ) -> Result<Option<Arc<CurrentUnit>>, DbErr> {
        let _writer = self.writer.lock().await;
        let row = services::find_one(&db.conn, hostname, unit)
            .await?
            .map(|row| Arc::new(CurrentUnit::new(row)));
        let key = (hostname.to_owned(), unit.to_owned());
        let mut snapshot = self.write();
        match &row {
            Some(row) => {
                snapshot.units.insert(key, row.clone());
                snapshot.add_host(hostname);
            }
            None => {
                snapshot.units.remove(&key);
            }
        }
        snapshot.orders = Default::default();
        Ok(row)
    }

    /// Notes a host the bus mentioned (a new agent's first metrics) so filters list it at once.
    pub fn saw_host(&self, hostname: &str) {
        let known = self.read().hosts.iter().any(|h| h == hostname);
        if !known {
            self.write().add_host(hostname);
        }
    }

    /// Every host name, sorted.
    pub fn host_names(&self) -> Vec<String> {
        self.read().hosts.clone()
    }

    /// Every unit, by host and unit name.
    pub fn all(&self) -> Vec<Arc<CurrentUnit>> {
        self.read().units.values().cloned().collect()
    }

    /// The page of units matching `filter`, sorted by its key (then host and unit), with the total count.
    pub fn page(&self, filter: &ServiceFilter) -> ServicePage {
        let matcher = Matcher::new(filter);
        let offset = usize::try_from(filter.offset).unwrap_or(usize::MAX);
        let limit = usize::try_from(filter.limit).unwrap_or(usize::MAX);
        let snapshot = self.read();
        let mut items = Vec::new();
        let mut total = 0usize;
        for unit in snapshot.order(filter.sort, filter.descending) {
            if !matcher.matches(unit) {
                continue;
            }
            if total >= offset && items.len() < limit {
                items.push(unit.clone());
            }
            total += 1;
        }
        ServicePage {
            items,
            total: total as u64,
        }
    }

    /// How many units are in each normalised state (optionally on one host), in `ServiceState::ALL` order.
    pub fn count_by_state(&self, host: Option<&str>) -> Vec<(ServiceState, u64)> {
        let snapshot = self.read();
        let mut counts = [0u64; ServiceState::ALL.len()];
        let units = snapshot
            .units
            .values()
            .filter(|u| host.is_none_or(|h| u.hostname == h));
        for unit in units {
            if let Some(i) = ServiceState::ALL
                .iter()
                .position(|s| *s == unit.normalized_status)
            {
                counts[i] += 1;
            }
        }
        ServiceState::ALL.into_iter().zip(counts).collect()
    }

    /// Reloads every `RELOAD_EVERY` for as long as the process runs.
    pub fn spawn_reloader(self: &Arc<Self>, db: Db) -> tokio::task::JoinHandle<()> {
        let current = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(RELOAD_EVERY);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                if let Err(err) = current.reload(&db).await {
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

impl Snapshot {
    /// Every unit sorted by `key` (descending if asked), ties broken by host and unit ascending.
    fn order(&self, key: SortKey, descending: bool) -> &[Arc<CurrentUnit>] {
        let index = SortKey::ALL
            .iter()
            .position(|(k, _)| *k == key)
            .unwrap_or(0)
            * 2
            + usize::from(descending);
        self.orders[index].get_or_init(|| {
            // The map is in (host, unit) order already; a stable sort keeps it for ties.
            let mut units: Vec<Arc<CurrentUnit>> = self.units.values().cloned().collect();
            units.sort_by(|a, b| {
                let primary = compare_by(key, a, b);
                if descending {
                    primary.reverse()
                } else {
                    primary
                }
            });
            units
        })
    }

    fn add_host(&mut self, hostname: &str) {
        if let Err(at) = self.hosts.binary_search_by(|h| h.as_str().cmp(hostname)) {
            self.hosts.insert(at, hostname.to_owned());
        }
    }
}

/// A filter's conditions other than the host, with the search text lower-cased once.
struct Matcher<'a> {
    filter: &'a ServiceFilter,
    search: Option<String>,
}

impl<'a> Matcher<'a> {
    fn new(filter: &'a ServiceFilter) -> Self {
        Self {
            filter,
            search: filter.search.as_deref().map(str::to_lowercase),
        }
    }

    fn matches(&self, unit: &Unit) -> bool {
        let f = self.filter;
        f.host.as_ref().is_none_or(|h| unit.hostname == h.as_str())
            && f.state.is_none_or(|s| s == unit.normalized_status)
            && f.changed_since.is_none_or(|t| unit.since_epoch >= t)
            && self.search.as_deref().is_none_or(|needle| {
                contains_lowercase(unit.service_name.as_str(), needle)
                    || contains_lowercase(&unit.description, needle)
            })
    }
}

/// Case-insensitive substring test; `needle` is already lower-case. ASCII text, the usual case for unit
/// names, is compared without allocating.
fn contains_lowercase(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() && needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        return n.is_empty()
            || h.windows(n.len())
                .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b));
    }
    haystack.to_lowercase().contains(needle)
}

fn compare_by(key: SortKey, a: &Unit, b: &Unit) -> Ordering {
    match key {
        SortKey::Host => a.hostname.cmp(&b.hostname),
        SortKey::Unit => a.service_name.cmp(&b.service_name),
        SortKey::State => a
            .normalized_status
            .as_str()
            .cmp(b.normalized_status.as_str()),
        SortKey::SubState => a.sub_state.cmp(&b.sub_state),
        SortKey::UnitFileState => a.unit_file_state.cmp(&b.unit_file_state),
        SortKey::Since => a.since_epoch.total_cmp(&b.since_epoch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ServiceState::{Failed, Running, Stopped, Transitioning, Unknown};
    use crate::domain::{Hostname, UnitName};

    fn unit(host: &str, name: &str, state: ServiceState, since: f64) -> Unit {
        Unit {
            id: 0,
            hostname: Hostname::parse(host).expect("a host name"),
            service_name: UnitName::parse(name).expect("a unit name"),
            raw_status: "active".into(),
            normalized_status: state,
            sub_state: "running".into(),
            service_type: "simple".into(),
            unit_file_state: "enabled".into(),
            load_state: "loaded".into(),
            description: format!("The {name} Daemon"),
            recoverable: true,
            since_epoch: since,
            ts_epoch: since,
        }
    }

    fn state_of(units: &[Unit]) -> CurrentState {
        let current = CurrentState::default();
        {
            let mut snapshot = current.write();
            for u in units {
                snapshot.units.insert(
                    (u.hostname.to_string(), u.service_name.to_string()),
                    Arc::new(CurrentUnit::new(u.clone())),
                );
                snapshot.add_host(u.hostname.as_str());
            }
        }
        current
    }

    fn names(page: &ServicePage) -> Vec<String> {
        page.items
            .iter()
            .map(|u| format!("{}/{}", u.hostname, u.service_name))
            .collect()
    }

    #[test]
    fn pages_sort_by_the_key_then_host_and_unit() {
        let current = state_of(&[
            unit("web02", "nginx", Failed, 30.0),
            unit("web01", "nginx", Running, 10.0),
            unit("web01", "cron", Failed, 20.0),
        ]);
        let by_state = current.page(&ServiceFilter {
            sort: SortKey::State,
            ..ServiceFilter::default()
        });
        assert_eq!(
            names(&by_state),
            [
                "web01/cron.service",
                "web02/nginx.service",
                "web01/nginx.service"
            ]
        );
        let newest_first = current.page(&ServiceFilter {
            sort: SortKey::Since,
            descending: true,
            limit: 2,
            ..ServiceFilter::default()
        });
        assert_eq!(
            names(&newest_first),
            ["web02/nginx.service", "web01/cron.service"]
        );
        assert_eq!(newest_first.total, 3);
    }

    #[test]
    fn filters_combine_and_search_ignores_case_in_name_and_description() {
        let current = state_of(&[
            unit("web01", "nginx", Running, 10.0),
            unit("web01", "cron", Failed, 20.0),
            unit("web02", "cron", Failed, 20.0),
        ]);
        let found = current.page(&ServiceFilter {
            host: Hostname::parse("web01").ok(),
            search: Some("DAEMON".into()),
            state: Some(Failed),
            ..ServiceFilter::default()
        });
        assert_eq!(names(&found), ["web01/cron.service"]);
        let none = current.page(&ServiceFilter {
            search: Some("50%_".into()),
            ..ServiceFilter::default()
        });
        assert_eq!(none.total, 0);
        assert_eq!(
            current.count_by_state(Some("web01")),
            [
                (Failed, 1),
                (Transitioning, 0),
                (Stopped, 0),
                (Running, 1),
                (Unknown, 0),
            ]
        );
    }

    #[test]
    fn search_handles_non_ascii_text() {
        assert!(contains_lowercase("Überwachung", "überw"));
        assert!(contains_lowercase("NGINX web server", "web s"));
        assert!(!contains_lowercase("nginx", "nginx-extra"));
    }
}

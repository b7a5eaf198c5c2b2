//! The units held in memory and the queries the pages run on them: filter, search, sort and page, and
//! counts by state. Each sort order is computed once per change.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use crate::db::entities::service_current::Model as Unit;
use crate::db::services::{ServiceFilter, SortKey};
use crate::domain::ServiceState;
use crate::live_state::CurrentUnit;

/// One page of units and how many match in all.
pub struct ServicePage {
    pub items: Vec<Arc<CurrentUnit>>,
    pub total: u64,
}

/// Sort orders: every `SortKey`, ascending and descending.
const ORDERS: usize = SortKey::ALL.len() * 2;

/// Every unit by (host, unit name), and every host name, as of the last load or change.
#[derive(Default)]
pub(super) struct Snapshot {
    pub(super) units: BTreeMap<(String, String), Arc<CurrentUnit>>,
    pub(super) hosts: Vec<String>,
    /// Every unit in each sort order, computed on first use after a change.
    pub(super) orders: [OnceLock<Vec<Arc<CurrentUnit>>>; ORDERS],
}

impl Snapshot {
    /// The page of units matching `filter`, sorted by its key (then host and unit), with the total count.
    pub(super) fn page(&self, filter: &ServiceFilter) -> ServicePage {
        let matcher = Matcher::new(filter);
        let offset = usize::try_from(filter.offset).unwrap_or(usize::MAX);
        let limit = usize::try_from(filter.limit).unwrap_or(usize::MAX);
        let snapshot = self;
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

    /// How many units are in each normalised state (optionally on one host), in `STATES` order.
    pub(super) fn count_by_state(&self, host: Option<&str>) -> Vec<(ServiceState, u64)> {
        let snapshot = self;
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

    pub(super) fn add_host(&mut self, hostname: &str) {
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

    fn state_of(units: &[Unit]) -> Snapshot {
        let mut snapshot = Snapshot::default();
        for u in units {
            snapshot.units.insert(
                (u.hostname.to_string(), u.service_name.to_string()),
                Arc::new(CurrentUnit::new(u.clone())),
            );
            snapshot.add_host(u.hostname.as_str());
        }
        snapshot
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

//! Service change detection: which units we follow, and turning systemd snapshots into exact,
//! compact history (a `service_status` row per change and first sighting, `service_current` always).

use std::collections::{HashMap, HashSet};

use super::writer::Record;
use crate::db::alerts::AlertCondition;
use crate::db::entities::service_current;
#[cfg(unix)]
use crate::domain::service_state::is_recoverable;
#[cfg(any(windows, test))]
use crate::domain::windows_service::ScmService;
use crate::domain::{Hostname, ServiceState, Severity, UnitName};
#[cfg(unix)]
use crate::systemd::UnitSnapshot;

pub struct ServiceTracker {
    hostname: Hostname,
    filter: UnitFilter,
    known: HashMap<UnitName, service_current::Model>,
}

/// Which units we follow: `*.service`, not templates, limited to the watch list when there is one.
#[derive(Debug, Clone)]
pub struct UnitFilter {
    watch: Option<HashSet<String>>,
}

impl UnitFilter {
    #[cfg(unix)]
    pub(crate) fn wants(&self, name: &str) -> bool {
        let Ok(unit) = UnitName::parse(name) else {
            return false;
        };
        unit.as_str() == name
            && unit.is_service()
            && !unit.is_template()
            && self.watch.as_ref().is_none_or(|w| w.contains(name))
    }

    /// Windows services: every one, or those on the watch list.
    #[cfg(any(windows, test))]
    pub(crate) fn wants_windows(&self, name: &str) -> bool {
        self.watch.as_ref().is_none_or(|w| w.contains(name))
    }

    /// The watch list, sorted, when one is set.
    #[cfg(unix)]
    pub(crate) fn watch_list(&self) -> Option<Vec<String>> {
        self.watch.as_ref().map(|w| {
            let mut names: Vec<String> = w.iter().cloned().collect();
            names.sort();
            names
        })
    }
}

impl ServiceTracker {
    pub fn new(
        hostname: &Hostname,
        watch: &[UnitName],
        known: Vec<service_current::Model>,
    ) -> Self {
        Self {
            hostname: hostname.clone(),
            filter: UnitFilter {
                watch: (!watch.is_empty()).then(|| watch.iter().map(|u| u.to_string()).collect()),
            },
            known: known
                .into_iter()
                .map(|row| (row.service_name.clone(), row))
                .collect(),
        }
    }

    #[cfg(unix)]
    pub fn filter(&self) -> UnitFilter {
        self.filter.clone()
    }

    pub(crate) fn known_names(&self) -> Vec<String> {
        self.known.keys().map(UnitName::to_string).collect()
    }

    #[cfg(unix)]
    /// Records for one observation: a change (or first sighting) writes history and may open or
    /// resolve an alert; a new description only updates the current row; an unchanged unit writes
    /// nothing (a resync marks all of them seen at once, `seen_all`).
    /// A unit systemd does not know (`not-found`) outside the watch list is gone.
    pub(crate) fn observe(&mut self, snap: &UnitSnapshot, ts: f64) -> Vec<Record> {
        if snap.load_state == "not-found" && self.filter.watch.is_none() {
            return self.gone(&snap.name, ts);
        }
        let Ok(service_name) = UnitName::parse_exact(&snap.name) else {
            return Vec::new();
        };
        let state = snap.state();
        let mut row = service_current::Model {
            id: 0,
            hostname: self.hostname.clone(),
            service_name,
            raw_status: snap.active_state.clone(),
            normalized_status: state,
            sub_state: snap.sub_state.clone(),
            service_type: snap.service_type.clone(),
            unit_file_state: snap.unit_file_state.clone(),
            load_state: snap.load_state.clone(),
            description: snap.description.clone(),
            recoverable: is_recoverable(
                &snap.service_type,
                &snap.unit_file_state,
                &snap.load_state,
            ),
            since_epoch: ts,
            ts_epoch: ts,
        };
        self.record(&mut row)
    }

    /// A Windows service as the SCM listed it. Without a start type (the short poll does not read the
    /// config) the known row's start type stands.
    #[cfg(any(windows, test))]
    pub(crate) fn observe_scm(&mut self, svc: &ScmService, ts: f64) -> Vec<Record> {
        let Ok(service_name) = UnitName::parse_windows(&svc.name) else {
            return Vec::new();
        };
        if !self.filter.wants_windows(&svc.name) {
            return Vec::new();
        }
        let known = self.known.get(svc.name.as_str());
        let (unit_file_state, recoverable) = match (svc.start_type, known) {
            (None, Some(known)) => (known.unit_file_state.clone(), known.recoverable),
            _ => (svc.start_type_name().to_owned(), svc.recoverable()),
        };
        let mut row = service_current::Model {
            id: 0,
            hostname: self.hostname.clone(),
            service_name,
            raw_status: svc.raw_status().to_owned(),
            normalized_status: svc.state(),
            sub_state: svc.sub_state(),
            service_type: svc.service_type_name().to_owned(),
            unit_file_state,
            load_state: "loaded".into(),
            description: svc.display_name.clone(),
            recoverable,
            since_epoch: ts,
            ts_epoch: ts,
        };
        self.record(&mut row)
    }

    /// After a full resync: every unit this host follows was observed at `ts` (one statement).
    pub fn seen_all(&self, ts: f64) -> Option<Record> {
        (!self.known.is_empty()).then(|| Record::ServicesSeen {
            hostname: self.hostname.to_string(),
            at: ts,
        })
    }

    #[cfg(unix)]
    /// A known unit's new `ActiveState`/`SubState` (from a signal); None for a unit we do not know.
    pub(crate) fn observe_states(
        &mut self,
        name: &str,
        active: &str,
        sub: &str,
        ts: f64,
    ) -> Option<Vec<Record>> {
        let mut row = self.known.get(name)?.clone();
        row.raw_status = active.to_owned();
        row.sub_state = sub.to_owned();
        row.normalized_status = ServiceState::from_systemd(active, sub);
        row.ts_epoch = ts;
        Some(self.record(&mut row))
    }

    #[cfg(unix)]
    /// Every followed unit becomes `unknown` (the bus is gone; we cannot tell).
    pub(crate) fn mark_unknown(&mut self, ts: f64) -> Vec<Record> {
        let rows: Vec<service_current::Model> = self.known.values().cloned().collect();
        let mut records = Vec::new();
        for mut row in rows {
            row.raw_status = "unknown".into();
            row.sub_state = "unknown".into();
            row.normalized_status = ServiceState::Unknown;
            row.ts_epoch = ts;
            records.extend(self.record(&mut row));
        }
        records
    }

    /// A unit that disappeared: a last history row, and it leaves `service_current`.
    pub fn gone(&mut self, name: &str, ts: f64) -> Vec<Record> {
        let Some(mut row) = self.known.remove(name) else {
            return Vec::new();
        };
        row.raw_status = "inactive".into();
        row.sub_state = "dead".into();
        row.load_state = "not-found".into();
        row.normalized_status = ServiceState::Stopped;
        row.ts_epoch = ts;
        vec![
            Record::ServiceGone(row.clone()),
            Record::Alert(self.alert(&row, false)),
        ]
    }

    fn record(&mut self, row: &mut service_current::Model) -> Vec<Record> {
        let previous = self.known.get(&row.service_name);
        let changed = previous.is_none_or(|p| {
            (
                &p.raw_status,
                &p.normalized_status,
                &p.sub_state,
                &p.service_type,
                &p.unit_file_state,
                &p.load_state,
            ) != (
                &row.raw_status,
                &row.normalized_status,
                &row.sub_state,
                &row.service_type,
                &row.unit_file_state,
                &row.load_state,
            )
        });
        let described_anew = previous.is_some_and(|p| {
            (&p.description, p.recoverable) != (&row.description, row.recoverable)
        });
        // Since when the unit is in its state: kept while the state holds, the observation's time when
        // it changed (a signal's row is the known one with new states, so its old time must not stay).
        row.since_epoch = match previous.filter(|p| p.normalized_status == row.normalized_status) {
            Some(p) => p.since_epoch,
            None => row.ts_epoch,
        };
        let state_changed = previous.is_none_or(|p| p.normalized_status != row.normalized_status);
        self.known.insert(row.service_name.clone(), row.clone());
        let mut records = Vec::new();
        if changed || described_anew {
            records.push(Record::Service {
                row: row.clone(),
                history: changed,
            });
        }
        if state_changed {
            let failed = row.normalized_status == ServiceState::Failed;
            records.push(Record::Alert(self.alert(row, failed)));
        }
        records
    }

    fn alert(&self, row: &service_current::Model, active: bool) -> AlertCondition {
        AlertCondition {
            hostname: self.hostname.clone(),
            source: format!("service:{}", row.service_name),
            severity: Severity::Critical,
            message: format!(
                "{} is {} ({}/{})",
                row.service_name, row.normalized_status, row.raw_status, row.sub_state
            ),
            active,
            ts_epoch: row.ts_epoch,
        }
    }
}

#[cfg(test)]
#[path = "services_scm_tests.rs"]
mod tests;

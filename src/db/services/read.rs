//! Reading units: every unit's latest state (which `current` holds in memory and pages from), one unit,
//! one unit's history, and uptime computed from it.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
    Statement,
};

use crate::db::entities::{service_current, service_status};
use crate::db::series::placeholder;
use crate::domain::{Hostname, ServiceState};

/// Columns the services table can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Host,
    Unit,
    State,
    SubState,
    UnitFileState,
    Since,
}

impl SortKey {
    pub const ALL: [(SortKey, &'static str); 6] = [
        (SortKey::Host, "host"),
        (SortKey::Unit, "unit"),
        (SortKey::State, "state"),
        (SortKey::SubState, "sub"),
        (SortKey::UnitFileState, "file"),
        (SortKey::Since, "since"),
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(k, _)| *k)
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("unit", |(_, n)| n)
    }
}

/// What the services table and `/api/services` filter by.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceFilter {
    pub host: Option<Hostname>,
    pub state: Option<ServiceState>,
    /// Case-insensitive substring of the unit name or description.
    pub search: Option<String>,
    /// Only units whose state changed within this many minutes.
    pub changed_since: Option<f64>,
    pub sort: SortKey,
    pub descending: bool,
    pub limit: u64,
    pub offset: u64,
}

impl Default for ServiceFilter {
    fn default() -> Self {
        Self {
            host: None,
            state: None,
            search: None,
            changed_since: None,
            sort: SortKey::Unit,
            descending: false,
            limit: 100,
            offset: 0,
        }
    }
}

/// Every unit's latest state, by host and unit (what `current` loads into memory).
pub(crate) async fn all_current(
    db: &impl ConnectionTrait,
) -> Result<Vec<service_current::Model>, DbErr> {
    let units = service_current::Entity::find()
        .order_by(service_current::Column::Hostname, Order::Asc)
        .order_by(service_current::Column::ServiceName, Order::Asc)
        .all(db)
        .await?;
    with_seen(db, None, units).await
}

/// One unit's latest state.
pub async fn find_one(
    db: &impl ConnectionTrait,
    hostname: &str,
    unit: &str,
) -> Result<Option<service_current::Model>, DbErr> {
    let Some(unit) = service_current::Entity::find()
        .filter(service_current::Column::Hostname.eq(hostname))
        .filter(service_current::Column::ServiceName.eq(unit))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(with_seen(db, Some(hostname), vec![unit]).await?.pop())
}

/// `units` with each one's observed time (`ts_epoch`) moved to its host's last resync when that is
/// later (a resync that finds nothing new writes the host's `services_seen_at`, not every unit).
pub(crate) async fn with_seen(
    db: &impl ConnectionTrait,
    hostname: Option<&str>,
    mut units: Vec<service_current::Model>,
) -> Result<Vec<service_current::Model>, DbErr> {
    let backend = db.get_database_backend();
    let mut sql = String::from(
        "SELECT \"hostname\", \"services_seen_at\" FROM \"hosts\" WHERE \"services_seen_at\" IS NOT NULL",
    );
    let mut values = Vec::new();
    if let Some(hostname) = hostname {
        sql.push_str(&format!(" AND \"hostname\" = {}", placeholder(backend, 1)));
        values.push(hostname.into());
    }
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let mut seen = HashMap::new();
    for row in rows {
        let host: String = row.try_get("", "hostname")?;
        let at: f64 = row.try_get("", "services_seen_at")?;
        seen.insert(host, at);
    }
    for unit in &mut units {
        if let Some(at) = seen.get(unit.hostname.as_str()) {
            unit.ts_epoch = unit.ts_epoch.max(*at);
        }
    }
    Ok(units)
}

/// A unit's state changes, newest first, within `[since, now]`, at most `limit`.
pub async fn history(
    db: &impl ConnectionTrait,
    hostname: &str,
    unit: &str,
    since: f64,
    limit: u64,
) -> Result<Vec<service_status::Model>, DbErr> {
    service_status::Entity::find()
        .filter(service_status::Column::Hostname.eq(hostname))
        .filter(service_status::Column::ServiceName.eq(unit))
        .filter(service_status::Column::TsEpoch.gte(since))
        .order_by(service_status::Column::TsEpoch, Order::Desc)
        .limit(limit)
        .all(db)
        .await
}

/// The last state change at or before `at` (what the unit was doing when a window opened).
pub(crate) async fn state_at(
    db: &impl ConnectionTrait,
    hostname: &str,
    unit: &str,
    at: f64,
) -> Result<Option<service_status::Model>, DbErr> {
    service_status::Entity::find()
        .filter(service_status::Column::Hostname.eq(hostname))
        .filter(service_status::Column::ServiceName.eq(unit))
        .filter(service_status::Column::TsEpoch.lte(at))
        .order_by(service_status::Column::TsEpoch, Order::Desc)
        .one(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_round_trip_by_name() {
        for (key, name) in SortKey::ALL {
            assert_eq!(SortKey::parse(name), Some(key));
            assert_eq!(key.name(), name);
        }
        assert_eq!(SortKey::parse("password"), None);
    }
}

/// The share of `[start, end]` a unit spent `running`, from the state it had at `start` (if known)
/// and its changes inside the window (oldest first). Time before the first known state is not counted,
/// so a unit first seen midway is judged on what was observed. None when nothing was observed.
pub(crate) fn uptime_ratio(
    initial: Option<ServiceState>,
    changes: &[(f64, ServiceState)],
    start: f64,
    end: f64,
) -> Option<f64> {
    let mut observed = 0.0;
    let mut running = 0.0;
    let mut state = initial;
    let mut from = start;
    for (ts, next) in changes.iter().filter(|(ts, _)| *ts > start && *ts <= end) {
        if let Some(s) = state {
            observed += ts - from;
            if s == ServiceState::Running {
                running += ts - from;
            }
        }
        state = Some(*next);
        from = *ts;
    }
    if let Some(s) = state {
        observed += end - from;
        if s == ServiceState::Running {
            running += end - from;
        }
    }
    (observed > 0.0).then(|| running / observed)
}

#[cfg(test)]
mod uptime_tests {
    use super::uptime_ratio;
    use crate::domain::ServiceState::{Failed, Running, Stopped};

    #[test]
    fn uptime_counts_time_in_running_within_the_window() {
        let changes = vec![(40.0, Failed), (60.0, Running)];
        assert_eq!(uptime_ratio(Some(Running), &changes, 0.0, 100.0), Some(0.8));
    }

    #[test]
    fn uptime_ignores_time_before_the_first_sighting() {
        let changes = vec![(50.0, Running), (75.0, Stopped)];
        assert_eq!(uptime_ratio(None, &changes, 0.0, 100.0), Some(0.5));
        assert_eq!(uptime_ratio(None, &[], 0.0, 100.0), None);
    }
}

//! Reading units: the filtered, sorted, paged list behind the services table and API, counts by state,
//! one unit's history, and uptime computed from it.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};

use crate::db::entities::{service_current, service_status};

/// The normalised states, in the order pages list them.
pub const STATES: [&str; 5] = ["failed", "transitioning", "stopped", "running", "unknown"];

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

    fn column(self) -> service_current::Column {
        match self {
            SortKey::Host => service_current::Column::Hostname,
            SortKey::Unit => service_current::Column::ServiceName,
            SortKey::State => service_current::Column::NormalizedStatus,
            SortKey::SubState => service_current::Column::SubState,
            SortKey::UnitFileState => service_current::Column::UnitFileState,
            SortKey::Since => service_current::Column::SinceEpoch,
        }
    }
}

/// What the services table and `/api/services` filter by.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceFilter {
    pub host: Option<String>,
    pub state: Option<String>,
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

/// One page of units and how many match in all.
pub struct ServicePage {
    pub items: Vec<service_current::Model>,
    pub total: u64,
}

fn filtered(filter: &ServiceFilter) -> Select<service_current::Entity> {
    let mut query = service_current::Entity::find();
    if let Some(host) = &filter.host {
        query = query.filter(service_current::Column::Hostname.eq(host.as_str()));
    }
    if let Some(state) = &filter.state {
        query = query.filter(service_current::Column::NormalizedStatus.eq(state.as_str()));
    }
    if let Some(since) = filter.changed_since {
        query = query.filter(service_current::Column::SinceEpoch.gte(since));
    }
    if let Some(search) = &filter.search {
        let pattern = format!("%{}%", escape_like(&search.to_lowercase()));
        let name = Expr::expr(Func::lower(Expr::col(service_current::Column::ServiceName)))
            .like(LikeExpr::new(pattern.clone()).escape('\\'));
        let description = Expr::expr(Func::lower(Expr::col(service_current::Column::Description)))
            .like(LikeExpr::new(pattern).escape('\\'));
        query = query.filter(name.or(description));
    }
    query
}

/// The page of units matching `filter`, sorted, with the total count.
pub async fn find_page(
    db: &impl ConnectionTrait,
    filter: &ServiceFilter,
) -> Result<ServicePage, DbErr> {
    let total = filtered(filter).count(db).await?;
    let order = if filter.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let items = filtered(filter)
        .order_by(filter.sort.column(), order)
        .order_by(service_current::Column::Hostname, Order::Asc)
        .order_by(service_current::Column::ServiceName, Order::Asc)
        .limit(filter.limit)
        .offset(filter.offset)
        .all(db)
        .await?;
    Ok(ServicePage { items, total })
}

/// Every unit's latest state, by host and unit (for `/metrics`).
pub async fn all_current(db: &impl ConnectionTrait) -> Result<Vec<service_current::Model>, DbErr> {
    service_current::Entity::find()
        .order_by(service_current::Column::Hostname, Order::Asc)
        .order_by(service_current::Column::ServiceName, Order::Asc)
        .all(db)
        .await
}

/// One unit's latest state.
pub async fn find_one(
    db: &impl ConnectionTrait,
    hostname: &str,
    unit: &str,
) -> Result<Option<service_current::Model>, DbErr> {
    service_current::Entity::find()
        .filter(service_current::Column::Hostname.eq(hostname))
        .filter(service_current::Column::ServiceName.eq(unit))
        .one(db)
        .await
}

/// How many units are in each normalised state (optionally on one host).
pub async fn count_by_state(
    db: &impl ConnectionTrait,
    host: Option<&str>,
) -> Result<Vec<(String, u64)>, DbErr> {
    let mut query = service_current::Entity::find()
        .select_only()
        .column(service_current::Column::NormalizedStatus)
        .column_as(service_current::Column::Id.count(), "n")
        .group_by(service_current::Column::NormalizedStatus);
    if let Some(host) = host {
        query = query.filter(service_current::Column::Hostname.eq(host));
    }
    let rows: Vec<(String, i64)> = query.into_tuple().all(db).await?;
    Ok(STATES
        .iter()
        .map(|state| {
            let n = rows.iter().find(|(s, _)| s == state).map_or(0, |(_, n)| *n);
            ((*state).to_owned(), u64::try_from(n).unwrap_or(0))
        })
        .collect())
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
pub async fn state_at(
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

/// Escapes LIKE's wildcards so user text matches literally (with `ESCAPE '\'`).
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_in_user_text_match_literally() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }

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
pub fn uptime_ratio(
    initial: Option<&str>,
    changes: &[(f64, String)],
    start: f64,
    end: f64,
) -> Option<f64> {
    let mut observed = 0.0;
    let mut running = 0.0;
    let mut state: Option<&str> = initial;
    let mut from = start;
    for (ts, next) in changes.iter().filter(|(ts, _)| *ts > start && *ts <= end) {
        if let Some(s) = state {
            observed += ts - from;
            if s == "running" {
                running += ts - from;
            }
        }
        state = Some(next.as_str());
        from = *ts;
    }
    if let Some(s) = state {
        observed += end - from;
        if s == "running" {
            running += end - from;
        }
    }
    (observed > 0.0).then(|| running / observed)
}

#[cfg(test)]
mod uptime_tests {
    use super::uptime_ratio;

    #[test]
    fn uptime_counts_time_in_running_within_the_window() {
        let changes = vec![(40.0, "failed".to_owned()), (60.0, "running".to_owned())];
        assert_eq!(
            uptime_ratio(Some("running"), &changes, 0.0, 100.0),
            Some(0.8)
        );
    }

    #[test]
    fn uptime_ignores_time_before_the_first_sighting() {
        let changes = vec![(50.0, "running".to_owned()), (75.0, "stopped".to_owned())];
        assert_eq!(uptime_ratio(None, &changes, 0.0, 100.0), Some(0.5));
        assert_eq!(uptime_ratio(None, &[], 0.0, 100.0), None);
    }
}

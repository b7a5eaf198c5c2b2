//! Reading `alerts` for the alerts page, the overview and the API: open first, filtered, paged.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};

use crate::db::entities::alerts;
use crate::domain::{Hostname, Severity};

/// Which alerts to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertState {
    Open,
    Resolved,
    All,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertFilter {
    pub state: AlertState,
    pub host: Option<Hostname>,
    pub severity: Option<Severity>,
    pub limit: u64,
    pub offset: u64,
}

impl Default for AlertFilter {
    fn default() -> Self {
        Self {
            state: AlertState::All,
            host: None,
            severity: None,
            limit: 100,
            offset: 0,
        }
    }
}

fn filtered(f: &AlertFilter) -> Select<alerts::Entity> {
    let mut q = alerts::Entity::find();
    q = match f.state {
        AlertState::Open => q.filter(alerts::Column::ResolvedAt.is_null()),
        AlertState::Resolved => q.filter(alerts::Column::ResolvedAt.is_not_null()),
        AlertState::All => q,
    };
    if let Some(host) = &f.host {
        q = q.filter(alerts::Column::Hostname.eq(host.as_str()));
    }
    if let Some(severity) = f.severity {
        q = q.filter(alerts::Column::Severity.eq(severity));
    }
    q
}

/// Open alerts first (critical before warning, newest first), then resolved ones, newest first.
pub(crate) async fn find_page(
    db: &impl ConnectionTrait,
    f: &AlertFilter,
) -> Result<(Vec<alerts::Model>, u64), DbErr> {
    let total = filtered(f).count(db).await?;
    let rows = filtered(f)
        .order_by(
            Expr::cust("CASE WHEN resolved_at IS NULL THEN 0 ELSE 1 END"),
            Order::Asc,
        )
        .order_by(
            Expr::cust("CASE severity WHEN 'critical' THEN 0 ELSE 1 END"),
            Order::Asc,
        )
        .order_by(alerts::Column::OpenedAt, Order::Desc)
        .limit(f.limit)
        .offset(f.offset)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// How many alerts are open, by severity: (critical, warning).
pub(crate) async fn open_counts(db: &impl ConnectionTrait) -> Result<(u64, u64), DbErr> {
    let rows: Vec<(Severity, i64)> = alerts::Entity::find()
        .select_only()
        .column(alerts::Column::Severity)
        .column_as(alerts::Column::Id.count(), "n")
        .filter(alerts::Column::ResolvedAt.is_null())
        .group_by(alerts::Column::Severity)
        .into_tuple()
        .all(db)
        .await?;
    let count = |s: Severity| {
        rows.iter()
            .filter(|(sev, _)| *sev == s)
            .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
            .sum()
    };
    Ok((count(Severity::Critical), count(Severity::Warning)))
}

//! `alerts`: open an alert for a condition, keep one open alert per (hostname, source), resolve it
//! when the condition clears. The collector's writer keeps each host's open alerts in memory
//! (`open_for_host` once, then `apply_known`), so a cycle whose conditions did not change asks nothing.

use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect, Set,
};

use crate::db::entities::alerts;
use crate::db::notify_outbox::{AlertNews, enqueue_alert};
use crate::domain::{Hostname, Severity};

/// A condition as one collection saw it: `active` opens (or keeps open) the alert, else resolves it.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertCondition {
    pub hostname: Hostname,
    pub source: String,
    pub severity: Severity,
    pub message: String,
    pub active: bool,
    pub ts_epoch: f64,
}

/// What applying a condition changed (an unchanged open alert is not news).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertChange {
    Opened,
    Resolved,
    Unchanged,
}

pub async fn open_alert(
    conn: &impl ConnectionTrait,
    hostname: &str,
    source: &str,
) -> Result<Option<alerts::Model>, DbErr> {
    alerts::Entity::find()
        .filter(alerts::Column::Hostname.eq(hostname))
        .filter(alerts::Column::Source.eq(source))
        .filter(alerts::Column::ResolvedAt.is_null())
        .one(conn)
        .await
}

/// The open alerts of `hostname`: their ids by source.
pub(crate) async fn open_for_host(
    conn: &impl ConnectionTrait,
    hostname: &str,
) -> Result<HashMap<String, i64>, DbErr> {
    let open: Vec<(String, i64)> = alerts::Entity::find()
        .select_only()
        .column(alerts::Column::Source)
        .column(alerts::Column::Id)
        .filter(alerts::Column::Hostname.eq(hostname))
        .filter(alerts::Column::ResolvedAt.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    Ok(open.into_iter().collect())
}

/// Applies `condition` knowing the open alert for its source (`open`, an id): no read unless the
/// known alert turns out to have been resolved elsewhere. Returns what changed and the open alert's id
/// afterwards.
pub(crate) async fn apply_known(
    conn: &impl ConnectionTrait,
    condition: &AlertCondition,
    open: Option<i64>,
) -> Result<(AlertChange, Option<i64>), DbErr> {
    let still_open = |id: i64| {
        alerts::Entity::update_many()
            .filter(alerts::Column::Id.eq(id))
            .filter(alerts::Column::ResolvedAt.is_null())
    };
    match (open, condition.active) {
        (Some(id), true) => {
            let updated = still_open(id)
                .col_expr(alerts::Column::LastSeenAt, Expr::value(condition.ts_epoch))
                .col_expr(
                    alerts::Column::Message,
                    Expr::value(condition.message.clone()),
                )
                .exec(conn)
                .await?;
            if updated.rows_affected > 0 {
                return Ok((AlertChange::Unchanged, Some(id)));
            }
            let id = insert_open(conn, condition).await?;
            Ok((AlertChange::Opened, Some(id)))
        }
        (None, true) => {
            let id = insert_open(conn, condition).await?;
            Ok((AlertChange::Opened, Some(id)))
        }
        (Some(id), false) => {
            let updated = still_open(id)
                .col_expr(
                    alerts::Column::ResolvedAt,
                    Expr::value(Some(condition.ts_epoch)),
                )
                .exec(conn)
                .await?;
            let change = if updated.rows_affected > 0 {
                AlertChange::Resolved
            } else {
                AlertChange::Unchanged
            };
            Ok((change, None))
        }
        (None, false) => Ok((AlertChange::Unchanged, None)),
    }
}

async fn insert_open(
    conn: &impl ConnectionTrait,
    condition: &AlertCondition,
) -> Result<i64, DbErr> {
    let inserted = alerts::ActiveModel {
        id: NotSet,
        hostname: Set(condition.hostname.clone()),
        source: Set(condition.source.clone()),
        severity: Set(condition.severity),
        message: Set(condition.message.clone()),
        opened_at: Set(condition.ts_epoch),
        last_seen_at: Set(condition.ts_epoch),
        resolved_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(inserted.id)
}

/// Opens, refreshes or resolves the alert for `condition`, reading the open one first, and queues its
/// notifications. Run inside a write transaction so two writers cannot both open one.
pub async fn apply(
    conn: &impl ConnectionTrait,
    condition: &AlertCondition,
) -> Result<AlertChange, DbErr> {
    let open = open_alert(conn, condition.hostname.as_str(), &condition.source).await?;
    let news = |alert_id, opened| AlertNews {
        alert_id,
        hostname: condition.hostname.as_str(),
        source: &condition.source,
        severity: condition.severity,
        message: &condition.message,
        opened,
        at: condition.ts_epoch,
    };
    match (open, condition.active) {
        (None, true) => {
            let id = insert_open(conn, condition).await?;
            enqueue_alert(conn, &news(id, true)).await?;
            Ok(AlertChange::Opened)
        }
        (Some(alert), true) => {
            let mut alert = alert.into_active_model();
            alert.last_seen_at = Set(condition.ts_epoch);
            alert.message = Set(condition.message.clone());
            alert.update(conn).await?;
            Ok(AlertChange::Unchanged)
        }
        (Some(alert), false) => {
            enqueue_alert(conn, &news(alert.id, false)).await?;
            let mut alert = alert.into_active_model();
            alert.resolved_at = Set(Some(condition.ts_epoch));
            alert.update(conn).await?;
            Ok(AlertChange::Resolved)
        }
        (None, false) => Ok(AlertChange::Unchanged),
    }
}

//! `alerts`: open an alert for a condition, keep one open alert per (hostname, source), resolve it
//! when the condition clears.

use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};

use crate::db::entities::alerts;
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

/// Opens, refreshes or resolves the alert for `condition`. Run inside the batch's transaction so two
/// writers cannot both open one.
pub async fn apply(
    conn: &impl ConnectionTrait,
    condition: &AlertCondition,
) -> Result<AlertChange, DbErr> {
    let open = open_alert(conn, condition.hostname.as_str(), &condition.source).await?;
    match (open, condition.active) {
        (None, true) => {
            alerts::ActiveModel {
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
            let mut alert = alert.into_active_model();
            alert.resolved_at = Set(Some(condition.ts_epoch));
            alert.update(conn).await?;
            Ok(AlertChange::Resolved)
        }
        (None, false) => Ok(AlertChange::Unchanged),
    }
}

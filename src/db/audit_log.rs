//! Queries on `audit_log`: append a row, read the latest.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::db::entities::audit_log::{self, Column, Entity, Model};

/// One security-relevant event.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    pub username: Option<String>,
    pub client_ip: Option<String>,
    pub action: &'static str,
    pub hostname: Option<String>,
    pub target: Option<String>,
    pub success: bool,
    pub detail: Option<serde_json::Value>,
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    ts_epoch: f64,
    entry: AuditEntry,
) -> Result<(), DbErr> {
    audit_log::ActiveModel {
        ts_epoch: Set(ts_epoch),
        username: Set(entry.username),
        client_ip: Set(entry.client_ip),
        action: Set(entry.action.to_owned()),
        hostname: Set(entry.hostname),
        target: Set(entry.target),
        success: Set(entry.success),
        detail: Set(entry.detail.map(|d| d.to_string())),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map(|_| ())
}

/// The latest rows, newest first, optionally only one action.
pub async fn latest(
    conn: &impl ConnectionTrait,
    action: Option<&str>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    let mut query = Entity::find().order_by_desc(Column::Id).limit(limit);
    if let Some(action) = action {
        query = query.filter(Column::Action.eq(action));
    }
    query.all(conn).await
}

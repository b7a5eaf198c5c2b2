//! Queries on `audit_log`: append a row; read the latest, or a filtered page for the audit page.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

use crate::db::entities::audit_log::{self, Column, Entity, Model};
use crate::domain::{AuditAction, Hostname};

/// One security-relevant event.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub username: Option<String>,
    pub client_ip: Option<String>,
    pub action: AuditAction,
    pub hostname: Option<String>,
    pub target: Option<String>,
    pub success: bool,
    pub detail: Option<serde_json::Value>,
}

impl AuditEntry {
    /// `action`, by nobody in particular, failed, with no detail: the base the other fields update.
    pub fn new(action: AuditAction) -> Self {
        Self {
            username: None,
            client_ip: None,
            action,
            hostname: None,
            target: None,
            success: false,
            detail: None,
        }
    }
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    ts_epoch: f64,
    entry: AuditEntry,
) -> Result<(), DbErr> {
    insert_returning_id(conn, ts_epoch, entry).await.map(|_| ())
}

/// Appends a row and returns its id (for a tally that updates its count later).
pub(crate) async fn insert_returning_id(
    conn: &impl ConnectionTrait,
    ts_epoch: f64,
    entry: AuditEntry,
) -> Result<i64, DbErr> {
    audit_log::ActiveModel {
        ts_epoch: Set(ts_epoch),
        username: Set(entry.username),
        client_ip: Set(entry.client_ip),
        action: Set(entry.action),
        hostname: Set(entry.hostname),
        target: Set(entry.target),
        success: Set(entry.success),
        detail: Set(entry.detail.map(|d| d.to_string())),
        count: Set(1),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map(|row| row.id)
}

/// Sets how many times the event of row `id` happened (a tally of refusals within one window).
pub(crate) async fn set_count(
    conn: &impl ConnectionTrait,
    id: i64,
    count: i64,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::Count, sea_orm::sea_query::Expr::value(count))
        .filter(Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// The latest rows, newest first, optionally only one action.
pub async fn latest(
    conn: &impl ConnectionTrait,
    action: Option<AuditAction>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    let mut query = Entity::find().order_by_desc(Column::Id).limit(limit);
    if let Some(action) = action {
        query = query.filter(Column::Action.eq(action));
    }
    query.all(conn).await
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    pub username: Option<String>,
    pub action: Option<AuditAction>,
    pub hostname: Option<Hostname>,
    /// Only failures (refusals, failed logins, failed restarts).
    pub failures_only: bool,
    pub limit: u64,
    pub offset: u64,
}

fn filtered(f: &AuditFilter) -> Select<audit_log::Entity> {
    let mut q = audit_log::Entity::find();
    if let Some(u) = &f.username {
        q = q.filter(audit_log::Column::Username.eq(u.as_str()));
    }
    if let Some(a) = f.action {
        q = q.filter(audit_log::Column::Action.eq(a));
    }
    if let Some(h) = &f.hostname {
        q = q.filter(audit_log::Column::Hostname.eq(h.as_str()));
    }
    if f.failures_only {
        q = q.filter(audit_log::Column::Success.eq(false));
    }
    q
}

/// Newest first, with the total that match.
pub(crate) async fn find_page(
    db: &impl ConnectionTrait,
    f: &AuditFilter,
) -> Result<(Vec<audit_log::Model>, u64), DbErr> {
    let total = filtered(f).count(db).await?;
    let rows = filtered(f)
        .order_by(audit_log::Column::TsEpoch, Order::Desc)
        .order_by(audit_log::Column::Id, Order::Desc)
        .limit(f.limit)
        .offset(f.offset)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// The distinct actions recorded, for the filter's choices.
pub(crate) async fn actions(db: &impl ConnectionTrait) -> Result<Vec<AuditAction>, DbErr> {
    audit_log::Entity::find()
        .select_only()
        .column(audit_log::Column::Action)
        .distinct()
        .order_by(audit_log::Column::Action, Order::Asc)
        .into_tuple()
        .all(db)
        .await
}

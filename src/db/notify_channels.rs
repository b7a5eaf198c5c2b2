//! `notification_channels` (create, update, delete, list) and the delivery log's read
//! (`notification_outbox` filtered by channel and status, newest first).

use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::db::entities::{notification_channels as channels, notification_outbox as outbox};

/// A channel as saved: everything but the lease.
#[derive(Debug, Clone)]
pub struct ChannelDraft {
    pub name: String,
    pub kind: String,
    pub config: String,
    pub secrets: String,
    pub route: String,
    pub grace_secs: i32,
    pub enabled: bool,
    pub origin: String,
}

pub async fn list(conn: &impl ConnectionTrait) -> Result<Vec<channels::Model>, DbErr> {
    channels::Entity::find()
        .order_by_asc(channels::Column::Name)
        .all(conn)
        .await
}

pub async fn find(conn: &impl ConnectionTrait, id: i64) -> Result<Option<channels::Model>, DbErr> {
    channels::Entity::find_by_id(id).one(conn).await
}

pub async fn find_by_name(
    conn: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<channels::Model>, DbErr> {
    channels::Entity::find()
        .filter(channels::Column::Name.eq(name))
        .one(conn)
        .await
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    draft: ChannelDraft,
    now: f64,
) -> Result<channels::Model, DbErr> {
    channels::ActiveModel {
        id: NotSet,
        name: Set(draft.name),
        kind: Set(draft.kind),
        config: Set(draft.config),
        secrets: Set(draft.secrets),
        route: Set(draft.route),
        grace_secs: Set(draft.grace_secs),
        enabled: Set(draft.enabled),
        origin: Set(draft.origin),
        lease_owner: Set(None),
        lease_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
}

pub async fn update(
    conn: &impl ConnectionTrait,
    current: channels::Model,
    draft: ChannelDraft,
    now: f64,
) -> Result<channels::Model, DbErr> {
    let mut row = current.into_active_model();
    row.name = Set(draft.name);
    row.kind = Set(draft.kind);
    row.config = Set(draft.config);
    row.secrets = Set(draft.secrets);
    row.route = Set(draft.route);
    row.grace_secs = Set(draft.grace_secs);
    row.enabled = Set(draft.enabled);
    row.origin = Set(draft.origin);
    row.updated_at = Set(now);
    row.update(conn).await
}

/// Deletes the channel and (by the foreign key's cascade) its delivery log.
pub async fn delete(conn: &impl ConnectionTrait, id: i64) -> Result<bool, DbErr> {
    outbox::Entity::delete_many()
        .filter(outbox::Column::ChannelId.eq(id))
        .exec(conn)
        .await?;
    let gone = channels::Entity::delete_by_id(id).exec(conn).await?;
    Ok(gone.rows_affected == 1)
}

/// The delivery log, newest first, optionally for one channel and one status.
pub async fn deliveries(
    conn: &impl ConnectionTrait,
    channel_id: Option<i64>,
    status: Option<&str>,
    limit: u64,
) -> Result<Vec<outbox::Model>, DbErr> {
    let mut find = outbox::Entity::find();
    if let Some(id) = channel_id {
        find = find.filter(outbox::Column::ChannelId.eq(id));
    }
    if let Some(status) = status {
        find = find.filter(outbox::Column::Status.eq(status));
    }
    find.order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(conn)
        .await
}

/// One delivery-log row.
pub async fn delivery(
    conn: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<outbox::Model>, DbErr> {
    outbox::Entity::find_by_id(id).one(conn).await
}

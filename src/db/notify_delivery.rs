//! Sending the outbox: a replica claims a channel with a lease (Postgres: `FOR UPDATE SKIP LOCKED` and a
//! conditional update; SQLite: the single writer, `BEGIN IMMEDIATE`), sends its due messages in order,
//! and records each answer on the rows. Only the lease holder sends a channel's messages, so with several
//! replicas each message goes out once, and in order.

use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::db::entities::{notification_channels as channels, notification_outbox as outbox};
use crate::db::{Backend, Db, begin_write};

/// Claims one enabled channel that has a due message and no live lease.
pub async fn claim_channel(
    db: &Db,
    owner: &str,
    now: f64,
    lease_secs: f64,
    skip: &[i64],
) -> Result<Option<channels::Model>, DbErr> {
    let txn = begin_write(&db.conn).await?;
    let due = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::ChannelId)
        .filter(outbox::Column::Status.eq("pending"))
        .filter(outbox::Column::DueAt.lte(now))
        .distinct()
        .into_tuple::<i64>()
        .all(&txn)
        .await?;
    let mut find = channels::Entity::find()
        .filter(channels::Column::Id.is_in(due))
        .filter(channels::Column::Id.is_not_in(skip.to_vec()))
        .filter(channels::Column::Enabled.eq(true))
        .filter(
            channels::Column::LeaseUntil
                .is_null()
                .or(channels::Column::LeaseUntil.lt(now)),
        )
        .order_by_asc(channels::Column::Id)
        .limit(1);
    if db.backend == Backend::Postgres {
        find = find.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let Some(channel) = find.one(&txn).await? else {
        txn.commit().await?;
        return Ok(None);
    };
    let taken = channels::Entity::update_many()
        .col_expr(channels::Column::LeaseOwner, Expr::value(owner))
        .col_expr(channels::Column::LeaseUntil, Expr::value(now + lease_secs))
        .filter(channels::Column::Id.eq(channel.id))
        .filter(
            channels::Column::LeaseUntil
                .is_null()
                .or(channels::Column::LeaseUntil.lt(now)),
        )
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok((taken.rows_affected == 1).then_some(channel))
}

/// Extends `owner`'s lease on `channel_id`; false when it was lost (another replica took over).
pub async fn renew(db: &Db, channel_id: i64, owner: &str, until: f64) -> Result<bool, DbErr> {
    let renewed = channels::Entity::update_many()
        .col_expr(channels::Column::LeaseUntil, Expr::value(until))
        .filter(channels::Column::Id.eq(channel_id))
        .filter(channels::Column::LeaseOwner.eq(owner))
        .exec(&db.conn)
        .await?;
    Ok(renewed.rows_affected == 1)
}

/// Gives the channel back.
pub async fn release(db: &Db, channel_id: i64, owner: &str) -> Result<(), DbErr> {
    channels::Entity::update_many()
        .col_expr(channels::Column::LeaseUntil, Expr::value(None::<f64>))
        .col_expr(channels::Column::LeaseOwner, Expr::value(None::<String>))
        .filter(channels::Column::Id.eq(channel_id))
        .filter(channels::Column::LeaseOwner.eq(owner))
        .exec(&db.conn)
        .await
        .map(|_| ())
}

/// The channel's pending messages that are due, in sending order (due time, then id), stopping at the
/// first that is not due yet. A message being retried goes first and holds the channel until it is due
/// again: messages written while it waited (due at once) do not overtake it.
pub async fn due_messages(
    conn: &impl ConnectionTrait,
    channel_id: i64,
    now: f64,
    limit: u64,
) -> Result<Vec<outbox::Model>, DbErr> {
    let pending = || {
        outbox::Entity::find()
            .filter(outbox::Column::ChannelId.eq(channel_id))
            .filter(outbox::Column::Status.eq("pending"))
    };
    let retrying = pending()
        .filter(outbox::Column::Attempts.gt(0))
        .order_by_asc(outbox::Column::Id)
        .one(conn)
        .await?;
    if retrying.as_ref().is_some_and(|m| m.due_at > now) {
        return Ok(Vec::new());
    }
    let rest = pending()
        .order_by_asc(outbox::Column::DueAt)
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    let head_id = retrying.as_ref().map(|m| m.id);
    Ok(retrying
        .into_iter()
        .chain(
            rest.into_iter()
                .filter(|m| Some(m.id) != head_id)
                .take_while(|m| m.due_at <= now),
        )
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect())
}

/// What the receiver did with one request.
#[derive(Debug, Clone)]
pub struct Answer {
    pub delivered: bool,
    pub status: Option<i32>,
    pub body: Option<String>,
    pub error: Option<String>,
}

/// Records `answer` on the rows one request carried (`ids[0]` is the head). A failure is retried at
/// `retry_at`, or marked `failed` when it is None (attempts exhausted); later messages of the channel
/// wait behind it, so order holds.
pub async fn record(
    conn: &impl ConnectionTrait,
    channel_id: i64,
    ids: &[i64],
    answer: &Answer,
    now: f64,
    retry_at: Option<f64>,
) -> Result<(), DbErr> {
    let head = ids.first().copied();
    let status = match (answer.delivered, retry_at) {
        (true, _) => "delivered",
        (false, Some(_)) => "pending",
        (false, None) => "failed",
    };
    let mut update = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(status))
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        .col_expr(outbox::Column::SentAt, Expr::value(Some(now)))
        .col_expr(outbox::Column::LastError, Expr::value(answer.error.clone()))
        .col_expr(outbox::Column::ResponseStatus, Expr::value(answer.status))
        .col_expr(
            outbox::Column::ResponseBody,
            Expr::value(answer.body.clone()),
        );
    if ids.len() > 1 {
        update = update.col_expr(outbox::Column::GroupedWith, Expr::value(head));
    }
    if let Some(at) = retry_at.filter(|_| !answer.delivered) {
        update = update.col_expr(outbox::Column::DueAt, Expr::value(at));
    }
    update
        .filter(outbox::Column::Id.is_in(ids.to_vec()))
        .filter(outbox::Column::Status.eq("pending"))
        .exec(conn)
        .await?;
    if let Some(at) = retry_at.filter(|_| !answer.delivered) {
        // Nothing of this channel overtakes the message being retried.
        outbox::Entity::update_many()
            .col_expr(outbox::Column::DueAt, Expr::value(at))
            .filter(outbox::Column::ChannelId.eq(channel_id))
            .filter(outbox::Column::Status.eq("pending"))
            .filter(outbox::Column::DueAt.lt(at))
            .exec(conn)
            .await?;
    }
    Ok(())
}

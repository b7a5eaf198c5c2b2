//! `notification_silences`: maintenance windows and snoozes (`db::notify_outbox` holds the messages of
//! the alerts one covers); `queue_summaries` announces, once per window that ended, what is
//! still wrong among the alerts it covered.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};

use crate::db::entities::{
    alerts, notification_channels as channels, notification_outbox as outbox,
    notification_silences as silences,
};
use crate::db::notify_outbox::{Note, enqueue_note};
use crate::domain::NotifyRoute;

/// A new window.
#[derive(Debug, Clone)]
pub struct NewSilence {
    pub hosts: String,
    pub units: String,
    pub starts_at: f64,
    pub ends_at: f64,
    pub reason: String,
    pub created_by: String,
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    new: NewSilence,
    now: f64,
) -> Result<silences::Model, DbErr> {
    silences::ActiveModel {
        id: NotSet,
        hosts: Set(new.hosts),
        units: Set(new.units),
        starts_at: Set(new.starts_at),
        ends_at: Set(new.ends_at),
        reason: Set(new.reason),
        created_by: Set(new.created_by),
        summary_sent: Set(false),
        created_at: Set(now),
        schedule_id: Set(None),
    }
    .insert(conn)
    .await
}

/// Windows that have not ended, soonest end first.
pub async fn current(conn: &impl ConnectionTrait, now: f64) -> Result<Vec<silences::Model>, DbErr> {
    silences::Entity::find()
        .filter(silences::Column::EndsAt.gt(now))
        .order_by_asc(silences::Column::EndsAt)
        .all(conn)
        .await
}

/// Ends a window now (its summary follows at the next check).
pub async fn end_now(conn: &impl ConnectionTrait, id: i64, now: f64) -> Result<bool, DbErr> {
    let ended = silences::Entity::update_many()
        .col_expr(silences::Column::EndsAt, Expr::value(now))
        .filter(silences::Column::Id.eq(id))
        .filter(silences::Column::EndsAt.gt(now))
        .exec(conn)
        .await?;
    Ok(ended.rows_affected == 1)
}

/// For each window that ended: the alerts it covered that are still open are announced again (as
/// `opened` messages, grouped as usual), on the channels whose rules take them. Returns how many.
pub async fn queue_summaries(conn: &impl ConnectionTrait, now: f64) -> Result<usize, DbErr> {
    let ended = silences::Entity::find()
        .filter(silences::Column::EndsAt.lte(now))
        .filter(silences::Column::SummarySent.eq(false))
        .all(conn)
        .await?;
    let mut queued = 0;
    for window in ended {
        silences::Entity::update_many()
            .col_expr(silences::Column::SummarySent, Expr::value(true))
            .filter(silences::Column::Id.eq(window.id))
            .exec(conn)
            .await?;
        if window.ends_at <= window.starts_at {
            continue; // ended before it began: it held nothing
        }
        let open = alerts::Entity::find()
            .filter(alerts::Column::ResolvedAt.is_null())
            .all(conn)
            .await?;
        let channels = channels::Entity::find()
            .filter(channels::Column::Enabled.eq(true))
            .all(conn)
            .await?;
        for alert in open
            .iter()
            .filter(|a| window.covers(a.hostname.as_str(), &a.source))
        {
            for channel in &channels {
                let route: NotifyRoute = serde_json::from_str(&channel.route).unwrap_or_default();
                if !route.matches(alert.severity, alert.hostname.as_str(), &alert.source) {
                    continue;
                }
                let message = format!(
                    "{} (still wrong after the maintenance window: {})",
                    alert.message, window.reason
                );
                let note = Note {
                    channel_id: channel.id,
                    event: "opened",
                    hostname: alert.hostname.as_str(),
                    source: &alert.source,
                    severity: alert.severity,
                    message: &message,
                    at: now,
                };
                let row = enqueue_note(conn, &note).await?;
                outbox::Entity::update_many()
                    .col_expr(outbox::Column::AlertId, Expr::value(alert.id))
                    .filter(outbox::Column::Id.eq(row))
                    .exec(conn)
                    .await?;
                queued += 1;
            }
        }
    }
    Ok(queued)
}

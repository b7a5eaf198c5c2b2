//! Reminders: an alert still open `remind_every_secs` after its last message on a channel gets a
//! reminder there, at most `remind_max` times. Run by one replica at a time (the notifier's periodic
//! check holds a lock), inside its transaction.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::db::entities::{
    alerts, notification_channels as channels, notification_outbox as outbox,
};
use crate::db::notify_outbox::{HOST_DOWN_SOURCE, Note, enqueue_note, host_is_down};
use crate::domain::NotifyRoute;

/// Queues the reminders due at `now`; returns how many.
pub async fn queue_due(conn: &impl ConnectionTrait, now: f64) -> Result<usize, DbErr> {
    let open: HashMap<i64, alerts::Model> = alerts::Entity::find()
        .filter(alerts::Column::ResolvedAt.is_null())
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    if open.is_empty() {
        return Ok(0);
    }
    let mut queued = 0;
    let channels = channels::Entity::find()
        .filter(channels::Column::Enabled.eq(true))
        .all(conn)
        .await?;
    for channel in channels {
        let route: NotifyRoute = serde_json::from_str(&channel.route).unwrap_or_default();
        if route.remind_every_secs == 0 || route.remind_max == 0 {
            continue;
        }
        let told = outbox::Entity::find()
            .filter(outbox::Column::ChannelId.eq(channel.id))
            .filter(outbox::Column::Event.is_in(["opened", "reminder"]))
            .filter(outbox::Column::Status.is_in(["pending", "delivered"]))
            .filter(outbox::Column::AlertId.is_in(open.keys().copied()))
            .order_by_asc(outbox::Column::Id)
            .all(conn)
            .await?;
        // Per alert: when it was last told (sent, or queued), and how many reminders so far.
        let mut last: HashMap<i64, (f64, u32, bool)> = HashMap::new();
        for row in &told {
            let Some(id) = row.alert_id else { continue };
            let entry = last.entry(id).or_insert((0.0, 0, false));
            entry.0 = entry.0.max(row.sent_at.unwrap_or(row.created_at));
            entry.1 += u32::from(row.event == "reminder");
            entry.2 |= row.status == "pending";
        }
        for (id, (at, reminders, pending)) in last {
            let due = at + f64::from(route.remind_every_secs) <= now;
            if pending || !due || reminders >= route.remind_max {
                continue;
            }
            let alert = &open[&id];
            if alert.source != HOST_DOWN_SOURCE
                && host_is_down(conn, alert.hostname.as_str()).await?
            {
                continue;
            }
            let message = format!(
                "still open (reminder {} of {}): {}",
                reminders + 1,
                route.remind_max,
                alert.message
            );
            let note = Note {
                channel_id: channel.id,
                event: "reminder",
                hostname: alert.hostname.as_str(),
                source: &alert.source,
                severity: alert.severity,
                message: &message,
                at: now,
            };
            let row = enqueue_note(conn, &note).await?;
            set_alert(conn, row, id).await?;
            queued += 1;
        }
    }
    Ok(queued)
}

async fn set_alert(conn: &impl ConnectionTrait, row: i64, alert_id: i64) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::AlertId,
            sea_orm::sea_query::Expr::value(alert_id),
        )
        .filter(outbox::Column::Id.eq(row))
        .exec(conn)
        .await
        .map(|_| ())
}

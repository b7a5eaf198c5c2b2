//! `notification_outbox`, written beside the alert change: `enqueue_alert` runs inside the transaction
//! that opens or resolves an alert, so a message exists exactly when the change does. It routes the change
//! to the enabled channels, holds a failure for the channel's grace period (a recovery inside it cancels
//! the message and sends nothing), holds back messages for a host that is down, says once that an alert
//! is flapping instead of once per change, and queues a recovery only where the failure was announced.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::db::entities::{
    alerts, notification_channels as channels, notification_outbox as outbox,
};
use crate::db::notify_noise::{Flap, flapping, holding};
use crate::domain::{NotifyRoute, Severity};

/// The source of the alert a console raises for a host that stopped reporting.
pub const HOST_DOWN_SOURCE: &str = "host:down";

/// An alert that just opened or resolved, as the notifier needs it.
#[derive(Debug, Clone)]
pub struct AlertNews<'a> {
    pub alert_id: i64,
    pub hostname: &'a str,
    pub source: &'a str,
    pub severity: Severity,
    pub message: &'a str,
    /// True when the alert opened, false when it resolved.
    pub opened: bool,
    pub at: f64,
}

/// A message that is not about an alert (a channel's Test, a restart's outcome).
#[derive(Debug, Clone)]
pub struct Note<'a> {
    pub channel_id: i64,
    pub event: &'a str,
    pub hostname: &'a str,
    pub source: &'a str,
    pub severity: Severity,
    pub message: &'a str,
    pub at: f64,
}

/// Queues what `news` means for each channel; call it in the alert change's transaction.
pub async fn enqueue_alert(conn: &impl ConnectionTrait, news: &AlertNews<'_>) -> Result<(), DbErr> {
    if news.opened {
        enqueue_opened(conn, news).await
    } else {
        enqueue_resolved(conn, news).await
    }
}

async fn enqueue_opened(conn: &impl ConnectionTrait, news: &AlertNews<'_>) -> Result<(), DbErr> {
    let host_down = news.source != HOST_DOWN_SOURCE && host_is_down(conn, news.hostname).await?;
    if news.source == HOST_DOWN_SOURCE {
        // The host's own failures not yet announced are covered by "host down".
        outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, Expr::value("suppressed"))
            .col_expr(
                outbox::Column::LastError,
                Expr::value("held back: the host stopped reporting"),
            )
            .filter(outbox::Column::Hostname.eq(news.hostname))
            .filter(outbox::Column::Event.eq("opened"))
            .filter(outbox::Column::Status.eq("pending"))
            .filter(outbox::Column::DueAt.gt(news.at))
            .exec(conn)
            .await?;
    }
    let silenced = holding(conn, news.hostname, news.source, news.at).await?;
    for channel in enabled_channels(conn).await? {
        let route: NotifyRoute = serde_json::from_str(&channel.route).unwrap_or_default();
        if !route.matches(news.severity, news.hostname, news.source) {
            continue;
        }
        let due = news.at + f64::from(channel.grace_secs.max(0));
        if let Some(window) = &silenced {
            let why = format!(
                "held: {} (until {})",
                window.reason,
                crate::clock::rfc3339(window.ends_at)
            );
            insert(
                conn,
                channel.id,
                news,
                "opened",
                "suppressed",
                due,
                Some(&why),
            )
            .await?;
            continue;
        }
        if host_down {
            let why = Some("held back: the host stopped reporting");
            insert(conn, channel.id, news, "opened", "suppressed", due, why).await?;
            continue;
        }
        match flapping(
            conn,
            channel.id,
            news.hostname,
            news.source,
            news.at,
            &route,
        )
        .await?
        {
            Flap::No => insert(conn, channel.id, news, "opened", "pending", due, None).await?,
            Flap::Starts(changes) => {
                let minutes = route.flap_window_secs / 60;
                let message = format!(
                    "{} is flapping: it failed {changes} times within {minutes} min; \
                     further changes are held back until it settles (last: {})",
                    news.source, news.message
                );
                let flap = AlertNews {
                    message: &message,
                    ..news.clone()
                };
                insert(
                    conn, channel.id, &flap, "flapping", "pending", news.at, None,
                )
                .await?;
            }
            Flap::Ongoing => {
                let why = Some("held back: flapping");
                insert(conn, channel.id, news, "opened", "suppressed", due, why).await?;
            }
        }
    }
    Ok(())
}

async fn enqueue_resolved(conn: &impl ConnectionTrait, news: &AlertNews<'_>) -> Result<(), DbErr> {
    let announced = outbox::Entity::find()
        .filter(outbox::Column::AlertId.eq(news.alert_id))
        .filter(outbox::Column::Event.eq("opened"))
        .all(conn)
        .await?;
    for row in announced {
        match row.status.as_str() {
            "pending" if row.due_at > news.at => {
                outbox::Entity::update_many()
                    .col_expr(outbox::Column::Status, Expr::value("cancelled"))
                    .col_expr(
                        outbox::Column::LastError,
                        Expr::value("recovered within the grace period"),
                    )
                    .filter(outbox::Column::Id.eq(row.id))
                    .exec(conn)
                    .await?;
            }
            "pending" | "delivered" | "failed" => {
                insert(
                    conn,
                    row.channel_id,
                    news,
                    "resolved",
                    "pending",
                    news.at,
                    None,
                )
                .await?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Queues a message for one channel, due now.
pub async fn enqueue_note(conn: &impl ConnectionTrait, note: &Note<'_>) -> Result<i64, DbErr> {
    let row = outbox::ActiveModel {
        id: NotSet,
        channel_id: Set(note.channel_id),
        alert_id: Set(None),
        event: Set(note.event.to_owned()),
        hostname: Set(note.hostname.to_owned()),
        source: Set(note.source.to_owned()),
        severity: Set(note.severity.as_str().to_owned()),
        message: Set(note.message.to_owned()),
        status: Set("pending".into()),
        attempts: Set(0),
        created_at: Set(note.at),
        due_at: Set(note.at),
        sent_at: Set(None),
        grouped_with: Set(None),
        last_error: Set(None),
        response_status: Set(None),
        response_body: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

async fn insert(
    conn: &impl ConnectionTrait,
    channel_id: i64,
    news: &AlertNews<'_>,
    event: &str,
    status: &str,
    due_at: f64,
    why: Option<&str>,
) -> Result<(), DbErr> {
    outbox::ActiveModel {
        id: NotSet,
        channel_id: Set(channel_id),
        alert_id: Set(Some(news.alert_id)),
        event: Set(event.to_owned()),
        hostname: Set(news.hostname.to_owned()),
        source: Set(news.source.to_owned()),
        severity: Set(news.severity.as_str().to_owned()),
        message: Set(news.message.to_owned()),
        status: Set(status.to_owned()),
        attempts: Set(0),
        created_at: Set(news.at),
        due_at: Set(due_at),
        sent_at: Set(None),
        grouped_with: Set(None),
        last_error: Set(why.map(str::to_owned)),
        response_status: Set(None),
        response_body: Set(None),
    }
    .insert(conn)
    .await
    .map(|_| ())
}

/// What routing needs of an enabled channel, and nothing more: agents route their own alerts with a
/// role that may read these columns of `notification_channels` and not the secrets beside them
/// (`lifecycle::agent_role`).
struct Routable {
    id: i64,
    route: String,
    grace_secs: i32,
}

async fn enabled_channels(conn: &impl ConnectionTrait) -> Result<Vec<Routable>, DbErr> {
    let rows: Vec<(i64, String, i32)> = channels::Entity::find()
        .select_only()
        .columns([
            channels::Column::Id,
            channels::Column::Route,
            channels::Column::GraceSecs,
        ])
        .filter(channels::Column::Enabled.eq(true))
        .order_by_asc(channels::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, route, grace_secs)| Routable {
            id,
            route,
            grace_secs,
        })
        .collect())
}

/// Whether `hostname` has an open "host down" alert.
pub async fn host_is_down(conn: &impl ConnectionTrait, hostname: &str) -> Result<bool, DbErr> {
    let open = alerts::Entity::find()
        .select_only()
        .column(alerts::Column::Id)
        .filter(alerts::Column::Hostname.eq(hostname))
        .filter(alerts::Column::Source.eq(HOST_DOWN_SOURCE))
        .filter(alerts::Column::ResolvedAt.is_null())
        .into_tuple::<i64>()
        .one(conn)
        .await?;
    Ok(open.is_some())
}

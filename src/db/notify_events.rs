//! Messages about events that are not alerts: a restart's outcome goes to the channels whose rules list
//! the `restart` kind explicitly (opt-in, so a busy console's restarts do not reach every channel).

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::db::entities::notification_channels as channels;
use crate::db::notify_outbox::{Note, enqueue_note};
use crate::domain::{AlertKind, NotifyRoute, Severity};

/// A restart that finished: `failed` is critical, `done` a warning-level notice.
#[derive(Debug, Clone)]
pub struct RestartOutcome<'a> {
    pub hostname: &'a str,
    pub unit: &'a str,
    pub failed: bool,
    pub message: &'a str,
    pub at: f64,
}

/// Queues `outcome` for each channel that routes restarts; returns how many.
pub async fn enqueue_restart(
    conn: &impl ConnectionTrait,
    outcome: &RestartOutcome<'_>,
) -> Result<usize, DbErr> {
    let severity = if outcome.failed {
        Severity::Critical
    } else {
        Severity::Warning
    };
    let source = format!("restart:{}", outcome.unit);
    let channels = channels::Entity::find()
        .filter(channels::Column::Enabled.eq(true))
        .all(conn)
        .await?;
    let mut queued = 0;
    for channel in channels {
        let route: NotifyRoute = serde_json::from_str(&channel.route).unwrap_or_default();
        if !route.kinds.contains(&AlertKind::Restart)
            || !route.matches(severity, outcome.hostname, &source)
        {
            continue;
        }
        let note = Note {
            channel_id: channel.id,
            event: "restart",
            hostname: outcome.hostname,
            source: &source,
            severity,
            message: outcome.message,
            at: outcome.at,
        };
        enqueue_note(conn, &note).await?;
        queued += 1;
    }
    Ok(queued)
}

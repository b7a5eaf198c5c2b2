//! A channel's Test: a sample message through the outbox like any other (so it shows in the delivery
//! log), and the receiver's answer once the sender has it.

use std::time::{Duration, Instant};

use super::Notifier;
use crate::db::entities::notification_outbox as outbox;
use crate::db::notify_channels;
use crate::db::notify_outbox::{Note, enqueue_note};
use crate::domain::Severity;

impl Notifier {
    /// Queues a test message for `channel_id` and waits (up to the request timeout and a little) for
    /// its answer; the row returned may still be pending when the sender is busy elsewhere.
    pub async fn test_channel(&self, channel_id: i64, by: &str) -> anyhow::Result<outbox::Model> {
        let inner = &self.inner;
        let message = format!(
            "This is a test message from smartmon, sent by {by}. If you can read it, the channel works."
        );
        let note = Note {
            channel_id,
            event: "test",
            hostname: "smartmon",
            source: "test",
            severity: Severity::Warning,
            message: &message,
            at: inner.clock.now(),
        };
        let id = enqueue_note(&inner.db.conn, &note).await?;
        self.wake();
        let limit = inner.settings.timeout + Duration::from_secs(3);
        let started = Instant::now();
        loop {
            let row = notify_channels::delivery(&inner.db.conn, id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the test message vanished (channel deleted?)"))?;
            if row.status != "pending" || started.elapsed() > limit {
                return Ok(row);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

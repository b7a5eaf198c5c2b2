//! "Host down": a host that has not reported for `SMARTMON_NOTIFY_HOST_DOWN_SECS` gets one critical
//! alert (`host:down`), which announces it once and holds back its units' and checks' alerts while it
//! lasts; the alert resolves (a recovery message) when the host reports again. One replica at a time
//! decides (a Postgres advisory lock), so the alert opens once. The same check queues reminders and
//! end-of-window summaries, and writes the coming occurrences of recurring maintenance windows.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};

use super::Notifier;
use crate::clock::rfc3339;
use crate::db::alerts::{AlertCondition, apply};
use crate::db::entities::{alerts, hosts};
use crate::db::notify_outbox::HOST_DOWN_SOURCE;
use crate::db::{Backend, begin_write};
use crate::domain::Severity;
use crate::live::LiveEvent;

/// The advisory lock key of the host-down check.
const HOST_CHECK_LOCK: i64 = 727_362;

impl Notifier {
    /// The periodic check: writes the coming occurrences of recurring maintenance windows, queues due
    /// reminders and end-of-window summaries, opens "host down" for hosts silent too long and
    /// resolves it for hosts reporting again.
    pub async fn check_hosts(&self) -> anyhow::Result<()> {
        let inner = &self.inner;
        let now = inner.clock.now();
        let limit = now - inner.settings.host_down_after.as_secs_f64();
        let txn = begin_write(&inner.db.conn).await?;
        if inner.db.backend == Backend::Postgres {
            let sql = format!("SELECT pg_try_advisory_xact_lock({HOST_CHECK_LOCK}) AS got");
            let row = txn
                .query_one_raw(Statement::from_string(txn.get_database_backend(), sql))
                .await?;
            if !row
                .map(|r| r.try_get::<bool>("", "got"))
                .transpose()?
                .unwrap_or(false)
            {
                return Ok(());
            }
        }
        crate::db::notify_schedules::materialize(&txn, now).await?;
        let reminders = crate::db::notify_reminders::queue_due(&txn, now).await?
            + crate::db::notify_silences::queue_summaries(&txn, now).await?;
        if inner.settings.host_down_after.is_zero() {
            txn.commit().await?;
            if reminders > 0 {
                inner.wake.notify_one();
            }
            return Ok(());
        }
        let all = hosts::Entity::find().all(&txn).await?;
        let down: Vec<String> = alerts::Entity::find()
            .filter(alerts::Column::Source.eq(HOST_DOWN_SOURCE))
            .filter(alerts::Column::ResolvedAt.is_null())
            .all(&txn)
            .await?
            .into_iter()
            .map(|a| a.hostname.to_string())
            .collect();
        let mut changed = Vec::new();
        for host in all {
            let silent = host.last_seen < limit;
            let known_down = down.iter().any(|h| h == host.hostname.as_str());
            if silent == known_down {
                continue;
            }
            let condition = AlertCondition {
                hostname: host.hostname.clone(),
                source: HOST_DOWN_SOURCE.into(),
                severity: Severity::Critical,
                message: format!(
                    "{} stopped reporting (last seen {})",
                    host.hostname,
                    rfc3339(host.last_seen)
                ),
                active: silent,
                ts_epoch: now,
            };
            apply(&txn, &condition).await?;
            changed.push(LiveEvent::AlertChanged {
                hostname: host.hostname.to_string(),
            });
        }
        txn.commit().await?;
        let woke = !changed.is_empty() || reminders > 0;
        if !changed.is_empty() {
            inner.live.publish(changed).await;
        }
        if woke {
            inner.wake.notify_one();
        }
        Ok(())
    }
}

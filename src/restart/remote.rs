//! Requests for other hosts: the agent on a host takes the `queued` rows for its hostname (woken by
//! the live bus, which is `LISTEN/NOTIFY` on Postgres, and by polling), re-checks them and runs them
//! through its own executor. Requests nobody takes within `SMARTMON_RESTART_QUEUE_TTL_SECS` expire.

use std::time::Duration;

use serde_json::json;

use super::{Actor, Ask, Restarter, Source};
use crate::db::entities::restart_requests::Model;
use crate::db::restart_requests::{self as requests, Progress};
use crate::domain::AuditAction;
use crate::domain::RestartState;
use crate::live::LiveEvent;

/// The agent's loop: take and run every queued request for this host, then wait for news.
pub(crate) async fn worker(restarter: Restarter) {
    let mut events = restarter.inner.live.subscribe();
    let poll = restarter.inner.settings.poll_interval;
    let me = restarter.hostname().to_string();
    loop {
        if let Err(err) = restarter.run_queued().await {
            tracing::warn!(error = format!("{err:#}"), "cannot take queued restarts");
        }
        let wake = async {
            loop {
                match events.recv().await {
                    Ok(LiveEvent::RestartUpdated { hostname, .. }) if hostname == me => return,
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => return,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                        std::future::pending::<()>().await
                    }
                }
            }
        };
        let _ = tokio::time::timeout(poll, wake).await;
    }
}

/// Expires requests nobody took, every few seconds.
pub(crate) async fn expire_loop(restarter: Restarter) {
    let every = restarter
        .inner
        .settings
        .poll_interval
        .min(Duration::from_secs(30));
    loop {
        if let Err(err) = restarter.expire_stale().await {
            tracing::debug!(error = format!("{err:#}"), "cannot expire restart requests");
        }
        tokio::time::sleep(every).await;
    }
}

impl Restarter {
    /// Takes and runs the queued requests for this host, oldest first; how many ran.
    pub async fn run_queued(&self) -> anyhow::Result<usize> {
        let me = self.hostname().to_string();
        let mut ran = 0;
        loop {
            let now = self.inner.clock.now();
            let executed_by = format!("agent on {me}");
            let Some(row) =
                requests::claim_next(&self.inner.db.conn, &me, &executed_by, now).await?
            else {
                return Ok(ran);
            };
            self.run_claimed(row).await?;
            ran += 1;
        }
    }

    /// Re-checks a request another process queued (name, allow-list, recoverable) and runs it here.
    async fn run_claimed(&self, row: Model) -> anyhow::Result<()> {
        let ask = Ask {
            host: row.hostname.to_string(),
            unit: row.service_name.to_string(),
            action: row.action,
            actor: match row.requested_by.as_str() {
                "api-key" => Actor::ApiKey,
                "auto-remediation" => Actor::Auto,
                name => Actor::User {
                    name: name.to_owned(),
                    role: crate::auth::Role::Operator,
                },
            },
            client_ip: row.client_ip.clone(),
            source: match row.source.as_str() {
                "api" => Source::Api,
                "auto" => Source::Auto,
                _ => Source::Ui,
            },
        };
        self.publish(row.hostname.as_str(), row.service_name.as_str())
            .await;
        let unit = match self.check(&ask).await? {
            Ok((_, unit)) => unit,
            Err(refusal) => {
                requests::record(
                    &self.inner.db.conn,
                    row.id,
                    Progress {
                        result: Some(refusal.gate.code().into()),
                        error: Some(refusal.message.clone()),
                        finished_at: Some(self.inner.clock.now()),
                        ..Progress::new(RestartState::Refused)
                    },
                )
                .await?;
                let detail = json!({ "gate": refusal.gate.code(), "reason": refusal.message,
                    "request_id": row.id, "checked_by": "agent" });
                self.audit(&ask, AuditAction::RestartRefused, false, detail)
                    .await;
                self.publish(row.hostname.as_str(), row.service_name.as_str())
                    .await;
                return Ok(());
            }
        };
        let started = row.started_at.unwrap_or_else(|| self.inner.clock.now());
        let run = self.inner.executor.run(row.action, &unit).await;
        let report = self
            .finish(
                &ask,
                row.id,
                row.hostname.as_str(),
                unit.as_str(),
                started,
                run,
            )
            .await?;
        tracing::info!(unit = %unit, action = %row.action, state = %report.state(), "ran a queued request");
        Ok(())
    }

    /// Marks queued requests older than the queue's time to live as expired.
    pub(crate) async fn expire_stale(&self) -> anyhow::Result<usize> {
        let now = self.inner.clock.now();
        let cutoff = now - self.inner.settings.queue_ttl.as_secs_f64();
        let expired = requests::expire(&self.inner.db.conn, cutoff, now).await?;
        for row in &expired {
            let ask = Ask {
                host: row.hostname.to_string(),
                unit: row.service_name.to_string(),
                action: row.action,
                actor: Actor::User {
                    name: row.requested_by.clone(),
                    role: crate::auth::Role::Viewer,
                },
                client_ip: row.client_ip.clone(),
                source: Source::Ui,
            };
            let detail = json!({ "request_id": row.id, "reason": "no agent took it in time" });
            self.audit(&ask, AuditAction::RestartExpired, false, detail)
                .await;
            self.publish(row.hostname.as_str(), row.service_name.as_str())
                .await;
        }
        Ok(expired.len())
    }
}

//! Recording restart requests: the `restart_requests` row, the audit row and the live event for a
//! refusal, a finished run, or a request queued (or, in dry run, not queued) for another host.

use serde_json::json;

use super::{Ask, Execution, Outcome, Refusal, Report, Restarter, Status};
use crate::auth::audit;
use crate::db::audit_log::AuditEntry;
use crate::db::entities::restart_requests::Model;
use crate::db::notify_events::{RestartOutcome, enqueue_restart};
use crate::db::restart_requests::{self as requests, NewRequest, Progress};
use crate::domain::AuditAction;
use crate::domain::{Hostname, RestartState, UnitName};

impl Restarter {
    /// Records a refusal: a `restart_requests` row when the ask named a valid host and unit (one that
    /// did not has no row, since it names nothing that could be restarted; the audit row keeps what
    /// was asked), the audit row, and the report.
    pub(super) async fn refuse(&self, ask: &Ask, refusal: Refusal) -> anyhow::Result<Report> {
        let unit: String = ask.unit.chars().take(255).collect();
        let host: String = ask.host.chars().take(253).collect();
        let rules = self.name_rules(&ask.host).await?;
        let request_id = match (
            Hostname::parse(&ask.host),
            UnitName::parse_as(&ask.unit, rules),
        ) {
            (Ok(hostname), Ok(service_name)) => {
                let new = NewRequest {
                    hostname: &hostname,
                    service_name: &service_name,
                    action: ask.action,
                    requested_by: ask.actor.name(),
                    client_ip: ask.client_ip.as_deref(),
                    source: ask.source.as_str(),
                    state: RestartState::Refused,
                    dry_run: self.dry_run(),
                    result: Some(refusal.gate.code()),
                    error: Some(&refusal.message),
                    requested_at: self.inner.clock.now(),
                };
                Some(requests::insert(&self.inner.db.conn, new).await?.id)
            }
            _ => None,
        };
        if request_id.is_some() {
            self.publish(&host, &unit).await;
        }
        let detail = json!({ "gate": refusal.gate.code(), "reason": refusal.message,
            "source": ask.source.as_str(), "request_id": request_id });
        self.audit(ask, AuditAction::RestartRefused, false, detail)
            .await;
        tracing::info!(host, unit, gate = refusal.gate.code(), "restart refused");
        Ok(Report {
            request_id,
            host,
            unit,
            action: ask.action,
            message: refusal.message.clone(),
            status: Status::Refused(refusal),
            dry_run: self.dry_run(),
            result: None,
            active_state: None,
            duration_secs: None,
        })
    }

    /// An ask over the rate limit: no `restart_requests` row and no audit row of its own, only a count in
    /// the caller's aggregate row for this window (`auth::refusals`).
    pub(super) async fn refuse_unrecorded(&self, ask: &Ask, refusal: Refusal) -> Report {
        if let Some(refusals) = self
            .inner
            .limiter
            .as_ref()
            .and_then(|l| l.refusals.as_ref())
        {
            let entry = AuditEntry {
                username: Some(ask.actor.name().to_owned()),
                client_ip: ask.client_ip.clone(),
                action: AuditAction::RestartRefused.for_action(ask.action),
                hostname: Some(ask.host.clone()),
                target: Some(ask.unit.clone()),
                success: false,
                detail: Some(
                    json!({ "gate": refusal.gate.code(), "reason": refusal.message,
                    "source": ask.source.as_str(), "action": ask.action.as_str() }),
                ),
            };
            refusals.record(entry).await;
        }
        Report {
            action: ask.action,
            request_id: None,
            host: ask.host.chars().take(253).collect(),
            unit: ask.unit.chars().take(255).collect(),
            message: refusal.message.clone(),
            status: Status::Refused(refusal),
            dry_run: self.dry_run(),
            result: None,
            active_state: None,
            duration_secs: None,
        }
    }

    /// Records how a run ended (row, audit, live event) and reports it.
    pub(super) async fn finish(
        &self,
        ask: &Ask,
        id: i64,
        host: &str,
        unit: &str,
        started: f64,
        run: Execution,
    ) -> anyhow::Result<Report> {
        let (state, action, status) = match run.outcome {
            Outcome::DryRun => (
                RestartState::DryRun,
                AuditAction::RestartDryRun,
                Status::DryRun,
            ),
            Outcome::Done => (RestartState::Done, AuditAction::RestartDone, Status::Done),
            Outcome::Failed => (
                RestartState::Failed,
                AuditAction::RestartFailed,
                Status::Failed,
            ),
        };
        let how = self.inner.executor.describe(ask.action);
        let (done, doing, verb) = (ask.action.done(), ask.action.doing(), ask.action.as_str());
        requests::record(
            &self.inner.db.conn,
            id,
            Progress {
                state,
                result: Some(run.result.clone()),
                active_state: run.active_state.clone(),
                error: run.error.clone(),
                executed_by: Some(format!("{} ({how})", self.inner.hostname)),
                started_at: Some(started),
                finished_at: Some(self.inner.clock.now()),
                duration_secs: Some(run.duration_secs),
            },
        )
        .await?;
        let message = match run.outcome {
            Outcome::DryRun => {
                format!("DRY RUN: would {verb} {unit} on {host} ({how}). Nothing was done.")
            }
            Outcome::Done => format!(
                "{done} {unit} on {host}: {} in {:.1} s.",
                run.active_state.as_deref().unwrap_or("active"),
                run.duration_secs
            ),
            Outcome::Failed => format!(
                "{doing} {unit} on {host} failed: {}.",
                run.error.as_deref().unwrap_or(&run.result)
            ),
        };
        let detail = json!({ "request_id": id, "action": verb, "dry_run": run.outcome == Outcome::DryRun,
            "result": run.result, "active_state": run.active_state, "error": run.error,
            "duration_secs": run.duration_secs, "source": ask.source.as_str() });
        let ask = Ask {
            host: host.to_owned(),
            ..ask.clone()
        };
        self.audit(&ask, action, run.outcome != Outcome::Failed, detail)
            .await;
        if run.outcome != Outcome::DryRun {
            let outcome = RestartOutcome {
                hostname: host,
                unit,
                failed: run.outcome == Outcome::Failed,
                message: &message,
                at: self.inner.clock.now(),
            };
            if let Err(err) = enqueue_restart(&self.inner.db.conn, &outcome).await {
                tracing::warn!(host, unit, error = %err, "cannot queue the restart's notification");
            }
        }
        self.publish(host, unit).await;
        Ok(Report {
            action: ask.action,
            request_id: Some(id),
            host: host.to_owned(),
            unit: unit.to_owned(),
            status,
            message,
            dry_run: run.outcome == Outcome::DryRun,
            result: Some(run.result),
            active_state: run.active_state,
            duration_secs: Some(run.duration_secs),
        })
    }

    /// Another host: queued for its agent, or (dry run) recorded as what would have been queued; `row`
    /// is the request `claim` recorded.
    pub(super) async fn queued(
        &self,
        ask: &Ask,
        host: &Hostname,
        unit: &UnitName,
        row: Model,
    ) -> anyhow::Result<Report> {
        let dry_run = row.dry_run;
        let action = if dry_run {
            AuditAction::RestartDryRun
        } else {
            AuditAction::RestartQueued
        };
        let verb = ask.action.as_str();
        let detail = json!({ "request_id": row.id, "dry_run": dry_run,
            "source": ask.source.as_str() });
        self.audit(ask, action, true, detail).await;
        let message = if dry_run {
            format!("DRY RUN: would ask the agent on {host} to {verb} {unit}. Nothing was queued.")
        } else {
            format!("Queued: the agent on {host} will {verb} {unit}.")
        };
        Ok(Report {
            action: ask.action,
            request_id: Some(row.id),
            host: host.to_string(),
            unit: unit.to_string(),
            status: if dry_run {
                Status::DryRun
            } else {
                Status::Queued
            },
            message,
            dry_run,
            result: None,
            active_state: None,
            duration_secs: None,
        })
    }

    pub(super) async fn audit(
        &self,
        ask: &Ask,
        action: AuditAction,
        success: bool,
        mut detail: serde_json::Value,
    ) {
        if let Some(map) = detail.as_object_mut() {
            map.entry("dry_run").or_insert(self.dry_run().into());
            map.entry("action").or_insert(ask.action.as_str().into());
        }
        let entry = AuditEntry {
            username: Some(ask.actor.name().to_owned()),
            client_ip: ask.client_ip.clone(),
            action: action.for_action(ask.action),
            hostname: Some(ask.host.clone()),
            target: Some(ask.unit.clone()),
            success,
            detail: Some(detail),
        };
        audit(&self.inner.db, &self.inner.clock, entry).await;
    }
}

//! `Restarter::request`: the gates in order, then this host's executor or the queue for another
//! host, with a `restart_requests` row, audit rows for the request and its outcome, and a live event.

use serde_json::json;

use super::{Actor, Ask, Execution, Gate, InFlight, Outcome, Refusal, Report, Restarter, Status};
use crate::auth::{Role, audit};
use crate::db::audit_log::AuditEntry;
use crate::db::restart_requests::{self as requests, NewRequest, Progress};
use crate::domain::{Hostname, UnitName};

impl Restarter {
    /// Runs one ask to its end (or, for another host, until it is queued).
    pub async fn request(&self, ask: Ask) -> anyhow::Result<Report> {
        self.audit(
            &ask,
            "restart_requested",
            true,
            json!({ "source": ask.source.as_str() }),
        )
        .await;
        let (host, unit) = match self.check(&ask).await? {
            Ok(checked) => checked,
            Err(refusal) => return self.refuse(&ask, refusal).await,
        };
        let Some(_flight) = self.take_flight(host.as_str(), unit.as_str()) else {
            let refusal = Refusal::new(
                Gate::InProgress,
                format!("{unit} on {host} is being restarted right now."),
            );
            return self.refuse(&ask, refusal).await;
        };
        if let Err(refusal) = self.limits(&ask, host.as_str(), unit.as_str()).await? {
            return self.refuse(&ask, refusal).await;
        }
        if host == self.inner.hostname {
            return self.run_here(&ask, &unit).await;
        }
        self.queue(&ask, &host, &unit).await
    }

    /// Name, allow-list, known unit, recoverable, role.
    pub(super) async fn check(
        &self,
        ask: &Ask,
    ) -> anyhow::Result<Result<(Hostname, UnitName), Refusal>> {
        let host = match Hostname::parse(&ask.host) {
            Ok(host) => host,
            Err(err) => return Ok(Err(Refusal::new(Gate::Name, format!("host: {err}")))),
        };
        let unit = match UnitName::parse(&ask.unit) {
            Ok(unit) if unit.is_service() && !unit.is_template() => unit,
            Ok(unit) => {
                let msg = format!("{unit} is not a service unit that can be restarted");
                return Ok(Err(Refusal::new(Gate::Name, msg)));
            }
            Err(err) => return Ok(Err(Refusal::new(Gate::Name, format!("unit: {err}")))),
        };
        if !self.inner.policy.allows(host.as_str(), &unit) {
            let msg = format!("{unit} on {host} is not in the approved-services list.");
            return Ok(Err(Refusal::new(Gate::NotApproved, msg)));
        }
        let conn = &self.inner.db.conn;
        let Some(current) =
            crate::db::services::find_one(conn, host.as_str(), unit.as_str()).await?
        else {
            let msg = format!("{host} has no unit named {unit}.");
            return Ok(Err(Refusal::new(Gate::UnknownUnit, msg)));
        };
        if !current.recoverable {
            let msg = format!(
                "{unit} is not recoverable (a {} unit, {}): restarting it would not help.",
                current.service_type, current.unit_file_state
            );
            return Ok(Err(Refusal::new(Gate::NotRecoverable, msg)));
        }
        if let Actor::User { name, role } = &ask.actor
            && *role < Role::Operator
        {
            let msg = format!("Restarts need the operator role; {name} is a {role}.");
            return Ok(Err(Refusal::new(Gate::Role, msg)));
        }
        Ok(Ok((host, unit)))
    }

    /// Cooldown, failure backoff, rate limit.
    async fn limits(
        &self,
        ask: &Ask,
        host: &str,
        unit: &str,
    ) -> anyhow::Result<Result<(), Refusal>> {
        let s = &self.inner.settings;
        let conn = &self.inner.db.conn;
        let now = self.inner.clock.now();
        let cooldown = s.cooldown.as_secs_f64();
        if cooldown > 0.0
            && let Some(last) = requests::last_real(conn, host, unit).await?
            && now - last < cooldown
        {
            let wait = cooldown - (now - last);
            let msg = format!(
                "{unit} on {host} was restarted {:.0} s ago; the cooldown allows another in {wait:.0} s.",
                now - last
            );
            return Ok(Err(Refusal::new(Gate::Cooldown, msg).retry_after(wait)));
        }
        let window = s.backoff_window.as_secs_f64();
        let fails =
            requests::count_since(conn, host, unit, now - window, &["failed"], None).await?;
        if fails >= s.backoff_fails {
            let msg = format!(
                "{unit} on {host} failed to restart {fails} times in the last {:.0} min; backing off.",
                window / 60.0
            );
            return Ok(Err(Refusal::new(Gate::Backoff, msg).retry_after(window)));
        }
        if ask.actor != Actor::Auto
            && let Some(auth) = &self.inner.auth
            && let Err(wait) = auth.restarts.check(ask.actor.name())
        {
            let msg = format!(
                "You have asked for many restarts in a short time. Try again in {} seconds.",
                wait.as_secs().max(1)
            );
            return Ok(Err(
                Refusal::new(Gate::RateLimit, msg).retry_after(wait.as_secs_f64())
            ));
        }
        Ok(Ok(()))
    }

    fn take_flight(&self, host: &str, unit: &str) -> Option<InFlight> {
        let key = (host.to_owned(), unit.to_owned());
        let mut set = self
            .inner
            .inflight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        set.insert(key.clone()).then(|| InFlight {
            inner: self.inner.clone(),
            key,
        })
    }

    async fn refuse(&self, ask: &Ask, refusal: Refusal) -> anyhow::Result<Report> {
        let unit: String = ask.unit.chars().take(255).collect();
        let host: String = ask.host.chars().take(253).collect();
        let row = requests::insert(
            &self.inner.db.conn,
            NewRequest {
                hostname: &host,
                service_name: &unit,
                requested_by: ask.actor.name(),
                client_ip: ask.client_ip.as_deref(),
                source: ask.source.as_str(),
                state: "refused",
                dry_run: self.dry_run(),
                result: Some(refusal.gate.code()),
                error: Some(&refusal.message),
                requested_at: self.inner.clock.now(),
            },
        )
        .await?;
        let detail = json!({ "gate": refusal.gate.code(), "reason": refusal.message,
            "source": ask.source.as_str(), "request_id": row.id });
        self.audit(ask, "restart_refused", false, detail).await;
        tracing::info!(host, unit, gate = refusal.gate.code(), "restart refused");
        Ok(Report {
            request_id: Some(row.id),
            host,
            unit,
            message: refusal.message.clone(),
            status: Status::Refused(refusal),
            dry_run: self.dry_run(),
            result: None,
            active_state: None,
            duration_secs: None,
        })
    }

    /// This host: the executor (which answers "dry run" itself when `DRY_RUN` is on).
    async fn run_here(&self, ask: &Ask, unit: &UnitName) -> anyhow::Result<Report> {
        let host = self.inner.hostname.to_string();
        let started = self.inner.clock.now();
        let row = requests::insert(
            &self.inner.db.conn,
            NewRequest {
                hostname: &host,
                service_name: unit.as_str(),
                requested_by: ask.actor.name(),
                client_ip: ask.client_ip.as_deref(),
                source: ask.source.as_str(),
                state: "running",
                dry_run: self.dry_run(),
                result: None,
                error: None,
                requested_at: started,
            },
        )
        .await?;
        self.publish(&host, unit.as_str()).await;
        let run = self.inner.executor.restart(unit).await;
        self.finish(ask, row.id, &host, unit.as_str(), started, run)
            .await
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
            Outcome::DryRun => ("dry_run", "restart_dry_run", Status::DryRun),
            Outcome::Done => ("done", "restart_done", Status::Done),
            Outcome::Failed => ("failed", "restart_failed", Status::Failed),
        };
        let how = self.inner.executor.describe();
        requests::record(
            &self.inner.db.conn,
            id,
            Progress {
                state: state.into(),
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
                format!("DRY RUN: would restart {unit} on {host} ({how}). Nothing was done.")
            }
            Outcome::Done => format!(
                "Restarted {unit} on {host}: {} in {:.1} s.",
                run.active_state.as_deref().unwrap_or("active"),
                run.duration_secs
            ),
            Outcome::Failed => format!(
                "Restarting {unit} on {host} failed: {}.",
                run.error.as_deref().unwrap_or(&run.result)
            ),
        };
        let detail = json!({ "request_id": id, "dry_run": run.outcome == Outcome::DryRun,
            "result": run.result, "active_state": run.active_state, "error": run.error,
            "duration_secs": run.duration_secs, "source": ask.source.as_str() });
        let ask = Ask {
            host: host.to_owned(),
            ..ask.clone()
        };
        self.audit(&ask, action, run.outcome != Outcome::Failed, detail)
            .await;
        self.publish(host, unit).await;
        Ok(Report {
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

    /// Another host: queued for its agent, or (dry run) recorded as what would have been queued.
    async fn queue(&self, ask: &Ask, host: &Hostname, unit: &UnitName) -> anyhow::Result<Report> {
        let dry_run = self.dry_run();
        let (state, action) = if dry_run {
            ("dry_run", "restart_dry_run")
        } else {
            ("queued", "restart_queued")
        };
        let row = requests::insert(
            &self.inner.db.conn,
            NewRequest {
                hostname: host.as_str(),
                service_name: unit.as_str(),
                requested_by: ask.actor.name(),
                client_ip: ask.client_ip.as_deref(),
                source: ask.source.as_str(),
                state,
                dry_run,
                result: dry_run.then_some("dry_run"),
                error: None,
                requested_at: self.inner.clock.now(),
            },
        )
        .await?;
        let detail =
            json!({ "request_id": row.id, "dry_run": dry_run, "source": ask.source.as_str() });
        self.audit(ask, action, true, detail).await;
        self.publish(host.as_str(), unit.as_str()).await;
        let message = if dry_run {
            format!("DRY RUN: would ask the agent on {host} to restart {unit}. Nothing was queued.")
        } else {
            format!("Queued: the agent on {host} will restart {unit}.")
        };
        Ok(Report {
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
        action: &'static str,
        success: bool,
        mut detail: serde_json::Value,
    ) {
        if let Some(map) = detail.as_object_mut() {
            map.entry("dry_run").or_insert(self.dry_run().into());
        }
        let entry = AuditEntry {
            username: Some(ask.actor.name().to_owned()),
            client_ip: ask.client_ip.clone(),
            action,
            hostname: Some(ask.host.clone()),
            target: Some(ask.unit.clone()),
            success,
            detail: Some(detail),
        };
        audit(&self.inner.db, &self.inner.clock, entry).await;
    }
}

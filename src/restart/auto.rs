//! Automatic remediation (`AUTO_RESTART`): a unit of this host that enters `failed` is restarted
//! through the same gates and executor, at most `AUTO_RESTART_MAX` times within
//! `AUTO_RESTART_WINDOW_MIN`. Past that it stops, raises a critical alert, and does not try again until
//! the window passes or an operator restarts the unit; the alert resolves when the unit runs again.

use serde_json::json;

use super::{Actor, Ask, Restarter, Source};
use crate::db::alerts::{AlertCondition, apply};
use crate::db::restart_requests as requests;
use crate::domain::AuditAction;
use crate::domain::{RestartState, ServiceState, Severity, UnitAction};
use crate::live::LiveEvent;

/// States an automatic attempt counts in (refusals and expiries do not).
const ATTEMPTS: [RestartState; 5] = [
    RestartState::Queued,
    RestartState::Running,
    RestartState::Done,
    RestartState::Failed,
    RestartState::DryRun,
];

/// Follows this host's service changes for as long as the process runs.
pub async fn watch(restarter: Restarter) {
    let mut events = restarter.inner.live.subscribe();
    let me = restarter.hostname().to_string();
    tracing::info!(
        max = restarter.inner.settings.auto_max,
        "automatic remediation is on"
    );
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        };
        // Acted on once the database holds the change (the gates read it), not when pages first hear it.
        if let LiveEvent::ServiceStored {
            hostname,
            service_name,
        } = event
            && hostname == me
            && let Err(err) = restarter.remediate(&service_name).await
        {
            tracing::warn!(
                unit = service_name,
                error = format!("{err:#}"),
                "auto-remediation failed"
            );
        }
    }
}

impl Restarter {
    /// Restarts `unit` if it is `failed` and the limit allows; raises the alert when it does not.
    pub(crate) async fn remediate(&self, unit: &str) -> anyhow::Result<()> {
        let host = self.hostname().to_string();
        let conn = &self.inner.db.conn;
        let Some(current) = crate::db::services::find_one(conn, &host, unit).await? else {
            return Ok(());
        };
        if current.normalized_status == ServiceState::Running {
            // Running again: a stop alert for this unit, if one is open, is resolved.
            let recovered = AlertCondition {
                hostname: self.hostname().clone(),
                source: format!("restart:auto:{unit}"),
                severity: Severity::Critical,
                message: format!("{unit} is running again"),
                active: false,
                ts_epoch: self.inner.clock.now(),
            };
            let txn = crate::db::begin_write(conn).await?;
            let change = apply(&txn, &recovered).await?;
            txn.commit().await?;
            if change == crate::db::alerts::AlertChange::Resolved {
                self.inner
                    .live
                    .publish(vec![LiveEvent::AlertChanged { hostname: host }])
                    .await;
            }
            return Ok(());
        }
        if current.normalized_status != ServiceState::Failed || !self.approved(&host, unit) {
            return Ok(());
        }
        let s = &self.inner.settings;
        let now = self.inner.clock.now();
        let attempts_so_far: Vec<_> = requests::history(conn, &host, unit, 50)
            .await?
            .into_iter()
            .filter(|r| ATTEMPTS.contains(&r.state))
            .collect();
        // A failure that began before the last restart ended is what that restart answered: the
        // stored state is older than the restart (the next sync tells how it went).
        if let Some(last) = attempts_so_far.first()
            && current.since_epoch <= last.finished_at.unwrap_or(f64::INFINITY)
        {
            return Ok(());
        }
        let window_start = now - s.auto_window.as_secs_f64();
        // An operator's restart since the window opened starts the count again.
        let operator_acted = attempts_so_far
            .iter()
            .filter(|r| r.source != "auto")
            .map(|r| r.requested_at)
            .fold(window_start, f64::max);
        let attempts =
            requests::count_since(conn, &host, unit, operator_acted, &ATTEMPTS, Some("auto"))
                .await?;
        if attempts >= s.auto_max {
            self.give_up(&host, unit, attempts, now).await?;
            return Ok(());
        }
        let ask = Ask {
            host: host.clone(),
            unit: unit.to_owned(),
            action: UnitAction::Restart,
            actor: Actor::Auto,
            client_ip: None,
            source: Source::Auto,
        };
        let report = self.request(ask).await?;
        tracing::info!(unit, state = %report.state(), "automatic restart");
        Ok(())
    }

    async fn give_up(&self, host: &str, unit: &str, attempts: u64, now: f64) -> anyhow::Result<()> {
        let minutes = self.inner.settings.auto_window.as_secs() / 60;
        let condition = AlertCondition {
            hostname: self.hostname().clone(),
            source: format!("restart:auto:{unit}"),
            severity: Severity::Critical,
            message: format!(
                "{unit} failed again after {attempts} automatic restarts within {minutes} min; \
                 automatic restarts stopped until an operator acts or the window passes"
            ),
            active: true,
            ts_epoch: now,
        };
        let txn = crate::db::begin_write(&self.inner.db.conn).await?;
        let change = apply(&txn, &condition).await?;
        txn.commit().await?;
        if change == crate::db::alerts::AlertChange::Opened {
            tracing::error!(unit, attempts, "automatic restarts stopped at their limit");
            let ask = Ask {
                host: host.to_owned(),
                unit: unit.to_owned(),
                action: UnitAction::Restart,
                actor: Actor::Auto,
                client_ip: None,
                source: Source::Auto,
            };
            let detail = json!({ "attempts": attempts, "window_min": minutes });
            self.audit(&ask, AuditAction::AutoRestartStopped, false, detail)
                .await;
            self.inner
                .live
                .publish(vec![LiveEvent::AlertChanged {
                    hostname: host.to_owned(),
                }])
                .await;
        }
        Ok(())
    }
}

//! `Restarter::request`: the gates in order, then this host's executor or the queue for another host
//! (`record` writes the rows, audit entries and live events).

use sea_orm::ConnectionTrait;
use serde_json::json;

use super::{Actor, Ask, Gate, InFlight, Refusal, Report, Restarter, gates};
use crate::db::entities::restart_requests::Model;
use crate::db::restart_locks;
use crate::db::restart_requests::{self as requests, NewRequest};
use crate::domain::AuditAction;
use crate::domain::{Hostname, NameRules, RestartState, UnitAction, UnitName};

impl Restarter {
    /// Runs one ask to its end (or, for another host, until it is queued). An ask over the caller's rate
    /// limit is refused before anything is written, so a flood of asks cannot fill the history.
    pub async fn request(&self, ask: Ask) -> anyhow::Result<Report> {
        if let Err(refusal) = self.rate_limit(&ask) {
            return Ok(self.refuse_unrecorded(&ask, refusal).await);
        }
        self.audit(
            &ask,
            AuditAction::RestartRequested,
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
                format!("{unit} on {host} has an action running right now."),
            );
            return self.refuse(&ask, refusal).await;
        };
        let row = match self.claim(&ask, &host, &unit).await? {
            Ok(row) => row,
            Err(refusal) => return self.refuse(&ask, refusal).await,
        };
        self.publish(host.as_str(), unit.as_str()).await;
        if host == self.inner.hostname {
            return self.run_here(&ask, &unit, row).await;
        }
        self.queued(&ask, &host, &unit, row).await
    }

    /// Checks "one at a time", the cooldown and the failure backoff, and records the
    /// request, in one transaction that first writes the unit's `restart_locks` row: asks for one unit
    /// from any number of replicas and agents take turns there, so at most one is recorded as running
    /// (or queued) and the next one sees it.
    async fn claim(
        &self,
        ask: &Ask,
        host: &Hostname,
        unit: &UnitName,
    ) -> anyhow::Result<Result<Model, Refusal>> {
        let now = self.inner.clock.now();
        let txn = crate::db::begin_write(&self.inner.db.conn).await?;
        restart_locks::lock(&txn, host.as_str(), unit.as_str(), now).await?;
        let limits = self.limits(&txn, ask.action, host.as_str(), unit.as_str());
        if let Err(refusal) = limits.await? {
            txn.rollback().await?;
            return Ok(Err(refusal));
        }
        let dry_run = self.dry_run();
        let state = match (*host == self.inner.hostname, dry_run) {
            (true, _) => RestartState::Running,
            (false, true) => RestartState::DryRun,
            (false, false) => RestartState::Queued,
        };
        let new = NewRequest {
            hostname: host,
            service_name: unit,
            action: ask.action,
            requested_by: ask.actor.name(),
            client_ip: ask.client_ip.as_deref(),
            source: ask.source.as_str(),
            state,
            dry_run,
            result: (state == RestartState::DryRun).then_some("dry_run"),
            error: None,
            requested_at: now,
        };
        let row = requests::insert(&txn, new).await?;
        txn.commit().await?;
        Ok(Ok(row))
    }

    /// Name, allow-list, known unit, recoverable, role.
    pub(super) async fn check(
        &self,
        ask: &Ask,
    ) -> anyhow::Result<Result<(Hostname, UnitName), Refusal>> {
        let rules = self.name_rules(&ask.host).await?;
        let current = match (
            Hostname::parse(&ask.host),
            UnitName::parse_as(&ask.unit, rules),
        ) {
            (Ok(host), Ok(unit)) => {
                let conn = &self.inner.db.conn;
                crate::db::services::find_one(conn, host.as_str(), unit.as_str()).await?
            }
            _ => None,
        };
        Ok(self.refusal_for(
            &ask.actor,
            ask.action,
            (&ask.host, rules),
            &ask.unit,
            current.as_ref(),
        ))
    }

    /// Whose names `host` goes by: this process's own platform for its own host, else what the host's
    /// agent reported (`hosts.os`).
    pub(crate) async fn name_rules(&self, host: &str) -> anyhow::Result<NameRules> {
        if host == self.hostname().as_str() {
            return Ok(NameRules::HOST);
        }
        Ok(crate::db::hosts::name_rules(&self.inner.db.conn, host).await?)
    }

    /// Whether `actor` could restart `unit` on `host` now, by every gate that needs no history (the
    /// pages show the button only then); `current` is the unit's row.
    pub(crate) fn refusal_for(
        &self,
        actor: &Actor,
        action: UnitAction,
        host: (&str, NameRules),
        unit: &str,
        current: Option<&crate::db::entities::service_current::Model>,
    ) -> Result<(Hostname, UnitName), Refusal> {
        gates::static_gates(&self.inner.policy, actor, action, host, unit, current)
    }

    /// One at a time (a `running` request of any action, by any process); for restarts, the cooldown
    /// and the failure backoff.
    async fn limits(
        &self,
        conn: &impl ConnectionTrait,
        action: UnitAction,
        host: &str,
        unit: &str,
    ) -> anyhow::Result<Result<(), Refusal>> {
        let s = &self.inner.settings;
        let now = self.inner.clock.now();
        // A `running` row older than the longest a run can take is left over from a process that died.
        #[cfg(unix)]
        let longest =
            s.job_timeout.as_secs_f64() + 2.0 * crate::systemd::CALL_TIMEOUT.as_secs_f64();
        // Windows: the stop and the start each wait up to the timeout.
        #[cfg(windows)]
        let longest = 2.0 * s.job_timeout.as_secs_f64();
        if requests::running_since(conn, host, unit, now - longest - 5.0).await? {
            let msg = format!("{unit} on {host} has an action running right now.");
            return Ok(Err(Refusal::new(Gate::InProgress, msg)));
        }
        if action != UnitAction::Restart {
            return Ok(Ok(()));
        }
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
        let fails = requests::count_since(
            conn,
            host,
            unit,
            now - window,
            &[RestartState::Failed],
            None,
        )
        .await?;
        if fails >= s.backoff_fails {
            let msg = format!(
                "{unit} on {host} failed to restart {fails} times in the last {:.0} min; backing off.",
                window / 60.0
            );
            return Ok(Err(Refusal::new(Gate::Backoff, msg).retry_after(window)));
        }
        Ok(Ok(()))
    }

    /// The caller's asks per minute (`SMARTMON_RESTART_RATE_PER_MINUTE`); auto-remediation has its own.
    fn rate_limit(&self, ask: &Ask) -> Result<(), Refusal> {
        let Some(limiter) = &self.inner.limiter else {
            return Ok(());
        };
        if ask.actor == Actor::Auto {
            return Ok(());
        }
        limiter.check(ask.actor.name()).map_err(|wait| {
            let msg = format!(
                "You have asked for many restarts in a short time. Try again in {} seconds.",
                wait.as_secs().max(1)
            );
            Refusal::new(Gate::RateLimit, msg).retry_after(wait.as_secs_f64())
        })
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

    /// This host: the executor (which answers "dry run" itself when `DRY_RUN` is on).
    async fn run_here(&self, ask: &Ask, unit: &UnitName, row: Model) -> anyhow::Result<Report> {
        let host = self.inner.hostname.to_string();
        let run = self.inner.executor.run(ask.action, unit).await;
        self.finish(ask, row.id, &host, unit.as_str(), row.requested_at, run)
            .await
    }
}

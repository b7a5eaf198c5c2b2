//! Acting on a unit of this host over D-Bus: subscribe to `JobRemoved` first, call `RestartUnit`,
//! `StartUnit`, `StopUnit` or `ReloadUnit` with mode `replace`, wait for that job's `JobRemoved` (with a
//! timeout), then read the unit's `ActiveState` afresh.

use std::time::Duration;

use anyhow::Context;
use futures_util::StreamExt;

use crate::domain::{UnitAction, UnitName};
use crate::systemd::{self, CALL_TIMEOUT};

pub async fn run(
    bus_address: Option<&str>,
    action: UnitAction,
    unit: &UnitName,
    job_timeout: Duration,
) -> anyhow::Result<JobEnd> {
    let conn = systemd::connect(bus_address).await?;
    let manager = systemd::manager(&conn).await?;
    // Listening before the call: the job may end before the call's reply is read.
    let mut removed = manager.receive_job_removed().await?;
    let (name, method) = (unit.as_str(), action.method());
    let call = async {
        match action {
            UnitAction::Restart => manager.restart_unit(name, "replace").await,
            UnitAction::Start => manager.start_unit(name, "replace").await,
            UnitAction::Stop => manager.stop_unit(name, "replace").await,
            UnitAction::Reload => manager.reload_unit(name, "replace").await,
        }
    };
    let job = tokio::time::timeout(CALL_TIMEOUT, call)
        .await
        .map_err(|_| anyhow::anyhow!("{method}: no answer within {CALL_TIMEOUT:?}"))?
        .with_context(|| format!("{method}({unit}, replace)"))?;
    let waiting = async {
        while let Some(signal) = removed.next().await {
            let Ok(args) = signal.args() else { continue };
            if args.job().as_str() == job.as_str() {
                return Some(args.result().to_string());
            }
        }
        None
    };
    let result = match tokio::time::timeout(job_timeout, waiting).await {
        Ok(Some(result)) => result,
        Ok(None) => anyhow::bail!("the bus closed before the {action} job of {unit} ended"),
        Err(_) => {
            tracing::warn!(%unit, %action, timeout = ?job_timeout, "no JobRemoved for the job");
            "timeout".to_owned()
        }
    };
    let active_state = tokio::time::timeout(CALL_TIMEOUT, systemd::read_unit(&conn, unit))
        .await
        .ok()
        .and_then(Result::ok)
        .map(|snap| snap.active_state);
    Ok(JobEnd {
        action,
        result,
        active_state,
    })
}

/// What systemd said about one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobEnd {
    pub action: UnitAction,
    pub result: String,
    pub active_state: Option<String>,
}

impl JobEnd {
    pub(crate) fn explain(&self) -> String {
        match (self.result.as_str(), self.active_state.as_deref()) {
            ("done", Some(state)) => format!("the job finished but the unit is {state}"),
            (result, Some(state)) => {
                format!(
                    "the {} job ended {result}; the unit is {state}",
                    self.action
                )
            }
            (result, None) => format!("the {} job ended {result}", self.action),
        }
    }
}

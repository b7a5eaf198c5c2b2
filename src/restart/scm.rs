//! Unit actions on a Windows service through the Service Control Manager. A restart is stop, wait for
//! STOPPED, start, wait for RUNNING; a stop or a start is its half; each wait is bounded by
//! `SMARTMON_RESTART_TIMEOUT_SECS`. Windows services have no reload: asking for one is a failure with
//! that reason. A service that refuses the stop (or never reaches a state) is a failure with the reason,
//! never a hang.

use std::time::{Duration, Instant};

use smartmon_win32::scm;

use crate::domain::windows_service::{RUNNING, STOPPED, state_name};
use crate::domain::{UnitAction, UnitName};

/// How the SCM restart ended: `result` is `done`, or the step that failed (`stop_refused`,
/// `stop_timeout`, `start_failed`, `start_timeout`, `error`); `state` the service's state afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScmOutcome {
    pub result: &'static str,
    pub state: Option<&'static str>,
    pub error: Option<String>,
}

/// Runs `action` off the async threads (the SCM calls block).
pub async fn run(action: UnitAction, unit: &UnitName, timeout: Duration) -> ScmOutcome {
    let name = unit.as_str().to_owned();
    match tokio::task::spawn_blocking(move || run_blocking(action, &name, timeout)).await {
        Ok(outcome) => outcome,
        Err(err) => ScmOutcome {
            result: "error",
            state: None,
            error: Some(format!("the {action} task ended: {err}")),
        },
    }
}

fn run_blocking(action: UnitAction, name: &str, timeout: Duration) -> ScmOutcome {
    let fail = |result: &'static str, error: String| ScmOutcome {
        result,
        state: scm::status(name).ok().map(|s| state_name(s.current_state)),
        error: Some(error),
    };
    let before = match scm::status(name) {
        Ok(status) => status,
        Err(err) => return fail("error", format!("cannot query {name}: {err}")),
    };
    let (stop, start) = match action {
        UnitAction::Restart => (true, true),
        UnitAction::Stop => (true, false),
        UnitAction::Start => (false, true),
        UnitAction::Reload => {
            return fail(
                "unsupported",
                format!("Windows services have no reload: restart {name} instead"),
            );
        }
    };
    if stop && before.current_state != STOPPED {
        if let Err(err) = scm::stop(name) {
            return fail(
                "stop_refused",
                format!("the SCM refused to stop {name}: {err}"),
            );
        }
        if !wait_for(name, STOPPED, timeout) {
            return fail(
                "stop_timeout",
                format!("{name} did not stop within {timeout:?}"),
            );
        }
    }
    if !start {
        return ScmOutcome {
            result: "done",
            state: Some(state_name(STOPPED)),
            error: None,
        };
    }
    if before.current_state == RUNNING && !stop {
        return ScmOutcome {
            result: "done",
            state: Some(state_name(RUNNING)),
            error: None,
        };
    }
    if let Err(err) = scm::start(name) {
        return fail(
            "start_failed",
            format!("the SCM could not start {name}: {err}"),
        );
    }
    if !wait_for(name, RUNNING, timeout) {
        return fail(
            "start_timeout",
            format!("{name} was not running within {timeout:?}"),
        );
    }
    ScmOutcome {
        result: "done",
        state: Some(state_name(RUNNING)),
        error: None,
    }
}

/// Polls the service's state until it is `wanted` (true) or `timeout` passes (false).
fn wait_for(name: &str, wanted: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if scm::status(name).is_ok_and(|s| s.current_state == wanted) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

//! The executor: the single place a unit action (restart, start, stop, reload) leaves the process. Every path (console, API, agent,
//! helper, auto-remediation) ends here, and `DRY_RUN` is enforced here, before any bus or socket is
//! touched, so no path can restart anything in dry run.

#[cfg(unix)]
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::domain::{UnitAction, UnitName};
use crate::restart::settings::{RestartMode, RestartSettings};
#[cfg(unix)]
use crate::restart::{helper, local};
use crate::site::Site;
#[cfg(unix)]
use crate::vars::Secret;

/// How one restart ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    pub outcome: Outcome,
    /// systemd's job result (`done`, `failed`, `timeout`, `canceled`, `dependency`, …), or `dry_run`.
    pub result: String,
    /// `ActiveState` read after the job ended.
    pub active_state: Option<String>,
    pub error: Option<String>,
    pub duration_secs: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `DRY_RUN`: nothing was asked of systemd.
    DryRun,
    /// The job ended `done` and the unit is active.
    Done,
    Failed,
}

/// Chosen once from the settings; cheap to clone.
#[derive(Debug, Clone)]
pub struct Executor {
    dry_run: bool,
    via: Via,
}

#[derive(Debug, Clone)]
enum Via {
    #[cfg(unix)]
    Dbus {
        bus_address: Option<String>,
        job_timeout: Duration,
    },
    #[cfg(unix)]
    Helper {
        socket: PathBuf,
        api_key: Option<Secret>,
        job_timeout: Duration,
    },
    /// Windows: stop, wait for STOPPED, start, wait for RUNNING (each wait bounded by `job_timeout`).
    #[cfg(windows)]
    Scm { job_timeout: Duration },
}

impl Executor {
    /// The executor `RESTART_MODE` selects, honouring `DRY_RUN`; `api_key` is what the helper expects.
    #[cfg(unix)]
    pub fn new(restart: &RestartSettings, site: &Site, api_key: Option<Secret>) -> Self {
        let via = match restart.mode {
            RestartMode::Dbus => return Self::dbus(restart, site),
            RestartMode::Helper => Via::Helper {
                socket: restart.helper_socket.clone(),
                api_key,
                job_timeout: restart.job_timeout,
            },
        };
        Self {
            dry_run: site.dry_run,
            via,
        }
    }

    /// Windows: the Service Control Manager executor (the only one there), honouring `DRY_RUN`.
    #[cfg(windows)]
    pub fn new(
        restart: &RestartSettings,
        site: &Site,
        _api_key: Option<crate::vars::Secret>,
    ) -> Self {
        let RestartMode::Scm = restart.mode;
        Self {
            dry_run: site.dry_run,
            via: Via::Scm {
                job_timeout: restart.job_timeout,
            },
        }
    }

    /// The D-Bus executor whatever `RESTART_MODE` says (what the helper itself uses).
    #[cfg(unix)]
    pub fn dbus(restart: &RestartSettings, site: &Site) -> Self {
        Self {
            dry_run: site.dry_run,
            via: Via::Dbus {
                bus_address: site.bus_address.clone(),
                job_timeout: restart.job_timeout,
            },
        }
    }

    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    /// How `action` leaves the process, for messages: "RestartUnit over D-Bus" or "the host helper".
    pub fn describe(&self, action: UnitAction) -> String {
        match self.via {
            #[cfg(unix)]
            Via::Dbus { .. } => format!("{} over D-Bus", action.method()),
            #[cfg(unix)]
            Via::Helper { .. } => "the host helper".into(),
            #[cfg(windows)]
            Via::Scm { .. } => format!("a {action} through the Service Control Manager"),
        }
    }

    /// Restarts `unit` on this host, or (dry run) says it would have.
    pub async fn restart(&self, unit: &UnitName) -> Execution {
        self.run(UnitAction::Restart, unit).await
    }

    /// Runs `action` on `unit` of this host, or (dry run) says it would have.
    pub async fn run(&self, action: UnitAction, unit: &UnitName) -> Execution {
        let started = Instant::now();
        if self.dry_run {
            return Execution {
                outcome: Outcome::DryRun,
                result: "dry_run".into(),
                active_state: None,
                error: None,
                duration_secs: 0.0,
            };
        }
        #[cfg(windows)]
        let Via::Scm { job_timeout } = &self.via;
        #[cfg(windows)]
        return scm_execution(
            crate::restart::scm::run(action, unit, *job_timeout).await,
            started,
        );
        #[cfg(unix)]
        let ended = match &self.via {
            Via::Dbus {
                bus_address,
                job_timeout,
            } => local::run(bus_address.as_deref(), action, unit, *job_timeout).await,
            Via::Helper {
                socket,
                api_key,
                job_timeout,
            } => {
                let key = api_key.as_ref();
                helper::client::run(socket, key, action, unit, *job_timeout).await
            }
        };
        #[cfg(unix)]
        let duration_secs = started.elapsed().as_secs_f64();
        #[cfg(unix)]
        match ended {
            // The helper keeps its own DRY_RUN: it may answer that it did nothing.
            Ok(job) if job.result == "dry_run" => Execution {
                outcome: Outcome::DryRun,
                result: job.result,
                active_state: None,
                error: None,
                duration_secs,
            },
            Ok(job) => {
                let ok = job.result == "done"
                    && job
                        .active_state
                        .as_deref()
                        .is_some_and(|s| action.succeeded_as(s));
                Execution {
                    outcome: if ok { Outcome::Done } else { Outcome::Failed },
                    error: (!ok).then(|| job.explain()),
                    result: job.result,
                    active_state: job.active_state,
                    duration_secs,
                }
            }
            Err(err) => Execution {
                outcome: Outcome::Failed,
                result: "error".into(),
                active_state: None,
                error: Some(format!("{err:#}")),
                duration_secs,
            },
        }
    }
}

/// The SCM's outcome as the executor records every unit action.
#[cfg(windows)]
fn scm_execution(run: crate::restart::scm::ScmOutcome, started: Instant) -> Execution {
    Execution {
        outcome: if run.result == "done" {
            Outcome::Done
        } else {
            Outcome::Failed
        },
        result: run.result.to_owned(),
        active_state: run.state.map(str::to_owned),
        error: run.error,
        duration_secs: started.elapsed().as_secs_f64(),
    }
}

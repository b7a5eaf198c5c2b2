//! The unit-action workflow: restart, start, stop and reload, the actions the console takes on hosts.
//! `Restarter::request` runs an ask through the gates (`gates`), records it in `restart_requests` and the audit log, and dispatches it:
//! this host's units go to the `executor` (D-Bus or the host `helper`; `DRY_RUN` is enforced there),
//! other hosts' units are queued for the agent on that host (`remote`). `auto` restarts failed units.
//! The allow-list is `policy`; settings are `settings`.

mod auto;
mod dispatch;
pub mod executor;
pub mod gates;
#[cfg(unix)]
pub mod helper;
pub mod limiter;
#[cfg(unix)]
mod local;
pub mod policy;
mod record;
pub mod remote;
#[cfg(windows)]
mod scm;
mod settings;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::auth::Role;
use crate::clock::Clock;
use crate::db::Db;
use crate::domain::{Hostname, NameRules, RestartState, UnitAction, UnitName};
use crate::live::{LiveBus, LiveEvent};
use crate::site::Site;
use crate::vars::Secret;

pub use executor::{Execution, Executor, Outcome};
pub use gates::{Gate, Refusal};
pub use limiter::RestartLimiter;
pub use settings::{RestartMode, RestartSettings};

/// Cheap to clone; in `AppState` as `restart`, and run by agents.
#[derive(Clone)]
pub struct Restarter {
    inner: Arc<Inner>,
}

struct Inner {
    settings: RestartSettings,
    hostname: Hostname,
    /// The system bus, for questions to this host's systemd (`can_reload`).
    #[cfg(unix)]
    bus_address: Option<String>,
    policy: policy::PolicyFile,
    executor: Executor,
    db: Db,
    live: LiveBus,
    clock: Clock,
    /// The per-user restart rate limit (the console's; agents have none).
    limiter: Option<RestartLimiter>,
    /// (host, unit) pairs being restarted by this process right now.
    inflight: Mutex<HashSet<(String, String)>>,
}

/// Where an ask came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Ui,
    Api,
    Auto,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Ui => "ui",
            Source::Api => "api",
            Source::Auto => "auto",
        }
    }
}

/// Who asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User {
        name: String,
        role: Role,
    },
    /// A viewer acting under a grant for this action and unit, which the web layer checked
    /// (`domain::grant::decide`); every other gate still applies.
    Granted {
        name: String,
    },
    ApiKey,
    Auto,
}

impl Actor {
    pub fn name(&self) -> &str {
        match self {
            Actor::User { name, .. } | Actor::Granted { name } => name,
            Actor::ApiKey => "api-key",
            Actor::Auto => "auto-remediation",
        }
    }
}

/// A unit action (restart, start, stop, reload) asked for, before any check.
#[derive(Debug, Clone)]
pub struct Ask {
    pub host: String,
    pub unit: String,
    pub action: UnitAction,
    pub actor: Actor,
    pub client_ip: Option<String>,
    pub source: Source,
}

/// Where a request ended up.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Done,
    Failed,
    DryRun,
    Queued,
    Refused(Refusal),
}

/// What the person (or script) who asked is told.
#[derive(Debug, Clone)]
pub struct Report {
    pub request_id: Option<i64>,
    pub host: String,
    pub unit: String,
    pub action: UnitAction,
    pub status: Status,
    pub message: String,
    pub dry_run: bool,
    pub result: Option<String>,
    pub active_state: Option<String>,
    pub duration_secs: Option<f64>,
}

impl Report {
    /// Where the request stands now: done, failed, dry run, queued or refused.
    pub fn state(&self) -> RestartState {
        match self.status {
            Status::Done => RestartState::Done,
            Status::Failed => RestartState::Failed,
            Status::DryRun => RestartState::DryRun,
            Status::Queued => RestartState::Queued,
            Status::Refused(_) => RestartState::Refused,
        }
    }
}

impl Restarter {
    pub fn new(
        settings: RestartSettings,
        site: &Site,
        api_key: Option<Secret>,
        db: Db,
        live: LiveBus,
        clock: Clock,
        limiter: Option<RestartLimiter>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                hostname: site.hostname.clone(),
                #[cfg(unix)]
                bus_address: site.bus_address.clone(),
                policy: policy::PolicyFile::new(&settings.approved_json),
                executor: Executor::new(&settings, site, api_key),
                settings,
                db,
                live,
                clock,
                limiter,
                inflight: Mutex::new(HashSet::new()),
            }),
        }
    }

    pub fn hostname(&self) -> &Hostname {
        &self.inner.hostname
    }

    pub fn dry_run(&self) -> bool {
        self.inner.executor.dry_run()
    }

    pub fn settings(&self) -> &RestartSettings {
        &self.inner.settings
    }

    /// Whether the allow-list approves `unit`, a name as `service_current` stores it, on `host`.
    pub fn approved(&self, host: &str, unit: &str) -> bool {
        let rules = match UnitName::parse_exact(unit) {
            Ok(_) => NameRules::Systemd,
            Err(_) => NameRules::Windows,
        };
        UnitName::parse_as(unit, rules).is_ok_and(|u| self.inner.policy.allows(host, &u, rules))
    }

    /// Whether `unit` on `host` can be reloaded, as far as this process can tell: systemd's `CanReload`
    /// for this host's units (over D-Bus, bounded by `CALL_TIMEOUT`), false for other hosts' (their
    /// `CanReload` is not collected) and whenever systemd cannot be asked.
    #[cfg(unix)]
    pub async fn can_reload(&self, host: &str, unit: &str) -> bool {
        let Ok(unit) = UnitName::parse(unit) else {
            return false;
        };
        if host != self.inner.hostname.as_str() {
            return false;
        }
        let ask = async {
            let conn = crate::systemd::connect(self.inner.bus_address.as_deref()).await?;
            crate::systemd::can_reload(&conn, &unit).await
        };
        matches!(
            tokio::time::timeout(crate::systemd::CALL_TIMEOUT, ask).await,
            Ok(Ok(true))
        )
    }

    /// Windows services have no reload.
    #[cfg(windows)]
    pub async fn can_reload(&self, _host: &str, _unit: &str) -> bool {
        false
    }

    /// Why the approved-services file on disk is not in force, for the admins' banner.
    pub(crate) fn policy_error(&self) -> Option<String> {
        self.inner.policy.error()
    }

    /// Starts what this process runs in the background: the agent's queue worker for its own host
    /// (and expiry of requests nobody took), and auto-remediation when `AUTO_RESTART` is on.
    pub fn spawn_background(&self, run_queue: bool) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = vec![tokio::spawn(remote::expire_loop(self.clone()))];
        if run_queue {
            tasks.push(tokio::spawn(remote::worker(self.clone())));
        }
        if self.inner.settings.auto_restart {
            tasks.push(tokio::spawn(auto::watch(self.clone())));
        }
        if self.inner.limiter.is_some() {
            let weak = Arc::downgrade(&self.inner);
            tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
                loop {
                    tick.tick().await;
                    let Some(inner) = weak.upgrade() else { break };
                    if let Some(limiter) = &inner.limiter {
                        limiter.retain_recent();
                    }
                }
            }));
        }
        tasks
    }

    async fn publish(&self, host: &str, unit: &str) {
        self.inner
            .live
            .publish(vec![LiveEvent::RestartUpdated {
                hostname: host.to_owned(),
                service_name: unit.to_owned(),
            }])
            .await;
    }
}

/// Removes its (host, unit) from the in-flight set when dropped.
struct InFlight {
    inner: Arc<Inner>,
    key: (String, String),
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.inner
            .inflight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&self.key);
    }
}

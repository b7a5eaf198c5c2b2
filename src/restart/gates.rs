//! The gates a unit action (restart, start, stop, reload) passes, in order, each refusing with its own reason: the unit name, the
//! allow-list, a unit we know, recoverable, the caller's role, one restart at a time, cooldown,
//! failure backoff, and the per-user rate limit.

use std::fmt;

use crate::auth::Role;
use crate::db::entities::service_current::Model as UnitRow;
use crate::domain::{Hostname, NameRules, UnitAction, UnitName};
use crate::restart::Actor;
use crate::restart::policy::PolicyFile;

/// Which gate refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Name,
    NotApproved,
    UnknownUnit,
    NotRecoverable,
    Role,
    InProgress,
    Cooldown,
    Backoff,
    RateLimit,
}

impl Gate {
    /// The reason code in the API's JSON body and the audit row.
    pub fn code(self) -> &'static str {
        match self {
            Gate::Name => "invalid_name",
            Gate::NotApproved => "not_approved",
            Gate::UnknownUnit => "unknown_unit",
            Gate::NotRecoverable => "not_recoverable",
            Gate::Role => "forbidden",
            Gate::InProgress => "in_progress",
            Gate::Cooldown => "cooldown",
            Gate::Backoff => "backoff",
            Gate::RateLimit => "rate_limited",
        }
    }
}

/// A refusal: the gate and a sentence for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub gate: Gate,
    pub message: String,
    /// Seconds until asking again can succeed (cooldown, backoff, rate limit).
    pub retry_after_secs: Option<u64>,
}

impl Refusal {
    pub fn new(gate: Gate, message: impl Into<String>) -> Self {
        Self {
            gate,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    pub(crate) fn retry_after(mut self, secs: f64) -> Self {
        self.retry_after_secs = Some(secs.ceil().max(1.0) as u64);
        self
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The gates that need no history, in the workflow's order: the names parse, the allow-list approves, the
/// host has the unit, it is recoverable, and the caller may restart (an operator, the API key, or a viewer
/// acting under a grant the web layer checked: `Actor::Granted`). The console's pages ask the same
/// question to decide whether to show the button. `rules` are the host's: a Windows host's services go
/// by their Windows names, every other host's by systemd unit names.
pub(crate) fn static_gates(
    policy: &PolicyFile,
    actor: &Actor,
    action: UnitAction,
    (host, rules): (&str, NameRules),
    unit: &str,
    current: Option<&UnitRow>,
) -> Result<(Hostname, UnitName), Refusal> {
    let host =
        Hostname::parse(host).map_err(|err| Refusal::new(Gate::Name, format!("host: {err}")))?;
    let unit = match UnitName::parse_as(unit, rules) {
        Ok(unit) if rules == NameRules::Windows => unit,
        Ok(unit) if unit.is_service() && !unit.is_template() => unit,
        Ok(unit) => {
            let done = match action {
                UnitAction::Restart => "restarted",
                UnitAction::Start => "started",
                UnitAction::Stop => "stopped",
                UnitAction::Reload => "reloaded",
            };
            let msg = format!("{unit} is not a service unit that can be {done}");
            return Err(Refusal::new(Gate::Name, msg));
        }
        Err(err) => return Err(Refusal::new(Gate::Name, format!("unit: {err}"))),
    };
    if !policy.allows(host.as_str(), &unit, rules) {
        let msg = format!("{unit} on {host} is not in the approved-services list.");
        return Err(Refusal::new(Gate::NotApproved, msg));
    }
    let Some(current) = current else {
        let msg = format!("{host} has no unit named {unit}.");
        return Err(Refusal::new(Gate::UnknownUnit, msg));
    };
    // Stopping, starting or reloading a oneshot or static unit is the operator's call; restarting
    // one (what auto-remediation does too) would not help.
    if action == UnitAction::Restart && !current.recoverable {
        let msg = format!(
            "{unit} is not recoverable (a {} unit, {}): restarting it would not help.",
            current.service_type, current.unit_file_state
        );
        return Err(Refusal::new(Gate::NotRecoverable, msg));
    }
    if let Actor::User { name, role } = actor
        && *role < Role::Operator
    {
        let msg = format!("Only operators may {action} services; {name} is a {role}.");
        return Err(Refusal::new(Gate::Role, msg));
    }
    Ok((host, unit))
}

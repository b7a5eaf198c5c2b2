//! The gates a restart passes, in order, each refusing with its own reason: the unit name, the
//! allow-list, a unit we know, recoverable, the caller's role, one restart at a time, cooldown,
//! failure backoff, and the per-user rate limit.

use std::fmt;

use actix_web::http::StatusCode;

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

    /// The original API's status codes.
    pub fn status(self) -> StatusCode {
        match self {
            Gate::Name => StatusCode::BAD_REQUEST,
            Gate::NotApproved | Gate::Role => StatusCode::FORBIDDEN,
            Gate::UnknownUnit => StatusCode::NOT_FOUND,
            Gate::NotRecoverable | Gate::InProgress => StatusCode::CONFLICT,
            Gate::Cooldown | Gate::Backoff | Gate::RateLimit => StatusCode::TOO_MANY_REQUESTS,
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

    pub fn retry_after(mut self, secs: f64) -> Self {
        self.retry_after_secs = Some(secs.ceil().max(1.0) as u64);
        self
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

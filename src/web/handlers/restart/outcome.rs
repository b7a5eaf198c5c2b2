//! The bodies of `POST /api/services/restart`: what the caller sends and what it gets back, typed so
//! the OpenAPI document is generated from the same types the handler serialises.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::restart::{Report, Status};

/// `POST /api/services/action`'s body: `{"host": "...", "service": "...", "action": "stop"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = UnitActionAsk)]
pub(crate) struct ApiActionAsk {
    /// The host the unit runs on.
    pub(crate) host: String,
    /// The unit, e.g. `nginx.service`.
    pub(crate) service: String,
    /// `restart`, `start`, `stop` or `reload`.
    pub(crate) action: String,
}

/// The API's body: `{"host": "...", "service": "..."}`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = RestartAsk)]
pub(super) struct ApiAsk {
    /// The host the unit runs on.
    pub(super) host: String,
    /// The unit, e.g. `nginx.service`.
    pub(super) service: String,
}

/// Where a restart request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum RestartState {
    Done,
    Failed,
    Queued,
    DryRun,
    Refused,
}

impl From<&Status> for RestartState {
    fn from(status: &Status) -> Self {
        match status {
            Status::Done => Self::Done,
            Status::Failed => Self::Failed,
            Status::Queued => Self::Queued,
            Status::DryRun => Self::DryRun,
            Status::Refused(_) => Self::Refused,
        }
    }
}

/// The API's answer: the state, the reason code when it was not done, and what systemd said.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Restart)]
pub(crate) struct Outcome {
    state: RestartState,
    /// `restart_failed`, `dry_run`, `bad_request` or the refusing gate's code (`invalid_name`,
    /// `not_approved`, `forbidden`, `unknown_unit`, `not_recoverable`, `in_progress`, `cooldown`,
    /// `backoff`, `rate_limited`), or `no_grant` (a viewer without a grant for this action and unit).
    reason: Option<&'static str>,
    /// A sentence for the person who asked.
    message: String,
    /// The message again when the request was refused or failed.
    error: Option<String>,
    /// Absent when the body could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    dry_run: Option<bool>,
    request_id: Option<i64>,
    /// systemd's job result, e.g. `done`.
    result: Option<String>,
    /// The unit's `ActiveState` after the job.
    active_state: Option<String>,
    duration_secs: Option<f64>,
}

impl Outcome {
    pub(crate) fn bad_request(err: &serde_json::Error) -> Self {
        Self::refused_body(format!(
            "expected JSON {{\"host\": \"…\", \"service\": \"…\"}}: {err}"
        ))
    }

    /// A viewer's ask that no grant covers (`web::delegation`): 403 with the reason.
    pub(crate) fn no_grant(host: String, service: String, message: String) -> Self {
        Self {
            reason: Some("no_grant"),
            host: Some(host),
            service: Some(service),
            ..Self::refused_body(message)
        }
    }

    /// A body that names no action the workflow knows, or is not JSON of the right shape.
    pub(crate) fn refused_body(message: String) -> Self {
        Self {
            state: RestartState::Refused,
            reason: Some("bad_request"),
            error: Some(message.clone()),
            message,
            host: None,
            service: None,
            dry_run: None,
            request_id: None,
            result: None,
            active_state: None,
            duration_secs: None,
        }
    }

    pub(super) fn of(report: Report, reason: Option<&'static str>) -> Self {
        let error = matches!(report.status, Status::Refused(_) | Status::Failed)
            .then(|| report.message.clone());
        Self {
            state: RestartState::from(&report.status),
            reason,
            message: report.message,
            error,
            host: Some(report.host),
            service: Some(report.unit),
            dry_run: Some(report.dry_run),
            request_id: report.request_id,
            result: report.result,
            active_state: report.active_state,
            duration_secs: report.duration_secs,
        }
    }
}

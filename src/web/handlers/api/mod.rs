//! The JSON API under `/api/`: the same data as the pages, for scripts and other tools. Times are RFC 3339
//! UTC; list endpoints answer `{items, total, limit, offset}`; errors answer `{error, parameter?}`.

pub mod csv;
pub mod fleet_health;
pub mod hosts;
pub mod notifications;
pub mod openapi;
pub mod services;
pub mod summary;
pub mod whoami;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

use crate::domain::Hostname;
use crate::web::params::BadParam;

/// The API boundary's error: a status and a JSON body a script (and its author) can act on.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{}", .0.message)]
    BadParam(BadParam),
    #[error("{0}")]
    NotFound(String),
    #[error("the database is unreachable")]
    DatabaseUnavailable,
    #[error("internal error")]
    Unexpected(#[from] anyhow::Error),
}

impl From<BadParam> for ApiError {
    fn from(err: BadParam) -> Self {
        ApiError::BadParam(err)
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        if crate::db::health::is_unavailable(&err) {
            ApiError::DatabaseUnavailable
        } else {
            ApiError::Unexpected(anyhow::Error::new(err))
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadParam(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::DatabaseUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Unexpected(cause) = self {
            tracing::error!(error = ?cause, "API request failed");
        }
        let body = match self {
            ApiError::BadParam(p) => ErrorBody {
                error: p.to_string(),
                parameter: Some(p.name.clone()),
            },
            other => ErrorBody {
                error: other.to_string(),
                parameter: None,
            },
        };
        HttpResponse::build(self.status_code()).json(body)
    }
}

/// An API error's body.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub(crate) struct ErrorBody {
    /// What went wrong, for a person.
    error: String,
    /// The query or path parameter at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    parameter: Option<String>,
}

/// The answers every `GET /api/…` data route can give besides its own (for the OpenAPI document).
#[derive(IntoResponses)]
#[expect(
    dead_code,
    reason = "describes responses; the handlers answer through ApiError"
)]
pub(crate) enum ApiErrors {
    /// A bad parameter; the body names it
    #[response(status = 400)]
    BadParam(ErrorBody),
    /// Not signed in and no valid X-API-Key
    #[response(status = 401)]
    Unauthorized,
    /// The database is unreachable
    #[response(status = 503)]
    DatabaseUnavailable(ErrorBody),
}

/// Parses the query string for the API.
pub fn params(req: &actix_web::HttpRequest) -> Result<crate::web::params::Params, ApiError> {
    crate::web::params::Params::parse(req.query_string()).map_err(ApiError::from)
}

/// A host name from the path, or a 400 naming it.
pub(crate) fn host_from_path(host: &str) -> Result<Hostname, ApiError> {
    Hostname::parse(host)
        .map_err(|e| BadParam::new("host", format!("{host:?} is not a host name: {e}")).into())
}

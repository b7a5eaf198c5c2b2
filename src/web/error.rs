//! The web boundary's error type. Handlers return `AppError`; the user gets a page (or, under `/api/`,
//! JSON) with a message a person understands, and the log gets the whole cause chain.
//!
//! Use `NotFound` and `BadRequest` for input the user can fix, `Unauthorized`/`Forbidden` for access
//! refusals, `TooManyRequests` for rate limits (it sets `Retry-After`), `DatabaseUnavailable` when the store does not
//! answer (a 503 with the outage banner), and `Unexpected` (via `?` on `anyhow` errors) for everything else.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::web::views::errors::error_page;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    /// A rate limit or backoff: 429 with `Retry-After`.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    /// The cause goes to the log; the person sees a plain sentence.
    #[error("The database did not answer, so this page cannot show current data yet.")]
    DatabaseUnavailable(String),
    #[error("something went wrong on our side")]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        if crate::db::health::is_unavailable(&err) {
            AppError::DatabaseUnavailable(err.to_string())
        } else {
            AppError::Unexpected(anyhow::Error::new(err))
        }
    }
}

impl AppError {
    /// An `anyhow` error that may carry a database outage: the outage's 503, else `Unexpected`.
    pub(crate) fn outage_or_unexpected(err: anyhow::Error) -> Self {
        match err.downcast::<sea_orm::DbErr>() {
            Ok(db) => AppError::from(db),
            Err(other) => AppError::Unexpected(other),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::DatabaseUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            AppError::Unexpected(cause) => tracing::error!(error = ?cause, "request failed"),
            AppError::DatabaseUnavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            _ => {}
        }
        let mut response = HttpResponse::build(status);
        if let AppError::TooManyRequests {
            retry_after_secs, ..
        } = self
        {
            response.insert_header(("Retry-After", retry_after_secs.to_string()));
        }
        response
            .content_type("text/html; charset=utf-8")
            .body(error_page(status, &self.to_string()).into_string())
    }
}

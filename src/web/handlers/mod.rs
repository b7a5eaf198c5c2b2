//! Request handlers, one module per area of the console.

pub mod api;
pub mod audit;
pub mod auth;
pub mod data;
pub mod events;
pub mod fleet_health;
pub mod grants;
pub mod hosts;
pub mod logs;
pub mod metrics;
pub mod notification_form;
pub mod notification_silences;
pub mod notifications;
pub mod ops;
pub mod overview;
pub mod restart;
pub mod services;
pub mod unit_actions;
pub mod users;

use actix_web::HttpRequest;

use crate::web::error::AppError;
use crate::web::params::{BadParam, Params};

/// True when HTMX asked for a partial (and not for a whole page to restore its history cache).
pub(crate) fn wants_partial(req: &HttpRequest) -> bool {
    let headers = req.headers();
    headers.contains_key("hx-request") && !headers.contains_key("hx-history-restore-request")
}

/// The request's query string, parsed; a malformed one is a 400 naming the parameter.
pub fn params(req: &HttpRequest) -> Result<Params, AppError> {
    Params::parse(req.query_string()).map_err(AppError::from)
}

impl From<BadParam> for AppError {
    fn from(err: BadParam) -> Self {
        AppError::BadRequest(err.to_string())
    }
}

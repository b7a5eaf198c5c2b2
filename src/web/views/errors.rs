//! Error pages (404, 400, 503, 500), rendered through the same layout as every other page.

use actix_web::http::StatusCode;
use maud::{Markup, html};

use crate::web::views::layout::{Chrome, page};

/// A full page explaining `status` with `message`, and a way back, in the frame of an anonymous page.
pub(crate) fn error_page(status: StatusCode, message: &str) -> Markup {
    error_page_in(
        &Chrome::for_error(status != StatusCode::SERVICE_UNAVAILABLE),
        status,
        message,
    )
}

/// The same page in a given frame (the signed-in user's, when the request is known).
pub(crate) fn error_page_in(chrome: &Chrome, status: StatusCode, message: &str) -> Markup {
    let heading = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::BAD_REQUEST => "That request could not be understood",
        StatusCode::UNAUTHORIZED => "Please log in",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests",
        StatusCode::SERVICE_UNAVAILABLE => "The database is unreachable",
        _ => "Something went wrong",
    };
    let hint = match status {
        StatusCode::NOT_FOUND => "Check the address, or start again from the overview.",
        StatusCode::SERVICE_UNAVAILABLE => {
            "smartmon keeps collecting and will catch up when the database answers again; this page will work then."
        }
        StatusCode::BAD_REQUEST => "Correct the request and try again.",
        StatusCode::UNAUTHORIZED => "Log in, then try again.",
        StatusCode::FORBIDDEN => "Ask an admin if you need this.",
        StatusCode::TOO_MANY_REQUESTS => "Wait a little, then try again.",
        _ => "The error has been logged. Try again; if it persists, check the server log.",
    };
    page(
        chrome,
        heading,
        "",
        html! {
            section.error-page role="alert" data-outage=[(status == StatusCode::SERVICE_UNAVAILABLE).then_some("database")] {
                p.status-code { (status.as_u16()) }
                h1 { (heading) }
                p { (message) }
                p.muted { (hint) }
                p { a href="/" { "Back to the overview" } }
            }
        },
    )
}

//! Input no field accepts, refused at the boundary: a NUL byte in the path, the query, a form or JSON body,
//! or Basic Auth credentials answers 400 (the API's JSON error under `/api/`) before any handler, query
//! or audit row sees it. Postgres cannot store a NUL in text, so letting one through meant a 500.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::web::guard::is_machine_path;
use crate::web::identity::basic_credentials;
use crate::web::views::errors::error_page;

const MESSAGE: &str =
    "The request contains a NUL character (\\0), which no name, path or filter may hold.";

/// Refuses requests that carry a NUL anywhere a handler would read it.
pub(crate) async fn reject_nul(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let in_url = has_nul(req.uri().path().as_bytes())
        || req.uri().query().is_some_and(|q| has_nul(q.as_bytes()));
    let in_basic =
        basic_credentials(&req).is_some_and(|(u, p)| u.contains('\0') || p.contains('\0'));
    if in_url || in_basic || body_has_nul(&mut req).await {
        let response = refusal(req.path());
        return Ok(req.into_response(response));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// A raw NUL, or one percent-encoded.
fn has_nul(text: &[u8]) -> bool {
    text.contains(&0) || text.windows(3).any(|w| w == b"%00")
}

/// Reads a form or JSON body (within the configured size limit) and puts it back for the handler.
async fn body_has_nul(req: &mut ServiceRequest) -> bool {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    let json = content_type.starts_with("application/json");
    if !form && !json {
        return false;
    }
    let Ok(body) = req.extract::<web::Bytes>().await else {
        return false; // the handler's own extractor reports the oversized or broken body
    };
    let found = has_nul(&body) || (json && contains_nul_escape(&body));
    req.set_payload(Payload::from(body));
    found
}

/// JSON's `\u0000` (any case of the hex digits is the same character).
fn contains_nul_escape(body: &[u8]) -> bool {
    body.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"))
}

fn refusal(path: &str) -> HttpResponse {
    if is_machine_path(path) {
        HttpResponse::BadRequest().json(json!({ "error": MESSAGE }))
    } else {
        HttpResponse::BadRequest()
            .content_type("text/html; charset=utf-8")
            .body(error_page(StatusCode::BAD_REQUEST, MESSAGE).into_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_raw_encoded_and_escaped() {
        assert!(has_nul(b"q=a%00b"));
        assert!(has_nul(b"a\0b"));
        assert!(!has_nul(b"q=a%200"));
        assert!(contains_nul_escape(br#"{"host":"a\u0000"}"#));
    }
}

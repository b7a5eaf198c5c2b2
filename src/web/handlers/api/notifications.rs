//! `GET /api/notifications/channels` and `GET /api/notifications/deliveries` (admins): the channels
//! (secrets as set / not set, never their values) and the delivery log, filtered like the page.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::db::notify_channels;
use crate::notify::admin::{secrets_set, stored_parts};
use crate::web::error::AppError;
use crate::web::handlers::params;
use crate::web::state::AppState;
use crate::web::views::notifications::LogFilter;

/// Notification channels (admins); secrets appear as "set" or "not set"
#[utoipa::path(
    get,
    path = "/api/notifications/channels",
    operation_id = "notification_channels",
    tag = "notifications",
    responses(
        (status = 200, description = "Every channel, its settings, routing, and which secrets are set", content_type = "application/json", body = Object),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Not an admin"),
    )
)]
pub async fn channels(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let rows = notify_channels::list(&state.db.conn).await?;
    let list: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            let (config, route) = stored_parts(row);
            let secrets: serde_json::Map<String, serde_json::Value> = secrets_set(row)
                .into_iter()
                .map(|(n, s)| (n.to_owned(), json!(if s { "set" } else { "not set" })))
                .collect();
            json!({
                "id": row.id, "name": row.name, "kind": row.kind, "enabled": row.enabled,
                "origin": row.origin, "grace_secs": row.grace_secs,
                "config": config, "route": route, "secrets": secrets,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

/// The delivery log (admins), newest first; `channel` (an id) and `status` filter it
#[utoipa::path(
    get,
    path = "/api/notifications/deliveries",
    operation_id = "notification_deliveries",
    tag = "notifications",
    params(
        ("channel" = Option<i64>, Query, description = "A channel's id"),
        ("status" = Option<String>, Query, description = "pending, delivered, failed, cancelled or suppressed"),
    ),
    responses(
        (status = 200, description = "Up to 500 messages with status, attempts, last error and the receiver's answer", content_type = "application/json", body = Object),
        (status = 400, description = "A bad filter"),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "Not an admin"),
    )
)]
pub async fn deliveries(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let filter = LogFilter::from_params(&params(&req)?)?;
    let rows = notify_channels::deliveries(
        &state.db.conn,
        filter.channel,
        filter.status.as_deref(),
        500,
    )
    .await?;
    let list: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "channel_id": r.channel_id, "event": r.event, "hostname": r.hostname,
                "source": r.source, "severity": r.severity, "message": r.message, "status": r.status,
                "attempts": r.attempts, "created_at": crate::clock::rfc3339(r.created_at),
                "due_at": crate::clock::rfc3339(r.due_at), "sent_at": r.sent_at.map(crate::clock::rfc3339),
                "grouped_with": r.grouped_with, "last_error": r.last_error,
                "response_status": r.response_status, "response_body": r.response_body,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

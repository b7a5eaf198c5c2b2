//! The Notifications page (admins): channels (add, edit, delete, Test) and the delivery log, filtered by
//! channel and status; and its JSON twins under `/api/notifications/`. Secrets are write-only: pages,
//! API answers, logs and audit rows name which are set, never their values.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::auth::{CurrentUser, audit};
use crate::db::audit_log::AuditEntry;
use crate::db::notify_channels;
use crate::domain::AuditAction;
use crate::notify::admin::{draft, secrets_set};
use crate::web::error::AppError;
use crate::web::handlers::notification_form::ChannelForm;
use crate::web::handlers::params;
use crate::web::state::AppState;
use crate::web::views::layout::Chrome;
use crate::web::views::notifications::{
    LogFilter, Notice, PageData, edit_page, notifications_page,
};

async fn render(
    state: &AppState,
    user: &CurrentUser,
    req: &HttpRequest,
    status: StatusCode,
    notice: Option<Notice>,
) -> Result<HttpResponse, AppError> {
    let filter = LogFilter::from_params(&params(req)?)?;
    let channels = notify_channels::list(&state.db.conn).await?;
    let log = notify_channels::deliveries(
        &state.db.conn,
        filter.channel,
        filter.status.as_deref(),
        200,
    )
    .await?;
    let now = state.clock.now();
    let silences = crate::db::notify_silences::current(&state.db.conn, now).await?;
    let schedules = crate::db::notify_schedules::list(&state.db.conn).await?;
    let data = PageData {
        channels: &channels,
        log: &log,
        filter: &filter,
        notice,
        silences: &silences,
        schedules: &schedules,
        now,
    };
    Ok(html(
        status,
        notifications_page(&Chrome::of(state, Some(user.clone())), user, &data).into_string(),
    ))
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

fn back() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/notifications"))
        .finish()
}

async fn record(
    state: &AppState,
    user: &CurrentUser,
    action: AuditAction,
    name: &str,
    detail: serde_json::Value,
) {
    let entry = AuditEntry {
        username: Some(user.username.clone()),
        target: Some(name.to_owned()),
        success: true,
        detail: Some(detail),
        ..AuditEntry::new(action)
    };
    audit(&state.db, &state.clock, entry).await;
}

/// `GET /admin/notifications`.
pub async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    render(&state, &user, &req, StatusCode::OK, None).await
}

/// `POST /admin/notifications`: a bad field re-renders the page with the reason (400).
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    form: web::Form<ChannelForm>,
) -> Result<HttpResponse, AppError> {
    let input = form.into_inner().into_input();
    let name = input.name.trim().to_owned();
    let saved = match draft(input, None, "ui") {
        Ok(d)
            if notify_channels::find_by_name(&state.db.conn, &d.name)
                .await?
                .is_some() =>
        {
            Err(format!("a channel named {:?} exists already", d.name))
        }
        Ok(d) => Ok(notify_channels::insert(&state.db.conn, d, state.clock.now()).await?),
        Err(e) => Err(e),
    };
    match saved {
        Ok(row) => {
            let set: Vec<&str> = secrets_set(&row)
                .into_iter()
                .filter(|(_, s)| *s)
                .map(|(n, _)| n)
                .collect();
            record(
                &state,
                &user,
                AuditAction::NotifyChannelCreated,
                &name,
                json!({ "kind": row.kind, "secrets_set": set }),
            )
            .await;
            Ok(back())
        }
        Err(why) => {
            render(
                &state,
                &user,
                &req,
                StatusCode::BAD_REQUEST,
                Some(Notice::Error(why)),
            )
            .await
        }
    }
}

async fn channel(
    state: &AppState,
    id: i64,
) -> Result<crate::db::entities::notification_channels::Model, AppError> {
    notify_channels::find(&state.db.conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no notification channel {id}.")))
}

/// `GET /admin/notifications/{id}`: the edit form.
pub async fn edit(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let row = channel(&state, *id).await?;
    Ok(html(
        StatusCode::OK,
        edit_page(&Chrome::of(&state, Some(user.clone())), &user, &row, None).into_string(),
    ))
}

/// `POST /admin/notifications/{id}`: saves the edit; secrets left empty keep their stored values.
pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<ChannelForm>,
) -> Result<HttpResponse, AppError> {
    let row = channel(&state, *id).await?;
    if row.origin == "file" {
        return Err(AppError::BadRequest(format!(
            "{} comes from the channel file (SMARTMON_NOTIFY_CONFIG); change it there.",
            row.name
        )));
    }
    let input = form.into_inner().into_input();
    let changed: Vec<String> = input
        .secrets
        .which_set()
        .into_iter()
        .filter(|(_, s)| *s)
        .map(|(n, _)| n.to_owned())
        .chain(input.clear.iter().cloned())
        .collect();
    match draft(input, Some(&row), "ui") {
        Ok(d) => {
            if d.name != row.name
                && notify_channels::find_by_name(&state.db.conn, &d.name)
                    .await?
                    .is_some()
            {
                let why = format!("a channel named {:?} exists already", d.name);
                return Ok(html(
                    StatusCode::BAD_REQUEST,
                    edit_page(
                        &Chrome::of(&state, Some(user.clone())),
                        &user,
                        &row,
                        Some(&why),
                    )
                    .into_string(),
                ));
            }
            let saved = notify_channels::update(&state.db.conn, row, d, state.clock.now()).await?;
            record(
                &state,
                &user,
                AuditAction::NotifyChannelUpdated,
                &saved.name,
                json!({ "kind": saved.kind, "secrets_changed": changed }),
            )
            .await;
            Ok(back())
        }
        Err(why) => Ok(html(
            StatusCode::BAD_REQUEST,
            edit_page(
                &Chrome::of(&state, Some(user.clone())),
                &user,
                &row,
                Some(&why),
            )
            .into_string(),
        )),
    }
}

/// `POST /admin/notifications/{id}/delete`.
pub async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let row = channel(&state, *id).await?;
    notify_channels::delete(&state.db.conn, row.id).await?;
    record(
        &state,
        &user,
        AuditAction::NotifyChannelDeleted,
        &row.name,
        json!({ "kind": row.kind }),
    )
    .await;
    Ok(back())
}

/// `POST /admin/notifications/{id}/test`: sends a sample and shows the receiver's answer.
pub async fn test(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let row = channel(&state, *id).await?;
    let result = state.notifier.test_channel(row.id, &user.username).await?;
    let reply_key = if row.kind == "email" {
        "smtp_status"
    } else {
        "http_status"
    };
    record(
        &state,
        &user,
        AuditAction::NotifyChannelTested,
        &row.name,
        json!({ "status": result.status, reply_key: result.response_status }),
    )
    .await;
    let notice = Notice::Test {
        channel: row.name,
        result: Box::new(result),
    };
    render(&state, &user, &req, StatusCode::OK, Some(notice)).await
}

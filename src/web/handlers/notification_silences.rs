//! Maintenance windows and snoozes on the Notifications page (admins): start one for hosts and units
//! (globs; empty hosts is fleet-wide) for a number of minutes, or end one now; add or delete a
//! recurring (weekly) window in a time zone.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{CurrentUser, audit};
use crate::db::audit_log::AuditEntry;
use crate::db::notify_schedules::{self, NewSchedule, ScheduleInput};
use crate::db::notify_silences::{self, NewSilence};
use crate::domain::AuditAction;
use crate::domain::weekly_window::MAX_MINUTES;
use crate::web::error::AppError;
use crate::web::state::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SilenceForm {
    hosts: String,
    units: String,
    minutes: String,
    starts_in_minutes: String,
    reason: String,
}

fn minutes(what: &str, text: &str, default: u32, max: u32) -> Result<u32, AppError> {
    match text.trim() {
        "" => Ok(default),
        t => t.parse::<u32>().ok().filter(|m| *m <= max).ok_or_else(|| {
            AppError::BadRequest(format!(
                "{what}: a whole number of minutes up to {max}, got {t:?}"
            ))
        }),
    }
}

fn back() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/notifications"))
        .finish()
}

/// `POST /admin/notifications/silences`.
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: web::Form<SilenceForm>,
) -> Result<HttpResponse, AppError> {
    let length = minutes("duration", &form.minutes, 60, 60 * 24 * 30)?;
    if length == 0 {
        return Err(AppError::BadRequest("duration: at least one minute".into()));
    }
    let delay = minutes("starts in", &form.starts_in_minutes, 0, 60 * 24 * 30)?;
    for (what, text) in [
        ("hosts", &form.hosts),
        ("units", &form.units),
        ("reason", &form.reason),
    ] {
        if text.chars().count() > 200 || text.chars().any(char::is_control) {
            return Err(AppError::BadRequest(format!(
                "{what}: at most 200 printable characters"
            )));
        }
    }
    let now = state.clock.now();
    let starts_at = now + f64::from(delay) * 60.0;
    let reason = if form.reason.trim().is_empty() {
        "maintenance"
    } else {
        form.reason.trim()
    };
    let new = NewSilence {
        hosts: form.hosts.trim().to_owned(),
        units: form.units.trim().to_owned(),
        starts_at,
        ends_at: starts_at + f64::from(length) * 60.0,
        reason: reason.to_owned(),
        created_by: user.username.clone(),
    };
    let row = notify_silences::insert(&state.db.conn, new, now).await?;
    let entry = AuditEntry {
        username: Some(user.username.clone()),
        target: Some(format!("silence {}", row.id)),
        success: true,
        detail: Some(
            json!({ "hosts": row.hosts, "units": row.units, "minutes": length, "reason": row.reason }),
        ),
        ..AuditEntry::new(AuditAction::NotifySilenceChanged)
    };
    audit(&state.db, &state.clock, entry).await;
    Ok(back())
}

/// `POST /admin/notifications/silences/{id}/end`: ends it now; what is still wrong is announced.
pub async fn end(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    if !notify_silences::end_now(&state.db.conn, *id, state.clock.now()).await? {
        return Err(AppError::NotFound(format!(
            "There is no running maintenance window {id}."
        )));
    }
    let entry = AuditEntry {
        username: Some(user.username.clone()),
        target: Some(format!("silence {id}")),
        success: true,
        detail: Some(json!({ "ended": true })),
        ..AuditEntry::new(AuditAction::NotifySilenceChanged)
    };
    audit(&state.db, &state.clock, entry).await;
    state.notifier.wake();
    Ok(back())
}

/// The recurring window form: weekday boxes, a local start, minutes, a time zone.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ScheduleForm {
    hosts: String,
    units: String,
    day_mon: Option<String>,
    day_tue: Option<String>,
    day_wed: Option<String>,
    day_thu: Option<String>,
    day_fri: Option<String>,
    day_sat: Option<String>,
    day_sun: Option<String>,
    start_time: String,
    minutes: String,
    time_zone: String,
    reason: String,
}

impl ScheduleForm {
    fn days(&self) -> String {
        let boxes = [
            ("mon", &self.day_mon),
            ("tue", &self.day_tue),
            ("wed", &self.day_wed),
            ("thu", &self.day_thu),
            ("fri", &self.day_fri),
            ("sat", &self.day_sat),
            ("sun", &self.day_sun),
        ];
        boxes
            .iter()
            .filter(|(_, on)| on.is_some())
            .map(|(d, _)| *d)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// `POST /admin/notifications/schedules`: a recurring (weekly) window in a time zone.
pub async fn create_schedule(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: web::Form<ScheduleForm>,
) -> Result<HttpResponse, AppError> {
    let minutes = minutes("duration", &form.minutes, 60, MAX_MINUTES)?;
    let input = ScheduleInput {
        hosts: form.hosts.clone(),
        units: form.units.clone(),
        days: form.days(),
        start_time: form.start_time.clone(),
        minutes,
        time_zone: form.time_zone.clone(),
        reason: form.reason.clone(),
    };
    let new = NewSchedule::check(input, &user.username, "ui").map_err(AppError::BadRequest)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db.conn).await?;
    let row = notify_schedules::insert(&txn, new, now).await?;
    notify_schedules::materialize(&txn, now).await?;
    txn.commit().await?;
    let entry = AuditEntry {
        username: Some(user.username.clone()),
        target: Some(format!("schedule {}", row.id)),
        success: true,
        detail: Some(json!({
            "hosts": row.hosts, "units": row.units, "days": row.days, "start": row.start_time,
            "minutes": row.minutes, "time_zone": row.time_zone, "reason": row.reason,
        })),
        ..AuditEntry::new(AuditAction::NotifySilenceChanged)
    };
    audit(&state.db, &state.clock, entry).await;
    Ok(back())
}

/// `POST /admin/notifications/schedules/{id}/delete`: upcoming occurrences go, a running one ends now.
pub async fn delete_schedule(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let txn = crate::db::begin_write(&state.db.conn).await?;
    let gone = notify_schedules::delete(&txn, *id, state.clock.now()).await?;
    txn.commit().await?;
    if !gone {
        return Err(AppError::NotFound(format!(
            "There is no recurring maintenance window {id}."
        )));
    }
    let entry = AuditEntry {
        username: Some(user.username.clone()),
        target: Some(format!("schedule {id}")),
        success: true,
        detail: Some(json!({ "deleted": true })),
        ..AuditEntry::new(AuditAction::NotifySilenceChanged)
    };
    audit(&state.db, &state.clock, entry).await;
    state.notifier.wake();
    Ok(back())
}

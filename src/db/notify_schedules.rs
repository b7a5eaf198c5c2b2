//! `notification_schedules`: recurring maintenance windows. `materialize` writes every occurrence that
//! runs or starts within the next day into `notification_silences` (one row per schedule and start,
//! written ahead so an alert opening right at the start is held), where holding and the end-of-window
//! summary treat it like a one-off window.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};

use crate::db::entities::{notification_schedules as schedules, notification_silences as silences};
use crate::domain::weekly_window::{WeeklyWindow, load_zone};

/// How far ahead occurrences are written.
const LOOKAHEAD_SECS: i64 = 24 * 3600;

/// A checked schedule, ready to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSchedule {
    pub hosts: String,
    pub units: String,
    pub days: String,
    pub start_time: String,
    pub minutes: i32,
    pub time_zone: String,
    pub reason: String,
    pub created_by: String,
    pub origin: String,
}

/// What a schedule is made of, as typed (the page's form or the channel file).
#[derive(Debug, Clone, Default)]
pub struct ScheduleInput {
    pub hosts: String,
    pub units: String,
    pub days: String,
    pub start_time: String,
    pub minutes: u32,
    pub time_zone: String,
    pub reason: String,
}

impl NewSchedule {
    /// Checks `input`; the message names the field.
    pub fn check(input: ScheduleInput, created_by: &str, origin: &str) -> Result<Self, String> {
        for (what, text) in [
            ("hosts", &input.hosts),
            ("units", &input.units),
            ("reason", &input.reason),
        ] {
            if text.chars().count() > 200 || text.chars().any(char::is_control) {
                return Err(format!("{what}: at most 200 printable characters"));
            }
        }
        let window =
            WeeklyWindow::parse(&input.days, &input.start_time, input.minutes).map_err(|e| e.0)?;
        let zone = if input.time_zone.trim().is_empty() {
            "UTC"
        } else {
            input.time_zone.trim()
        };
        load_zone(zone).map_err(|e| e.0)?;
        let reason = match input.reason.trim() {
            "" => "recurring maintenance",
            r => r,
        };
        Ok(Self {
            hosts: input.hosts.trim().to_owned(),
            units: input.units.trim().to_owned(),
            days: window.days_text(),
            start_time: window.start_text(),
            minutes: i32::try_from(window.minutes()).unwrap_or(i32::MAX),
            time_zone: zone.to_owned(),
            reason: reason.to_owned(),
            created_by: created_by.to_owned(),
            origin: origin.to_owned(),
        })
    }
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    new: NewSchedule,
    now: f64,
) -> Result<schedules::Model, DbErr> {
    schedules::ActiveModel {
        id: NotSet,
        hosts: Set(new.hosts),
        units: Set(new.units),
        days: Set(new.days),
        start_time: Set(new.start_time),
        minutes: Set(new.minutes),
        time_zone: Set(new.time_zone),
        reason: Set(new.reason),
        created_by: Set(new.created_by),
        origin: Set(new.origin),
        created_at: Set(now),
    }
    .insert(conn)
    .await
}

pub async fn list(conn: &impl ConnectionTrait) -> Result<Vec<schedules::Model>, DbErr> {
    schedules::Entity::find()
        .order_by_asc(schedules::Column::Id)
        .all(conn)
        .await
}

/// Removes a schedule: its upcoming occurrences go, a running one ends now (its summary follows).
pub async fn delete(conn: &impl ConnectionTrait, id: i64, now: f64) -> Result<bool, DbErr> {
    silences::Entity::delete_many()
        .filter(silences::Column::ScheduleId.eq(id))
        .filter(silences::Column::StartsAt.gt(now))
        .exec(conn)
        .await?;
    silences::Entity::update_many()
        .col_expr(silences::Column::EndsAt, Expr::value(now))
        .filter(silences::Column::ScheduleId.eq(id))
        .filter(silences::Column::EndsAt.gt(now))
        .exec(conn)
        .await?;
    let gone = schedules::Entity::delete_by_id(id).exec(conn).await?;
    Ok(gone.rows_affected == 1)
}

/// Makes the `file` schedules those of the channel file.
pub async fn replace_file(
    conn: &impl ConnectionTrait,
    wanted: Vec<NewSchedule>,
    now: f64,
) -> Result<(), DbErr> {
    let existing = list(conn).await?;
    for old in existing.iter().filter(|s| s.origin == "file") {
        let same = |n: &NewSchedule| {
            (
                &n.hosts,
                &n.units,
                &n.days,
                &n.start_time,
                n.minutes,
                &n.time_zone,
                &n.reason,
            ) == (
                &old.hosts,
                &old.units,
                &old.days,
                &old.start_time,
                old.minutes,
                &old.time_zone,
                &old.reason,
            )
        };
        if !wanted.iter().any(same) {
            delete(conn, old.id, now).await?;
        }
    }
    let kept = list(conn).await?;
    for new in wanted {
        let present = kept.iter().any(|k| {
            k.origin == "file"
                && (
                    &k.hosts,
                    &k.units,
                    &k.days,
                    &k.start_time,
                    k.minutes,
                    &k.time_zone,
                    &k.reason,
                ) == (
                    &new.hosts,
                    &new.units,
                    &new.days,
                    &new.start_time,
                    new.minutes,
                    &new.time_zone,
                    &new.reason,
                )
        });
        if !present {
            insert(conn, new, now).await?;
        }
    }
    Ok(())
}

/// Writes the occurrences running at `now` or starting within the next day; returns how many were new.
/// A schedule whose zone has gone from the system is skipped (and logged) until it is back.
pub async fn materialize(conn: &impl ConnectionTrait, now: f64) -> Result<usize, DbErr> {
    let mut written = 0;
    #[allow(clippy::cast_possible_truncation)] // seconds since the epoch fit an i64
    let from = now.floor() as i64;
    for schedule in list(conn).await? {
        let window = u32::try_from(schedule.minutes)
            .map_err(|_| "negative minutes".to_owned())
            .and_then(|m| {
                WeeklyWindow::parse(&schedule.days, &schedule.start_time, m).map_err(|e| e.0)
            });
        let zone = load_zone(&schedule.time_zone).map_err(|e| e.0);
        let (window, zone) = match (window, zone) {
            (Ok(w), Ok(z)) => (w, z),
            (Err(why), _) | (_, Err(why)) => {
                tracing::warn!(
                    schedule = schedule.id,
                    error = why,
                    "a recurring maintenance window cannot be computed"
                );
                continue;
            }
        };
        for occurrence in window.occurrences(&zone, from, from + LOOKAHEAD_SECS) {
            #[allow(clippy::cast_precision_loss)] // exact below 2^53 seconds
            let (starts_at, ends_at) = (occurrence.start as f64, occurrence.end as f64);
            let row = silences::ActiveModel {
                id: NotSet,
                hosts: Set(schedule.hosts.clone()),
                units: Set(schedule.units.clone()),
                starts_at: Set(starts_at),
                ends_at: Set(ends_at),
                reason: Set(schedule.reason.clone()),
                created_by: Set(schedule.created_by.clone()),
                summary_sent: Set(false),
                created_at: Set(now),
                schedule_id: Set(Some(schedule.id)),
            };
            // Written once whoever gets there first (the page, or any replica's periodic check).
            let inserted = silences::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([silences::Column::ScheduleId, silences::Column::StartsAt])
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(conn)
                .await?;
            written += usize::try_from(inserted).unwrap_or(0);
        }
    }
    Ok(written)
}

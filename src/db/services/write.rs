//! Writing units: `service_current` (latest state per unit, upserted) and `service_status` (one row per
//! change), as the collector observes them.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, Statement,
};

use crate::db::entities::{service_current, service_status};

/// Writes the unit's latest state.
pub(crate) async fn upsert_current(
    conn: &impl ConnectionTrait,
    row: &service_current::Model,
) -> Result<(), DbErr> {
    use service_current::Column as C;
    let mut active = row.clone().into_active_model();
    active.id = NotSet;
    service_current::Entity::insert(active)
        .on_conflict(
            OnConflict::columns([C::Hostname, C::ServiceName])
                .update_columns([
                    C::RawStatus,
                    C::NormalizedStatus,
                    C::SubState,
                    C::ServiceType,
                    C::UnitFileState,
                    C::LoadState,
                    C::Description,
                    C::Recoverable,
                    C::SinceEpoch,
                    C::TsEpoch,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await
        .map(|_| ())
}

/// Appends a history row for the state in `row`.
pub(crate) async fn insert_history(
    conn: &impl ConnectionTrait,
    row: &service_current::Model,
) -> Result<(), DbErr> {
    let history = service_status::ActiveModel {
        id: NotSet,
        hostname: sea_orm::Set(row.hostname.clone()),
        service_name: sea_orm::Set(row.service_name.clone()),
        raw_status: sea_orm::Set(row.raw_status.clone()),
        normalized_status: sea_orm::Set(row.normalized_status),
        sub_state: sea_orm::Set(row.sub_state.clone()),
        service_type: sea_orm::Set(row.service_type.clone()),
        unit_file_state: sea_orm::Set(row.unit_file_state.clone()),
        load_state: sea_orm::Set(row.load_state.clone()),
        ts_epoch: sea_orm::Set(row.ts_epoch),
    };
    service_status::Entity::insert(history)
        .exec_without_returning(conn)
        .await
        .map(|_| ())
}

/// Every unit of `hostname` was observed at `at` (a resync that found nothing new): one row, the
/// host's `services_seen_at`, moves on instead of every unit's. Readers take a unit's observed time as
/// the later of its own `ts_epoch` and its host's `services_seen_at` (`read::with_seen`).
pub(crate) async fn mark_seen(
    conn: &impl ConnectionTrait,
    hostname: &str,
    at: f64,
) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    // Numbered on both backends: the time is used three times.
    let (p1, p2) = match backend {
        DbBackend::Postgres => ("$1", "$2"),
        _ => ("?1", "?2"),
    };
    let sql = format!(
        "INSERT INTO \"hosts\" (\"hostname\", \"first_seen\", \"last_seen\", \"services_seen_at\") \
         VALUES ({p1}, {p2}, {p2}, {p2}) \
         ON CONFLICT (\"hostname\") DO UPDATE SET \"services_seen_at\" = excluded.\"services_seen_at\""
    );
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [hostname.into(), at.into()],
    ))
    .await
    .map(|_| ())
}

/// Forgets a unit that systemd no longer knows.
pub(crate) async fn delete_current(
    conn: &impl ConnectionTrait,
    hostname: &str,
    service_name: &str,
) -> Result<(), DbErr> {
    service_current::Entity::delete_many()
        .filter(service_current::Column::Hostname.eq(hostname))
        .filter(service_current::Column::ServiceName.eq(service_name))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Every unit's latest state for one host (the collector's starting point after a restart).
pub(crate) async fn current_for_host(
    conn: &impl ConnectionTrait,
    hostname: &str,
) -> Result<Vec<service_current::Model>, DbErr> {
    service_current::Entity::find()
        .filter(service_current::Column::Hostname.eq(hostname))
        .all(conn)
        .await
}

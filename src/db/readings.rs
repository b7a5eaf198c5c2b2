//! Append-only time series: `system_metrics`, `filesystem_usage`, `disk_health`, `network_checks`.

use sea_orm::{ActiveValue::NotSet, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel};

use crate::db::entities::{disk_health, filesystem_usage, network_checks, system_metrics};

pub(crate) async fn insert_metrics(
    conn: &impl ConnectionTrait,
    row: &system_metrics::Model,
) -> Result<(), DbErr> {
    let mut active = row.clone().into_active_model();
    active.id = NotSet;
    system_metrics::Entity::insert(active)
        .exec_without_returning(conn)
        .await
        .map(|_| ())
}

pub(crate) async fn insert_disk(
    conn: &impl ConnectionTrait,
    row: &disk_health::Model,
) -> Result<(), DbErr> {
    let mut active = row.clone().into_active_model();
    active.id = NotSet;
    disk_health::Entity::insert(active)
        .exec_without_returning(conn)
        .await
        .map(|_| ())
}

pub(crate) async fn insert_check(
    conn: &impl ConnectionTrait,
    row: &network_checks::Model,
) -> Result<(), DbErr> {
    let mut active = row.clone().into_active_model();
    active.id = NotSet;
    network_checks::Entity::insert(active)
        .exec_without_returning(conn)
        .await
        .map(|_| ())
}

pub(crate) async fn insert_filesystem(
    conn: &impl ConnectionTrait,
    row: &filesystem_usage::Model,
) -> Result<(), DbErr> {
    let mut active = row.clone().into_active_model();
    active.id = NotSet;
    filesystem_usage::Entity::insert(active)
        .exec_without_returning(conn)
        .await
        .map(|_| ())
}

//! Reading `disk_health`: each device's latest SMART reading, drives that need attention first.

use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Statement};

use crate::db::entities::disk_health;

/// Health values that need a person's attention.
pub const ATTENTION: [&str; 3] = ["failed", "worn", "unreadable"];

/// The latest reading of every (host, device), failed and worn drives first.
pub async fn latest(db: &impl ConnectionTrait) -> Result<Vec<disk_health::Model>, DbErr> {
    let sql = "SELECT d.* FROM disk_health d
         JOIN (SELECT hostname, device, MAX(ts_epoch) AS ts FROM disk_health GROUP BY hostname, device) l
           ON d.hostname = l.hostname AND d.device = l.device AND d.ts_epoch = l.ts
         ORDER BY CASE d.health WHEN 'failed' THEN 0 WHEN 'worn' THEN 1 WHEN 'unreadable' THEN 2 ELSE 3 END,
                  d.hostname, d.device";
    disk_health::Model::find_by_statement(Statement::from_string(db.get_database_backend(), sql))
        .all(db)
        .await
}

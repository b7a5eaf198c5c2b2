//! `restart_locks`: one row per (host, unit) that a restart ask writes first in its transaction, so
//! asks for one unit from any number of processes take turns (a row lock on Postgres, the write lock
//! on SQLite) while each checks "one at a time" and the cooldown and records its request.

use sea_orm::sea_query::{Alias, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr};

/// Writes the lock row for `host`/`unit`; inside a transaction it is held until commit or rollback.
pub(crate) async fn lock(
    conn: &impl ConnectionTrait,
    host: &str,
    unit: &str,
    now: f64,
) -> Result<(), DbErr> {
    let upsert = Query::insert()
        .into_table(Alias::new("restart_locks"))
        .columns([
            Alias::new("hostname"),
            Alias::new("service_name"),
            Alias::new("locked_at"),
        ])
        .values_panic([host.into(), unit.into(), now.into()])
        .on_conflict(
            OnConflict::columns([Alias::new("hostname"), Alias::new("service_name")])
                .update_column(Alias::new("locked_at"))
                .to_owned(),
        )
        .to_owned();
    conn.execute(&upsert).await.map(|_| ())
}

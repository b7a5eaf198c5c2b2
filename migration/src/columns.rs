//! Column builders shared by the migrations, so every table spells ids and times the same way.

use sea_orm_migration::prelude::*;

/// A 64-bit auto-incrementing primary key (`BIGSERIAL` on Postgres, `INTEGER PRIMARY KEY` on SQLite).
pub(crate) fn id<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

/// Seconds since the Unix epoch, fractional.
pub(crate) fn epoch<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).double().not_null().to_owned()
}

/// Seconds since the Unix epoch, or NULL when the moment has not happened.
pub(crate) fn epoch_null<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).double().null().to_owned()
}

pub(crate) fn text<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).text().not_null().to_owned()
}

pub(crate) fn text_null<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).text().null().to_owned()
}

pub(crate) fn real_null<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).double().null().to_owned()
}

pub(crate) fn boolean<T: IntoIden>(name: T, default: bool) -> ColumnDef {
    ColumnDef::new(name)
        .boolean()
        .not_null()
        .default(default)
        .to_owned()
}

/// A descending index on `(hostname, <time>)`, the access path of every per-host time series.
pub(crate) fn host_time_index<T: IntoIden + 'static>(
    name: &str,
    table: T,
    host: impl IntoIden,
    time: impl IntoIden,
) -> IndexCreateStatement {
    Index::create()
        .name(name)
        .table(table)
        .col(host)
        .col((time, IndexOrder::Desc))
        .to_owned()
}

//! `unit_grants`: delegation. A user or an SSO group (`subject_kind`, `subject`) may take `actions`
//! (comma-separated: logs, restart, start, stop, reload) on the units matching `unit_pattern` of the
//! hosts matching `host_pattern` (globs with `*` and `?`); the approved-services list stays the ceiling.

use sea_orm_migration::prelude::*;

use crate::columns::{epoch, id, text};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000100_unit_grants"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UnitGrants::Table)
                    .col(id(UnitGrants::Id))
                    .col(text(UnitGrants::SubjectKind))
                    .col(text(UnitGrants::Subject))
                    .col(text(UnitGrants::HostPattern))
                    .col(text(UnitGrants::UnitPattern))
                    .col(text(UnitGrants::Actions))
                    .col(text(UnitGrants::CreatedBy))
                    .col(epoch(UnitGrants::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // Each request of a viewer looks up the grants of its name and its groups.
        manager
            .create_index(
                Index::create()
                    .name("unit_grants_subject")
                    .table(UnitGrants::Table)
                    .col(UnitGrants::SubjectKind)
                    .col(UnitGrants::Subject)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UnitGrants::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum UnitGrants {
    Table,
    Id,
    SubjectKind,
    Subject,
    HostPattern,
    UnitPattern,
    Actions,
    CreatedBy,
    CreatedAt,
}

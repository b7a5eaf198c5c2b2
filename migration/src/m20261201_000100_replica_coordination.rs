//! What several console replicas (and agents) on one database coordinate through: `restart_locks`, one
//! row per (host, unit) that a restart ask locks while it checks "one at a time" and the cooldown and
//! records its request, and `app_secrets`, secrets created once and shared (the CSRF key).

use sea_orm_migration::prelude::*;

use crate::columns::{epoch, text};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000100_replica_coordination"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RestartLocks::Table)
                    .col(text(RestartLocks::Hostname))
                    .col(text(RestartLocks::ServiceName))
                    .col(epoch(RestartLocks::LockedAt))
                    .primary_key(
                        Index::create()
                            .col(RestartLocks::Hostname)
                            .col(RestartLocks::ServiceName),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppSecrets::Table)
                    .col(text(AppSecrets::Name).primary_key())
                    .col(text(AppSecrets::Value))
                    .col(epoch(AppSecrets::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AppSecrets::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RestartLocks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RestartLocks {
    Table,
    Hostname,
    ServiceName,
    LockedAt,
}

#[derive(DeriveIden)]
enum AppSecrets {
    Table,
    Name,
    Value,
    CreatedAt,
}

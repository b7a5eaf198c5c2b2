//! `restart_requests`: every restart asked for, who asked, for which host and unit, and how it ended
//! (`queued`, `running`, `done`, `failed`, `dry_run`, `refused`, `expired`).

use sea_orm_migration::prelude::*;

use crate::columns::{boolean, epoch, epoch_null, id, real_null, text, text_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261127_003000_restart_requests"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RestartRequests::Table)
                    .col(id(RestartRequests::Id))
                    .col(text(RestartRequests::Hostname))
                    .col(text(RestartRequests::ServiceName))
                    .col(text(RestartRequests::RequestedBy))
                    .col(text_null(RestartRequests::ClientIp))
                    .col(text(RestartRequests::Source))
                    .col(text(RestartRequests::State))
                    .col(boolean(RestartRequests::DryRun, true))
                    .col(text_null(RestartRequests::Result))
                    .col(text_null(RestartRequests::ActiveState))
                    .col(text_null(RestartRequests::Error))
                    .col(text_null(RestartRequests::ExecutedBy))
                    .col(epoch(RestartRequests::RequestedAt))
                    .col(epoch_null(RestartRequests::StartedAt))
                    .col(epoch_null(RestartRequests::FinishedAt))
                    .col(real_null(RestartRequests::DurationSecs))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_restart_requests_unit_time")
                    .table(RestartRequests::Table)
                    .col(RestartRequests::Hostname)
                    .col(RestartRequests::ServiceName)
                    .col((RestartRequests::RequestedAt, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_restart_requests_host_state")
                    .table(RestartRequests::Table)
                    .col(RestartRequests::Hostname)
                    .col(RestartRequests::State)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RestartRequests::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RestartRequests {
    Table,
    Id,
    Hostname,
    ServiceName,
    RequestedBy,
    ClientIp,
    Source,
    State,
    DryRun,
    Result,
    ActiveState,
    Error,
    ExecutedBy,
    RequestedAt,
    StartedAt,
    FinishedAt,
    DurationSecs,
}

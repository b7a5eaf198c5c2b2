//! `log_requests`: the console asks another host's agent for a unit's journal lines (the same queue
//! idea as `restart_requests`): a `queued` row for that host, which its agent answers with the lines
//! (`answer`, JSON) or an error. Rows are short-lived; the console deletes answered ones after a minute.

use sea_orm_migration::prelude::*;

use crate::columns::{epoch, epoch_null, id, text, text_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000300_log_requests"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LogRequests::Table)
                    .col(id(LogRequests::Id))
                    .col(text(LogRequests::Hostname))
                    .col(text(LogRequests::Unit))
                    .col(text(LogRequests::Ask))
                    .col(text(LogRequests::State))
                    .col(text_null(LogRequests::AnsweredBy))
                    .col(text_null(LogRequests::Answer))
                    .col(text_null(LogRequests::Error))
                    .col(epoch(LogRequests::RequestedAt))
                    .col(epoch_null(LogRequests::AnsweredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("log_requests_host_state")
                    .table(LogRequests::Table)
                    .col(LogRequests::Hostname)
                    .col(LogRequests::State)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LogRequests::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LogRequests {
    Table,
    Id,
    Hostname,
    Unit,
    Ask,
    State,
    AnsweredBy,
    Answer,
    Error,
    RequestedAt,
    AnsweredAt,
}

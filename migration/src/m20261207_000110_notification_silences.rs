//! `notification_silences`: maintenance windows and snoozes (one-off): while one covers a host and unit
//! (globs; `*` or empty is everything), alerts keep opening but their notifications are held; when it
//! ends, what is still wrong is announced once (`summary_sent`).

use sea_orm_migration::prelude::*;

use crate::columns::{boolean, epoch, id, text};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000110_notification_silences"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Silences::Table)
                    .col(id(Silences::Id))
                    .col(text(Silences::Hosts))
                    .col(text(Silences::Units))
                    .col(epoch(Silences::StartsAt))
                    .col(epoch(Silences::EndsAt))
                    .col(text(Silences::Reason))
                    .col(text(Silences::CreatedBy))
                    .col(boolean(Silences::SummarySent, false))
                    .col(epoch(Silences::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Silences::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Silences {
    #[sea_orm(iden = "notification_silences")]
    Table,
    Id,
    Hosts,
    Units,
    StartsAt,
    EndsAt,
    Reason,
    CreatedBy,
    SummarySent,
    CreatedAt,
}

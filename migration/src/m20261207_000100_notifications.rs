//! Notifications (#16): `notification_channels` (where messages go: kind, settings, write-only secrets,
//! routing and grace) and `notification_outbox` (one row per message per channel, written in the same
//! transaction as the alert change; its status, attempts, last error and the receiver's answer are the
//! delivery log). Each channel carries a lease so that one console replica at a time sends its messages,
//! in order.

use sea_orm_migration::prelude::*;

use crate::columns::{boolean, epoch, epoch_null, id, text, text_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000100_notifications"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(channels()).await?;
        manager.create_table(outbox()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notification_outbox_channel_status")
                    .table(Outbox::Table)
                    .col(Outbox::ChannelId)
                    .col(Outbox::Status)
                    .col(Outbox::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notification_outbox_alert")
                    .table(Outbox::Table)
                    .col(Outbox::AlertId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Channels::Table).to_owned())
            .await
    }
}

fn channels() -> TableCreateStatement {
    Table::create()
        .table(Channels::Table)
        .col(id(Channels::Id))
        .col(text(Channels::Name).unique_key())
        .col(text(Channels::Kind))
        .col(text(Channels::Config))
        .col(text(Channels::Secrets))
        .col(text(Channels::Route))
        .col(
            ColumnDef::new(Channels::GraceSecs)
                .integer()
                .not_null()
                .default(30),
        )
        .col(boolean(Channels::Enabled, true))
        .col(text(Channels::Origin))
        .col(text_null(Channels::LeaseOwner))
        .col(epoch_null(Channels::LeaseUntil))
        .col(epoch(Channels::CreatedAt))
        .col(epoch(Channels::UpdatedAt))
        .to_owned()
}

fn outbox() -> TableCreateStatement {
    Table::create()
        .table(Outbox::Table)
        .col(id(Outbox::Id))
        .col(ColumnDef::new(Outbox::ChannelId).big_integer().not_null())
        .col(ColumnDef::new(Outbox::AlertId).big_integer().null())
        .col(text(Outbox::Event))
        .col(text(Outbox::Hostname))
        .col(text(Outbox::Source))
        .col(text(Outbox::Severity))
        .col(text(Outbox::Message))
        .col(text(Outbox::Status))
        .col(
            ColumnDef::new(Outbox::Attempts)
                .integer()
                .not_null()
                .default(0),
        )
        .col(epoch(Outbox::CreatedAt))
        .col(epoch(Outbox::DueAt))
        .col(epoch_null(Outbox::SentAt))
        .col(ColumnDef::new(Outbox::GroupedWith).big_integer().null())
        .col(text_null(Outbox::LastError))
        .col(ColumnDef::new(Outbox::ResponseStatus).integer().null())
        .col(text_null(Outbox::ResponseBody))
        .foreign_key(
            ForeignKey::create()
                .from(Outbox::Table, Outbox::ChannelId)
                .to(Channels::Table, Channels::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

#[derive(DeriveIden)]
enum Channels {
    #[sea_orm(iden = "notification_channels")]
    Table,
    Id,
    Name,
    Kind,
    Config,
    Secrets,
    Route,
    GraceSecs,
    Enabled,
    Origin,
    LeaseOwner,
    LeaseUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    #[sea_orm(iden = "notification_outbox")]
    Table,
    Id,
    ChannelId,
    AlertId,
    Event,
    Hostname,
    Source,
    Severity,
    Message,
    Status,
    Attempts,
    CreatedAt,
    DueAt,
    SentAt,
    GroupedWith,
    LastError,
    ResponseStatus,
    ResponseBody,
}

//! Recurring maintenance windows (#16): `notification_schedules` holds weekly windows in an IANA time
//! zone (weekdays, local start `HH:MM`, minutes, hosts and units as globs, `ui` or `file`); each
//! occurrence is written into `notification_silences` ahead of time with `schedule_id` set, so holding
//! and the end-of-window summary work as for one-off windows. One row per schedule and start.

use sea_orm_migration::prelude::*;

use crate::columns::{epoch, id, text};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000200_notify_email_recurring"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Schedules::Table)
                    .col(id(Schedules::Id))
                    .col(text(Schedules::Hosts))
                    .col(text(Schedules::Units))
                    .col(text(Schedules::Days))
                    .col(text(Schedules::StartTime))
                    .col(ColumnDef::new(Schedules::Minutes).integer().not_null())
                    .col(text(Schedules::TimeZone))
                    .col(text(Schedules::Reason))
                    .col(text(Schedules::CreatedBy))
                    .col(text(Schedules::Origin))
                    .col(epoch(Schedules::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Silences::Table)
                    .add_column(ColumnDef::new(Silences::ScheduleId).big_integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notification_silences_schedule_start")
                    .table(Silences::Table)
                    .col(Silences::ScheduleId)
                    .col(Silences::StartsAt)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("notification_silences_schedule_start")
                    .table(Silences::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Silences::Table)
                    .drop_column(Silences::ScheduleId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Schedules::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Schedules {
    #[sea_orm(iden = "notification_schedules")]
    Table,
    Id,
    Hosts,
    Units,
    Days,
    StartTime,
    Minutes,
    TimeZone,
    Reason,
    CreatedBy,
    Origin,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Silences {
    #[sea_orm(iden = "notification_silences")]
    Table,
    ScheduleId,
    StartsAt,
}

//! `disk_health` (SMART per device), `network_checks` (check results) and `alerts` (open/resolved).

use sea_orm_migration::prelude::*;

use crate::columns::{epoch, epoch_null, host_time_index, id, real_null, text, text_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261127_001000_disks_checks_alerts"
    }
}

fn big_null<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).big_integer().null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DiskHealth::Table)
                    .col(id(DiskHealth::Id))
                    .col(text(DiskHealth::Hostname))
                    .col(epoch(DiskHealth::TsEpoch))
                    .col(text(DiskHealth::Device))
                    .col(text(DiskHealth::DeviceType))
                    .col(text(DiskHealth::Health))
                    .col(text_null(DiskHealth::Model))
                    .col(text_null(DiskHealth::Serial))
                    .col(real_null(DiskHealth::TemperatureC))
                    .col(big_null(DiskHealth::PowerOnHours))
                    .col(big_null(DiskHealth::ReallocatedSectors))
                    .col(big_null(DiskHealth::PendingSectors))
                    .col(real_null(DiskHealth::PercentageUsed))
                    .col(big_null(DiskHealth::MediaErrors))
                    .col(text_null(DiskHealth::Detail))
                    .col(text_null(DiskHealth::RawJson))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(host_time_index(
                "ix_disk_health_host_ts",
                DiskHealth::Table,
                DiskHealth::Hostname,
                DiskHealth::TsEpoch,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NetworkChecks::Table)
                    .col(id(NetworkChecks::Id))
                    .col(text(NetworkChecks::Hostname))
                    .col(epoch(NetworkChecks::TsEpoch))
                    .col(text(NetworkChecks::Target))
                    .col(text(NetworkChecks::Method))
                    .col(text(NetworkChecks::Status))
                    .col(real_null(NetworkChecks::LatencyMs))
                    .col(real_null(NetworkChecks::LossPercent))
                    .col(text_null(NetworkChecks::Detail))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(host_time_index(
                "ix_network_checks_host_ts",
                NetworkChecks::Table,
                NetworkChecks::Hostname,
                NetworkChecks::TsEpoch,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alerts::Table)
                    .col(id(Alerts::Id))
                    .col(text(Alerts::Hostname))
                    .col(text(Alerts::Source))
                    .col(text(Alerts::Severity))
                    .col(text(Alerts::Message))
                    .col(epoch(Alerts::OpenedAt))
                    .col(epoch(Alerts::LastSeenAt))
                    .col(epoch_null(Alerts::ResolvedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(host_time_index(
                "ix_alerts_host_opened",
                Alerts::Table,
                Alerts::Hostname,
                Alerts::OpenedAt,
            ))
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_alerts_host_source_resolved")
                    .table(Alerts::Table)
                    .col(Alerts::Hostname)
                    .col(Alerts::Source)
                    .col(Alerts::ResolvedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Alerts::Table.into_iden(),
            NetworkChecks::Table.into_iden(),
            DiskHealth::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum DiskHealth {
    Table,
    Id,
    Hostname,
    TsEpoch,
    Device,
    DeviceType,
    Health,
    Model,
    Serial,
    TemperatureC,
    PowerOnHours,
    ReallocatedSectors,
    PendingSectors,
    PercentageUsed,
    MediaErrors,
    Detail,
    RawJson,
}

#[derive(DeriveIden)]
enum NetworkChecks {
    Table,
    Id,
    Hostname,
    TsEpoch,
    Target,
    Method,
    Status,
    LatencyMs,
    LossPercent,
    Detail,
}

#[derive(DeriveIden)]
enum Alerts {
    Table,
    Id,
    Hostname,
    Source,
    Severity,
    Message,
    OpenedAt,
    LastSeenAt,
    ResolvedAt,
}

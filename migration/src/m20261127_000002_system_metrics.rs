//! `system_metrics`: one row per host per collection, the time series behind the host charts.

use sea_orm_migration::prelude::*;

use crate::columns::{epoch, host_time_index, id, real_null, text};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261127_000002_system_metrics"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SystemMetrics::Table)
                    .col(id(SystemMetrics::Id))
                    .col(text(SystemMetrics::Hostname))
                    .col(epoch(SystemMetrics::TsEpoch))
                    .col(real_null(SystemMetrics::CpuPercent))
                    .col(real_null(SystemMetrics::MemoryPercent))
                    .col(real_null(SystemMetrics::SwapPercent))
                    .col(real_null(SystemMetrics::Load1))
                    .col(real_null(SystemMetrics::Load5))
                    .col(real_null(SystemMetrics::Load15))
                    .col(real_null(SystemMetrics::DiskPercent))
                    .col(real_null(SystemMetrics::InodePercent))
                    .col(real_null(SystemMetrics::NetRxBps))
                    .col(real_null(SystemMetrics::NetTxBps))
                    .col(
                        ColumnDef::new(SystemMetrics::UptimeSecs)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(SystemMetrics::ProcessCount).integer().null())
                    .col(real_null(SystemMetrics::TemperatureC))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(host_time_index(
                "ix_system_metrics_host_ts",
                SystemMetrics::Table,
                SystemMetrics::Hostname,
                SystemMetrics::TsEpoch,
            ))
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_system_metrics_ts")
                    .table(SystemMetrics::Table)
                    .col(SystemMetrics::TsEpoch)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SystemMetrics::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SystemMetrics {
    Table,
    Id,
    Hostname,
    TsEpoch,
    CpuPercent,
    MemoryPercent,
    SwapPercent,
    #[sea_orm(iden = "load_1")]
    Load1,
    #[sea_orm(iden = "load_5")]
    Load5,
    #[sea_orm(iden = "load_15")]
    Load15,
    DiskPercent,
    InodePercent,
    NetRxBps,
    NetTxBps,
    UptimeSecs,
    ProcessCount,
    TemperatureC,
}

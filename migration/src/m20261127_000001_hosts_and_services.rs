//! Hosts, every unit's latest state (`service_current`) and the state-change history (`service_status`).

use sea_orm_migration::prelude::*;

use crate::columns::{boolean, epoch, host_time_index, id, text, text_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261127_000001_hosts_and_services"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Hosts::Table)
                    .col(id(Hosts::Id))
                    .col(text(Hosts::Hostname).unique_key())
                    .col(text_null(Hosts::Os))
                    .col(text_null(Hosts::Kernel))
                    .col(text_null(Hosts::AgentVersion))
                    .col(epoch(Hosts::FirstSeen))
                    .col(epoch(Hosts::LastSeen))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ServiceCurrent::Table)
                    .col(id(ServiceCurrent::Id))
                    .col(text(ServiceCurrent::Hostname))
                    .col(text(ServiceCurrent::ServiceName))
                    .col(text(ServiceCurrent::RawStatus))
                    .col(text(ServiceCurrent::NormalizedStatus))
                    .col(text(ServiceCurrent::SubState))
                    .col(text(ServiceCurrent::ServiceType))
                    .col(text(ServiceCurrent::UnitFileState))
                    .col(text(ServiceCurrent::LoadState))
                    .col(text(ServiceCurrent::Description))
                    .col(boolean(ServiceCurrent::Recoverable, false))
                    .col(epoch(ServiceCurrent::SinceEpoch))
                    .col(epoch(ServiceCurrent::TsEpoch))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_service_current_host_unit")
                    .table(ServiceCurrent::Table)
                    .col(ServiceCurrent::Hostname)
                    .col(ServiceCurrent::ServiceName)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_service_current_status")
                    .table(ServiceCurrent::Table)
                    .col(ServiceCurrent::NormalizedStatus)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ServiceStatus::Table)
                    .col(id(ServiceStatus::Id))
                    .col(text(ServiceStatus::Hostname))
                    .col(text(ServiceStatus::ServiceName))
                    .col(text(ServiceStatus::RawStatus))
                    .col(text(ServiceStatus::NormalizedStatus))
                    .col(text(ServiceStatus::SubState))
                    .col(text(ServiceStatus::ServiceType))
                    .col(text(ServiceStatus::UnitFileState))
                    .col(text(ServiceStatus::LoadState))
                    .col(epoch(ServiceStatus::TsEpoch))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(host_time_index(
                "ix_service_status_host_ts",
                ServiceStatus::Table,
                ServiceStatus::Hostname,
                ServiceStatus::TsEpoch,
            ))
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_service_status_host_unit_ts")
                    .table(ServiceStatus::Table)
                    .col(ServiceStatus::Hostname)
                    .col(ServiceStatus::ServiceName)
                    .col((ServiceStatus::TsEpoch, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_service_status_ts")
                    .table(ServiceStatus::Table)
                    .col(ServiceStatus::TsEpoch)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ServiceStatus::Table.into_iden(),
            ServiceCurrent::Table.into_iden(),
            Hosts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Hosts {
    Table,
    Id,
    Hostname,
    Os,
    Kernel,
    AgentVersion,
    FirstSeen,
    LastSeen,
}

#[derive(DeriveIden)]
enum ServiceCurrent {
    Table,
    Id,
    Hostname,
    ServiceName,
    RawStatus,
    NormalizedStatus,
    SubState,
    ServiceType,
    UnitFileState,
    LoadState,
    Description,
    Recoverable,
    SinceEpoch,
    TsEpoch,
}

#[derive(DeriveIden)]
enum ServiceStatus {
    Table,
    Id,
    Hostname,
    ServiceName,
    RawStatus,
    NormalizedStatus,
    SubState,
    ServiceType,
    UnitFileState,
    LoadState,
    TsEpoch,
}

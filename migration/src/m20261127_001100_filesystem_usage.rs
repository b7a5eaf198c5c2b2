//! `filesystem_usage`: space and inode use of every real mounted filesystem, per host per sample
//! (`system_metrics` keeps `/` alone for the overview).

use sea_orm_migration::prelude::*;

use crate::columns::{epoch, host_time_index, id, real_null, text};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261127_001100_filesystem_usage"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FilesystemUsage::Table)
                    .col(id(FilesystemUsage::Id))
                    .col(text(FilesystemUsage::Hostname))
                    .col(epoch(FilesystemUsage::TsEpoch))
                    .col(text(FilesystemUsage::MountPoint))
                    .col(real_null(FilesystemUsage::SpacePercent))
                    .col(real_null(FilesystemUsage::InodePercent))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(host_time_index(
                "ix_filesystem_usage_host_ts",
                FilesystemUsage::Table,
                FilesystemUsage::Hostname,
                FilesystemUsage::TsEpoch,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FilesystemUsage::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum FilesystemUsage {
    Table,
    Id,
    Hostname,
    TsEpoch,
    MountPoint,
    SpacePercent,
    InodePercent,
}

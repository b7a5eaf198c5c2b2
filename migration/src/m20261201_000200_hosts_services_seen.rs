//! `hosts.services_seen_at`: when a full service resync last saw the host's units, one row per host,
//! so a resync that finds nothing new no longer rewrites every unit's `service_current` row.

use sea_orm_migration::prelude::*;

use crate::columns::epoch_null;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000200_hosts_services_seen"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Hosts::Table)
                    .add_column(epoch_null(Hosts::ServicesSeenAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Hosts::Table)
                    .drop_column(Hosts::ServicesSeenAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Hosts {
    Table,
    ServicesSeenAt,
}

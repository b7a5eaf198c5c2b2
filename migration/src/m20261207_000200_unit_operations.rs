//! `restart_requests.action`: the queue of unit actions carries what was asked (`restart`, `start`,
//! `stop`, `reload`); every row before this migration was a restart.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000200_unit_operations"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RestartRequests::Table)
                    .add_column(
                        ColumnDef::new(RestartRequests::Action)
                            .text()
                            .not_null()
                            .default("restart"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RestartRequests::Table)
                    .drop_column(RestartRequests::Action)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum RestartRequests {
    Table,
    Action,
}

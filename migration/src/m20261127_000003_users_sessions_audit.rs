//! Local accounts, server-side sessions and the append-only audit log.

use sea_orm_migration::prelude::*;

use crate::columns::{boolean, epoch, epoch_null, host_time_index, id, text, text_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261127_000003_users_sessions_audit"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(id(Users::Id))
                    .col(text(Users::Username).unique_key())
                    .col(text(Users::PasswordHash))
                    .col(text(Users::Role))
                    .col(boolean(Users::Disabled, false))
                    .col(epoch(Users::CreatedAt))
                    .col(epoch_null(Users::LastLoginAt))
                    .col(epoch(Users::PasswordChangedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(text(Sessions::Id).primary_key())
                    .col(ColumnDef::new(Sessions::UserId).big_integer().not_null())
                    .col(text(Sessions::CsrfToken))
                    .col(epoch(Sessions::CreatedAt))
                    .col(epoch(Sessions::LastSeenAt))
                    .col(epoch(Sessions::ExpiresAt))
                    .col(text_null(Sessions::ClientIp))
                    .col(text_null(Sessions::UserAgent))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_user")
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sessions_user")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(id(AuditLog::Id))
                    .col(epoch(AuditLog::TsEpoch))
                    .col(text_null(AuditLog::Username))
                    .col(text_null(AuditLog::ClientIp))
                    .col(text(AuditLog::Action))
                    .col(text_null(AuditLog::Hostname))
                    .col(text_null(AuditLog::Target))
                    .col(boolean(AuditLog::Success, true))
                    .col(text_null(AuditLog::Detail))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_log_ts")
                    .table(AuditLog::Table)
                    .col((AuditLog::TsEpoch, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(host_time_index(
                "ix_audit_log_host_ts",
                AuditLog::Table,
                AuditLog::Hostname,
                AuditLog::TsEpoch,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    PasswordHash,
    Role,
    Disabled,
    CreatedAt,
    LastLoginAt,
    PasswordChangedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CsrfToken,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    ClientIp,
    UserAgent,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    TsEpoch,
    Username,
    ClientIp,
    Action,
    Hostname,
    Target,
    Success,
    Detail,
}

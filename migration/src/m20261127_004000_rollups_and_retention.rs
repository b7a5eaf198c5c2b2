//! `metric_rollups` and `check_rollups` (5-minute and 1-hour min/avg/max), `rollup_marks` (how far each
//! rollup has got) and `retention_runs` (what each retention run removed).

use sea_orm_migration::prelude::*;

use crate::columns::{epoch, id, real_null, text};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261127_004000_rollups_and_retention"
    }
}

fn int<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().to_owned()
}

/// The figures rolled up from `system_metrics`, each as `<name>_min`, `<name>_avg`, `<name>_max`.
const METRICS: [&str; 7] = [
    "cpu", "memory", "swap", "load_1", "disk", "net_rx", "net_tx",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut metrics = Table::create();
        metrics
            .table(MetricRollups::Table)
            .col(id(MetricRollups::Id))
            .col(text(MetricRollups::Hostname))
            .col(int(MetricRollups::BucketSecs))
            .col(epoch(MetricRollups::TsEpoch))
            .col(int(MetricRollups::Samples));
        for name in METRICS {
            for stat in ["min", "avg", "max"] {
                metrics.col(real_null(Alias::new(format!("{name}_{stat}"))));
            }
        }
        manager.create_table(metrics.to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_metric_rollups_host_bucket_ts")
                    .table(MetricRollups::Table)
                    .col(MetricRollups::Hostname)
                    .col(MetricRollups::BucketSecs)
                    .col(MetricRollups::TsEpoch)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_metric_rollups_ts")
                    .table(MetricRollups::Table)
                    .col(MetricRollups::TsEpoch)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CheckRollups::Table)
                    .col(id(CheckRollups::Id))
                    .col(text(CheckRollups::Hostname))
                    .col(text(CheckRollups::Target))
                    .col(text(CheckRollups::Method))
                    .col(int(CheckRollups::BucketSecs))
                    .col(epoch(CheckRollups::TsEpoch))
                    .col(int(CheckRollups::Samples))
                    .col(int(CheckRollups::Failures))
                    .col(real_null(CheckRollups::LatencyMin))
                    .col(real_null(CheckRollups::LatencyAvg))
                    .col(real_null(CheckRollups::LatencyMax))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_check_rollups_key")
                    .table(CheckRollups::Table)
                    .col(CheckRollups::Hostname)
                    .col(CheckRollups::Target)
                    .col(CheckRollups::Method)
                    .col(CheckRollups::BucketSecs)
                    .col(CheckRollups::TsEpoch)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_check_rollups_ts")
                    .table(CheckRollups::Table)
                    .col(CheckRollups::TsEpoch)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RollupMarks::Table)
                    .col(id(RollupMarks::Id))
                    .col(text(RollupMarks::Name).unique_key())
                    .col(epoch(RollupMarks::DoneUntil))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RetentionRuns::Table)
                    .col(id(RetentionRuns::Id))
                    .col(epoch(RetentionRuns::TsEpoch))
                    .col(text(RetentionRuns::TableName))
                    .col(epoch(RetentionRuns::CutoffEpoch))
                    .col(int(RetentionRuns::RowsRemoved))
                    .col(int(RetentionRuns::PartitionsDropped))
                    .col(real_null(RetentionRuns::DurationSecs))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_retention_runs_ts")
                    .table(RetentionRuns::Table)
                    .col((RetentionRuns::TsEpoch, IndexOrder::Desc))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RetentionRuns::Table.into_iden(),
            RollupMarks::Table.into_iden(),
            CheckRollups::Table.into_iden(),
            MetricRollups::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum MetricRollups {
    Table,
    Id,
    Hostname,
    BucketSecs,
    TsEpoch,
    Samples,
}

#[derive(DeriveIden)]
enum CheckRollups {
    Table,
    Id,
    Hostname,
    Target,
    Method,
    BucketSecs,
    TsEpoch,
    Samples,
    Failures,
    LatencyMin,
    LatencyAvg,
    LatencyMax,
}

#[derive(DeriveIden)]
enum RollupMarks {
    Table,
    Id,
    Name,
    DoneUntil,
}

#[derive(DeriveIden)]
enum RetentionRuns {
    Table,
    Id,
    TsEpoch,
    TableName,
    CutoffEpoch,
    RowsRemoved,
    PartitionsDropped,
    DurationSecs,
}

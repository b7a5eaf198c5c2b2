//! smartmon's schema, one migration per change; each builds portable SQL so Postgres and SQLite match.
//!
//! Time columns hold seconds since the Unix epoch as `DOUBLE PRECISION` (`ts_epoch`, `*_at`), the same
//! representation on both backends, and the one the deployment spec's runbook queries order by.

pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261127_000001_hosts_and_services;
mod m20261127_000002_system_metrics;
mod m20261127_000003_users_sessions_audit;
mod m20261127_001000_disks_checks_alerts;
mod m20261127_001100_filesystem_usage;
mod m20261127_003000_restart_requests;
mod m20261127_004000_rollups_and_retention;
mod m20261127_004100_partitioned_history;
mod m20261201_000100_replica_coordination;
mod m20261201_000200_hosts_services_seen;
mod m20261202_000100_audit_refusal_count;
mod m20261207_000100_notifications;
mod m20261207_000110_notification_silences;
mod m20261207_000200_unit_operations;
mod m20261208_000100_unit_grants;
mod m20261208_000200_notify_email_recurring;
mod m20261208_000300_log_requests;

/// Applies smartmon's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_hosts_and_services::Migration),
            Box::new(m20261127_000002_system_metrics::Migration),
            Box::new(m20261127_000003_users_sessions_audit::Migration),
            Box::new(m20261127_001000_disks_checks_alerts::Migration),
            Box::new(m20261127_001100_filesystem_usage::Migration),
            Box::new(m20261127_003000_restart_requests::Migration),
            Box::new(m20261127_004000_rollups_and_retention::Migration),
            Box::new(m20261127_004100_partitioned_history::Migration),
            Box::new(m20261201_000100_replica_coordination::Migration),
            Box::new(m20261201_000200_hosts_services_seen::Migration),
            Box::new(m20261202_000100_audit_refusal_count::Migration),
            Box::new(m20261207_000100_notifications::Migration),
            Box::new(m20261207_000110_notification_silences::Migration),
            Box::new(m20261207_000200_unit_operations::Migration),
            Box::new(m20261208_000100_unit_grants::Migration),
            Box::new(m20261208_000200_notify_email_recurring::Migration),
            Box::new(m20261208_000300_log_requests::Migration),
        ]
    }
}

//! sea-orm entities, one per table; the schema itself is defined by the `migration` crate.
//! Times are seconds since the Unix epoch (`f64`), as in the migrations.

pub mod alerts;
pub mod audit_log;
pub mod disk_health;
pub mod filesystem_usage;
pub mod hosts;
pub mod log_requests;
pub mod network_checks;
pub mod notification_channels;
pub mod notification_outbox;
pub mod notification_schedules;
pub mod notification_silences;
pub mod restart_requests;
pub mod service_current;
pub mod service_status;
pub mod sessions;
pub mod system_metrics;
pub mod unit_grants;
pub mod users;

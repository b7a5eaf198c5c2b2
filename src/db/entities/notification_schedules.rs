//! `notification_schedules`: a recurring (weekly) maintenance window in an IANA time zone.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_schedules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Host glob(s); empty or `*` is every host (fleet-wide).
    pub hosts: String,
    /// Unit glob(s); empty is every unit and every alert that names none.
    pub units: String,
    /// Weekdays, `mon,…,sun`.
    pub days: String,
    /// Local start, `HH:MM`.
    pub start_time: String,
    pub minutes: i32,
    /// IANA name, e.g. `Europe/Berlin`.
    pub time_zone: String,
    pub reason: String,
    pub created_by: String,
    /// `ui` (the Notifications page) or `file` (`SMARTMON_NOTIFY_CONFIG`).
    pub origin: String,
    pub created_at: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

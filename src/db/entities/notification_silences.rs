//! `notification_silences`: a maintenance window or snooze over hosts and units (globs).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_silences")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Host glob(s); empty or `*` is every host (fleet-wide).
    pub hosts: String,
    /// Unit glob(s); empty is every unit and every alert that names none.
    pub units: String,
    pub starts_at: f64,
    pub ends_at: f64,
    pub reason: String,
    pub created_by: String,
    /// Whether the end-of-window summary was queued.
    pub summary_sent: bool,
    pub created_at: f64,
    /// The recurring window this is an occurrence of (`notification_schedules`), if any.
    pub schedule_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Whether the window covers an alert of `hostname` with `source`.
    pub fn covers(&self, hostname: &str, source: &str) -> bool {
        use crate::domain::notify_route::{glob_any, unit_of};
        let units = self.units.trim();
        glob_any(&self.hosts, hostname)
            && (units.is_empty()
                || units == "*"
                || unit_of(source).is_some_and(|u| glob_any(units, u)))
    }
}

//! `alerts`: a condition that opened (and later resolved); one open alert per (hostname, source).

use sea_orm::entity::prelude::*;

use crate::domain::{Hostname, Severity};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hostname: Hostname,
    /// What raised it, e.g. `service:nginx.service`, `disk:/dev/sda`, `usage:disk:/`, `check:ping:8.8.8.8`.
    pub source: String,
    /// Stored as `warning` or `critical`.
    pub severity: Severity,
    pub message: String,
    pub opened_at: f64,
    /// The last collection that still saw the condition.
    pub last_seen_at: f64,
    /// NULL while the alert is open.
    pub resolved_at: Option<f64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

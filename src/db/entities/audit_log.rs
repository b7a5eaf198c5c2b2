//! `audit_log`: append-only record of security-relevant actions.

use sea_orm::entity::prelude::*;

use crate::domain::AuditAction;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ts_epoch: f64,
    pub username: Option<String>,
    pub client_ip: Option<String>,
    /// What happened, stored as e.g. `login`, `login_failed`, `restart_requested`.
    pub action: AuditAction,
    pub hostname: Option<String>,
    /// What it happened to (a unit, a username).
    pub target: Option<String>,
    pub success: bool,
    /// Free-form JSON with the details.
    pub detail: Option<String>,
    /// How many times it happened: 1, or a limiter's refusals of one client within one window.
    pub count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

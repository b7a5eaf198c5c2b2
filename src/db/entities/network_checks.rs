//! `network_checks`: one result per check per run.

use sea_orm::entity::prelude::*;

use crate::domain::Hostname;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "network_checks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hostname: Hostname,
    pub ts_epoch: f64,
    pub target: String,
    /// `ping`, `nslookup`, `tcp`, `http`.
    pub method: String,
    /// `ok` or `fail`.
    pub status: String,
    pub latency_ms: Option<f64>,
    pub loss_percent: Option<f64>,
    pub detail: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

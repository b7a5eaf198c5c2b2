//! `system_metrics`: one row per host per collection.

use sea_orm::entity::prelude::*;

use crate::domain::Hostname;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "system_metrics")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hostname: Hostname,
    pub ts_epoch: f64,
    pub cpu_percent: Option<f64>,
    pub memory_percent: Option<f64>,
    pub swap_percent: Option<f64>,
    #[sea_orm(column_name = "load_1")]
    pub load_1: Option<f64>,
    #[sea_orm(column_name = "load_5")]
    pub load_5: Option<f64>,
    #[sea_orm(column_name = "load_15")]
    pub load_15: Option<f64>,
    pub disk_percent: Option<f64>,
    pub inode_percent: Option<f64>,
    pub net_rx_bps: Option<f64>,
    pub net_tx_bps: Option<f64>,
    pub uptime_secs: Option<i64>,
    pub process_count: Option<i32>,
    pub temperature_c: Option<f64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `service_current`: every unit's latest state, one row per (hostname, service_name).

use sea_orm::entity::prelude::*;

use crate::domain::{Hostname, ServiceState, UnitName};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "service_current")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hostname: Hostname,
    pub service_name: UnitName,
    /// systemd's `ActiveState`.
    pub raw_status: String,
    /// Stored as `running`, `stopped`, `failed`, `transitioning` or `unknown`.
    pub normalized_status: ServiceState,
    pub sub_state: String,
    pub service_type: String,
    pub unit_file_state: String,
    pub load_state: String,
    pub description: String,
    pub recoverable: bool,
    /// When the unit entered its current normalized state.
    pub since_epoch: f64,
    /// When the state was last observed.
    pub ts_epoch: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

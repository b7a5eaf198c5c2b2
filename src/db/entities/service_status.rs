//! `service_status`: history, one row per observed state change (and the first sighting).

use sea_orm::entity::prelude::*;

use crate::domain::{Hostname, ServiceState, UnitName};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "service_status")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hostname: Hostname,
    pub service_name: UnitName,
    pub raw_status: String,
    pub normalized_status: ServiceState,
    pub sub_state: String,
    pub service_type: String,
    pub unit_file_state: String,
    pub load_state: String,
    pub ts_epoch: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

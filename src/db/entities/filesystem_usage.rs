//! `filesystem_usage`: one row per real mounted filesystem per host per sample.

use sea_orm::entity::prelude::*;

use crate::domain::Hostname;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "filesystem_usage")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hostname: Hostname,
    pub ts_epoch: f64,
    /// Where the host mounts it (`/`, `/data`).
    pub mount_point: String,
    pub space_percent: Option<f64>,
    pub inode_percent: Option<f64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

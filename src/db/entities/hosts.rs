//! `hosts`: one row per monitored host.

use sea_orm::entity::prelude::*;

use crate::domain::Hostname;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "hosts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub hostname: Hostname,
    pub os: Option<String>,
    pub kernel: Option<String>,
    pub agent_version: Option<String>,
    pub first_seen: f64,
    pub last_seen: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

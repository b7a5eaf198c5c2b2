//! `unit_grants`: who may take which actions on which hosts' units (`domain::grant`).

use sea_orm::entity::prelude::*;

use crate::domain::grant::SubjectKind;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "unit_grants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub subject_kind: SubjectKind,
    /// A user name or an SSO group name, lower case.
    pub subject: String,
    pub host_pattern: String,
    pub unit_pattern: String,
    /// Permission names joined by commas (`logs,restart`).
    pub actions: String,
    pub created_by: String,
    pub created_at: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

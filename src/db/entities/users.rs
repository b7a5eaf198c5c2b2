//! `users`: local accounts with argon2id hashes and a role.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub username: String,
    pub password_hash: String,
    /// `viewer`, `operator` or `admin`.
    pub role: String,
    pub disabled: bool,
    pub created_at: f64,
    pub last_login_at: Option<f64>,
    pub password_changed_at: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

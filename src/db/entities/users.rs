//! `users`: local accounts with argon2id hashes and a role.

use sea_orm::entity::prelude::*;

use crate::domain::{PasswordHash, Role};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub username: String,
    /// An argon2 PHC string, or `!sso` for an account that signs in only through SSO.
    pub password_hash: PasswordHash,
    /// Stored as `viewer`, `operator` or `admin`.
    pub role: Role,
    pub disabled: bool,
    pub created_at: f64,
    pub last_login_at: Option<f64>,
    pub password_changed_at: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

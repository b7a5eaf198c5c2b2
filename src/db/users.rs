//! Queries on `users`.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};

use std::sync::atomic::{AtomicU64, Ordering};

use crate::db::entities::users::{self, Column, Entity, Model};
use crate::domain::{PasswordHash, Role};

/// Bumped by every change to an account's password, role or enabled flag made in this process, so what
/// is held from an earlier check (a verified Basic Auth credential) is checked again at once.
static CHANGES: AtomicU64 = AtomicU64::new(0);

/// How many account changes this process has made (compare two readings: different means re-check).
pub(crate) fn generation() -> u64 {
    CHANGES.load(Ordering::Acquire)
}

fn changed() {
    CHANGES.fetch_add(1, Ordering::AcqRel);
}

pub(crate) async fn find_by_username(
    conn: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::Username.eq(username))
        .one(conn)
        .await
}

pub async fn count(conn: &impl ConnectionTrait) -> Result<u64, DbErr> {
    Entity::find().count(conn).await
}

pub async fn list(conn: &impl ConnectionTrait) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .order_by_asc(Column::Username)
        .all(conn)
        .await
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    username: &str,
    password_hash: PasswordHash,
    role: Role,
    now: f64,
) -> Result<Model, DbErr> {
    users::ActiveModel {
        username: Set(username.to_owned()),
        password_hash: Set(password_hash),
        role: Set(role),
        disabled: Set(false),
        created_at: Set(now),
        last_login_at: Set(None),
        password_changed_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
}

pub(crate) async fn set_password(
    conn: &impl ConnectionTrait,
    id: i64,
    password_hash: PasswordHash,
    now: f64,
) -> Result<(), DbErr> {
    let updated = Entity::update_many()
        .col_expr(Column::PasswordHash, Expr::value(password_hash))
        .col_expr(Column::PasswordChangedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(conn)
        .await;
    // After the write, so a check that read the row before it sees a new generation.
    changed();
    updated.map(|_| ())
}

pub async fn set_disabled(
    conn: &impl ConnectionTrait,
    id: i64,
    disabled: bool,
) -> Result<(), DbErr> {
    let updated = Entity::update_many()
        .col_expr(Column::Disabled, Expr::value(disabled))
        .filter(Column::Id.eq(id))
        .exec(conn)
        .await;
    // After the write, so a check that read the row before it sees a new generation.
    changed();
    updated.map(|_| ())
}

pub(crate) async fn set_role(
    conn: &impl ConnectionTrait,
    id: i64,
    role: Role,
) -> Result<(), DbErr> {
    let updated = Entity::update_many()
        .col_expr(Column::Role, Expr::value(role))
        .filter(Column::Id.eq(id))
        .exec(conn)
        .await;
    // After the write, so a check that read the row before it sees a new generation.
    changed();
    updated.map(|_| ())
}

pub(crate) async fn touch_login(
    conn: &impl ConnectionTrait,
    id: i64,
    now: f64,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::LastLoginAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

//! Queries on `sessions`. `id` is the SHA-256 of the cookie's token, never the token.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, IntoActiveModel,
    QueryFilter,
};

use crate::db::entities::sessions::{Column, Entity, Model};
use crate::db::entities::users;

pub async fn insert(conn: &impl ConnectionTrait, session: Model) -> Result<(), DbErr> {
    session.into_active_model().insert(conn).await.map(|_| ())
}

/// The session with this id and its user.
pub(crate) async fn find_with_user(
    conn: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<(Model, users::Model)>, DbErr> {
    let Some(session) = Entity::find_by_id(id.to_owned()).one(conn).await? else {
        return Ok(None);
    };
    let user = users::Entity::find_by_id(session.user_id).one(conn).await?;
    Ok(user.map(|user| (session, user)))
}

pub(crate) async fn touch(conn: &impl ConnectionTrait, id: &str, now: f64) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::LastSeenAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

pub async fn delete(conn: &impl ConnectionTrait, id: &str) -> Result<(), DbErr> {
    Entity::delete_by_id(id.to_owned())
        .exec(conn)
        .await
        .map(|_| ())
}

/// Ends every session of a user except `keep` (the one changing its own password); returns how many.
pub(crate) async fn delete_for_user(
    conn: &impl ConnectionTrait,
    user_id: i64,
    keep: Option<&str>,
) -> Result<u64, DbErr> {
    let mut query = Entity::delete_many().filter(Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        query = query.filter(Column::Id.ne(keep));
    }
    Ok(query.exec(conn).await?.rows_affected)
}

/// Removes sessions past their absolute lifetime or idle for longer than `idle_secs`.
pub(crate) async fn delete_expired(
    conn: &impl ConnectionTrait,
    now: f64,
    idle_secs: f64,
) -> Result<u64, DbErr> {
    Ok(Entity::delete_many()
        .filter(
            Column::ExpiresAt
                .lte(now)
                .or(Column::LastSeenAt.lte(now - idle_secs)),
        )
        .exec(conn)
        .await?
        .rows_affected)
}

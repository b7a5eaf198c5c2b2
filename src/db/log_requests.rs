//! Queries on `log_requests`: the console queues a read of a unit's journal for another host, that
//! host's agent claims it, answers it, and the console reads the answer (then deletes old rows).

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::db::entities::log_requests::{ActiveModel, Column, Entity, Model};

/// Queues a read for `host`'s agent; the request's id.
pub async fn queue(
    conn: &impl ConnectionTrait,
    host: &str,
    unit: &str,
    ask: &str,
    now: f64,
) -> Result<i64, DbErr> {
    let row = ActiveModel {
        id: NotSet,
        hostname: Set(host.to_owned()),
        unit: Set(unit.to_owned()),
        ask: Set(ask.to_owned()),
        state: Set("queued".into()),
        answered_by: Set(None),
        answer: Set(None),
        error: Set(None),
        requested_at: Set(now),
        answered_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

/// Takes the oldest queued request for `host` asked since `since` (older ones nobody waits for any
/// more); None when there is none.
pub async fn claim_next(
    conn: &impl ConnectionTrait,
    host: &str,
    by: &str,
    since: f64,
) -> Result<Option<Model>, DbErr> {
    let candidates = Entity::find()
        .filter(Column::Hostname.eq(host))
        .filter(Column::State.eq("queued"))
        .filter(Column::RequestedAt.gte(since))
        .order_by_asc(Column::Id)
        .limit(8)
        .all(conn)
        .await?;
    for row in candidates {
        let taken = Entity::update_many()
            .col_expr(Column::State, Expr::value("running"))
            .col_expr(Column::AnsweredBy, Expr::value(by))
            .filter(Column::Id.eq(row.id))
            .filter(Column::State.eq("queued"))
            .exec(conn)
            .await?;
        if taken.rows_affected == 1 {
            return Ok(Some(row));
        }
    }
    Ok(None)
}

/// Records the agent's answer: the page's JSON, or why it has none.
pub async fn answer(
    conn: &impl ConnectionTrait,
    id: i64,
    outcome: Result<String, String>,
    now: f64,
) -> Result<(), DbErr> {
    let (state, answer, error) = match outcome {
        Ok(json) => ("answered", Some(json), None),
        Err(why) => ("failed", None, Some(why)),
    };
    Entity::update_many()
        .col_expr(Column::State, Expr::value(state))
        .col_expr(Column::Answer, Expr::value(answer))
        .col_expr(Column::Error, Expr::value(error))
        .col_expr(Column::AnsweredAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn find(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id).one(conn).await
}

/// The console stopped waiting: a request still queued is marked `expired` so no agent takes it.
pub async fn give_up(conn: &impl ConnectionTrait, id: i64, now: f64) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::State, Expr::value("expired"))
        .col_expr(
            Column::Error,
            Expr::value("no agent answered while the console waited"),
        )
        .col_expr(Column::AnsweredAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq("queued"))
        .exec(conn)
        .await?;
    Ok(())
}

/// Deletes requests asked before `cutoff` (their pages have long been shown); how many.
pub async fn prune(conn: &impl ConnectionTrait, cutoff: f64) -> Result<u64, DbErr> {
    Ok(Entity::delete_many()
        .filter(Column::RequestedAt.lt(cutoff))
        .exec(conn)
        .await?
        .rows_affected)
}

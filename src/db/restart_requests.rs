//! Queries on `restart_requests`: record a request, move it through its states, and the reads the
//! gates (cooldown, backoff, auto-remediation limit), the agents (claim, expire) and the pages need.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::db::entities::restart_requests::{self, Column, Entity, Model};
use crate::domain::{Hostname, RestartState, UnitAction, UnitName};

/// A request as first recorded.
#[derive(Debug, Clone)]
pub struct NewRequest<'a> {
    pub hostname: &'a Hostname,
    pub service_name: &'a UnitName,
    pub action: UnitAction,
    pub requested_by: &'a str,
    pub client_ip: Option<&'a str>,
    pub source: &'a str,
    pub state: RestartState,
    pub dry_run: bool,
    pub result: Option<&'a str>,
    pub error: Option<&'a str>,
    pub requested_at: f64,
}

pub async fn insert(conn: &impl ConnectionTrait, new: NewRequest<'_>) -> Result<Model, DbErr> {
    restart_requests::ActiveModel {
        hostname: Set(new.hostname.clone()),
        service_name: Set(new.service_name.clone()),
        action: Set(new.action),
        requested_by: Set(new.requested_by.to_owned()),
        client_ip: Set(new.client_ip.map(str::to_owned)),
        source: Set(new.source.to_owned()),
        state: Set(new.state),
        dry_run: Set(new.dry_run),
        result: Set(new.result.map(str::to_owned)),
        error: Set(new.error.map(str::to_owned)),
        requested_at: Set(new.requested_at),
        finished_at: Set(new.state.is_final().then_some(new.requested_at)),
        ..Default::default()
    }
    .insert(conn)
    .await
}

/// How a request ended (or that it started running).
#[derive(Debug, Clone)]
pub struct Progress {
    pub state: RestartState,
    pub result: Option<String>,
    pub active_state: Option<String>,
    pub error: Option<String>,
    pub executed_by: Option<String>,
    pub started_at: Option<f64>,
    pub finished_at: Option<f64>,
    pub duration_secs: Option<f64>,
}

impl Progress {
    /// The new state and nothing else yet.
    pub fn new(state: RestartState) -> Self {
        Self {
            state,
            result: None,
            active_state: None,
            error: None,
            executed_by: None,
            started_at: None,
            finished_at: None,
            duration_secs: None,
        }
    }
}

pub async fn record(conn: &impl ConnectionTrait, id: i64, p: Progress) -> Result<Model, DbErr> {
    let Some(row) = Entity::find_by_id(id).one(conn).await? else {
        return Err(DbErr::RecordNotFound(format!("restart request {id}")));
    };
    let mut row: restart_requests::ActiveModel = row.into();
    row.state = Set(p.state);
    if p.result.is_some() {
        row.result = Set(p.result);
    }
    if p.active_state.is_some() {
        row.active_state = Set(p.active_state);
    }
    if p.error.is_some() {
        row.error = Set(p.error);
    }
    if p.executed_by.is_some() {
        row.executed_by = Set(p.executed_by);
    }
    if p.started_at.is_some() {
        row.started_at = Set(p.started_at);
    }
    if p.finished_at.is_some() {
        row.finished_at = Set(p.finished_at);
    }
    if p.duration_secs.is_some() {
        row.duration_secs = Set(p.duration_secs);
    }
    row.update(conn).await
}

/// When `unit` on `host` was last really restarted (or queued for it), if ever; other actions (a stop,
/// a start) do not start the restart cooldown.
pub(crate) async fn last_real(
    conn: &impl ConnectionTrait,
    host: &str,
    unit: &str,
) -> Result<Option<f64>, DbErr> {
    Ok(Entity::find()
        .filter(Column::Hostname.eq(host))
        .filter(Column::ServiceName.eq(unit))
        .filter(Column::State.is_in(RestartState::REAL))
        .filter(Column::Action.eq(UnitAction::Restart))
        .order_by_desc(Column::RequestedAt)
        .one(conn)
        .await?
        .map(|r| r.requested_at))
}

/// Whether a request for (host, unit) asked after `since` is `running` now (by any process).
pub(crate) async fn running_since(
    conn: &impl ConnectionTrait,
    host: &str,
    unit: &str,
    since: f64,
) -> Result<bool, DbErr> {
    let running = Entity::find()
        .filter(Column::Hostname.eq(host))
        .filter(Column::ServiceName.eq(unit))
        .filter(Column::State.eq(RestartState::Running))
        .filter(Column::RequestedAt.gt(since))
        .count(conn)
        .await?;
    Ok(running > 0)
}

/// Restart rows for (host, unit) since `since` in one of `states` (and from `source`, when given).
pub(crate) async fn count_since(
    conn: &impl ConnectionTrait,
    host: &str,
    unit: &str,
    since: f64,
    states: &[RestartState],
    source: Option<&str>,
) -> Result<u64, DbErr> {
    let mut q = Entity::find()
        .filter(Column::Hostname.eq(host))
        .filter(Column::ServiceName.eq(unit))
        .filter(Column::RequestedAt.gte(since))
        .filter(Column::Action.eq(UnitAction::Restart))
        .filter(Column::State.is_in(states.iter().copied()));
    if let Some(source) = source {
        q = q.filter(Column::Source.eq(source));
    }
    q.count(conn).await
}

/// Moves the oldest `queued` request for `host` to `running`; `None` when there is none or another
/// agent took it first (the update only applies while the row is still queued).
pub(crate) async fn claim_next(
    conn: &impl ConnectionTrait,
    host: &str,
    executed_by: &str,
    now: f64,
) -> Result<Option<Model>, DbErr> {
    let candidates = Entity::find()
        .filter(Column::Hostname.eq(host))
        .filter(Column::State.eq(RestartState::Queued))
        .order_by_asc(Column::Id)
        .limit(8)
        .all(conn)
        .await?;
    for row in candidates {
        let taken = Entity::update_many()
            .col_expr(Column::State, Expr::value(RestartState::Running))
            .col_expr(Column::StartedAt, Expr::value(now))
            .col_expr(Column::ExecutedBy, Expr::value(executed_by))
            .filter(Column::Id.eq(row.id))
            .filter(Column::State.eq(RestartState::Queued))
            .exec(conn)
            .await?;
        if taken.rows_affected == 1 {
            return Entity::find_by_id(row.id).one(conn).await;
        }
    }
    Ok(None)
}

/// Marks requests still `queued` since before `cutoff` as `expired`; returns them.
pub async fn expire(
    conn: &impl ConnectionTrait,
    cutoff: f64,
    now: f64,
) -> Result<Vec<Model>, DbErr> {
    let stale = Entity::find()
        .filter(Column::State.eq(RestartState::Queued))
        .filter(Column::RequestedAt.lt(cutoff))
        .all(conn)
        .await?;
    let mut expired = Vec::new();
    for row in stale {
        let done = Entity::update_many()
            .col_expr(Column::State, Expr::value(RestartState::Expired))
            .col_expr(Column::Result, Expr::value(RestartState::Expired.as_str()))
            .col_expr(
                Column::Error,
                Expr::value("no agent on this host picked the request up in time"),
            )
            .col_expr(Column::FinishedAt, Expr::value(now))
            .filter(Column::Id.eq(row.id))
            .filter(Column::State.eq(RestartState::Queued))
            .exec(conn)
            .await?;
        if done.rows_affected == 1 {
            expired.push(row);
        }
    }
    Ok(expired)
}

pub async fn find(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id).one(conn).await
}

/// Refusals shown in a unit's history beside its `limit` latest real requests.
const HISTORY_REFUSALS: u64 = 5;

/// A unit's restart history, newest first: its `limit` latest requests that were not refused, and its
/// few latest refusals, so a run of refused asks cannot push the real results out of sight.
pub async fn history(
    conn: &impl ConnectionTrait,
    host: &str,
    unit: &str,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    let of_unit = || {
        Entity::find()
            .filter(Column::Hostname.eq(host))
            .filter(Column::ServiceName.eq(unit))
            .order_by_desc(Column::Id)
    };
    let mut rows = of_unit()
        .filter(Column::State.ne(RestartState::Refused))
        .limit(limit)
        .all(conn)
        .await?;
    let refused = of_unit()
        .filter(Column::State.eq(RestartState::Refused))
        .limit(HISTORY_REFUSALS)
        .all(conn)
        .await?;
    rows.extend(refused);
    rows.sort_by_key(|r| std::cmp::Reverse(r.id));
    Ok(rows)
}

/// The latest requests on every host (the overview), newest first, refusals left out.
pub async fn latest(conn: &impl ConnectionTrait, limit: u64) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::State.ne(RestartState::Refused))
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(conn)
        .await
}

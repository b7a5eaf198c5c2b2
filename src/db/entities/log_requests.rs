//! `log_requests`: a unit's journal lines asked of another host's agent, and its answer.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "log_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The host whose agent answers.
    pub hostname: String,
    pub unit: String,
    /// What is asked (`journal::LogAsk` as JSON).
    pub ask: String,
    /// `queued`, `running`, `answered`, `failed` or `expired`.
    pub state: String,
    /// The agent that answered (`agent on HOST`).
    pub answered_by: Option<String>,
    /// The lines (`journal::Page` as JSON), when answered.
    pub answer: Option<String>,
    /// Why there are no lines, when it failed or expired.
    pub error: Option<String>,
    pub requested_at: f64,
    pub answered_at: Option<f64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

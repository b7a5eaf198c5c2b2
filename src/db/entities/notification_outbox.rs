//! `notification_outbox`: one message for one channel, and its delivery log (status, attempts, last
//! error, the receiver's answer).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub channel_id: i64,
    pub alert_id: Option<i64>,
    /// `opened`, `resolved`, `test`.
    pub event: String,
    pub hostname: String,
    pub source: String,
    pub severity: String,
    pub message: String,
    /// `pending`, `delivered`, `failed` (gave up), `cancelled` (recovered within the grace period),
    /// `suppressed` (its host was down).
    pub status: String,
    pub attempts: i32,
    pub created_at: f64,
    /// Not sent before this moment (the grace period, or the next retry).
    pub due_at: f64,
    pub sent_at: Option<f64>,
    /// The row whose request carried this one too (messages grouped into one request).
    pub grouped_with: Option<i64>,
    pub last_error: Option<String>,
    pub response_status: Option<i32>,
    /// The first bytes of the receiver's answer.
    pub response_body: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

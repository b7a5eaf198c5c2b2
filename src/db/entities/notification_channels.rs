//! `notification_channels`: where notifications go. `config` holds the kind's settings (JSON), `secrets`
//! its write-only values (JSON, never rendered), `route` its routing rule (`domain::NotifyRoute`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_channels")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    /// `webhook`, `ntfy`, ...
    pub kind: String,
    pub config: String,
    pub secrets: String,
    pub route: String,
    /// A failure is announced only if it lasts this long (a recovery inside it cancels the message).
    pub grace_secs: i32,
    pub enabled: bool,
    /// `ui` (made on the Notifications page) or `file` (from `SMARTMON_NOTIFY_CONFIG`, read-only there).
    pub origin: String,
    /// The replica sending this channel's messages now, and until when its claim holds.
    pub lease_owner: Option<String>,
    pub lease_until: Option<f64>,
    pub created_at: f64,
    pub updated_at: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

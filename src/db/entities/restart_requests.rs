//! `restart_requests`: one row per unit action (restart, start, stop, reload) asked for, and how it ended.

use sea_orm::entity::prelude::*;

use crate::domain::{Hostname, RestartState, UnitAction, UnitName};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "restart_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hostname: Hostname,
    pub service_name: UnitName,
    /// What was asked: `restart` (every row before unit operations), `start`, `stop` or `reload`.
    pub action: UnitAction,
    /// The user name, `api-key`, or `auto-remediation`.
    pub requested_by: String,
    pub client_ip: Option<String>,
    /// `ui`, `api`, `auto`, `helper`.
    pub source: String,
    /// Stored as `queued`, `running`, `done`, `failed`, `dry_run`, `refused` or `expired`.
    pub state: RestartState,
    pub dry_run: bool,
    /// systemd's job result (`done`, `failed`, `timeout`, …) or the refusing gate.
    pub result: Option<String>,
    /// `ActiveState` read after the job ended.
    pub active_state: Option<String>,
    pub error: Option<String>,
    /// The host (and executor) that ran it.
    pub executed_by: Option<String>,
    pub requested_at: f64,
    pub started_at: Option<f64>,
    pub finished_at: Option<f64>,
    pub duration_secs: Option<f64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

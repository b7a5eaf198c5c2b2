//! `disk_health`: one SMART reading per device per collection.

use sea_orm::entity::prelude::*;

use crate::domain::Hostname;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "disk_health")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hostname: Hostname,
    pub ts_epoch: f64,
    /// `/dev/sda`, `/dev/nvme0`.
    pub device: String,
    /// smartctl's device type (`sat`, `nvme`, `scsi`, …).
    pub device_type: String,
    /// `passed`, `failed`, `worn` (passed but attributes show wear), `standby`, `unreadable`.
    pub health: String,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub temperature_c: Option<f64>,
    pub power_on_hours: Option<i64>,
    pub reallocated_sectors: Option<i64>,
    pub pending_sectors: Option<i64>,
    /// NVMe `percentage_used`.
    pub percentage_used: Option<f64>,
    /// NVMe `media_errors`.
    pub media_errors: Option<i64>,
    pub detail: Option<String>,
    /// smartctl's JSON, capped in size.
    pub raw_json: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

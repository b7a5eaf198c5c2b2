//! `AppState`: what every handler shares (settings, database and its health).

use std::sync::Arc;

use crate::config::Settings;
use crate::db::Db;
use crate::db::health::DbHealth;

/// Cheap to clone; handlers receive it as `web::Data<AppState>`.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub health: DbHealth,
}

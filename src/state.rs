//! `AppState`: what every handler shares (settings, database, assets).

use std::sync::Arc;

use crate::config::Settings;
use crate::db::Db;

/// Cheap to clone; handlers receive it as `web::Data<AppState>`.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
}

//! `AppState`: what every handler shares (settings, database, live events).

use std::sync::Arc;

use crate::config::Settings;
use crate::db::Db;
use crate::live::LiveBus;

/// Cheap to clone; handlers receive it as `web::Data<AppState>`.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    /// Change events for live views (local broadcast, and `LISTEN/NOTIFY` on Postgres).
    pub live: LiveBus,
}

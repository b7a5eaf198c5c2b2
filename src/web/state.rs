//! `AppState`: what every handler shares (database and its health, live events, clock, access,
//! restarts).

use std::sync::Arc;

use crate::auth::AuthContext;
use crate::clock::Clock;
use crate::db::Db;
use crate::db::health::DbHealth;
use crate::lifecycle::LifecycleSettings;
use crate::live::LiveBus;
use crate::live_state::CurrentState;
use crate::notify::Notifier;
use crate::restart::Restarter;
use crate::web::live_feed::LiveFeed;
use crate::web::log_feed::LogFeed;
use crate::web::row_cache::RowCache;
use crate::web::stream_limits::StreamSlots;

/// Cheap to clone; handlers receive it as `web::Data<AppState>`.
#[derive(Clone)]
pub struct AppState {
    /// Retention and rollups, for the Data page.
    pub lifecycle: Arc<LifecycleSettings>,
    pub db: Db,
    /// Time as the application sees it (tests advance it instead of sleeping).
    pub clock: Clock,
    /// Access control: sessions cache, SSO verifier, rate limits, first-run setup.
    pub auth: Arc<AuthContext>,
    /// Whether the database answers, watched in the background.
    pub health: DbHealth,
    /// Change events for live views (local broadcast, and `LISTEN/NOTIFY` on Postgres).
    pub live: LiveBus,
    /// The same changes rendered once as Server-Sent Events frames for every open page.
    pub feed: LiveFeed,
    /// Every unit's latest state and the host names, in memory for the live pages.
    pub current: Arc<CurrentState>,
    /// Services-table rows rendered once per unit change.
    pub rows: Arc<RowCache>,
    /// The restart workflow (gates, executor, queue for other hosts).
    pub restart: Restarter,
    /// Notification channels' sender (the Notifications page tests channels through it).
    pub notifier: Notifier,
    /// Open live streams per user (the cap on `/events`).
    pub streams: Arc<StreamSlots>,
    /// This host's journal, and the shared followers that stream units' new lines to open pages.
    pub logs: LogFeed,
}

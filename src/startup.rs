//! Building and running the server: connect, migrate, bind (port 0 in tests), serve until stopped.
//! `smartmon serve` and the integration tests start the server through the same `Application::build`.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::auth::{AuthContext, AuthDeps, bootstrap};
use crate::clock::Clock;
use crate::collector::Collector;
use crate::config::Settings;
use crate::db::health::DbHealth;
use crate::db::{Backend, DatabaseSettings, Db};
use crate::journal::Journal;
use crate::live::LiveBus;
use crate::live_state::CurrentState;
use crate::restart::{RestartLimiter, Restarter};
use crate::web::error::AppError;
use crate::web::limits::Limits;
use crate::web::live_feed::LiveFeed;
use crate::web::log_feed::LogFeed;
use crate::web::remote_log::RemoteLogs;
use crate::web::row_cache::RowCache;
use crate::web::state::AppState;
use crate::web::stream_limits::StreamSlots;
use crate::web::{HttpSettings, middleware, routes};

/// How often the background probe asks the database whether it answers.
const HEALTH_INTERVAL: Duration = Duration::from_secs(2);

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    /// Connects to the database, applies migrations where the settings ask for it, and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = Db::connect(&settings.database).await?;
        prepare_schema(&db, &settings.database).await?;
        let listener =
            TcpListener::bind((settings.http.bind, settings.http.port)).with_context(|| {
                format!(
                    "cannot listen on {}:{} (GUI_BIND, GUI_PORT)",
                    settings.http.bind, settings.http.port
                )
            })?;
        let port = listener.local_addr()?.port();
        let clock = Clock::default();
        let setup = bootstrap::first_run(&db, &clock, &settings.auth).await?;
        let health = DbHealth::start(db.clone(), HEALTH_INTERVAL);
        let csrf_secret = crate::auth::context::shared_csrf_secret(&db, &clock).await?;
        let auth = AuthContext::new(AuthDeps {
            settings: settings.auth.clone(),
            api_key: settings.api_key.clone(),
            db: db.clone(),
            clock: clock.clone(),
            health: health.clone(),
            setup,
            csrf_secret,
        })?;
        let limits = Limits::new(
            &settings.auth.limits,
            &settings.auth.trusted_proxies,
            settings.api_key.as_ref(),
        )?;
        limits.spawn_housekeeping();
        auth.refusals.spawn_flusher();
        let live = start_live(&db, &settings.database);
        let site = settings.site.resolve()?;
        let restart = Restarter::new(
            settings.restart.clone(),
            &site,
            settings.api_key.clone(),
            db.clone(),
            live.clone(),
            clock.clone(),
            Some(
                RestartLimiter::new(clock.clone(), settings.restart.per_user_per_minute)
                    .with_refusals(auth.refusals.clone()),
            ),
        );
        // The console restarts this host's units itself; queued requests are for other hosts' agents.
        restart.spawn_background(false);
        if settings.collector.enabled_in_serve {
            let collector =
                Collector::new(settings.collector.clone(), &site, db.clone(), live.clone())
                    .await?
                    .with_journal(Journal::new(settings.journal.clone()));
            tracing::info!(hostname = %collector.hostname(), "collecting for this host");
            collector.spawn();
        }
        let current = CurrentState::start(db.clone(), &live, &health).await;
        let rows = Arc::new(RowCache::default());
        let feed = LiveFeed::start(&current, rows.clone(), clock.clone());
        let feed_for_logs = feed.clone();
        if settings.lifecycle.enabled {
            crate::lifecycle::spawn(db.clone(), settings.lifecycle.clone());
        }
        if let Some(path) = &settings.notify.config_file {
            let file = crate::notify::file_config::load(path)?;
            crate::notify::file_config::apply(&db, file, clock.now()).await?;
        }
        let notifier = crate::notify::Notifier::new(
            settings.notify.clone(),
            db.clone(),
            live.clone(),
            clock.clone(),
        )?;
        if settings.notify.enabled {
            notifier.spawn();
        }
        let http = settings.http.clone();
        let logs = LogFeed::new(
            Journal::new(settings.journal),
            restart.hostname().clone(),
            RemoteLogs::new(db.clone(), live.clone(), clock.clone()),
            feed_for_logs,
        );
        let state = AppState {
            lifecycle: Arc::new(settings.lifecycle),
            db,
            clock,
            auth,
            health,
            live,
            feed,
            current,
            rows,
            restart,
            notifier,
            streams: Arc::new(StreamSlots::new(http.streams_per_user)),
            logs,
        };
        crate::web::live_parts::spawn(state.clone());
        let server = serve(listener, &http, limits, state.clone())?;
        Ok(Self {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle that stops the server (tests stop theirs when they finish).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM, then ends the live streams (which never finish by themselves) and
    /// lets in-flight requests finish (up to 10 s), so a container stop is quick and never a SIGKILL.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let feed = self.state.feed.clone();
        tokio::spawn(async move {
            if shutdown_signal().await.is_ok() {
                tracing::info!("stopping: closing live streams and finishing requests");
                feed.close();
                handle.stop(true).await;
            }
        });
        self.server.await
    }
}

/// SIGINT or SIGTERM, whichever comes first.
#[cfg(unix)]
pub async fn shutdown_signal() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::select! {
        interrupted = tokio::signal::ctrl_c() => interrupted,
        _ = terminate.recv() => Ok(()),
    }
}

/// Ctrl-C, or the console window closing, or the machine shutting down.
#[cfg(windows)]
pub async fn shutdown_signal() -> std::io::Result<()> {
    use tokio::signal::windows::{ctrl_close, ctrl_shutdown};
    let mut close = ctrl_close()?;
    let mut shutdown = ctrl_shutdown()?;
    tokio::select! {
        interrupted = tokio::signal::ctrl_c() => interrupted,
        _ = close.recv() => Ok(()),
        _ = shutdown.recv() => Ok(()),
    }
}

/// The collector for the host `settings` name (what `serve` and `agent` run, and tests drive).
pub async fn collector(settings: &Settings, db: Db, live: LiveBus) -> anyhow::Result<Collector> {
    let site = settings.site.resolve()?;
    Ok(Collector::new(settings.collector.clone(), &site, db, live)
        .await?
        .with_journal(Journal::new(settings.journal.clone())))
}

/// The live event bus; on Postgres it also listens for other processes' events.
pub fn start_live(db: &Db, settings: &DatabaseSettings) -> LiveBus {
    let live = LiveBus::new(db);
    if let (Backend::Postgres, Some(url)) = (db.backend, &settings.url) {
        live.spawn_listener(url.expose().to_owned());
    }
    live
}

/// SQLite always migrates itself; Postgres migrates at start only with `SMARTMON_INIT_PG=1`.
pub async fn prepare_schema(db: &Db, settings: &DatabaseSettings) -> anyhow::Result<()> {
    if db.backend == Backend::Sqlite || settings.init_pg {
        db.migrate().await
    } else {
        db.ensure_migrated().await
    }
}

fn serve(
    listener: TcpListener,
    http: &HttpSettings,
    limits: Limits,
    state: AppState,
) -> anyhow::Result<Server> {
    let max_body = http.max_body_bytes;
    let workers = http.workers;
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(max_body))
            .app_data(web::FormConfig::default().limit(max_body))
            .app_data(web::JsonConfig::default().limit(max_body))
            .wrap(from_fn(crate::web::bad_input::reject_nul))
            .wrap(Compress::default())
            .wrap(from_fn(middleware::error_pages))
            .wrap(from_fn(middleware::security_headers))
            .wrap(from_fn(middleware::log_request))
            .configure(|cfg| routes::configure(cfg, &limits))
            .default_service(web::to(not_found))
    })
    .workers(workers)
    .disable_signals() // `run_until_stopped` handles them, closing the live streams first
    .shutdown_timeout(10)
    .client_request_timeout(Duration::from_secs(10))
    .listen(listener)?
    .run();
    Ok(server)
}

async fn not_found(req: actix_web::HttpRequest) -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound(format!(
        "There is no page at {}.",
        req.path()
    )))
}

//! Test harness: `spawn_app` starts the real server on port 0 with a fresh database of either backend.

#![allow(dead_code)] // each area uses a different part of the harness

pub mod auth;
pub mod collector;
pub mod fake_systemd;
pub mod journal;
pub mod jwks;
pub mod lifecycle;
pub mod log_capture;
pub mod nginx;
pub mod notify;
pub mod postgres;
pub mod postgres_tls;
pub mod proxy;
pub mod receiver;
pub mod restart;
pub mod seed;
pub mod smtp;
pub mod sse;
pub mod upstream;
pub mod windows_host;
pub mod wine;
pub mod yaml;

use std::collections::HashMap;
use std::net::SocketAddr;

use smartmon::config::Settings;
use smartmon::startup::Application;
use smartmon::web::state::AppState;

pub use postgres::TestDb;

/// Which store a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Declares each named `async fn(Backend)` as two tests, `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::support::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::support::Backend::Postgres).await
            }
        }
    )+};
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub state: AppState,
    /// The settings the server was started with.
    pub settings: Settings,
    pub client: reqwest::Client,
    pub db: TestDb,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A GET with HTTP Basic credentials, as a script sends it.
    pub async fn get_basic(&self, path: &str, user: &str, password: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .basic_auth(user, Some(password))
            .send()
            .await
            .expect("request reaches the server")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request reaches the server")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        tokio::spawn(async move { handle.stop(false).await });
    }
}

/// Starts the server with a fresh database and default settings.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

/// Starts the server with extra environment variables layered over the test defaults.
pub async fn spawn_app_with(backend: Backend, extra: &[(&str, &str)]) -> TestApp {
    let db = TestDb::create(backend).await;
    spawn_app_on(db, extra).await
}

/// Starts the server on an existing test database (for tests that prepare the database first).
pub async fn spawn_app_on(db: TestDb, extra: &[(&str, &str)]) -> TestApp {
    init_test_logging();
    let mut vars = base_vars(&db);
    for (k, v) in extra {
        vars.insert((*k).to_owned(), (*v).to_owned());
    }
    let settings = Settings::from_map(vars).expect("test settings are valid");
    let app = Application::build(settings.clone())
        .await
        .expect("the application starts");
    let port = app.port();
    let state = app.state().clone();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        state,
        settings,
        client: client(),
        db,
        handle,
    }
}

/// The environment every test server starts from.
pub fn base_vars(db: &TestDb) -> HashMap<String, String> {
    let mut vars: HashMap<String, String> = [
        ("GUI_BIND", "127.0.0.1"),
        ("GUI_PORT", "0"),
        ("GUI_WORKERS", "1"),
        ("SMARTMON_INIT_PG", "1"),
        ("SMARTMON_DB_TIMEOUT_SECS", "2"),
        ("LOG_LEVEL", "WARNING"),
        ("SMARTMON_COLLECT", "false"),
        // Lifecycle tests run retention and rollups themselves (or turn the job on).
        ("RETENTION_ENABLED", "false"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    vars.extend(db.env());
    vars
}

/// A client that keeps cookies and never follows redirects, so tests see what the browser is told.
pub fn client() -> reqwest::Client {
    smartmon::net::install_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("reqwest client")
}

/// `TEST_LOG=1` shows the server's logs in test output.
fn init_test_logging() {
    if std::env::var_os("TEST_LOG").is_some() {
        smartmon::telemetry::init(&smartmon::telemetry::LogSettings {
            filter: "debug,sqlx=warn,sea_orm=warn".into(),
            json: false,
        });
    }
}

/// A free loopback address nothing listens on (for "database gone" tests).
pub fn unused_address() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr")
}

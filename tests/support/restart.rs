//! Helpers for restart tests: an approved-services file, a console on the fake systemd bus with its
//! units synced, API calls, and reading `restart_requests`.

use smartmon::restart::helper::server::HelperSettings;
use std::path::PathBuf;

use smartmon::db::entities::restart_requests;

use super::collector::collector_for;
use super::fake_systemd::{FakeSystemd, FakeUnit};
use super::{Backend, TestApp, spawn_app_with};

/// The API key restart tests use.
pub const KEY: &str = "test-api-key-restart-0123456789abcdef";

/// The host name the console reports under.
pub const HOST: &str = "BackendServer";

/// An approved-services file in a temporary directory (kept as long as this lives).
pub struct Policy {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl Policy {
    pub fn new(text: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("approved_services.json");
        std::fs::write(&path, text).expect("write the policy");
        Self { dir, path }
    }

    pub fn write(&self, text: &str) {
        std::fs::write(&self.path, text).expect("rewrite the policy");
    }

    pub fn path(&self) -> &str {
        self.path.to_str().expect("utf-8 path")
    }
}

/// Units the restart tests use: two approved services, one unapproved, one oneshot.
pub fn units() -> Vec<FakeUnit> {
    vec![
        FakeUnit::service("nginx.service", "active", "running"),
        FakeUnit::service("cron.service", "failed", "failed"),
        FakeUnit::service("ssh.service", "active", "running"),
        FakeUnit::service("setup.service", "active", "exited").with_type("oneshot"),
    ]
}

/// `{"allow": …}` approving nginx, cron and setup on any host, not ssh.
pub const ALLOW: &str = r#"{"allow":[{"host":"*","service":"nginx.service"},{"host":"*","service":"cron.service"},{"host":"*","service":"setup.service"}]}"#;

/// A console on `bus` reporting as `HOST`, with the API key, `policy`, no cooldown, and `extra`
/// on top; its units are synced into the database before it returns.
pub async fn console(
    backend: Backend,
    bus: &FakeSystemd,
    policy: &Policy,
    extra: &[(&str, &str)],
) -> TestApp {
    let mut vars = vec![
        ("DBUS_SYSTEM_BUS_ADDRESS", bus.address()),
        ("HOSTNAME_OVERRIDE", HOST),
        ("SMARTMON_API_KEY", KEY),
        ("SMARTMON_APPROVED_JSON", policy.path()),
        ("SMARTMON_RESTART_COOLDOWN_MIN", "0"),
    ];
    vars.extend_from_slice(extra);
    let app = spawn_app_with(backend, &vars).await;
    collector_for(&app)
        .await
        .sync_services()
        .await
        .expect("sync the fake's units");
    app
}

/// A second console (a replica) on `first`'s database, with the same settings as `console` gives.
pub async fn replica(
    first: &TestApp,
    bus: &FakeSystemd,
    policy: &Policy,
    extra: &[(&str, &str)],
) -> TestApp {
    let mut vars = vec![
        ("DBUS_SYSTEM_BUS_ADDRESS", bus.address()),
        ("HOSTNAME_OVERRIDE", HOST),
        ("SMARTMON_API_KEY", KEY),
        ("SMARTMON_APPROVED_JSON", policy.path()),
        ("SMARTMON_RESTART_COOLDOWN_MIN", "0"),
    ];
    vars.extend_from_slice(extra);
    super::spawn_app_on(first.db.shared(), &vars).await
}

impl TestApp {
    /// `POST /api/services/restart` with the API key: the status and the JSON body.
    pub async fn api_restart(&self, host: &str, service: &str) -> (u16, serde_json::Value) {
        let response = self
            .client
            .post(self.url("/api/services/restart"))
            .header("X-API-Key", KEY)
            .json(&serde_json::json!({ "host": host, "service": service }))
            .send()
            .await
            .expect("request reaches the server");
        let status = response.status().as_u16();
        let body = response.json().await.expect("a JSON body");
        (status, body)
    }

    /// Every restart request recorded, oldest first.
    pub async fn restart_rows(&self) -> Vec<restart_requests::Model> {
        use sea_orm::{EntityTrait, QueryOrder};
        restart_requests::Entity::find()
            .order_by_asc(restart_requests::Column::Id)
            .all(&self.state.db.conn)
            .await
            .expect("read restart_requests")
    }
}

/// A host helper bound in this process on a socket in `dir`, serving in the background.
pub async fn start_helper(
    bus: &FakeSystemd,
    policy: &Policy,
    dir: &std::path::Path,
    extra: &[(&str, &str)],
) -> PathBuf {
    let socket = dir.join("helper.sock");
    let mut vars: std::collections::HashMap<String, String> = [
        ("DBUS_SYSTEM_BUS_ADDRESS", bus.address()),
        ("HOSTNAME_OVERRIDE", HOST),
        ("SMARTMON_API_KEY", KEY),
        ("SMARTMON_APPROVED_JSON", policy.path()),
        ("SMARTMON_HELPER_SOCKET", socket.to_str().expect("utf-8")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (k, v) in extra {
        vars.insert((*k).to_owned(), (*v).to_owned());
    }
    let settings = smartmon::config::Settings::from_map(vars).expect("helper settings");
    let site = settings.site.resolve().expect("the helper's host");
    let helper = smartmon::restart::helper::server::Helper::bind(HelperSettings {
        restart: &settings.restart,
        site: &site,
        api_key: settings.api_key.clone(),
        smartctl: settings.collector.smartctl.clone(),
        command_timeout: settings.collector.command_timeout,
        journal: settings.journal.clone(),
    })
    .expect("the helper binds");
    tokio::spawn(helper.serve());
    socket
}

/// One request to the helper at `socket`.
pub async fn ask_helper(
    socket: &std::path::Path,
    key: &str,
    action: &str,
    unit: &str,
) -> smartmon::restart::helper::HelperResponse {
    let request = smartmon::restart::helper::HelperRequest {
        api_key: key.to_owned(),
        action: action.to_owned(),
        unit: Some(unit.to_owned()),
        device: None,
        lines: None,
    };
    smartmon::restart::helper::client::call(socket, &request, std::time::Duration::from_secs(10))
        .await
        .expect("the helper answers")
}

//! The channel file (`SMARTMON_NOTIFY_CONFIG`, TOML) for GitOps: read and checked at start (a bad file
//! stops start-up naming the channel and the field), then applied: its channels are created or updated
//! by name and marked `file` (read-only on the page), and `file` channels it no longer lists are removed.
//! Secrets can come from files: `url_file`, `headers_file`, `token_file`, `username_file`,
//! `password_file` (Docker secrets). `[[maintenance]]` entries are recurring maintenance windows, kept
//! as the file says (marked `file`) the same way.
//!
//! ```toml
//! [[channel]]
//! name = "ops-mail"
//! kind = "email"
//! host = "smtp.example.com"   # security = "starttls" (587, the default), "tls" (465) or "none"
//! from = "smartmon <mon@example.com>"
//! to = ["ops@example.com", "oncall@example.com"]
//! username = "mon@example.com"
//! password_file = "/run/secrets/smtp_password"
//!
//! [[channel]]
//! name = "ops-slack"
//! kind = "webhook"
//! preset = "slack"
//! url_file = "/run/secrets/slack_webhook"
//! grace_secs = 60
//! route = { min_severity = "critical", hosts = "web*", kinds = ["service", "host"] }
//!
//! [[maintenance]]
//! hosts = "db*"
//! days = ["sat", "sun"]        # or "daily"
//! start = "02:30"              # local time in time_zone
//! minutes = 90
//! time_zone = "Europe/Berlin"
//! reason = "weekly backups"
//! ```

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use super::admin::{ChannelInput, draft};
use super::channel::{Config, Secrets};
use crate::db::Db;
use crate::db::notify_channels::{self, ChannelDraft};
use crate::db::notify_schedules::{self, NewSchedule, ScheduleInput};
use crate::domain::NotifyRoute;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    channel: Vec<Entry>,
    #[serde(default)]
    maintenance: Vec<Maintenance>,
}

/// A recurring maintenance window in the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Maintenance {
    #[serde(default)]
    hosts: String,
    #[serde(default)]
    units: String,
    days: Recipients,
    start: String,
    minutes: u32,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    reason: String,
}

/// What the file asks for: its channels and its recurring maintenance windows.
#[derive(Debug, Clone)]
pub struct FileConfig {
    pub channels: Vec<ChannelDraft>,
    pub maintenance: Vec<NewSchedule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    kind: String,
    #[serde(default = "yes")]
    enabled: bool,
    grace_secs: Option<u32>,
    #[serde(default)]
    preset: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    content_type: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    server: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    chat_id: String,
    #[serde(default)]
    host: String,
    port: Option<u16>,
    #[serde(default)]
    security: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: Recipients,
    #[serde(default)]
    ca_file: String,
    url: Option<String>,
    url_file: Option<String>,
    headers: Option<String>,
    headers_file: Option<String>,
    token: Option<String>,
    token_file: Option<String>,
    username: Option<String>,
    username_file: Option<String>,
    password: Option<String>,
    password_file: Option<String>,
    #[serde(default)]
    route: NotifyRoute,
}

fn yes() -> bool {
    true
}

/// A list given as one comma-separated string or as an array (an email's `to`, a window's `days`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Recipients {
    One(String),
    Many(Vec<String>),
}

impl Default for Recipients {
    fn default() -> Self {
        Self::One(String::new())
    }
}

impl Recipients {
    fn joined(self) -> String {
        match self {
            Self::One(text) => text,
            Self::Many(list) => list.join(", "),
        }
    }
}

/// Reads and checks the file; the error names the file, the channel (or window) and what is wrong.
pub fn load(path: &Path) -> anyhow::Result<FileConfig> {
    let what = format!("SMARTMON_NOTIFY_CONFIG ({})", path.display());
    let text =
        std::fs::read_to_string(path).with_context(|| format!("{what}: cannot read the file"))?;
    let file: File =
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{what}: {}", e.message()))?;
    let mut drafts: Vec<ChannelDraft> = Vec::new();
    for entry in file.channel {
        let name = entry.name.clone();
        let d = to_draft(entry).map_err(|e| anyhow::anyhow!("{what}: channel {name:?}: {e}"))?;
        if drafts.iter().any(|other| other.name == d.name) {
            anyhow::bail!("{what}: channel {name:?} is listed twice");
        }
        drafts.push(d);
    }
    let mut maintenance = Vec::new();
    for (n, m) in file.maintenance.into_iter().enumerate() {
        let input = ScheduleInput {
            hosts: m.hosts,
            units: m.units,
            days: m.days.joined(),
            start_time: m.start,
            minutes: m.minutes,
            time_zone: m.time_zone,
            reason: m.reason,
        };
        let schedule = NewSchedule::check(input, "file", "file")
            .map_err(|e| anyhow::anyhow!("{what}: maintenance window {}: {e}", n + 1))?;
        maintenance.push(schedule);
    }
    Ok(FileConfig {
        channels: drafts,
        maintenance,
    })
}

fn to_draft(e: Entry) -> Result<ChannelDraft, String> {
    let secrets = Secrets {
        url: secret("url", e.url, e.url_file)?,
        headers: secret("headers", e.headers, e.headers_file)?,
        token: secret("token", e.token, e.token_file)?,
        username: secret("username", e.username, e.username_file)?,
        password: secret("password", e.password, e.password_file)?,
    };
    let input = ChannelInput {
        name: e.name,
        kind: e.kind,
        enabled: e.enabled,
        grace_secs: e.grace_secs.map(|g| g.to_string()).unwrap_or_default(),
        config: Config {
            preset: e.preset,
            method: e.method,
            content_type: e.content_type,
            body: e.body,
            server: e.server,
            topic: e.topic,
            chat_id: e.chat_id,
            host: e.host,
            port: e.port.map(|p| p.to_string()).unwrap_or_default(),
            security: e.security,
            from: e.from,
            to: e.to.joined(),
            ca_file: e.ca_file,
        },
        secrets,
        clear: Vec::new(),
        min_severity: e.route.min_severity,
        hosts: e.route.hosts,
        units: e.route.units,
        kinds: e
            .route
            .kinds
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(","),
        remind_every_secs: e.route.remind_every_secs.to_string(),
        remind_max: e.route.remind_max.to_string(),
        flap_changes: e.route.flap_changes.to_string(),
        flap_window_secs: e.route.flap_window_secs.to_string(),
    };
    draft(input, None, "file")
}

/// A secret given inline or in a file (never both).
fn secret(name: &str, inline: Option<String>, file: Option<String>) -> Result<String, String> {
    match (inline, file) {
        (Some(_), Some(_)) => Err(format!("give {name} or {name}_file, not both")),
        (Some(value), None) => Ok(value),
        (None, Some(path)) => {
            let value = std::fs::read_to_string(&path)
                .map_err(|e| format!("{name}_file: cannot read {path:?}: {e}"))?;
            let value = value.trim_end_matches(['\n', '\r']).to_owned();
            if value.is_empty() {
                return Err(format!("{name}_file: {path:?} is empty"));
            }
            Ok(value)
        }
        (None, None) => Ok(String::new()),
    }
}

/// Makes the database's `file` channels and recurring windows what the file says.
pub async fn apply(db: &Db, file: FileConfig, now: f64) -> anyhow::Result<()> {
    let drafts = file.channels;
    let txn = crate::db::begin_write(&db.conn).await?;
    notify_schedules::replace_file(&txn, file.maintenance, now).await?;
    let existing = notify_channels::list(&txn).await?;
    for gone in existing
        .iter()
        .filter(|c| c.origin == "file" && !drafts.iter().any(|d| d.name == c.name))
    {
        notify_channels::delete(&txn, gone.id).await?;
    }
    for d in drafts {
        match existing.iter().find(|c| c.name == d.name) {
            Some(c) if c.origin != "file" => anyhow::bail!(
                "SMARTMON_NOTIFY_CONFIG: channel {:?} exists already, made on the Notifications page; rename one of them",
                d.name
            ),
            Some(c) => {
                notify_channels::update(&txn, c.clone(), d, now).await?;
            }
            None => {
                notify_channels::insert(&txn, d, now).await?;
            }
        }
    }
    txn.commit().await?;
    Ok(())
}

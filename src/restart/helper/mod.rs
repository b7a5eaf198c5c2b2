//! `smartmon helper`: the host side of the hardened deployment. A unix socket (mode 0660, group
//! `SMARTMON_HELPER_GROUP`) that accepts one JSON request per connection, `restart`, `start`, `stop` or
//! `reload` a unit, read a unit's latest journal lines (`logs`, read-only and bounded) or read `smart` for a
//! device, each carrying the API key. The helper re-checks the unit name and the
//! allow-list itself, honours its own `DRY_RUN`, and logs every call. `client` is what an agent with
//! `RESTART_MODE=helper` uses.

pub mod client;
mod logs;
pub mod server;

use serde::{Deserialize, Serialize};

/// The largest request line the helper reads.
pub const MAX_REQUEST_BYTES: usize = 4096;

/// One request (a single JSON line).
#[derive(Debug, Serialize, Deserialize)]
pub struct HelperRequest {
    pub api_key: String,
    /// `restart`, `start`, `stop`, `reload`, `logs` (a unit) or `smart` (a device).
    pub action: String,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub device: Option<String>,
    /// For `logs`: how many of the unit's latest lines (at most 200; default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<usize>,
}

/// The answer (a single JSON line).
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct HelperResponse {
    /// `done`, `failed`, `dry_run`, `refused`, `smart`.
    pub state: String,
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub active_state: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    /// smartctl's JSON for `smart`; the lines as a JSON array for `logs`.
    #[serde(default)]
    pub output: Option<String>,
}

impl HelperResponse {
    pub fn refused(reason: impl Into<String>) -> Self {
        Self {
            state: "refused".into(),
            error: Some(reason.into()),
            ..Self::default()
        }
    }
}

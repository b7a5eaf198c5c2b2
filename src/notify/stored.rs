//! A channel's settings as stored: `Config` (shown and edited) and `Secrets` (written, never shown),
//! both JSON in `notification_channels`, and the URL check every kind uses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The non-secret settings as stored (`notification_channels.config`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub preset: String,
    pub method: String,
    pub content_type: String,
    pub body: String,
    pub server: String,
    pub topic: String,
    /// Telegram's chat id.
    pub chat_id: String,
    /// Email: the SMTP server's host name, port (empty: by security), `starttls` (empty), `tls` or
    /// `none`, the sender, the recipients (comma separated) and an optional CA file (PEM).
    pub host: String,
    pub port: String,
    pub security: String,
    pub from: String,
    pub to: String,
    pub ca_file: String,
}

/// The secret settings as stored (`notification_channels.secrets`); never rendered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Secrets {
    pub url: String,
    pub headers: String,
    pub token: String,
    pub username: String,
    pub password: String,
}

impl Secrets {
    /// Which secrets hold a value, for "set" / "not set" on the page.
    pub fn which_set(&self) -> BTreeMap<&'static str, bool> {
        BTreeMap::from([
            ("url", !self.url.is_empty()),
            ("headers", !self.headers.is_empty()),
            ("token", !self.token.is_empty()),
            ("username", !self.username.is_empty()),
            ("password", !self.password.is_empty()),
        ])
    }
}

/// An http(s) URL, or a message naming `what`.
pub fn http_url(what: &str, text: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(text.trim())
        .map_err(|_| format!("{what}: expected an http:// or https:// URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("{what}: expected an http:// or https:// URL"));
    }
    Ok(url)
}

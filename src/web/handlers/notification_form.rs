//! The Notifications page's channel form as posted, and its translation into `notify::admin`'s input.

use serde::Deserialize;

use crate::notify::admin::ChannelInput;
use crate::notify::{Config, Secrets};

/// The channel form's fields (every one optional in the post; the checks are in `notify::admin`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChannelForm {
    name: String,
    kind: String,
    enabled: Option<String>,
    grace_secs: String,
    preset: String,
    method: String,
    content_type: String,
    body: String,
    server: String,
    topic: String,
    chat_id: String,
    host: String,
    port: String,
    security: String,
    from: String,
    to: String,
    ca_file: String,
    url: String,
    headers: String,
    token: String,
    username: String,
    password: String,
    clear: String,
    min_severity: String,
    hosts: String,
    units: String,
    kinds: String,
    remind_every_secs: String,
    remind_max: String,
    flap_changes: String,
    flap_window_secs: String,
}

impl ChannelForm {
    pub(crate) fn into_input(self) -> ChannelInput {
        ChannelInput {
            name: self.name,
            kind: self.kind,
            enabled: self.enabled.is_some(),
            grace_secs: self.grace_secs,
            config: Config {
                preset: self.preset,
                method: self.method,
                content_type: self.content_type,
                body: self.body,
                server: self.server,
                topic: self.topic,
                chat_id: self.chat_id,
                host: self.host,
                port: self.port,
                security: self.security,
                from: self.from,
                to: self.to,
                ca_file: self.ca_file,
            },
            secrets: Secrets {
                url: self.url,
                headers: self.headers,
                token: self.token,
                username: self.username,
                password: self.password,
            },
            clear: self
                .clear
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
            min_severity: self.min_severity,
            hosts: self.hosts,
            units: self.units,
            kinds: self.kinds,
            remind_every_secs: self.remind_every_secs,
            remind_max: self.remind_max,
            flap_changes: self.flap_changes,
            flap_window_secs: self.flap_window_secs,
        }
    }
}

//! Saving a channel from what an admin (or the channel file) gave: every field checked, secrets merged
//! (an empty secret field keeps the stored value; a cleared one removes it), and the result parsed as
//! the sender will parse it, so a channel that is saved can be sent to.

use crate::db::entities::notification_channels as channels;
use crate::db::notify_channels::ChannelDraft;
use crate::domain::{AlertKind, NotifyRoute};

use super::channel::{ChannelSpec, Config, Secrets};

/// A channel as entered: settings, new secret values, which secrets to clear, routing.
#[derive(Debug, Clone, Default)]
pub struct ChannelInput {
    pub name: String,
    pub kind: String,
    pub enabled: bool,
    pub grace_secs: String,
    pub config: Config,
    /// New values; an empty one keeps what is stored.
    pub secrets: Secrets,
    /// Secret names to remove (`url`, `headers`, `token`, `username`, `password`).
    pub clear: Vec<String>,
    pub min_severity: String,
    pub hosts: String,
    pub units: String,
    /// Comma-separated kinds; empty takes every kind.
    pub kinds: String,
    /// Reminder interval (seconds) and count, flapping threshold and window; empty is the default.
    pub remind_every_secs: String,
    pub remind_max: String,
    pub flap_changes: String,
    pub flap_window_secs: String,
}

/// Checks `input` and returns the row to save; `stored` holds the current secrets when editing.
pub fn draft(
    input: ChannelInput,
    stored: Option<&channels::Model>,
    origin: &str,
) -> Result<ChannelDraft, String> {
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err("name: 1 to 64 printable characters".into());
    }
    let grace_secs = match input.grace_secs.trim() {
        "" => 30,
        text => text
            .parse::<i32>()
            .ok()
            .filter(|g| (0..=86_400).contains(g))
            .ok_or_else(|| {
                format!("grace period: a whole number of seconds from 0 to 86400, got {text:?}")
            })?,
    };
    let kinds = input
        .kinds
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| AlertKind::parse(k).map_err(|e| format!("kinds: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let defaults = NotifyRoute::default();
    let route = NotifyRoute {
        remind_every_secs: number(
            "reminder interval",
            &input.remind_every_secs,
            defaults.remind_every_secs,
            0..=604_800,
        )?,
        remind_max: number("reminders", &input.remind_max, defaults.remind_max, 0..=100)?,
        flap_changes: number(
            "flapping changes",
            &input.flap_changes,
            defaults.flap_changes,
            0..=1000,
        )?,
        flap_window_secs: number(
            "flapping window",
            &input.flap_window_secs,
            defaults.flap_window_secs,
            60..=86_400,
        )?,
        min_severity: if input.min_severity.trim().is_empty() {
            "warning".into()
        } else {
            input.min_severity.trim().into()
        },
        hosts: input.hosts.trim().into(),
        units: input.units.trim().into(),
        kinds,
    };
    route.validate().map_err(|e| format!("routing: {e}"))?;
    let mut secrets: Secrets = match stored {
        Some(row) => serde_json::from_str(&row.secrets).unwrap_or_default(),
        None => Secrets::default(),
    };
    merge(&mut secrets, input.secrets, &input.clear)?;
    ChannelSpec::parse(input.kind.trim(), &input.config, &secrets)?;
    Ok(ChannelDraft {
        name,
        kind: input.kind.trim().to_owned(),
        config: serde_json::to_string(&input.config).map_err(|e| e.to_string())?,
        secrets: serde_json::to_string(&secrets).map_err(|e| e.to_string())?,
        route: serde_json::to_string(&route).map_err(|e| e.to_string())?,
        grace_secs,
        enabled: input.enabled,
        origin: origin.to_owned(),
    })
}

/// A whole number from `range`, or `default` when `text` is empty.
fn number(
    what: &str,
    text: &str,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, String> {
    match text.trim() {
        "" => Ok(default),
        t => t
            .parse::<u32>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                format!(
                    "{what}: a whole number from {} to {}, got {t:?}",
                    range.start(),
                    range.end()
                )
            }),
    }
}

fn merge(secrets: &mut Secrets, new: Secrets, clear: &[String]) -> Result<(), String> {
    let slots: [(&str, &mut String, String); 5] = [
        ("url", &mut secrets.url, new.url),
        ("headers", &mut secrets.headers, new.headers),
        ("token", &mut secrets.token, new.token),
        ("username", &mut secrets.username, new.username),
        ("password", &mut secrets.password, new.password),
    ];
    for name in clear {
        if !slots.iter().any(|(n, _, _)| n == name) {
            return Err(format!("cannot clear {name:?}: not a secret of a channel"));
        }
    }
    for (name, slot, value) in slots {
        if clear.iter().any(|c| c == name) {
            slot.clear();
        } else if !value.trim().is_empty() {
            *slot = value.trim().to_owned();
        }
    }
    Ok(())
}

/// Which secrets the channel has, by name, for "set" / "not set" (never the values).
pub fn secrets_set(row: &channels::Model) -> Vec<(&'static str, bool)> {
    let secrets: Secrets = serde_json::from_str(&row.secrets).unwrap_or_default();
    secrets.which_set().into_iter().collect()
}

/// The channel's stored settings and route, for the edit form.
pub fn stored_parts(row: &channels::Model) -> (Config, NotifyRoute) {
    (
        serde_json::from_str(&row.config).unwrap_or_default(),
        serde_json::from_str(&row.route).unwrap_or_default(),
    )
}

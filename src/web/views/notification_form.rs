//! The channel form's fields, shared by Add and Edit. Secret fields are always empty: a stored secret
//! shows as "set" and stays unless a new value is typed or it is listed under "clear".

use maud::{Markup, html};

use crate::db::entities::notification_channels as channels;
use crate::notify::admin::{secrets_set, stored_parts};
use crate::notify::template::FIELDS;
use crate::notify::{KINDS, Preset};

pub(crate) fn channel_fields(current: Option<&channels::Model>) -> Markup {
    let (config, route) = current.map(stored_parts).unwrap_or_default();
    let set = current.map(secrets_set).unwrap_or_default();
    let is_set = |name: &str| set.iter().any(|(n, s)| *n == name && *s);
    let secret_hint = |name: &str| {
        if is_set(name) {
            "set — leave empty to keep"
        } else {
            "not set"
        }
    };
    let kind = current.map_or("webhook", |c| c.kind.as_str());
    let kinds = route
        .kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",");
    html! {
        label { "Name" input name="name" required maxlength="64" value=[current.map(|c| c.name.as_str())] autocomplete="off"; }
        label { "Kind" select name="kind" { @for k in KINDS { option value=(k) selected[k == kind] { (k) } } } }
        label.checkbox { input type="checkbox" name="enabled" value="1" checked[current.is_none_or(|c| c.enabled)]; " enabled" }
        label { "Grace period (seconds; a failure that recovers within it sends nothing)"
            input name="grace_secs" inputmode="numeric" value=(current.map_or(30, |c| c.grace_secs)); }
        fieldset {
            legend { "Webhook" }
            label { "Preset" select name="preset" {
                @for p in Preset::ALL { option value=(p.as_str()) selected[config.preset == p.as_str()] { (p.label()) } }
            } }
            label { "URL (secret: " (secret_hint("url")) ")" input name="url" type="password" autocomplete="off"; }
            label { "Method" input name="method" placeholder="POST" value=(config.method); }
            label { "Content type" input name="content_type" placeholder="application/json" value=(config.content_type); }
            label { "Headers, one Name: value per line (secret: " (secret_hint("headers")) ")" textarea name="headers" rows="2" {} }
            label { "Body template (empty: the preset's)" textarea name="body" rows="3" { (config.body) } }
            p.muted { "Fields: " @for f in FIELDS { code { "{{" (f) "}}" } " " } }
        }
        fieldset {
            legend { "ntfy (the user and password serve email too)" }
            label { "Server" input name="server" placeholder="https://ntfy.sh" value=(config.server); }
            label { "Topic" input name="topic" value=(config.topic); }
            label { "Access token (secret: " (secret_hint("token")) ")" input name="token" type="password" autocomplete="off"; }
            label { "User (secret: " (secret_hint("username")) ")" input name="username" autocomplete="off"; }
            label { "Password (secret: " (secret_hint("password")) ")" input name="password" type="password" autocomplete="new-password"; }
        }
        fieldset {
            legend { "Gotify, Pushover, Telegram" }
            p.muted { "Gotify: the server above and its application token. Pushover: the application token and, \
                       as user, the user key. Telegram: the bot token and the chat id. The server field \
                       overrides the public API address." }
            label { "Telegram chat id" input name="chat_id" value=(config.chat_id); }
        }
        fieldset {
            legend { "Email (SMTP)" }
            p.muted { "User and password are the fields above (the password is a secret). STARTTLS on 587 \
                       is the default; tls is implicit TLS on 465; none is allowed only for a relay on \
                       this machine." }
            label { "SMTP host" input name="host" placeholder="smtp.example.com" value=(config.host); }
            label { "Port (empty: by security)" input name="port" inputmode="numeric" value=(config.port); }
            label { "Security" select name="security" {
                @for (value, label) in [("starttls", "STARTTLS (587)"), ("tls", "TLS (465)"), ("none", "none (localhost only)")] {
                    option value=(value) selected[config.security == value] { (label) }
                }
            } }
            label { "From" input name="from" placeholder="smartmon <mon@example.com>" value=(config.from); }
            label { "To (one or more, comma separated)" input name="to" value=(config.to); }
            label { "CA file for a private relay (PEM path on the console; empty: the system's)" input name="ca_file" value=(config.ca_file); }
        }
        @if current.is_some() {
            label { "Clear secrets (comma list: url, headers, token, username, password)" input name="clear" autocomplete="off"; }
        }
        fieldset {
            legend { "Routing" }
            label { "Minimum severity" select name="min_severity" {
                @for s in ["warning", "critical"] { option value=(s) selected[route.min_severity == s] { (s) } }
            } }
            label { "Hosts (globs, comma separated; empty: all)" input name="hosts" value=(route.hosts); }
            label { "Units (globs; empty: all)" input name="units" value=(route.units); }
            label { "Kinds (service, disk, usage, check, restart, auto_remediation, host; empty: all)" input name="kinds" value=(kinds); }
        }
        fieldset {
            legend { "Noise control" }
            label { "Remind every (seconds; 0: never)" input name="remind_every_secs" inputmode="numeric" value=(route.remind_every_secs); }
            label { "At most this many reminders" input name="remind_max" inputmode="numeric" value=(route.remind_max); }
            label { "Flapping: this many failures (0: off)" input name="flap_changes" inputmode="numeric" value=(route.flap_changes); }
            label { "… within (seconds)" input name="flap_window_secs" inputmode="numeric" value=(route.flap_window_secs); }
        }
    }
}

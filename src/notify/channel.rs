//! A channel's kind and settings, parsed and checked (`ChannelSpec::parse`) before anything is saved or
//! sent, and the HTTP request each kind but email makes for a message (email goes over SMTP: `email`). Secrets (webhook URL and headers, tokens,
//! passwords) live in their own map that is written but never shown.

use super::email::Email;
use super::message::Message;
use super::ntfy::Ntfy;
use super::presets::Preset;
use super::push::Push;
use super::stored::http_url;
pub use super::stored::{Config, Secrets};
use super::template::{Escape, Template};

/// A channel ready to send: its kind's settings with the secrets merged in.
#[derive(Debug, Clone)]
pub enum ChannelSpec {
    Webhook(Webhook),
    Ntfy(Ntfy),
    Push(Push),
    Email(Email),
}

/// Generic webhook: method, URL, headers (one `Name: value` per line) and a body template.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub method: reqwest::Method,
    pub url: reqwest::Url,
    pub headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    pub content_type: String,
    pub body: Template,
}

/// The kinds a channel may have.
pub const KINDS: [&str; 6] = ["webhook", "ntfy", "gotify", "pushover", "telegram", "email"];

impl ChannelSpec {
    /// Checks `kind`'s settings; the message says what is wrong, in the words of the form.
    pub fn parse(kind: &str, config: &Config, secrets: &Secrets) -> Result<Self, String> {
        match kind {
            "webhook" => webhook(config, secrets).map(Self::Webhook),
            "ntfy" => Ntfy::parse(config, secrets).map(Self::Ntfy),
            "gotify" | "pushover" | "telegram" => {
                Push::parse(kind, config, secrets).map(Self::Push)
            }
            "email" => Email::parse(config, secrets).map(Self::Email),
            other => Err(format!(
                "unknown channel kind {other:?}; the kinds are {}",
                KINDS.join(", ")
            )),
        }
    }

    /// The HTTP request this channel makes for `message` (None for email, which is not HTTP).
    pub fn request(
        &self,
        client: &reqwest::Client,
        message: &Message,
    ) -> Option<reqwest::RequestBuilder> {
        Some(match self {
            Self::Webhook(w) => {
                let escape = if w.content_type.contains("json") {
                    Escape::Json
                } else {
                    Escape::Plain
                };
                let mut request = client
                    .request(w.method.clone(), w.url.clone())
                    .header(reqwest::header::CONTENT_TYPE, &w.content_type)
                    .body(w.body.render(&message.fields, escape));
                for (name, value) in &w.headers {
                    request = request.header(name, value);
                }
                request
            }
            Self::Ntfy(n) => super::ntfy::request(n, client, message),
            Self::Push(p) => p.request(client, message),
            Self::Email(_) => return None,
        })
    }
}

fn webhook(config: &Config, secrets: &Secrets) -> Result<Webhook, String> {
    let preset = Preset::parse(&config.preset)?;
    let body = if config.body.trim().is_empty() {
        preset.body()
    } else {
        &config.body
    };
    let method = if config.method.trim().is_empty() {
        "POST"
    } else {
        config.method.trim()
    };
    let method = match method.to_ascii_uppercase().as_str() {
        m @ ("POST" | "PUT" | "PATCH" | "GET") => {
            m.parse().map_err(|_| format!("bad method {m}"))?
        }
        other => {
            return Err(format!(
                "method must be POST, PUT, PATCH or GET, got {other:?}"
            ));
        }
    };
    let content_type = match config.content_type.trim() {
        "" => "application/json".to_owned(),
        ct if ct.chars().all(|c| c.is_ascii_graphic() || c == ' ') => ct.to_owned(),
        _ => return Err("content type must be printable ASCII".into()),
    };
    Ok(Webhook {
        method,
        url: http_url("URL", &secrets.url)?,
        headers: headers(&secrets.headers)?,
        content_type,
        body: Template::parse(body).map_err(|e| format!("body: {e}"))?,
    })
}

/// `Name: value` lines.
fn headers(
    text: &str,
) -> Result<Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>, String> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| "headers: one `Name: value` per line".to_owned())?;
        let name = reqwest::header::HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| format!("headers: {:?} is not a header name", name.trim()))?;
        let value = reqwest::header::HeaderValue::from_str(value.trim())
            .map_err(|_| format!("headers: the value of {name} is not a valid header value"))?;
        out.push((name, value));
    }
    Ok(out)
}

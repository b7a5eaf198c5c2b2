//! Push services, each in its documented API: Gotify (`POST /message` with `X-Gotify-Key`, JSON title,
//! message, priority, click URL), Pushover (`POST /1/messages.json`, form fields token, user, title,
//! message, priority, url) and Telegram (`POST /bot<token>/sendMessage`, JSON chat_id and text). Their
//! servers default to the public ones and can point elsewhere (a self-hosted Gotify, a test receiver).

use serde_json::json;

use super::message::Message;
use super::stored::{Config, Secrets, http_url};

#[derive(Debug, Clone)]
pub enum Push {
    Gotify {
        server: reqwest::Url,
        token: String,
    },
    Pushover {
        server: reqwest::Url,
        token: String,
        user: String,
    },
    Telegram {
        server: reqwest::Url,
        token: String,
        chat_id: String,
    },
}

fn server(config: &Config, default: &str) -> Result<reqwest::Url, String> {
    let text = if config.server.trim().is_empty() {
        default
    } else {
        config.server.trim()
    };
    let mut url = http_url("server", text)?;
    if !url.path().ends_with('/') {
        url.set_path(&format!("{}/", url.path()));
    }
    Ok(url)
}

fn needed(what: &str, value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("{what} is required"));
    }
    Ok(value.to_owned())
}

impl Push {
    pub(super) fn parse(kind: &str, config: &Config, secrets: &Secrets) -> Result<Self, String> {
        match kind {
            "gotify" => Ok(Self::Gotify {
                server: http_url("server", &needed("the Gotify server", &config.server)?)?,
                token: needed("the Gotify application token", &secrets.token)?,
            }),
            "pushover" => Ok(Self::Pushover {
                server: server(config, "https://api.pushover.net/")?,
                token: needed("the Pushover application token", &secrets.token)?,
                user: needed("the Pushover user key (user field)", &secrets.username)?,
            }),
            _ => {
                let chat_id = needed("the Telegram chat id", &config.chat_id)?;
                if !chat_id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_@".contains(c))
                {
                    return Err("chat id: a number (-100… for groups) or @channelname".into());
                }
                Ok(Self::Telegram {
                    server: server(config, "https://api.telegram.org/")?,
                    token: needed("the Telegram bot token", &secrets.token)?,
                    chat_id,
                })
            }
        }
    }

    pub(super) fn request(&self, client: &reqwest::Client, m: &Message) -> reqwest::RequestBuilder {
        let urgent = m.event == "opened" && m.severity == "critical";
        let click = m.fields.get("alert.url").filter(|u| !u.is_empty());
        match self {
            Self::Gotify { server, token } => {
                let priority = if urgent {
                    8
                } else if m.event == "resolved" {
                    2
                } else {
                    5
                };
                let mut body = json!({"title": m.title, "message": m.text, "priority": priority});
                if let Some(url) = click {
                    body["extras"] = json!({"client::notification": {"click": {"url": url}}});
                }
                let url = server.join("message").unwrap_or_else(|_| server.clone());
                client.post(url).header("X-Gotify-Key", token).json(&body)
            }
            Self::Pushover {
                server,
                token,
                user,
            } => {
                let priority = if urgent {
                    "1"
                } else if m.event == "resolved" {
                    "-1"
                } else {
                    "0"
                };
                let mut form = vec![
                    ("token", token.clone()),
                    ("user", user.clone()),
                    ("title", m.title.chars().take(250).collect()),
                    ("message", m.text.chars().take(1024).collect()),
                    ("priority", priority.to_owned()),
                ];
                if let Some(url) = click {
                    form.push(("url", url.clone()));
                }
                let url = server
                    .join("1/messages.json")
                    .unwrap_or_else(|_| server.clone());
                client.post(url).form(&form)
            }
            Self::Telegram {
                server,
                token,
                chat_id,
            } => {
                let text: String = format!("{}\n{}", m.title, m.text)
                    .chars()
                    .take(4096)
                    .collect();
                let body =
                    json!({"chat_id": chat_id, "text": text, "disable_web_page_preview": true});
                // Not `join`: a token's colon would make `bot123:abc/…` read as a URL scheme.
                let mut url = server.clone();
                url.set_path(&format!("{}bot{token}/sendMessage", server.path()));
                client.post(url).json(&body)
            }
        }
    }
}

//! ntfy's JSON publishing API (`POST` to the server root with `topic`, `title`, `message`, `priority`,
//! `tags`, `click`): priority and tags follow the severity, a recovery is a plain message with a check
//! mark, and the click link opens the unit's (or host's) page when `SMARTMON_PUBLIC_URL` is set.

use serde_json::json;

use super::message::Message;
use super::stored::{Config, Secrets, http_url};

/// ntfy: the server, a topic, and a token or user/password; priority and tags follow the severity.
#[derive(Debug, Clone)]
pub struct Ntfy {
    pub server: reqwest::Url,
    pub topic: String,
    pub token: Option<String>,
    pub user: Option<(String, String)>,
}

impl Ntfy {
    /// Checks the settings: a topic, and a token or a user with password (or neither).
    pub(super) fn parse(config: &Config, secrets: &Secrets) -> Result<Self, String> {
        let server = if config.server.trim().is_empty() {
            "https://ntfy.sh"
        } else {
            &config.server
        };
        let topic = config.topic.trim();
        if topic.is_empty()
            || topic.len() > 64
            || !topic
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err("topic: 1 to 64 letters, digits, - or _".into());
        }
        let user = match (secrets.username.is_empty(), secrets.password.is_empty()) {
            (true, true) => None,
            (false, false) => Some((secrets.username.clone(), secrets.password.clone())),
            _ => return Err("give both the ntfy user name and password, or neither".into()),
        };
        if user.is_some() && !secrets.token.is_empty() {
            return Err("give an ntfy access token or a user name and password, not both".into());
        }
        Ok(Ntfy {
            server: http_url("server", server)?,
            topic: topic.to_owned(),
            token: (!secrets.token.is_empty()).then(|| secrets.token.clone()),
            user,
        })
    }
}

pub(super) fn request(
    n: &Ntfy,
    client: &reqwest::Client,
    message: &Message,
) -> reqwest::RequestBuilder {
    let (priority, tag) = match (message.event.as_str(), message.severity.as_str()) {
        ("resolved", _) => (3, "white_check_mark"),
        ("test", _) => (3, "test_tube"),
        ("flapping", _) => (4, "repeat"),
        ("reminder", _) => (4, "hourglass"),
        (_, "critical") => (5, "rotating_light"),
        _ => (4, "warning"),
    };
    let mut body = json!({
        "topic": n.topic,
        "title": message.title,
        "message": message.text,
        "priority": priority,
        "tags": [tag],
    });
    let click = message.fields.get("alert.url").filter(|u| !u.is_empty());
    if let (Some(url), Some(map)) = (click, body.as_object_mut()) {
        map.insert("click".into(), json!(url));
    }
    let mut request = client.post(n.server.clone()).json(&body);
    if let Some(token) = &n.token {
        request = request.bearer_auth(token);
    } else if let Some((user, password)) = &n.user {
        request = request.basic_auth(user, Some(password));
    }
    request
}

//! Body templates for the chat services' incoming webhooks, each in the format the service documents:
//! Slack (`text`, mrkdwn `*bold*`), Discord (`content`), Microsoft Teams Workflows (a `message` whose
//! `attachments` hold one Adaptive Card, `contentType` `application/vnd.microsoft.card.adaptive`; Workflows
//! take no MessageCard), Google Chat (`text`, `*bold*`; no `cardsV2`, whose text widgets interpret HTML
//! that a JSON-escaping template cannot neutralise), Mattermost (`text` in Markdown, `**bold**`, and
//! `username`, honoured when the server lets integrations override it) and Rocket.Chat (`text`, and one
//! `attachments` entry with the details and short `fields`). `generic` sends every field as JSON.

/// A webhook's starting point; an explicit body template replaces the preset's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Generic,
    Slack,
    Discord,
    Teams,
    GoogleChat,
    Mattermost,
    RocketChat,
}

impl Preset {
    pub const ALL: [Preset; 7] = [
        Self::Generic,
        Self::Slack,
        Self::Discord,
        Self::Teams,
        Self::GoogleChat,
        Self::Mattermost,
        Self::RocketChat,
    ];

    pub fn parse(text: &str) -> Result<Self, String> {
        let text = if text.trim().is_empty() {
            "generic"
        } else {
            text.trim()
        };
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|p| p.as_str()).collect();
                format!("preset: {text:?} is not one of {}", names.join(", "))
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Generic => "generic",
            Self::Slack => "slack",
            Self::Discord => "discord",
            Self::Teams => "teams",
            Self::GoogleChat => "google_chat",
            Self::Mattermost => "mattermost",
            Self::RocketChat => "rocket_chat",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Generic => "Generic JSON",
            Self::Slack => "Slack",
            Self::Discord => "Discord",
            Self::Teams => "Microsoft Teams (Workflows)",
            Self::GoogleChat => "Google Chat",
            Self::Mattermost => "Mattermost",
            Self::RocketChat => "Rocket.Chat",
        }
    }

    /// The body template (JSON; values are escaped for JSON strings).
    pub fn body(self) -> &'static str {
        match self {
            Self::Generic => {
                r#"{"event":"{{event}}","severity":"{{severity}}","title":"{{title}}","text":"{{text}}","count":"{{count}}","host":"{{alert.host}}","source":"{{alert.source}}","unit":"{{alert.unit}}","kind":"{{alert.kind}}","state":"{{alert.state}}","url":"{{alert.url}}"}"#
            }
            Self::Slack | Self::GoogleChat => r#"{"text":"*{{title}}*\n{{text}}"}"#,
            Self::Mattermost => r#"{"text":"**{{title}}**\n{{text}}","username":"smartmon"}"#,
            Self::RocketChat => {
                r#"{"text":"*{{title}}*","attachments":[{"text":"{{text}}","fields":[{"short":true,"title":"Host","value":"{{host}}"},{"short":true,"title":"Severity","value":"{{severity}}"}]}]}"#
            }
            Self::Discord => r#"{"content":"**{{title}}**\n{{text}}"}"#,
            Self::Teams => {
                r#"{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,"content":{"$schema":"http://adaptivecards.io/schemas/adaptive-card.json","type":"AdaptiveCard","version":"1.4","body":[{"type":"TextBlock","text":"{{title}}","weight":"Bolder","size":"Medium","wrap":true},{"type":"TextBlock","text":"{{text}}","wrap":true}]}}]}"#
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::notify::template::{Escape, FIELDS, Template};

    #[test]
    fn every_preset_renders_valid_json_whatever_the_values() {
        let fields: BTreeMap<&'static str, String> = FIELDS
            .iter()
            .map(|f| {
                let hostile =
                    "quote \" backslash \\ newline \n tab \t nul \u{0} <b>&amp;</b> {{title}} end";
                (*f, hostile.to_owned())
            })
            .collect();
        for preset in Preset::ALL {
            let body = Template::parse(preset.body())
                .expect("the preset parses")
                .render(&fields, Escape::Json);
            let json: serde_json::Value = serde_json::from_str(&body)
                .unwrap_or_else(|e| panic!("{}: {e}: {body}", preset.as_str()));
            assert!(json.is_object());
        }
    }
}

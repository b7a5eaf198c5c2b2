//! The chat presets as their services document them, sent to a real receiver: Microsoft Teams
//! Workflows (an Adaptive Card in `attachments`), Google Chat (`text`), Mattermost (`text`, `username`)
//! and Rocket.Chat (`text`, `attachments` with `fields`); an alert whose text holds quotes, new lines
//! and markup still yields valid JSON carrying that text unchanged.

use serde_json::{Value, json};
use smartmon::collector::Record;
use smartmon::db::alerts::AlertCondition;
use smartmon::domain::{Hostname, Severity};

use crate::both_backends;
use crate::support::notify::{add_channel, write, writer};
use crate::support::receiver::Receiver;
use crate::support::{Backend, spawn_app_with};

const HOSTILE: &str = "disk \"data\" is <b>full</b> & {{title}}\n\tnext line \\ end";

async fn receive_with_preset(backend: Backend, preset: &str) -> Value {
    let receiver = Receiver::start().await;
    let app = spawn_app_with(backend, &[("SMARTMON_NOTIFY", "false")]).await;
    add_channel(
        &app,
        preset,
        "webhook",
        json!({"preset": preset}),
        json!({"url": receiver.url("/hook")}),
        0,
    )
    .await;
    let collector = writer(&app).await;
    let alert = Record::Alert(AlertCondition {
        hostname: Hostname::parse("db01").expect("host name"),
        source: "service:postgresql.service".into(),
        severity: Severity::Critical,
        message: HOSTILE.into(),
        active: true,
        ts_epoch: app.state.clock.now(),
    });
    write(&collector, vec![alert]).await;
    assert_eq!(app.state.notifier.deliver_due().await.expect("delivery"), 1);
    let request = receiver.requests().remove(0);
    assert_eq!(request.headers["content-type"], "application/json");
    request.json()
}

fn text_of<'a>(value: &'a Value, what: &str) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is a string: {value}"))
}

async fn each_chat_preset_sends_its_services_documented_body(backend: Backend) {
    let teams = receive_with_preset(backend, "teams").await;
    assert_eq!(teams["type"], "message");
    let attachments = teams["attachments"].as_array().expect("attachments");
    assert_eq!(attachments.len(), 1);
    assert_eq!(
        attachments[0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachments[0]["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(
        card["$schema"],
        "http://adaptivecards.io/schemas/adaptive-card.json"
    );
    assert!(
        card["version"]
            .as_str()
            .is_some_and(|v| v.starts_with("1."))
    );
    let blocks = card["body"].as_array().expect("a card body");
    assert!(blocks.iter().all(|b| b["type"] == "TextBlock"));
    assert!(text_of(&blocks[0]["text"], "the heading").contains("CRITICAL db01"));
    assert!(text_of(&blocks[1]["text"], "the text").contains(HOSTILE));

    let google = receive_with_preset(backend, "google_chat").await;
    let text = text_of(&google["text"], "Google Chat's text");
    assert!(text.starts_with("*CRITICAL db01"), "{text}");
    assert!(text.contains(HOSTILE));
    assert!(google.get("cardsV2").is_none(), "text only");

    let mattermost = receive_with_preset(backend, "mattermost").await;
    let text = text_of(&mattermost["text"], "Mattermost's text");
    assert!(text.starts_with("**CRITICAL db01"), "Markdown bold: {text}");
    assert!(text.contains(HOSTILE));
    assert_eq!(mattermost["username"], "smartmon");
    assert!(mattermost.get("icon_url").is_none_or(Value::is_string));

    let rocket = receive_with_preset(backend, "rocket_chat").await;
    assert!(text_of(&rocket["text"], "Rocket.Chat's text").starts_with("*CRITICAL db01"));
    let attachment = &rocket["attachments"][0];
    assert!(text_of(&attachment["text"], "the attachment's text").contains(HOSTILE));
    let fields = attachment["fields"].as_array().expect("fields");
    let host = fields
        .iter()
        .find(|f| f["title"] == "Host")
        .expect("a Host field");
    assert_eq!(
        (&host["value"], &host["short"]),
        (&json!("db01"), &json!(true))
    );
    assert!(
        fields
            .iter()
            .any(|f| f["title"] == "Severity" && f["value"] == "critical")
    );
}

both_backends!(each_chat_preset_sends_its_services_documented_body);

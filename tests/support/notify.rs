//! Helpers for notification tests: channels saved straight into the database, alert conditions written
//! through the collector's writer (the real path: alert change and outbox row in one transaction), and
//! the outbox read back.

use std::time::Duration;

use serde_json::Value;
use smartmon::collector::{Collector, Record};
use smartmon::db::alerts::AlertCondition;
use smartmon::db::notify_channels::{self, ChannelDraft};
use smartmon::domain::{Hostname, Severity};

use super::TestApp;
use super::collector::{collector_for, eventually};

/// Saves a channel of `kind` with `config` and `secrets` (JSON objects) and `grace` seconds.
pub async fn add_channel(
    app: &TestApp,
    name: &str,
    kind: &str,
    config: Value,
    secrets: Value,
    grace: i32,
) -> i64 {
    add_routed_channel(
        app,
        name,
        kind,
        config,
        secrets,
        grace,
        serde_json::json!({}),
    )
    .await
}

pub async fn add_routed_channel(
    app: &TestApp,
    name: &str,
    kind: &str,
    config: Value,
    secrets: Value,
    grace: i32,
    route: Value,
) -> i64 {
    let draft = ChannelDraft {
        name: name.into(),
        kind: kind.into(),
        config: config.to_string(),
        secrets: secrets.to_string(),
        route: route.to_string(),
        grace_secs: grace,
        enabled: true,
        origin: "ui".into(),
    };
    notify_channels::insert(&app.state.db.conn, draft, app.state.clock.now())
        .await
        .expect("the channel is saved")
        .id
}

/// A Slack-preset webhook to `url`.
pub async fn add_webhook(app: &TestApp, name: &str, url: &str, grace: i32) -> i64 {
    add_channel(
        app,
        name,
        "webhook",
        serde_json::json!({"preset": "slack"}),
        serde_json::json!({"url": url}),
        grace,
    )
    .await
}

/// An alert condition for `host`/`source` as a collector would report it.
pub fn condition(host: &str, source: &str, active: bool, ts: f64) -> Record {
    Record::Alert(AlertCondition {
        hostname: Hostname::parse(host).expect("host name"),
        source: source.into(),
        severity: Severity::Critical,
        message: format!(
            "{source} on {host} is {}",
            if active { "failed" } else { "fine" }
        ),
        active,
        ts_epoch: ts,
    })
}

/// Writes `records` through a collector of `app` (one transaction).
pub async fn write(collector: &Collector, records: Vec<Record>) {
    let report = collector.write(records).await;
    assert_eq!(report.buffered, 0, "the batch is stored");
}

pub async fn writer(app: &TestApp) -> Collector {
    collector_for(app).await
}

/// The outbox as (event, hostname, source, status) rows, in id order.
pub async fn outbox(app: &TestApp) -> Vec<smartmon::db::entities::notification_outbox::Model> {
    let mut rows = notify_channels::deliveries(&app.state.db.conn, None, None, 10_000)
        .await
        .expect("the delivery log reads");
    rows.reverse();
    rows
}

/// Waits until no outbox row is pending.
pub async fn settled(app: &TestApp, limit: Duration) {
    eventually("the outbox to settle", limit, || async {
        outbox(app)
            .await
            .iter()
            .all(|r| r.status != "pending")
            .then_some(())
    })
    .await
}

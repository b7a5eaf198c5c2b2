//! The sender: claims a channel (lease), groups its due messages, sends them in order, records each
//! answer (status and the first bytes of the body) and schedules retries with exponential backoff.

use std::sync::Arc;
use std::time::Duration;

use super::Notifier;
use super::channel::{ChannelSpec, Config, Secrets};
use super::message::{Message, group};
use crate::db::entities::notification_channels as channels;
use crate::db::notify_delivery::{self as delivery, Answer};

/// Due rows read per channel per round.
const BATCH: u64 = 1000;
/// The receiver's answer kept on the row.
const BODY_KEPT: usize = 512;

impl Notifier {
    /// Sends every due message of every channel this replica can claim; returns the requests made.
    pub async fn deliver_due(&self) -> anyhow::Result<usize> {
        let _round = self.inner.round.lock().await;
        let mut sent = 0;
        let mut done: Vec<i64> = Vec::new();
        let lease = self.inner.settings.lease.as_secs_f64();
        loop {
            let now = self.inner.clock.now();
            let owner = &self.inner.owner;
            let Some(channel) =
                delivery::claim_channel(&self.inner.db, owner, now, lease, &done).await?
            else {
                return Ok(sent);
            };
            done.push(channel.id);
            let outcome = self.deliver_channel(&channel).await;
            delivery::release(&self.inner.db, channel.id, owner).await?;
            sent += outcome?;
        }
    }

    async fn deliver_channel(&self, channel: &channels::Model) -> anyhow::Result<usize> {
        let inner = &self.inner;
        let now = inner.clock.now();
        let rows = delivery::due_messages(&inner.db.conn, channel.id, now, BATCH).await?;
        let messages = group(
            &rows,
            inner.settings.fleet_hosts,
            inner.settings.public_url.as_deref(),
        );
        let spec = spec_of(channel);
        let mut sent = 0;
        for message in messages {
            let renewed = delivery::renew(
                &inner.db,
                channel.id,
                &inner.owner,
                inner.clock.now() + inner.settings.lease.as_secs_f64(),
            )
            .await?;
            if !renewed {
                break; // another replica holds the channel now
            }
            let answer = match &spec {
                Ok(spec) => self.send(spec, &message).await,
                Err(e) => Answer {
                    delivered: false,
                    status: None,
                    body: None,
                    error: Some(e.clone()),
                },
            };
            sent += 1;
            let attempts = rows
                .iter()
                .find(|r| r.id == message.ids[0])
                .map_or(0, |r| r.attempts)
                + 1;
            let retry_at =
                (message.event != "test" && spec.is_ok() && attempts < inner.settings.max_attempts)
                    .then(|| inner.clock.now() + inner.settings.backoff(attempts).as_secs_f64());
            delivery::record(
                &inner.db.conn,
                channel.id,
                &message.ids,
                &answer,
                inner.clock.now(),
                retry_at,
            )
            .await?;
            if !answer.delivered {
                tracing::warn!(
                    channel = channel.name,
                    attempts,
                    error = answer.error.as_deref().unwrap_or(""),
                    "a notification was not delivered"
                );
                if retry_at.is_some() {
                    break; // later messages wait behind this one
                }
            }
        }
        Ok(sent)
    }

    /// One request (or one email); the error text never carries the URL (it may hold a key).
    pub(super) async fn send(&self, spec: &ChannelSpec, message: &Message) -> Answer {
        let timeout = self.inner.settings.timeout;
        if let ChannelSpec::Email(email) = spec {
            return email.send(message, timeout).await;
        }
        let Some(request) = spec.request(&self.inner.client, message) else {
            return Answer {
                delivered: false,
                status: None,
                body: None,
                error: Some("this channel makes no HTTP request".into()),
            };
        };
        let request = request.timeout(timeout);
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(err) => {
                return Answer {
                    delivered: false,
                    status: None,
                    body: None,
                    error: Some(describe(&err)),
                };
            }
        };
        let status = response.status();
        let mut body = Vec::new();
        while body.len() < BODY_KEPT {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                _ => break,
            }
        }
        body.truncate(BODY_KEPT);
        let body = String::from_utf8_lossy(&body).into_owned();
        Answer {
            delivered: status.is_success(),
            status: Some(i32::from(status.as_u16())),
            body: Some(body),
            error: (!status.is_success())
                .then(|| format!("the receiver answered HTTP {}", status.as_u16())),
        }
    }

    /// Runs until the process ends: delivers, then waits for a wake-up or the poll interval.
    pub(super) async fn run(self) {
        let mut host_check = tokio::time::Instant::now();
        loop {
            if host_check.elapsed() >= Duration::from_secs(5) {
                host_check = tokio::time::Instant::now();
                if let Err(err) = self.check_hosts().await {
                    tracing::warn!(
                        error = format!("{err:#}"),
                        "host-down and reminder check failed"
                    );
                }
            }
            if let Err(err) = self.deliver_due().await {
                tracing::warn!(error = format!("{err:#}"), "notification delivery failed");
            }
            let wake = Arc::clone(&self.inner.wake);
            let _ = tokio::time::timeout(self.inner.settings.poll, wake.notified()).await;
        }
    }
}

/// The channel's stored settings, parsed; an error is recorded on its messages.
pub(super) fn spec_of(channel: &channels::Model) -> Result<ChannelSpec, String> {
    let config: Config =
        serde_json::from_str(&channel.config).map_err(|e| format!("settings: {e}"))?;
    let secrets: Secrets =
        serde_json::from_str(&channel.secrets).map_err(|_| "secrets unreadable".to_owned())?;
    ChannelSpec::parse(&channel.kind, &config, &secrets)
}

/// A transport error in words, without the URL.
fn describe(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "the receiver did not answer in time"
    } else if err.is_connect() {
        "could not connect to the receiver"
    } else {
        "the request failed"
    };
    let mut source = std::error::Error::source(err);
    let mut detail = String::new();
    while let Some(cause) = source {
        detail = cause.to_string();
        source = cause.source();
    }
    if detail.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {detail}")
    }
}

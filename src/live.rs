//! Live change notifications: `LiveBus` broadcasts `LiveEvent`s inside the process (the console's live
//! views subscribe) and, on Postgres, through `NOTIFY smartmon_events` so other replicas see them too.
//! A listener task (`LISTEN`) forwards other processes' events into the local bus, skipping our own.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::db::{Backend, Db};

/// The Postgres channel every smartmon process publishes on and listens to.
pub const CHANNEL: &str = "smartmon_events";

/// Something changed; subscribers re-read what they show for that host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    ServiceChanged {
        hostname: String,
        service_name: String,
    },
    MetricsUpdated {
        hostname: String,
    },
    DiskUpdated {
        hostname: String,
    },
    CheckUpdated {
        hostname: String,
    },
    AlertChanged {
        hostname: String,
    },
    /// A restart request was recorded or changed state (queued, running, done, failed, …).
    RestartUpdated {
        hostname: String,
        service_name: String,
    },
}

/// What travels in a `NOTIFY` payload: the event and the process that published it.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    origin: String,
    event: LiveEvent,
}

/// Told of every event as it enters the bus, before any subscriber can see it.
pub type Observer = Box<dyn Fn(&LiveEvent) + Send + Sync>;

/// Cheap to clone; in `AppState` as `live`.
#[derive(Clone)]
pub struct LiveBus {
    tx: broadcast::Sender<LiveEvent>,
    origin: Arc<str>,
    notify: Option<Db>,
    observer: Arc<OnceLock<Observer>>,
}

impl LiveBus {
    /// A bus that also publishes with `NOTIFY` when `db` is Postgres.
    pub fn new(db: &Db) -> Self {
        let (tx, _) = broadcast::channel(1024);
        let mut origin = [0u8; 8];
        let origin = match getrandom::fill(&mut origin) {
            Ok(()) => hex::encode(origin),
            Err(_) => format!(
                "pid{}-{}",
                std::process::id(),
                crate::clock::Clock::default().now()
            ),
        };
        Self {
            tx,
            origin: origin.into(),
            notify: (db.backend == Backend::Postgres).then(|| db.clone()),
            observer: Arc::default(),
        }
    }

    /// Sets the one observer (the live state marking what an event makes stale, so a request that
    /// follows its own write reads it). A second call is ignored.
    pub fn observe(&self, observer: Observer) {
        let _ = self.observer.set(observer);
    }

    fn send(&self, event: LiveEvent) {
        if let Some(observe) = self.observer.get() {
            observe(&event);
        }
        let _ = self.tx.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }

    /// This process's id in `NOTIFY` payloads.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Broadcasts locally, then (Postgres) notifies other processes. Never fails: a lost notification
    /// only delays other replicas until their next refresh.
    pub async fn publish(&self, events: Vec<LiveEvent>) {
        for event in &events {
            self.send(event.clone());
        }
        let Some(db) = &self.notify else {
            return;
        };
        let payloads: Vec<serde_json::Value> = events
            .into_iter()
            .filter_map(|event| {
                let envelope = Envelope {
                    origin: self.origin.to_string(),
                    event,
                };
                serde_json::to_string(&envelope)
                    .ok()
                    .map(serde_json::Value::String)
            })
            .collect();
        if payloads.is_empty() {
            return;
        }
        // One round trip for the whole batch: one notification per event.
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, payload) FROM json_array_elements_text($2::json) AS payload",
            [
                CHANNEL.into(),
                serde_json::Value::Array(payloads).to_string().into(),
            ],
        );
        if let Err(err) = db.conn.execute_raw(statement).await {
            tracing::debug!(error = %err, "NOTIFY failed; other replicas will catch up later");
        }
    }

    /// Listens on Postgres at `url` and forwards other processes' events into this bus, reconnecting
    /// with backoff for as long as the process runs.
    pub(crate) fn spawn_listener(&self, url: String) -> tokio::task::JoinHandle<()> {
        let bus = self.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(250);
            loop {
                match bus.listen_once(&url).await {
                    Ok(()) => backoff = Duration::from_millis(250),
                    Err(err) => tracing::warn!(error = %err, "LISTEN connection lost; retrying"),
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        })
    }

    async fn listen_once(&self, url: &str) -> anyhow::Result<()> {
        use futures_util::StreamExt;
        let (client, mut connection) = crate::db::pg_tls::connect_listener(url).await?;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let driver = tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(|cx| connection.poll_message(cx));
            while let Some(message) = messages.next().await {
                match message {
                    Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                        if tx.send(n.payload().to_owned()).is_err() {
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(err) => return Err(err),
                }
            }
            Ok(())
        });
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
        while let Some(payload) = rx.recv().await {
            match serde_json::from_str::<Envelope>(&payload) {
                Ok(envelope) if envelope.origin != *self.origin => self.send(envelope.event),
                Ok(_) => {}
                Err(err) => tracing::debug!(error = %err, "ignoring a malformed notification"),
            }
        }
        drop(client);
        driver.await??;
        Ok(())
    }
}

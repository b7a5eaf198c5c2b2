//! Live change notifications: `LiveBus` broadcasts `LiveEvent`s inside the process (the console's live
//! views subscribe) and, on Postgres, through `NOTIFY smartmon_events` so other replicas see them too.
//! A listener task (`LISTEN`) forwards other processes' events into the local bus, skipping our own.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::db::entities::service_current;
use crate::db::{Backend, Db};
use crate::domain::{Hostname, ServiceState, UnitName};

/// The Postgres channel every smartmon process publishes on and listens to.
pub const CHANNEL: &str = "smartmon_events";

/// Something changed; subscribers re-read what they show for that host (or, for a unit whose event
/// carries its new state, apply that without a read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    ServiceChanged {
        hostname: String,
        service_name: String,
        /// The unit's new state as the collector saw it; None means "re-read it".
        #[serde(default, skip_serializing_if = "Option::is_none")]
        news: Option<UnitNews>,
    },
    /// The database now holds a unit's change (told in this process after the commit, and after a
    /// `ServiceChanged` heard from another process); what acts on the stored state waits for this.
    ServiceStored {
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
    /// A read of a unit's journal was queued for this host's agent (`log_requests`).
    LogAsked {
        hostname: String,
    },
}

/// A unit's new state, carried by its change event so the state can be applied from memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "is", rename_all = "snake_case")]
pub enum UnitNews {
    Now(UnitRow),
    Gone,
}

/// `service_current`'s columns (without the id), as they travel on the bus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitRow {
    pub raw_status: String,
    pub normalized_status: String,
    pub sub_state: String,
    pub service_type: String,
    pub unit_file_state: String,
    pub load_state: String,
    pub description: String,
    pub recoverable: bool,
    pub since_epoch: f64,
    pub ts_epoch: f64,
}

impl UnitNews {
    /// The news for `row`'s new state.
    pub fn now(row: &service_current::Model) -> Self {
        UnitNews::Now(UnitRow {
            raw_status: row.raw_status.clone(),
            normalized_status: row.normalized_status.as_str().to_owned(),
            sub_state: row.sub_state.clone(),
            service_type: row.service_type.clone(),
            unit_file_state: row.unit_file_state.clone(),
            load_state: row.load_state.clone(),
            description: row.description.clone(),
            recoverable: row.recoverable,
            since_epoch: row.since_epoch,
            ts_epoch: row.ts_epoch,
        })
    }
}

impl UnitRow {
    /// The row for `hostname`'s `unit`; None when a name or the state does not parse (then re-read).
    pub fn to_model(&self, hostname: &str, unit: &str) -> Option<service_current::Model> {
        Some(service_current::Model {
            id: 0,
            hostname: Hostname::parse_exact(hostname).ok()?,
            service_name: UnitName::parse_stored(unit).ok()?,
            raw_status: self.raw_status.clone(),
            normalized_status: ServiceState::parse(&self.normalized_status)?,
            sub_state: self.sub_state.clone(),
            service_type: self.service_type.clone(),
            unit_file_state: self.unit_file_state.clone(),
            load_state: self.load_state.clone(),
            description: self.description.clone(),
            recoverable: self.recoverable,
            since_epoch: self.since_epoch,
            ts_epoch: self.ts_epoch,
        })
    }
}

/// Postgres refuses a `NOTIFY` payload of 8000 bytes or more; an event that large travels without its
/// news (the listener re-reads the unit).
const MAX_PAYLOAD: usize = 7900;

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
        self.broadcast(&events);
        self.notify_others(events).await;
    }

    /// Tells this process's subscribers only (no database round trip).
    pub fn broadcast(&self, events: &[LiveEvent]) {
        for event in events {
            self.send(event.clone());
        }
    }

    /// Tells other processes (Postgres `NOTIFY`), not this one's subscribers.
    pub async fn notify_others(&self, events: Vec<LiveEvent>) {
        let Some(db) = &self.notify else {
            return;
        };
        // Other processes hear a unit's change after the commit, so it is stored for them already.
        let payloads: Vec<serde_json::Value> = events
            .into_iter()
            .filter(|event| !matches!(event, LiveEvent::ServiceStored { .. }))
            .filter_map(|event| self.payload(event).map(serde_json::Value::String))
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

    /// The `NOTIFY` payload for `event`, its news dropped if it would not fit.
    fn payload(&self, event: LiveEvent) -> Option<String> {
        let origin = self.origin.to_string();
        let text = serde_json::to_string(&Envelope {
            origin: origin.clone(),
            event: event.clone(),
        })
        .ok()?;
        if text.len() < MAX_PAYLOAD {
            return Some(text);
        }
        let LiveEvent::ServiceChanged {
            hostname,
            service_name,
            ..
        } = event
        else {
            return None;
        };
        let event = LiveEvent::ServiceChanged {
            hostname,
            service_name,
            news: None,
        };
        serde_json::to_string(&Envelope { origin, event }).ok()
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
                Ok(envelope) if envelope.origin != *self.origin => {
                    let stored = match &envelope.event {
                        LiveEvent::ServiceChanged {
                            hostname,
                            service_name,
                            ..
                        } => Some(LiveEvent::ServiceStored {
                            hostname: hostname.clone(),
                            service_name: service_name.clone(),
                        }),
                        _ => None,
                    };
                    self.send(envelope.event);
                    if let Some(stored) = stored {
                        self.send(stored);
                    }
                }
                Ok(_) => {}
                Err(err) => tracing::debug!(error = %err, "ignoring a malformed notification"),
            }
        }
        drop(client);
        driver.await??;
        Ok(())
    }
}

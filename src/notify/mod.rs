//! Notifications (#16): channels (webhook with chat presets, ntfy, push services, email over SMTP), the outbox sender with leases,
//! retries and grouping, "host down" detection, and a channel's Test. Messages are queued by
//! `db::notify_outbox` in the transaction of the alert change; this area only sends them.

pub mod admin;
mod channel;
mod email;
mod email_body;
pub mod file_config;
mod host_down;
mod message;
mod ntfy;
mod presets;
mod push;
mod settings;
mod stored;
pub mod template;
mod test_send;
mod worker;

use std::sync::Arc;

use tokio::sync::Notify;

pub use channel::{ChannelSpec, Config, KINDS, Secrets};
pub use email::protocol_of;
pub use presets::Preset;
pub use settings::NotifySettings;

use crate::clock::Clock;
use crate::db::Db;
use crate::live::{LiveBus, LiveEvent};

/// Cheap to clone; every clone drives the same sender.
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

struct Inner {
    settings: NotifySettings,
    db: Db,
    live: LiveBus,
    clock: Clock,
    client: reqwest::Client,
    /// This replica's name in channel leases.
    owner: String,
    /// One delivery round at a time in this process (the lease keeps other replicas out).
    round: tokio::sync::Mutex<()>,
    /// Pokes the sender: something was queued.
    wake: Arc<Notify>,
}

impl Notifier {
    pub fn new(
        settings: NotifySettings,
        db: Db,
        live: LiveBus,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        crate::net::install_crypto_provider();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("smartmon/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let mut id = [0u8; 6];
        getrandom::fill(&mut id)
            .map_err(|e| anyhow::anyhow!("no randomness for the lease id: {e}"))?;
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                db,
                live,
                clock,
                client,
                owner: hex::encode(id),
                round: tokio::sync::Mutex::new(()),
                wake: Arc::new(Notify::new()),
            }),
        })
    }

    pub fn settings(&self) -> &NotifySettings {
        &self.inner.settings
    }

    /// Starts the sender, and wakes it whenever an alert changes anywhere.
    pub fn spawn(&self) {
        tokio::spawn(self.clone().run());
        let mut events = self.inner.live.subscribe();
        let wake = Arc::clone(&self.inner.wake);
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(LiveEvent::AlertChanged { .. }) => wake.notify_one(),
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        });
    }

    /// Asks the sender to look at the outbox now.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }
}

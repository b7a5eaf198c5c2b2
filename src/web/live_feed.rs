//! The live feed: the live state's changes (units, topics, database health), rendered once into
//! Server-Sent Events frames and fanned out to every connected browser (`GET /events`).
//!
//! Events: `rows` carries `<tr>` fragments of changed units (the page replaces a row it shows); `changed`
//! names topics and hosts, one `topic host` a line (`services web01`, `metrics web01`; `*` after a gap),
//! gathered for up to `CHANGED_EVERY` so a busy fleet costs each page a few frames a second, and pages
//! reload the parts that depend on them; `part` carries a whole page part rendered once for every page showing it
//! (`live_parts`; a page names its part in `/events?part=…`);
//! `status` carries the database banner.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::web::Bytes;
use maud::Render;
use tokio::sync::broadcast;

use crate::clock::Clock;
use crate::live_state::{Change, CurrentState};
use crate::web::row_cache::RowCache;
use crate::web::views::layout::database_banner;
use crate::web::views::services::service_row_cached;

/// Frames buffered per client; a client further behind than this is disconnected (it reconnects and
/// reloads what it shows), so a slow browser never holds up the others.
const CLIENT_BUFFER: usize = 512;

/// How long `changed` topics gather before they go out in one frame.
const CHANGED_EVERY: Duration = Duration::from_millis(250);

/// Cheap to clone; in `AppState` as `feed`.
#[derive(Clone)]
pub struct LiveFeed {
    tx: broadcast::Sender<Bytes>,
    next_id: Arc<AtomicU64>,
    /// Flips to true when the server stops, so every open stream ends.
    closing: Arc<tokio::sync::watch::Sender<bool>>,
    /// One channel per pushed page part, for the pages that show it.
    parts: Arc<std::sync::Mutex<HashMap<&'static str, broadcast::Sender<Bytes>>>>,
}

impl LiveFeed {
    /// Starts the renderer task: it turns each change the live state announces into frames.
    pub fn start(current: &Arc<CurrentState>, rows: Arc<RowCache>, clock: Clock) -> Self {
        let (tx, _) = broadcast::channel(CLIENT_BUFFER);
        let feed = Self {
            tx,
            next_id: Arc::new(AtomicU64::new(1)),
            closing: Arc::new(tokio::sync::watch::channel(false).0),
            parts: Arc::default(),
        };
        let renderer = feed.clone();
        let changes = current.subscribe();
        tokio::spawn(async move { renderer.follow(changes, &rows, clock).await });
        feed
    }

    /// Renders each change as it comes; `changed` topics go out together every `CHANGED_EVERY`.
    async fn follow(
        &self,
        mut changes: broadcast::Receiver<Change>,
        rows: &RowCache,
        clock: Clock,
    ) {
        let mut topics = BTreeSet::new();
        let mut flush_at: Option<tokio::time::Instant> = None;
        loop {
            let next = match flush_at {
                Some(at) => match tokio::time::timeout_at(at, changes.recv()).await {
                    Ok(next) => next,
                    Err(_) => {
                        self.send_topics(&mut topics);
                        flush_at = None;
                        continue;
                    }
                },
                None => changes.recv().await,
            };
            match next {
                Ok(change) => self.render(rows, change, clock.now(), &mut topics),
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    rows.clear();
                    topics.clear();
                    self.send("changed", "*");
                }
                Err(broadcast::error::RecvError::Closed) => break,
            }
            if !topics.is_empty() && flush_at.is_none() {
                flush_at = Some(tokio::time::Instant::now() + CHANGED_EVERY);
            }
        }
    }

    /// One `changed` frame for every gathered topic, one a line.
    fn send_topics(&self, topics: &mut BTreeSet<String>) {
        if topics.is_empty() {
            return;
        }
        let lines: Vec<String> = std::mem::take(topics).into_iter().collect();
        self.send("changed", &lines.join("\n"));
    }

    /// Ends every open stream (the server is stopping; browsers reconnect to the next one).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves once the server is stopping.
    pub(crate) fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// A receiver for one browser.
    pub fn subscribe(&self) -> broadcast::Receiver<Bytes> {
        self.tx.subscribe()
    }

    /// The frame a new connection starts with: reconnect delay, and the database's state now.
    pub fn hello(&self, database_up: bool) -> Bytes {
        let mut frame = String::from("retry: 3000\n: connected\n\n");
        frame.push_str(&String::from_utf8_lossy(
            &self.frame("status", &database_banner(database_up).into_string()),
        ));
        Bytes::from(frame)
    }

    fn render(&self, rows: &RowCache, change: Change, now: f64, topics: &mut BTreeSet<String>) {
        match change {
            Change::Unit {
                hostname,
                unit,
                replaced,
            } => {
                if let Some(old) = replaced {
                    rows.forget(old);
                }
                if let Some(unit) = unit {
                    let row = service_row_cached(&unit, now, rows);
                    self.send("rows", &row.render().into_string());
                }
                topics.insert(format!("services {hostname}"));
            }
            Change::Topic { topic, hostname } => {
                topics.insert(format!("{topic} {hostname}"));
            }
            Change::Reloaded => rows.clear(),
            Change::Gap => {
                rows.clear();
                topics.clear();
                self.send("changed", "*");
            }
            Change::Database { up } => self.send("status", &database_banner(up).into_string()),
        }
    }

    /// A receiver of page part `name`'s frames, for a page that shows it.
    pub(crate) fn subscribe_part(&self, name: &'static str) -> broadcast::Receiver<Bytes> {
        let mut parts = self.parts.lock().unwrap_or_else(|p| p.into_inner());
        parts
            .entry(name)
            .or_insert_with(|| broadcast::channel(CLIENT_BUFFER).0)
            .subscribe()
    }

    /// Whether any open page shows part `name`.
    pub(crate) fn watches_part(&self, name: &str) -> bool {
        let parts = self.parts.lock().unwrap_or_else(|p| p.into_inner());
        parts.get(name).is_some_and(|tx| tx.receiver_count() > 0)
    }

    /// Sends page part `name` (its whole element, `data-live-part` naming it) to the pages showing it.
    pub(crate) fn push_part(&self, name: &str, html: &str) {
        let frame = self.frame("part", html);
        let parts = self.parts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = parts.get(name) {
            let _ = tx.send(frame);
        }
    }

    fn send(&self, event: &str, data: &str) {
        // No receivers is fine: nobody is watching.
        let _ = self.tx.send(self.frame(event, data));
    }

    /// One SSE frame; multi-line data becomes several `data:` lines, as the format requires.
    pub(crate) fn frame(&self, event: &str, data: &str) -> Bytes {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut frame = format!("id: {id}\nevent: {event}\n");
        for line in data.split('\n') {
            frame.push_str("data: ");
            frame.push_str(line.trim_end_matches('\r'));
            frame.push('\n');
        }
        frame.push('\n');
        Bytes::from(frame)
    }
}

//! Live journal lines for open unit pages: one `journalctl --follow` per unit of this host (for another
//! host's unit, a read after the newest line asked of its agent every `REMOTE_EVERY`), shared by every
//! page showing that unit, rendered once into `logs` frames and fanned out; it stops once no page
//! watches. `read` is the one way to a unit's lines: this host's journal, or the unit's host's agent.
//!
//! A page names its unit and the cursor of the newest line it shows (`/events?logs=HOST/UNIT&after=…`).
//! The first page starts the follower after its cursor; a later one joins the running follower and is
//! first sent what it missed (a bounded read after its cursor). The page drops lines it already shows,
//! so nothing is shown twice and, across reconnects, nothing is skipped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web::Bytes;
use maud::Render;
use tokio::sync::{broadcast, mpsc};

use crate::domain::{Hostname, UnitName};
use crate::journal::{Cursor, Journal, LogLine, Page, Position, Query};
use crate::web::live_feed::LiveFeed;
use crate::web::remote_log::RemoteLogs;
use crate::web::views::journal::log_lines;

/// How often a follower checks whether any page still watches its unit.
const WATCH_CHECK: Duration = Duration::from_millis(500);
/// The most lines one frame carries (a burst is split into several frames).
const LINES_PER_FRAME: usize = 200;
/// Frames buffered per page; a page further behind is cut off (it reconnects and catches up).
const PAGE_BUFFER: usize = 256;
/// The most lines a joining page is sent to catch up.
const CATCH_UP_LINES: usize = 500;
/// How often another host's agent is asked for a followed unit's new lines.
const REMOTE_EVERY: Duration = Duration::from_secs(2);

/// Cheap to clone; in `AppState` as `logs`.
#[derive(Clone)]
pub struct LogFeed {
    journal: Journal,
    /// This host: its units' lines come from `journal`, every other host's from its agent.
    own_host: Hostname,
    remote: RemoteLogs,
    feed: LiveFeed,
    followers: Arc<Mutex<HashMap<String, broadcast::Sender<Bytes>>>>,
}

impl LogFeed {
    pub fn new(journal: Journal, own_host: Hostname, remote: RemoteLogs, feed: LiveFeed) -> Self {
        Self {
            journal,
            own_host,
            remote,
            feed,
            followers: Arc::default(),
        }
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// `query`'s lines of `host`'s journal: read here for this host, asked of its agent for another;
    /// Err says why there are none, in words for the page.
    pub async fn read(&self, host: &Hostname, query: &Query) -> Result<Page, String> {
        if *host == self.own_host {
            self.journal.read(query).await.map_err(|e| e.to_string())
        } else {
            self.remote.read(host, query).await
        }
    }

    /// How many units are followed right now.
    pub fn following(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, broadcast::Sender<Bytes>>> {
        self.followers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The frames of `host`'s `unit`'s new lines for one page (`after`: the newest line it shows), and
    /// the frame of what it missed when it joins a follower that was already running.
    pub async fn watch(
        &self,
        host: &Hostname,
        unit: &UnitName,
        after: Option<Cursor>,
    ) -> (broadcast::Receiver<Bytes>, Option<Bytes>) {
        let key = format!("{host}/{unit}");
        let joined = {
            let mut followers = self.lock();
            match followers.get(&key) {
                Some(tx) => Some(tx.subscribe()),
                None => {
                    let (tx, rx) = broadcast::channel(PAGE_BUFFER);
                    followers.insert(key.clone(), tx.clone());
                    let (this, unit, after) = (self.clone(), unit.clone(), after.clone());
                    if *host == self.own_host {
                        tokio::spawn(async move { this.run_follower(key, unit, after, tx).await });
                    } else {
                        let host = host.clone();
                        tokio::spawn(async move {
                            this.run_remote_follower(key, host, unit, after, tx).await
                        });
                    }
                    return (rx, None);
                }
            }
        };
        let rx = joined.unwrap_or_else(|| broadcast::channel(1).1);
        let query = Query {
            unit: unit.clone(),
            max_priority: None,
            search: None,
            position: Position::After(after),
            limit: CATCH_UP_LINES,
        };
        let missed = match self.read(host, &query).await {
            Ok(page) if !page.lines.is_empty() => Some(self.frame(&page.lines)),
            Ok(_) => None,
            Err(err) => {
                tracing::warn!(unit = %unit, error = %err, "catching a page up on its log failed");
                None
            }
        };
        (rx, missed)
    }

    /// Asks `host`'s agent for `unit`'s lines after the newest one sent, every `REMOTE_EVERY`, while
    /// any page watches it.
    async fn run_remote_follower(
        &self,
        key: String,
        host: Hostname,
        unit: UnitName,
        mut after: Option<Cursor>,
        tx: broadcast::Sender<Bytes>,
    ) {
        let mut every = tokio::time::interval(REMOTE_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if tx.receiver_count() == 0 {
                self.lock().remove(&key);
                return;
            }
            let query = Query {
                unit: unit.clone(),
                max_priority: None,
                search: None,
                position: Position::After(after.clone()),
                limit: LINES_PER_FRAME,
            };
            match self.read(&host, &query).await {
                Ok(page) => {
                    if let Some(last) = page.lines.last() {
                        after = Cursor::parse(&last.cursor).ok().or(after);
                        let _ = tx.send(self.frame(&page.lines));
                    }
                }
                Err(err) => {
                    tracing::debug!(host = %host, unit = %unit, error = %err, "no new remote log lines")
                }
            }
        }
    }

    /// Runs `journalctl --follow` for `unit` while any page watches it.
    async fn run_follower(
        &self,
        key: String,
        unit: UnitName,
        after: Option<Cursor>,
        tx: broadcast::Sender<Bytes>,
    ) {
        let query = Query {
            unit: unit.clone(),
            max_priority: None,
            search: None,
            position: Position::Latest,
            limit: 1,
        };
        let mut lines = match self.journal.follow(&query, after.as_ref()) {
            Ok(lines) => lines,
            Err(err) => {
                tracing::warn!(unit = %unit, error = %err, "following a unit's log failed");
                self.lock().remove(&key);
                return;
            }
        };
        let mut check = tokio::time::interval(WATCH_CHECK);
        loop {
            tokio::select! {
                batch = next_batch(&mut lines) => match batch {
                    Some(batch) => { let _ = tx.send(self.frame(&batch)); }
                    None => {
                        // journalctl ended: the next page to open starts a new follower.
                        let mut followers = self.lock();
                        if followers.get(&key).is_some_and(|t| t.same_channel(&tx)) {
                            followers.remove(&key);
                        }
                        return;
                    }
                },
                _ = check.tick() => {
                    let mut followers = self.lock();
                    if tx.receiver_count() == 0 {
                        followers.remove(&key);
                        return;
                    }
                }
            }
        }
    }

    fn frame(&self, lines: &[LogLine]) -> Bytes {
        self.feed
            .frame("logs", &log_lines(lines).render().into_string())
    }
}

/// The next line and whatever else is ready behind it; None once `journalctl` has ended.
async fn next_batch(rx: &mut mpsc::Receiver<LogLine>) -> Option<Vec<LogLine>> {
    let first = rx.recv().await?;
    let mut batch = vec![first];
    while batch.len() < LINES_PER_FRAME {
        match rx.try_recv() {
            Ok(line) => batch.push(line),
            Err(_) => break,
        }
    }
    Some(batch)
}

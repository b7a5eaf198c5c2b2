//! Live journal lines for open unit pages: one `journalctl --follow` per unit, shared by every page
//! showing that unit, rendered once into `logs` frames and fanned out; it stops once no page watches.
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

use crate::domain::UnitName;
use crate::journal::{Cursor, Journal, LogLine, Position, Query};
use crate::web::live_feed::LiveFeed;
use crate::web::views::journal::log_lines;

/// How often a follower checks whether any page still watches its unit.
const WATCH_CHECK: Duration = Duration::from_millis(500);
/// The most lines one frame carries (a burst is split into several frames).
const LINES_PER_FRAME: usize = 200;
/// Frames buffered per page; a page further behind is cut off (it reconnects and catches up).
const PAGE_BUFFER: usize = 256;
/// The most lines a joining page is sent to catch up.
const CATCH_UP_LINES: usize = 500;

/// Cheap to clone; in `AppState` as `logs`.
#[derive(Clone)]
pub struct LogFeed {
    journal: Journal,
    feed: LiveFeed,
    followers: Arc<Mutex<HashMap<String, broadcast::Sender<Bytes>>>>,
}

impl LogFeed {
    pub fn new(journal: Journal, feed: LiveFeed) -> Self {
        Self {
            journal,
            feed,
            followers: Arc::default(),
        }
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// How many units are followed right now.
    pub fn following(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, broadcast::Sender<Bytes>>> {
        self.followers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The frames of `unit`'s new lines for one page (`after`: the newest line it shows), and the frame
    /// of what it missed when it joins a follower that was already running.
    pub async fn watch(
        &self,
        unit: &UnitName,
        after: Option<Cursor>,
    ) -> (broadcast::Receiver<Bytes>, Option<Bytes>) {
        let joined = {
            let mut followers = self.lock();
            match followers.get(unit.as_str()) {
                Some(tx) => Some(tx.subscribe()),
                None => {
                    let (tx, rx) = broadcast::channel(PAGE_BUFFER);
                    followers.insert(unit.as_str().to_owned(), tx.clone());
                    let (this, unit, after) = (self.clone(), unit.clone(), after.clone());
                    tokio::spawn(async move { this.run_follower(unit, after, tx).await });
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
        let missed = match self.journal.read(&query).await {
            Ok(page) if !page.lines.is_empty() => Some(self.frame(&page.lines)),
            Ok(_) => None,
            Err(err) => {
                tracing::warn!(unit = %unit, error = %err, "catching a page up on its log failed");
                None
            }
        };
        (rx, missed)
    }

    /// Runs `journalctl --follow` for `unit` while any page watches it.
    async fn run_follower(
        &self,
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
                self.lock().remove(unit.as_str());
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
                        if followers.get(unit.as_str()).is_some_and(|t| t.same_channel(&tx)) {
                            followers.remove(unit.as_str());
                        }
                        return;
                    }
                },
                _ = check.tick() => {
                    let mut followers = self.lock();
                    if tx.receiver_count() == 0 {
                        followers.remove(unit.as_str());
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

//! Another host's unit journal, read by that host's agent (`log_requests`), never by the console
//! reaching into the host: the read is queued, the agent woken (`LISTEN` on Postgres, its poll
//! otherwise), the answer awaited for at most `WAIT`, then taken only as the lines a page would show.

use std::time::{Duration, Instant};

use crate::clock::Clock;
use crate::db::{Db, log_requests};
use crate::domain::Hostname;
use crate::journal::{LogAsk, Page, Query, clean, page_from_answer};
use crate::live::{LiveBus, LiveEvent};

/// The longest a page waits for an agent's answer.
pub const WAIT: Duration = Duration::from_secs(5);
/// How often the answer is looked for.
const LOOK_EVERY: Duration = Duration::from_millis(100);
/// Requests are deleted this long after they were asked (their pages have long been shown).
const KEEP_SECS: f64 = 60.0;

/// Cheap to clone; what asking other hosts' agents takes.
#[derive(Clone)]
pub struct RemoteLogs {
    db: Db,
    live: LiveBus,
    clock: Clock,
}

impl RemoteLogs {
    pub fn new(db: Db, live: LiveBus, clock: Clock) -> Self {
        Self { db, live, clock }
    }

    /// `query`'s lines of `host`'s journal, or why there are none, in words for the page.
    pub async fn read(&self, host: &Hostname, query: &Query) -> Result<Page, String> {
        read(self, host, query).await
    }
}

async fn read(state: &RemoteLogs, host: &Hostname, query: &Query) -> Result<Page, String> {
    let conn = &state.db.conn;
    let now = state.clock.now();
    let ask = serde_json::to_string(&LogAsk::of(query))
        .map_err(|e| format!("the request could not be written: {e}"))?;
    let id = log_requests::queue(conn, host.as_str(), query.unit.as_str(), &ask, now)
        .await
        .map_err(|e| format!("the request could not be queued: {e}"))?;
    if let Err(err) = log_requests::prune(conn, now - KEEP_SECS).await {
        tracing::debug!(error = %err, "old log requests not deleted");
    }
    state
        .live
        .publish(vec![LiveEvent::LogAsked {
            hostname: host.to_string(),
        }])
        .await;
    let started = Instant::now();
    loop {
        tokio::time::sleep(LOOK_EVERY).await;
        let row = log_requests::find(conn, id)
            .await
            .map_err(|e| format!("the answer could not be read: {e}"))?;
        match row {
            Some(row) if row.state == "answered" => {
                return page_from_answer(query, row.answer.as_deref().unwrap_or_default())
                    .map_err(|e| format!("the agent on {host} answered with something else: {e}"));
            }
            Some(row) if row.state == "failed" => {
                let why: String = clean(row.error.as_deref().unwrap_or("no reason given"))
                    .0
                    .chars()
                    .take(300)
                    .collect();
                return Err(format!("the agent on {host} could not read the log: {why}"));
            }
            _ => {}
        }
        if started.elapsed() >= WAIT {
            if let Err(err) = log_requests::give_up(conn, id, state.clock.now()).await {
                tracing::debug!(error = %err, "an unanswered log request not marked");
            }
            return Err(format!(
                "the agent on {host} did not answer within {} s (is `smartmon agent` running there?)",
                WAIT.as_secs()
            ));
        }
    }
}

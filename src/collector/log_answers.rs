//! Answers the console's reads of this host's unit journals (`log_requests`): woken by the live bus
//! (`LISTEN` on Postgres) and by a short poll, the agent takes its host's queued requests, reads the
//! journal (bounded as every read is) and writes the page back. It never reaches out: the console asks,
//! the agent answers through the database it already writes to.

use std::time::Duration;

use super::Collector;
use crate::db::entities::log_requests::Model;
use crate::db::log_requests;
use crate::domain::UnitName;
use crate::journal::{Journal, LogAsk, answer_json};
use crate::live::LiveEvent;

/// How often the queue is looked at besides being woken (the only way on SQLite).
const POLL: Duration = Duration::from_secs(2);
/// A request older than this is left alone: its page has stopped waiting (`web::remote_log::WAIT`).
const FRESH_SECS: f64 = 10.0;

impl Collector {
    /// The answering loop, when this collector reads a journal.
    pub(crate) fn spawn_log_answers(&self) -> Option<tokio::task::JoinHandle<()>> {
        let journal = self.inner.journal.clone()?;
        let c = self.clone();
        Some(tokio::spawn(
            async move { c.answer_logs_forever(journal).await },
        ))
    }

    async fn answer_logs_forever(&self, journal: Journal) {
        let mut events = self.inner.writer.live().subscribe();
        let me = self.hostname().to_string();
        loop {
            if let Err(err) = self.answer_log_requests(&journal).await {
                tracing::warn!(error = format!("{err:#}"), "cannot answer log requests");
            }
            let wake = async {
                loop {
                    match events.recv().await {
                        Ok(LiveEvent::LogAsked { hostname }) if hostname == me => return,
                        Ok(_) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => return,
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                            std::future::pending::<()>().await
                        }
                    }
                }
            };
            let _ = tokio::time::timeout(POLL, wake).await;
        }
    }

    /// Answers every fresh queued request for this host; how many it answered.
    pub async fn answer_log_requests(&self, journal: &Journal) -> anyhow::Result<usize> {
        let conn = &self.inner.writer.db().conn;
        let me = self.hostname().as_str();
        let by = format!("agent on {me}");
        let mut answered = 0;
        loop {
            let since = self.now() - FRESH_SECS;
            let Some(row) = log_requests::claim_next(conn, me, &by, since).await? else {
                return Ok(answered);
            };
            let outcome = read_for(journal, &row).await;
            log_requests::answer(conn, row.id, outcome, self.now()).await?;
            answered += 1;
        }
    }
}

/// The page `row` asks for, as JSON, or why there is none. The request is checked as the console
/// checks a page's own parameters: the database is shared, so its rows are input like any other.
async fn read_for(journal: &Journal, row: &Model) -> Result<String, String> {
    let unit = UnitName::parse(&row.unit).map_err(|e| format!("{:?}: {e}", row.unit))?;
    let ask: LogAsk =
        serde_json::from_str(&row.ask).map_err(|e| format!("the request is not readable: {e}"))?;
    let query = ask.into_query(unit)?;
    let page = journal.read(&query).await.map_err(|e| e.to_string())?;
    Ok(answer_json(&query, page))
}

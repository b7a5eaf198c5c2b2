//! Whether the database answers, watched in the background so pages and the live stream can say so
//! without a round trip of their own, and the rule for telling an outage from an ordinary query error.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::{DbErr, RuntimeErr};
use tokio::sync::watch;

use crate::db::Db;

/// The latest verdict on the database, shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct DbHealth {
    state: Arc<watch::Sender<bool>>,
}

impl DbHealth {
    /// Starts pinging `db` every `every`; the first verdict is "up" (start-up just connected).
    pub fn start(db: Db, every: Duration) -> Self {
        let (tx, _) = watch::channel(true);
        let health = Self {
            state: Arc::new(tx),
        };
        let watcher = health.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let up = db.ping().await.is_ok();
                watcher.report(up);
                if Arc::strong_count(&watcher.state) == 1 {
                    break; // the application is gone
                }
            }
        });
        health
    }

    pub(crate) fn is_up(&self) -> bool {
        *self.state.borrow()
    }

    /// Records a verdict (the watcher's, or a handler's that just saw the database fail).
    pub fn report(&self, up: bool) {
        self.state.send_if_modified(|current| {
            let changed = *current != up;
            if changed {
                if up {
                    tracing::info!("database reachable again");
                } else {
                    tracing::warn!("database unreachable");
                }
            }
            *current = up;
            changed
        });
    }

    /// A receiver that wakes on every change of verdict (for the live stream).
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.state.subscribe()
    }
}

/// True when `err` means the database could not be reached, rather than that a query was wrong.
pub(crate) fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => matches!(
            e.deref(),
            Sqlx::Io(_)
                | Sqlx::Tls(_)
                | Sqlx::PoolTimedOut
                | Sqlx::PoolClosed
                | Sqlx::WorkerCrashed
        ),
        _ => false,
    }
}

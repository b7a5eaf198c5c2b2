//! Helpers for collector tests: a collector for a test app, queries on its tables, and polling.

use std::future::Future;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Statement};
use smartmon::collector::Collector;

use super::TestApp;

/// A collector writing to the app's database and live bus, with the app's settings.
pub async fn collector_for(app: &TestApp) -> Collector {
    smartmon::startup::collector(&app.settings, app.state.db.clone(), app.state.live.clone())
        .await
        .expect("the collector starts")
}

/// Rows of `sql` as strings (every selected column cast to text by the caller's SQL).
pub async fn rows(app: &TestApp, sql: &str) -> Vec<Vec<String>> {
    let conn = &app.state.db.conn;
    let result = conn
        .query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    result
        .iter()
        .map(|row| {
            (0..)
                .map_while(|i| {
                    row.try_get_by_index::<Option<String>>(i)
                        .ok()
                        .map(|v| v.unwrap_or_else(|| "NULL".into()))
                })
                .collect()
        })
        .collect()
}

/// Polls `check` until it returns Some, for up to `limit`; panics with `what` otherwise.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

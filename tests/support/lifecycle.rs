//! Raw SQL helpers for the lifecycle tests: rows at chosen ages, counts, and settings with defaults.

use sea_orm::{ConnectionTrait, Statement};
use smartmon::lifecycle::LifecycleSettings;

use super::TestApp;

pub const DAY: f64 = 86_400.0;

/// The lifecycle settings these variables give (over the defaults).
pub fn lifecycle_settings(pairs: &[(&str, &str)]) -> LifecycleSettings {
    smartmon::config::Settings::from_map(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
    .expect("valid settings")
    .lifecycle
}

impl TestApp {
    pub async fn exec(&self, sql: &str) {
        self.state
            .db
            .conn
            .execute_unprepared(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The first column of the first row, as a number.
    pub async fn number(&self, sql: &str) -> f64 {
        let conn = &self.state.db.conn;
        let row = conn
            .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .expect("a row");
        row.try_get_by_index::<f64>(0)
            .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n as f64))
            .or_else(|_| row.try_get_by_index::<i32>(0).map(f64::from))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    pub async fn count(&self, table: &str, condition: &str) -> i64 {
        self.number(&format!("SELECT COUNT(*) FROM {table} WHERE {condition}"))
            .await as i64
    }

    /// One `system_metrics` row for `host` at `ts` with this CPU figure.
    pub async fn metric_at(&self, host: &str, ts: f64, cpu: f64) {
        self.exec(&format!(
            "INSERT INTO system_metrics (hostname, ts_epoch, cpu_percent, memory_percent, swap_percent,
               load_1, disk_percent, net_rx_bps, net_tx_bps)
             VALUES ('{host}', {ts}, {cpu}, {mem}, 1, 0.5, 55, 2048, 1024)",
            mem = cpu / 2.0
        ))
        .await;
        self.written(smartmon::live::LiveEvent::MetricsUpdated {
            hostname: host.to_owned(),
        })
        .await;
    }

    /// One `network_checks` row.
    pub async fn check_at(&self, host: &str, ts: f64, latency: Option<f64>, ok: bool) {
        let latency = latency.map_or("NULL".to_owned(), |l| l.to_string());
        let status = if ok { "ok" } else { "fail" };
        self.exec(&format!(
            "INSERT INTO network_checks (hostname, ts_epoch, target, method, status, latency_ms)
             VALUES ('{host}', {ts}, 'gw', 'ping', '{status}', {latency})"
        ))
        .await;
        self.written(smartmon::live::LiveEvent::CheckUpdated {
            hostname: host.to_owned(),
        })
        .await;
    }
}

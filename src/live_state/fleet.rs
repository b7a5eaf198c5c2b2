//! The fleet's figures the pages share, answered from memory (`reads`): every host with its latest sample
//! and hour averages, one host, open alert counts and pages of alerts, each drive's latest SMART reading,
//! each check's latest result, the latest restarts, a host's chart series and a unit's state history.
//! Each is read from the database on first use and again only once the change stream says it changed.

use std::sync::Arc;

use sea_orm::DbErr;

use crate::db::alert_list::{self, AlertFilter};
use crate::db::entities::{alerts, disk_health, network_checks, restart_requests, service_status};
use crate::db::hosts::{self, HostSummary, MetricPoint};
use crate::db::{checks, disks, services};
use crate::live_state::CurrentState;
use crate::live_state::reads::{Scope, Topic};

/// A unit's state changes in a window, newest first, and its state when the window began.
pub(crate) struct UnitHistory {
    pub changes: Vec<service_status::Model>,
    pub initial: Option<service_status::Model>,
}

impl CurrentState {
    /// Every host, by name, with its latest figures and the last hour's averages at `now`.
    /// Patched with only the hosts that reported since it was last read (`fleet_hosts`).
    pub(crate) async fn hosts(&self, now: f64) -> Result<Arc<Vec<HostSummary>>, DbErr> {
        self.fleet_hosts.get(self.reads(), &self.db.conn, now).await
    }

    /// One host with its latest sample, if it has reported.
    pub(crate) async fn host(&self, hostname: &str) -> Result<Arc<Option<HostSummary>>, DbErr> {
        let deps = [Scope::Host(Topic::Metrics, hostname)];
        let load = hosts::find(&self.db.conn, hostname);
        self.reads()
            .get(&format!("host {hostname}"), &deps, load)
            .await
    }

    /// `hostname`'s figures since `since` in buckets of `bucket` (`history` is where charts read).
    /// Held per window and bucket start, so a new sample or a new bucket reads it again.
    pub(crate) async fn series(
        &self,
        history: &sea_orm::DatabaseConnection,
        hostname: &str,
        since: f64,
        bucket: f64,
    ) -> Result<Arc<Vec<MetricPoint>>, DbErr> {
        let deps = [Scope::Host(Topic::Metrics, hostname)];
        let first = (since / bucket).floor();
        let key = format!("series {hostname} {bucket} {first}");
        let load = hosts::series(history, hostname, since, bucket);
        self.reads().get(&key, &deps, load).await
    }

    /// Open alerts by severity: (critical, warning).
    pub(crate) async fn open_alert_counts(&self) -> Result<Arc<(u64, u64)>, DbErr> {
        let deps = [Scope::Fleet(Topic::Alerts)];
        let load = alert_list::open_counts(&self.db.conn);
        self.reads().get("alert counts", &deps, load).await
    }

    /// A page of alerts matching `filter`, with the total.
    pub(crate) async fn alerts(
        &self,
        filter: &AlertFilter,
    ) -> Result<Arc<(Vec<alerts::Model>, u64)>, DbErr> {
        let deps = [Scope::Fleet(Topic::Alerts)];
        let load = alert_list::find_page(&self.db.conn, filter);
        self.reads()
            .get(&format!("alerts {filter:?}"), &deps, load)
            .await
    }

    /// The latest reading of every drive, failed and worn first.
    pub(crate) async fn disks(&self) -> Result<Arc<Vec<disk_health::Model>>, DbErr> {
        let deps = [Scope::Fleet(Topic::Disks)];
        let load = disks::latest(&self.db.conn);
        self.reads().get("disks", &deps, load).await
    }

    /// The latest result of every check, failing first.
    pub(crate) async fn checks(&self) -> Result<Arc<Vec<network_checks::Model>>, DbErr> {
        let deps = [Scope::Fleet(Topic::Checks)];
        let load = checks::latest(&self.db.conn);
        self.reads().get("checks", &deps, load).await
    }

    /// The latest `limit` restart requests (refusals aside).
    pub(crate) async fn latest_restarts(
        &self,
        limit: u64,
    ) -> Result<Arc<Vec<restart_requests::Model>>, DbErr> {
        let deps = [Scope::Fleet(Topic::Restarts)];
        let load = crate::db::restart_requests::latest(&self.db.conn, limit);
        self.reads()
            .get(&format!("restarts {limit}"), &deps, load)
            .await
    }

    /// `unit`'s latest `limit` restart requests, newest first.
    pub(crate) async fn restart_history(
        &self,
        hostname: &str,
        unit: &str,
        limit: u64,
    ) -> Result<Arc<Vec<restart_requests::Model>>, DbErr> {
        let deps = [Scope::Host(Topic::Restarts, hostname)];
        let load = crate::db::restart_requests::history(&self.db.conn, hostname, unit, limit);
        let key = format!("restart history {hostname} {unit} {limit}");
        self.reads().get(&key, &deps, load).await
    }

    /// `unit`'s changes since `start` (at most `limit`, newest first) and its state at `start`.
    pub(crate) async fn unit_history(
        &self,
        hostname: &str,
        unit: &str,
        start: f64,
        limit: u64,
    ) -> Result<Arc<UnitHistory>, DbErr> {
        let deps = [Scope::Host(Topic::Units, hostname)];
        let db = &self.db.conn;
        let load = async {
            Ok(UnitHistory {
                changes: services::history(db, hostname, unit, start, limit).await?,
                initial: services::state_at(db, hostname, unit, start).await?,
            })
        };
        // Held per minute of window start: uptime over a day moves little in a minute.
        let key = format!("unit {hostname} {unit} {limit} {}", (start / 60.0).floor());
        self.reads().get(&key, &deps, load).await
    }
}

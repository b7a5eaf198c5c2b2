//! Seeding: put hosts, units, state history and metrics straight into a test's database, as a collector
//! would have written them, so page and API tests start from known data. Each write is followed by the
//! event a collector's write puts on the live bus, so the server's in-memory state holds it (units and
//! hosts) or reads it again (figures, disks, checks, alerts), as it would after a collector's write.

use sea_orm::{ActiveValue::Set, EntityTrait};
use smartmon::clock::Clock;
use smartmon::db::entities::{
    alerts, audit_log, disk_health, hosts, network_checks, service_current, service_status,
    system_metrics,
};
use smartmon::domain::{AuditAction, Hostname, ServiceState, Severity, UnitName};
use smartmon::live::LiveEvent;

use super::TestApp;

/// A unit as tests describe it: (host, unit, normalised state, sub-state).
pub struct Unit<'a> {
    pub host: &'a str,
    pub name: &'a str,
    pub state: &'a str,
    pub sub: &'a str,
}

impl TestApp {
    /// A host that reported `age_secs` ago.
    pub async fn seed_host(&self, hostname: &str, age_secs: f64) {
        let now = Clock::default().now();
        hosts::Entity::insert(hosts::ActiveModel {
            hostname: Set(Hostname::parse_exact(hostname).expect("a host name")),
            os: Set(Some("Debian GNU/Linux 12".into())),
            kernel: Set(Some("6.1.0".into())),
            agent_version: Set(Some("0.1.0".into())),
            first_seen: Set(now - 86_400.0),
            last_seen: Set(now - age_secs),
            ..Default::default()
        })
        .exec(&self.state.db.conn)
        .await
        .expect("seed host");
        // What the live state does when a new host's first report reaches the bus.
        self.state
            .current
            .apply(LiveEvent::MetricsUpdated {
                hostname: hostname.to_owned(),
            })
            .await;
    }

    /// A unit's current state, changed `since_secs` ago, plus its first-sighting history row.
    pub async fn seed_unit(&self, unit: Unit<'_>, since_secs: f64) {
        let now = Clock::default().now();
        let raw = match unit.state {
            "running" => "active",
            "failed" => "failed",
            "stopped" => "inactive",
            "transitioning" => "activating",
            _ => "unknown",
        };
        service_current::Entity::insert(service_current::ActiveModel {
            hostname: Set(Hostname::parse_exact(unit.host).expect("a host name")),
            service_name: Set(UnitName::parse_exact(unit.name).expect("a full unit name")),
            raw_status: Set(raw.into()),
            normalized_status: Set(ServiceState::parse(unit.state).expect("a service state")),
            sub_state: Set(unit.sub.to_owned()),
            service_type: Set("simple".into()),
            unit_file_state: Set("enabled".into()),
            load_state: Set("loaded".into()),
            description: Set(format!("The {} daemon", unit.name)),
            recoverable: Set(true),
            since_epoch: Set(now - since_secs),
            ts_epoch: Set(now),
            ..Default::default()
        })
        .exec(&self.state.db.conn)
        .await
        .expect("seed unit");
        // What the live state does when the bus says a unit changed: it re-reads the unit.
        self.state
            .current
            .apply(LiveEvent::ServiceChanged {
                hostname: unit.host.to_owned(),
                service_name: unit.name.to_owned(),
                news: None,
            })
            .await;
        self.seed_change(unit.host, unit.name, unit.state, now - since_secs)
            .await;
    }

    /// One history row: `unit` entered `state` at `ts`.
    pub async fn seed_change(&self, host: &str, unit: &str, state: &str, ts: f64) {
        service_status::Entity::insert(service_status::ActiveModel {
            hostname: Set(Hostname::parse_exact(host).expect("a host name")),
            service_name: Set(UnitName::parse_exact(unit).expect("a full unit name")),
            raw_status: Set(if state == "running" { "active" } else { state }.to_owned()),
            normalized_status: Set(ServiceState::parse(state).expect("a service state")),
            sub_state: Set(if state == "running" {
                "running"
            } else {
                "dead"
            }
            .to_owned()),
            service_type: Set("simple".into()),
            unit_file_state: Set("enabled".into()),
            load_state: Set("loaded".into()),
            ts_epoch: Set(ts),
            ..Default::default()
        })
        .exec(&self.state.db.conn)
        .await
        .expect("seed change");
    }

    /// `count` metric samples for `host`, one every `step` seconds ending now; cpu = `cpu(i)`.
    pub async fn seed_metrics(
        &self,
        host: &str,
        count: usize,
        step: f64,
        cpu: impl Fn(usize) -> f64,
    ) {
        let now = Clock::default().now();
        let rows: Vec<system_metrics::ActiveModel> = (0..count)
            .map(|i| system_metrics::ActiveModel {
                hostname: Set(Hostname::parse_exact(host).expect("a host name")),
                ts_epoch: Set(now - (count - 1 - i) as f64 * step),
                cpu_percent: Set(Some(cpu(i))),
                memory_percent: Set(Some(40.0)),
                swap_percent: Set(Some(1.0)),
                load_1: Set(Some(0.5)),
                load_5: Set(Some(0.4)),
                load_15: Set(Some(0.3)),
                disk_percent: Set(Some(55.0)),
                inode_percent: Set(Some(10.0)),
                net_rx_bps: Set(Some(2048.0)),
                net_tx_bps: Set(Some(1024.0)),
                uptime_secs: Set(Some(90_000)),
                process_count: Set(Some(120)),
                temperature_c: Set(None),
                ..Default::default()
            })
            .collect();
        for chunk in rows.chunks(500) {
            system_metrics::Entity::insert_many(chunk.to_vec())
                .exec(&self.state.db.conn)
                .await
                .expect("seed metrics");
        }
        self.written(LiveEvent::MetricsUpdated {
            hostname: host.to_owned(),
        })
        .await;
    }

    /// What the live state does when the bus carries `event` after a collector's write.
    pub async fn written(&self, event: LiveEvent) {
        self.state.current.apply(event).await;
    }

    /// An audit entry `age_secs` old.
    pub async fn seed_audit(
        &self,
        user: &str,
        action: &str,
        host: Option<&str>,
        success: bool,
        age_secs: f64,
    ) {
        audit_log::Entity::insert(audit_log::ActiveModel {
            ts_epoch: Set(Clock::default().now() - age_secs),
            username: Set(Some(user.to_owned())),
            client_ip: Set(Some("192.0.2.7".into())),
            action: Set(AuditAction::parse(action).expect("an audited action")),
            hostname: Set(host.map(str::to_owned)),
            target: Set(None),
            success: Set(success),
            detail: Set(Some("{\"note\":\"seeded\"}".into())),
            ..Default::default()
        })
        .exec(&self.state.db.conn)
        .await
        .expect("seed audit");
    }

    /// A SMART reading of `device` with `health`, `age_secs` old.
    pub async fn seed_disk(&self, host: &str, device: &str, health: &str, age_secs: f64) {
        disk_health::Entity::insert(disk_health::ActiveModel {
            hostname: Set(Hostname::parse_exact(host).expect("a host name")),
            ts_epoch: Set(Clock::default().now() - age_secs),
            device: Set(device.to_owned()),
            device_type: Set("sat".into()),
            health: Set(health.to_owned()),
            model: Set(Some("WDC WD40EFRX".into())),
            serial: Set(Some(format!("SN-{device}"))),
            temperature_c: Set(Some(38.0)),
            power_on_hours: Set(Some(12_345)),
            reallocated_sectors: Set(Some(if health == "worn" { 8 } else { 0 })),
            pending_sectors: Set(Some(0)),
            percentage_used: Set(None),
            media_errors: Set(None),
            detail: Set(None),
            raw_json: Set(None),
            ..Default::default()
        })
        .exec(&self.state.db.conn)
        .await
        .expect("seed disk");
        self.written(LiveEvent::DiskUpdated {
            hostname: host.to_owned(),
        })
        .await;
    }

    /// A check result, `age_secs` old.
    pub async fn seed_check(
        &self,
        host: &str,
        target: &str,
        status: &str,
        latency: Option<f64>,
        age_secs: f64,
    ) {
        network_checks::Entity::insert(network_checks::ActiveModel {
            hostname: Set(Hostname::parse_exact(host).expect("a host name")),
            ts_epoch: Set(Clock::default().now() - age_secs),
            target: Set(target.to_owned()),
            method: Set("ping".into()),
            status: Set(status.to_owned()),
            latency_ms: Set(latency),
            loss_percent: Set(Some(if status == "ok" { 0.0 } else { 100.0 })),
            detail: Set((status != "ok").then(|| "100% packet loss".to_owned())),
            ..Default::default()
        })
        .exec(&self.state.db.conn)
        .await
        .expect("seed check");
        self.written(LiveEvent::CheckUpdated {
            hostname: host.to_owned(),
        })
        .await;
    }

    /// An alert opened `age_secs` ago, resolved `resolved_secs` ago (None: still open).
    pub async fn seed_alert(
        &self,
        host: &str,
        source: &str,
        severity: &str,
        age_secs: f64,
        resolved_secs: Option<f64>,
    ) {
        let now = Clock::default().now();
        alerts::Entity::insert(alerts::ActiveModel {
            hostname: Set(Hostname::parse_exact(host).expect("a host name")),
            source: Set(source.to_owned()),
            severity: Set(Severity::parse(severity).expect("a severity")),
            message: Set(format!("{source} needs attention")),
            opened_at: Set(now - age_secs),
            last_seen_at: Set(now - resolved_secs.unwrap_or(0.0)),
            resolved_at: Set(resolved_secs.map(|r| now - r)),
            ..Default::default()
        })
        .exec(&self.state.db.conn)
        .await
        .expect("seed alert");
        self.written(LiveEvent::AlertChanged {
            hostname: host.to_owned(),
        })
        .await;
    }
}

//! `GET /metrics`: the fleet (hosts, units, drives, checks, alerts) and this process in the Prometheus
//! text format 0.0.4, encoded by `prometheus-client`. The fleet's figures are read once per scrape and
//! handed to the registry as a [`Collector`], which writes them in a stable order without copying them.
//!
//! The names, label names and help texts are a contract with scrapers and dashboards: change none of them
//! (`tests/metrics_exposition.rs` lists them).

mod process;

use std::fmt;
use std::sync::Arc;

use actix_web::{HttpResponse, web};
use anyhow::Context;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::prometheus_text::{CONTENT_TYPE, encode};
use prometheus_client::encoding::{DescriptorEncoder, EncodeGaugeValue, EncodeLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::db::entities::{disk_health, network_checks, system_metrics};
use crate::db::hosts::HostSummary;
use crate::db::{alert_list, checks, disks, hosts};
use crate::domain::ServiceState;
use crate::live_state::{CurrentUnit, host_is_up};
use crate::web::handlers::api::ApiError;
use crate::web::state::AppState;

pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let db = &state.db.conn;
    let now = state.clock.now();
    let hosts = hosts::list(db, now).await?;
    state.current.ensure_loaded().await?;
    let units = state.current.all();
    let drives = disks::latest(db).await?;
    let checks = checks::latest(db).await?;
    let (critical, warning) = alert_list::open_counts(db).await?;
    let capacity = 4_096 + units.len() * 400;

    let mut registry = Registry::default();
    registry.register_collector(Box::new(Fleet {
        now,
        hosts,
        units,
        drives,
        checks,
        open_alerts: [("critical", critical), ("warning", warning)],
    }));
    registry.register_collector(Box::new(process::Process));
    let mut body = String::with_capacity(capacity);
    encode(&mut body, &registry).context("encoding the metrics")?;
    Ok(HttpResponse::Ok().content_type(CONTENT_TYPE).body(body))
}

/// What one scrape reports about the fleet, read before encoding.
struct Fleet {
    now: f64,
    hosts: Vec<HostSummary>,
    units: Vec<Arc<CurrentUnit>>,
    drives: Vec<disk_health::Model>,
    checks: Vec<network_checks::Model>,
    open_alerts: [(&'static str, u64); 2],
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field("hosts", &self.hosts.len())
            .field("units", &self.units.len())
            .field("drives", &self.drives.len())
            .field("checks", &self.checks.len())
            .finish_non_exhaustive()
    }
}

/// Writes one gauge family: `# HELP`, `# TYPE` (also when there is no sample), then a line per sample.
fn gauge<L, V>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (L, V)>,
) -> fmt::Result
where
    L: EncodeLabelSet,
    V: EncodeGaugeValue,
{
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, value) in samples {
        family.encode_family(&labels)?.encode_gauge(&value)?;
    }
    Ok(())
}

fn host(h: &HostSummary) -> [(&'static str, &str); 1] {
    [("host", h.host.hostname.as_str())]
}

fn check(c: &network_checks::Model) -> [(&'static str, &str); 3] {
    [
        ("host", c.hostname.as_str()),
        ("target", c.target.as_str()),
        ("method", c.method.as_str()),
    ]
}

/// 1 or 0, written as such.
fn flag(on: bool) -> i64 {
    i64::from(on)
}

impl Collector for Fleet {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let e = &mut encoder;
        gauge(
            e,
            "smartmon_host_up",
            "1 when the host reported within the last 2 minutes.",
            self.hosts
                .iter()
                .map(|h| (host(h), flag(host_is_up(h, self.now)))),
        )?;
        gauge(
            e,
            "smartmon_host_last_seen_timestamp_seconds",
            "When the host last reported.",
            self.hosts.iter().map(|h| (host(h), h.host.last_seen)),
        )?;
        type Pick = fn(&system_metrics::Model) -> Option<f64>;
        let figures: [(&str, &str, Pick); 7] = [
            ("smartmon_host_cpu_percent", "CPU busy, percent.", |m| {
                m.cpu_percent
            }),
            (
                "smartmon_host_memory_percent",
                "Memory used, percent.",
                |m| m.memory_percent,
            ),
            ("smartmon_host_swap_percent", "Swap used, percent.", |m| {
                m.swap_percent
            }),
            (
                "smartmon_host_disk_percent",
                "Root filesystem used, percent.",
                |m| m.disk_percent,
            ),
            ("smartmon_host_load1", "Load average over 1 minute.", |m| {
                m.load_1
            }),
            ("smartmon_host_load5", "Load average over 5 minutes.", |m| {
                m.load_5
            }),
            (
                "smartmon_host_load15",
                "Load average over 15 minutes.",
                |m| m.load_15,
            ),
        ];
        for (name, help, pick) in figures {
            let samples = self
                .hosts
                .iter()
                .filter_map(|h| Some((host(h), h.latest.as_ref().and_then(pick)?)));
            gauge(e, name, help, samples)?;
        }
        gauge(
            e,
            "smartmon_unit_state",
            "1 for the unit's current normalised state, 0 for the others.",
            self.units.iter().flat_map(|u| {
                ServiceState::ALL.into_iter().map(move |s| {
                    let labels = [
                        ("host", u.hostname.as_str()),
                        ("unit", u.service_name.as_str()),
                        ("state", s.as_str()),
                    ];
                    (labels, flag(u.normalized_status == s))
                })
            }),
        )?;
        self.encode_drives(e)?;
        self.encode_checks(e)?;
        gauge(
            e,
            "smartmon_alerts_open",
            "Open alerts by severity.",
            self.open_alerts
                .iter()
                .map(|(severity, n)| ([("severity", *severity)], *n)),
        )
    }
}

impl Fleet {
    fn encode_drives(&self, e: &mut DescriptorEncoder) -> fmt::Result {
        gauge(
            e,
            "smartmon_disk_health",
            "1 for the drive's latest SMART verdict (passed, failed, worn, standby, unreadable, unknown).",
            self.drives.iter().map(|d| {
                let labels = [
                    ("host", d.hostname.as_str()),
                    ("device", &d.device),
                    ("health", &d.health),
                ];
                (labels, 1_i64)
            }),
        )?;
        gauge(
            e,
            "smartmon_disk_temperature_celsius",
            "The drive's temperature at the latest reading.",
            self.drives.iter().filter_map(|d| {
                let labels = [("host", d.hostname.as_str()), ("device", &d.device)];
                Some((labels, d.temperature_c?))
            }),
        )
    }

    fn encode_checks(&self, e: &mut DescriptorEncoder) -> fmt::Result {
        gauge(
            e,
            "smartmon_check_up",
            "1 when the network check's latest result was ok.",
            self.checks
                .iter()
                .map(|c| (check(c), flag(c.status == "ok"))),
        )?;
        gauge(
            e,
            "smartmon_check_latency_milliseconds",
            "The network check's latest latency.",
            self.checks
                .iter()
                .filter_map(|c| Some((check(c), c.latency_ms?))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(collector: impl Collector) -> String {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(collector));
        let mut out = String::new();
        encode(&mut out, &registry).expect("encodes");
        out
    }

    #[derive(Debug)]
    struct OneHost(&'static str);

    impl Collector for OneHost {
        fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
            let help = "1 when the host reported within the last 2 minutes.";
            gauge(
                &mut encoder,
                "smartmon_host_up",
                help,
                [([("host", self.0)], flag(true))],
            )?;
            let none: [([(&str, &str); 1], f64); 0] = [];
            gauge(
                &mut encoder,
                "smartmon_host_load1",
                "Load average over 1 minute.",
                none,
            )
        }
    }

    #[test]
    fn families_are_written_as_before_with_escaped_labels_and_empty_ones_kept() {
        assert_eq!(
            encoded(OneHost("a\"b\\c\nd")),
            "# HELP smartmon_host_up 1 when the host reported within the last 2 minutes.\n\
             # TYPE smartmon_host_up gauge\n\
             smartmon_host_up{host=\"a\\\"b\\\\c\\nd\"} 1\n\
             # HELP smartmon_host_load1 Load average over 1 minute.\n\
             # TYPE smartmon_host_load1 gauge\n"
        );
    }
}

//! `GET /metrics`: Prometheus text exposition of the fleet (hosts, units) and of this process.

use std::fmt::Write;

use actix_web::{HttpResponse, web};

use crate::clock::now_epoch;
use crate::db::{alert_list, checks, disks, hosts};
use crate::domain::ServiceState;
use crate::state::AppState;
use crate::web::handlers::api::ApiError;
use crate::web::views::hosts::is_up;

pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let db = &state.db.conn;
    let now = now_epoch();
    let hosts = hosts::list(db, now).await?;
    state.current.ensure_loaded(&state.db).await?;
    let units = state.current.all();
    let mut out = String::with_capacity(256 + units.len() * 400);

    gauge_header(
        &mut out,
        "smartmon_host_up",
        "1 when the host reported within the last 2 minutes.",
    );
    for h in &hosts {
        sample(
            &mut out,
            "smartmon_host_up",
            &[("host", h.host.hostname.as_str())],
            f64::from(u8::from(is_up(h, now))),
        );
    }
    gauge_header(
        &mut out,
        "smartmon_host_last_seen_timestamp_seconds",
        "When the host last reported.",
    );
    for h in &hosts {
        sample(
            &mut out,
            "smartmon_host_last_seen_timestamp_seconds",
            &[("host", h.host.hostname.as_str())],
            h.host.last_seen,
        );
    }
    type Pick = fn(&crate::db::entities::system_metrics::Model) -> Option<f64>;
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
        gauge_header(&mut out, name, help);
        for h in &hosts {
            if let Some(v) = h.latest.as_ref().and_then(pick) {
                sample(&mut out, name, &[("host", h.host.hostname.as_str())], v);
            }
        }
    }

    gauge_header(
        &mut out,
        "smartmon_unit_state",
        "1 for the unit's current normalised state, 0 for the others.",
    );
    for u in &units {
        for s in ServiceState::ALL {
            let value = f64::from(u8::from(u.normalized_status == s));
            sample(
                &mut out,
                "smartmon_unit_state",
                &[
                    ("host", u.hostname.as_str()),
                    ("unit", u.service_name.as_str()),
                    ("state", s.as_str()),
                ],
                value,
            );
        }
    }

    let drives = disks::latest(db).await?;
    gauge_header(
        &mut out,
        "smartmon_disk_health",
        "1 for the drive's latest SMART verdict (passed, failed, worn, standby, unreadable, unknown).",
    );
    for d in &drives {
        sample(
            &mut out,
            "smartmon_disk_health",
            &[
                ("host", d.hostname.as_str()),
                ("device", &d.device),
                ("health", &d.health),
            ],
            1.0,
        );
    }
    gauge_header(
        &mut out,
        "smartmon_disk_temperature_celsius",
        "The drive's temperature at the latest reading.",
    );
    for d in &drives {
        if let Some(t) = d.temperature_c {
            sample(
                &mut out,
                "smartmon_disk_temperature_celsius",
                &[("host", d.hostname.as_str()), ("device", &d.device)],
                t,
            );
        }
    }
    let results = checks::latest(db).await?;
    gauge_header(
        &mut out,
        "smartmon_check_up",
        "1 when the network check's latest result was ok.",
    );
    for c in &results {
        let labels = [
            ("host", c.hostname.as_str()),
            ("target", &c.target),
            ("method", &c.method),
        ];
        sample(
            &mut out,
            "smartmon_check_up",
            &labels,
            f64::from(u8::from(c.status == "ok")),
        );
    }
    gauge_header(
        &mut out,
        "smartmon_check_latency_milliseconds",
        "The network check's latest latency.",
    );
    for c in &results {
        if let Some(ms) = c.latency_ms {
            let labels = [
                ("host", c.hostname.as_str()),
                ("target", &c.target),
                ("method", &c.method),
            ];
            sample(&mut out, "smartmon_check_latency_milliseconds", &labels, ms);
        }
    }
    let (critical, warning) = alert_list::open_counts(db).await?;
    gauge_header(&mut out, "smartmon_alerts_open", "Open alerts by severity.");
    sample(
        &mut out,
        "smartmon_alerts_open",
        &[("severity", "critical")],
        critical as f64,
    );
    sample(
        &mut out,
        "smartmon_alerts_open",
        &[("severity", "warning")],
        warning as f64,
    );

    process_metrics(&mut out);
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(out))
}

fn gauge_header(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{k}=\"{}\"", escape_label(v));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// Label values escape backslash, double quote and newline.
fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// This process's own figures, from /proc/self (Linux), in the standard `process_*` names.
fn process_metrics(out: &mut String) {
    let _ = writeln!(
        out,
        "# HELP smartmon_build_info The running version.\n# TYPE smartmon_build_info gauge\nsmartmon_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return;
    };
    // Fields after the command name, which is in parentheses and may contain spaces.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = 100.0; // USER_HZ on Linux
    let field = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    if let (Some(utime), Some(stime)) = (field(11), field(12)) {
        let _ = writeln!(
            out,
            "# HELP process_cpu_seconds_total User and system CPU time.\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total {}",
            (utime + stime) / ticks
        );
    }
    if let Some(rss_pages) = field(21) {
        let _ = writeln!(
            out,
            "# HELP process_resident_memory_bytes Resident memory.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {}",
            rss_pages * 4096.0
        );
    }
    if let Some(threads) = field(17) {
        let _ = writeln!(
            out,
            "# HELP process_threads Threads.\n# TYPE process_threads gauge\nprocess_threads {threads}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::escape_label;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}

//! Alert rules: which conditions each source's results raise or clear. The writer applies them with
//! one open alert per (hostname, source) and resolves it on recovery (`db::alerts`).

use super::metrics::Sample;
use super::{CollectorSettings, Record};
use crate::db::alerts::AlertCondition;
#[cfg(unix)]
use crate::db::entities::disk_health;
use crate::db::entities::network_checks;
use crate::domain::{Hostname, Severity};

fn condition(
    hostname: &Hostname,
    source: String,
    severity: Severity,
    message: String,
    active: bool,
    ts: f64,
) -> Record {
    Record::Alert(AlertCondition {
        hostname: hostname.clone(),
        source,
        severity,
        message,
        active,
        ts_epoch: ts,
    })
}

/// Memory above `ALERT_MEMORY_PERCENT`; any real filesystem's space or inodes above their thresholds.
pub(crate) fn for_metrics(
    settings: &CollectorSettings,
    sample: &Sample,
    hostname: &Hostname,
    ts: f64,
) -> Vec<Record> {
    let mut records = Vec::new();
    if let Some(memory) = sample.memory_percent {
        let limit = settings.alert_memory_percent;
        records.push(condition(
            hostname,
            "usage:memory".into(),
            Severity::Warning,
            format!("memory {memory:.0}% used (threshold {limit:.0}%)"),
            memory >= limit,
            ts,
        ));
    }
    for (mount, space, inodes) in &sample.filesystems {
        let limit = settings.alert_disk_percent;
        records.push(condition(
            hostname,
            format!("usage:disk:{mount}"),
            Severity::Warning,
            format!("{mount} is {space:.0}% full (threshold {limit:.0}%)"),
            *space >= limit,
            ts,
        ));
        if let Some(inodes) = inodes {
            let limit = settings.alert_inode_percent;
            records.push(condition(
                hostname,
                format!("usage:inodes:{mount}"),
                Severity::Warning,
                format!("{mount} uses {inodes:.0}% of its inodes (threshold {limit:.0}%)"),
                *inodes >= limit,
                ts,
            ));
        }
    }
    records
}

#[cfg(unix)]
/// A failed or worn disk opens an alert, a passing one resolves it; standby or unreadable says nothing.
pub(crate) fn for_disk(row: &disk_health::Model) -> Vec<Record> {
    let active = match row.health.as_str() {
        "failed" | "worn" => true,
        "passed" => false,
        _ => return Vec::new(),
    };
    let severity = if row.health == "failed" {
        Severity::Critical
    } else {
        Severity::Warning
    };
    let what = row.detail.as_deref().unwrap_or("");
    vec![condition(
        &row.hostname,
        format!("disk:{}", row.device),
        severity,
        format!(
            "{} ({}) is {}: {what}",
            row.device,
            row.model.as_deref().unwrap_or("unknown model"),
            row.health
        ),
        active,
        row.ts_epoch,
    )]
}

/// A failing check opens an alert; a passing one resolves it.
pub(crate) fn for_check(row: &network_checks::Model) -> Vec<Record> {
    vec![condition(
        &row.hostname,
        format!("check:{}:{}", row.method, row.target),
        Severity::Warning,
        format!(
            "{} check of {} failed: {}",
            row.method,
            row.target,
            row.detail.as_deref().unwrap_or("")
        ),
        row.status != "ok",
        row.ts_epoch,
    )]
}

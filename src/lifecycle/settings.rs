//! Retention windows, job schedule and batch size (`RETENTION_*`, `ROLLUP_*`, `PARTITION_DAYS_AHEAD`).

use crate::vars::{SettingsError, Vars};

/// The audit log and alerts are kept at least this long unless the operator opts in to less.
pub const AUDIT_FLOOR_DAYS: u32 = 365;

#[derive(Debug, Clone)]
pub struct LifecycleSettings {
    /// `RETENTION_ENABLED`: run retention and rollups in the background (default true).
    pub enabled: bool,
    /// `RETENTION_IN_AGENT`: `smartmon agent` runs the job too (set it where the agent is the only writer).
    pub in_agent: bool,
    /// `RETENTION_RAW_DAYS`: raw samples, state changes, check results, SMART and filesystem rows (14).
    pub raw_days: u32,
    /// `RETENTION_ROLLUP_DAYS`: 5-minute and 1-hour rollups (365).
    pub rollup_days: u32,
    /// `RETENTION_ALERTS_DAYS`: resolved alerts (365); open alerts are never removed.
    pub alerts_days: u32,
    /// `RETENTION_AUDIT_DAYS`: the audit log (365; 0 keeps it forever).
    pub audit_days: u32,
    /// `RETENTION_AUDIT_ALLOW_SHORTER`: required to set `RETENTION_AUDIT_DAYS` below 365.
    pub audit_allow_shorter: bool,
    /// `RETENTION_INTERVAL_SECS`: seconds between retention runs (3600).
    pub interval_secs: u64,
    /// `RETENTION_BATCH_ROWS`: rows deleted per statement, so no lock is held long (5000).
    pub batch_rows: u64,
    /// `ROLLUP_INTERVAL_SECS`: seconds between rollup passes (60).
    pub rollup_interval_secs: u64,
    /// `ROLLUP_DELAY_SECS`: a bucket is rolled up once it ended this long ago, for late samples (120).
    pub rollup_delay_secs: u64,
    /// `PARTITION_DAYS_AHEAD`: Postgres day partitions created ahead of time (3).
    pub partition_days_ahead: u32,
}

impl LifecycleSettings {
    pub(crate) fn from_vars(vars: &Vars) -> Result<Self, SettingsError> {
        let audit_days = vars.number("RETENTION_AUDIT_DAYS", AUDIT_FLOOR_DAYS, 0..=36_500)?;
        let audit_allow_shorter = vars.flag("RETENTION_AUDIT_ALLOW_SHORTER", false)?;
        if audit_days != 0 && audit_days < AUDIT_FLOOR_DAYS && !audit_allow_shorter {
            return Err(SettingsError::new(
                "RETENTION_AUDIT_DAYS",
                format!(
                    "{audit_days} days would delete audit records younger than {AUDIT_FLOOR_DAYS} days; \
                     set RETENTION_AUDIT_ALLOW_SHORTER=true to accept that"
                ),
            ));
        }
        Ok(Self {
            enabled: vars.flag("RETENTION_ENABLED", true)?,
            in_agent: vars.flag("RETENTION_IN_AGENT", false)?,
            raw_days: vars.number("RETENTION_RAW_DAYS", 14, 1..=36_500)?,
            rollup_days: vars.number("RETENTION_ROLLUP_DAYS", 365, 1..=36_500)?,
            alerts_days: vars.number("RETENTION_ALERTS_DAYS", 365, 0..=36_500)?,
            audit_days,
            audit_allow_shorter,
            interval_secs: vars.number("RETENTION_INTERVAL_SECS", 3_600, 10..=604_800)?,
            batch_rows: vars.number("RETENTION_BATCH_ROWS", 5_000, 100..=1_000_000)?,
            rollup_interval_secs: vars.number("ROLLUP_INTERVAL_SECS", 60, 1..=86_400)?,
            rollup_delay_secs: vars.number("ROLLUP_DELAY_SECS", 120, 0..=86_400)?,
            partition_days_ahead: vars.number("PARTITION_DAYS_AHEAD", 3, 1..=60)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<LifecycleSettings, SettingsError> {
        LifecycleSettings::from_vars(&Vars::from_pairs(pairs))
    }

    #[test]
    fn defaults_keep_raw_two_weeks_and_the_audit_log_a_year() {
        let s = from(&[]).expect("defaults");
        assert_eq!((s.raw_days, s.rollup_days, s.audit_days), (14, 365, 365));
        assert!(s.enabled && !s.in_agent);
    }

    #[test]
    fn a_shorter_audit_log_needs_the_opt_in() {
        let err = from(&[("RETENTION_AUDIT_DAYS", "30")]).expect_err("refused without opt-in");
        assert_eq!(err.variable, "RETENTION_AUDIT_DAYS");
        assert!(
            err.message.contains("RETENTION_AUDIT_ALLOW_SHORTER"),
            "{err}"
        );
        let s = from(&[
            ("RETENTION_AUDIT_DAYS", "30"),
            ("RETENTION_AUDIT_ALLOW_SHORTER", "true"),
        ])
        .expect("accepted with opt-in");
        assert_eq!(s.audit_days, 30);
    }
}

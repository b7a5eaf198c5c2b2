//! Time as the database stores it: seconds since the Unix epoch, and conversion to RFC 3339 for people.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

/// The application's clock: the system time plus a skew that tests advance instead of sleeping.
/// Session expiry, login backoff, rate limits and JWT validity all read time through it.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    skew_micros: Arc<AtomicI64>,
}

impl Clock {
    /// Now, in seconds since the Unix epoch, as this clock sees it.
    pub fn now(&self) -> f64 {
        now_epoch() + self.skew_micros.load(Ordering::Relaxed) as f64 / 1_000_000.0
    }

    /// Moves this clock (and every clone of it) forward; for tests.
    pub fn advance(&self, by: Duration) {
        let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        self.skew_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

/// Now, in seconds since the Unix epoch: the system time under every `Clock`.
fn now_epoch() -> f64 {
    epoch_of(Utc::now())
}

pub(crate) fn epoch_of(time: DateTime<Utc>) -> f64 {
    time.timestamp_micros() as f64 / 1_000_000.0
}

/// RFC 3339 UTC with second precision (`2026-11-27T06:30:00Z`), as the API returns times.
pub(crate) fn rfc3339(epoch: f64) -> String {
    DateTime::<Utc>::from_timestamp_micros((epoch * 1_000_000.0) as i64)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_advanced_clock_is_seen_by_its_clones() {
        let clock = Clock::default();
        let copy = clock.clone();
        let before = copy.now();
        clock.advance(Duration::from_secs(3600));
        assert!(copy.now() - before >= 3600.0);
    }

    #[test]
    fn epochs_render_as_utc_rfc3339() {
        assert_eq!(rfc3339(0.0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_000_000.4), "2026-11-18T11:06:40Z");
    }
}

//! Time as the database stores it: seconds since the Unix epoch, and conversion to RFC 3339 for people.

use chrono::{DateTime, SecondsFormat, Utc};

/// Now, in seconds since the Unix epoch.
pub fn now_epoch() -> f64 {
    epoch_of(Utc::now())
}

pub fn epoch_of(time: DateTime<Utc>) -> f64 {
    time.timestamp_micros() as f64 / 1_000_000.0
}

/// RFC 3339 UTC with second precision (`2026-11-27T06:30:00Z`), as the API returns times.
pub fn rfc3339(epoch: f64) -> String {
    DateTime::<Utc>::from_timestamp_micros((epoch * 1_000_000.0) as i64)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_render_as_utc_rfc3339() {
        assert_eq!(rfc3339(0.0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_000_000.4), "2026-11-18T11:06:40Z");
    }
}

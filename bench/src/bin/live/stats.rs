//! Matching flips to arrivals, and the latency figures that come out of it.

use std::time::Duration;

use tokio::time::Instant;

use crate::clients::Seen;

/// One state change sent to the double.
#[derive(Clone, Debug)]
pub struct Flip {
    /// Just before the control request was sent.
    pub at: Instant,
    pub unit: String,
    pub failed: bool,
    /// The control request's round trip (the double answers after emitting `PropertiesChanged`).
    pub control: Duration,
    /// A frame arriving at or after this belongs to a later flip (or is too late to count).
    pub until: Instant,
}

/// Latencies over every (flip, client) pair of one run.
#[derive(Debug, Default)]
pub struct Latencies {
    pub pairs: usize,
    pub missed: usize,
    pub dropped_clients: usize,
    pub p50: Duration,
    pub p95: Duration,
    pub max: Duration,
    /// Per flip the latest client's latency (flips every client saw), then its p50 and p95.
    pub last_p50: Duration,
    pub last_p95: Duration,
    /// The control requests' p50 and max: the double's share of every latency above.
    pub control_p50: Duration,
    pub control_max: Duration,
}

/// Pairs each flip with each client's first matching `rows` frame inside the flip's window.
pub fn latencies(flips: &[Flip], seen: &[Seen]) -> Latencies {
    let mut all = Vec::new();
    let mut last = Vec::new();
    let mut missed = 0;
    for flip in flips {
        let mut slowest = Some(Duration::ZERO);
        for client in seen {
            let arrival = client.arrivals.iter().find(|a| {
                a.unit == flip.unit
                    && a.failed == flip.failed
                    && a.at >= flip.at
                    && a.at < flip.until
            });
            match arrival {
                Some(a) => {
                    let latency = a.at - flip.at;
                    all.push(latency);
                    slowest = slowest.map(|s| s.max(latency));
                }
                None => {
                    missed += 1;
                    slowest = None;
                }
            }
        }
        last.extend(slowest);
    }
    all.sort();
    last.sort();
    let mut control: Vec<Duration> = flips.iter().map(|f| f.control).collect();
    control.sort();
    Latencies {
        pairs: flips.len() * seen.len(),
        missed,
        dropped_clients: seen.iter().filter(|s| s.dropped).count(),
        p50: percentile(&all, 50.0),
        p95: percentile(&all, 95.0),
        max: all.last().copied().unwrap_or_default(),
        last_p50: percentile(&last, 50.0),
        last_p95: percentile(&last, 95.0),
        control_p50: percentile(&control, 50.0),
        control_max: control.last().copied().unwrap_or_default(),
    }
}

/// Nearest-rank percentile of sorted values (zero when there are none).
fn percentile(sorted: &[Duration], pct: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((pct / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::Arrival;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<Duration> = (1..=100).map(ms).collect();
        assert_eq!(percentile(&values, 50.0), ms(50));
        assert_eq!(percentile(&values, 95.0), ms(95));
        assert_eq!(percentile(&[], 95.0), Duration::ZERO);
    }

    #[test]
    fn each_client_counts_its_first_matching_frame_and_misses_are_counted() {
        let t0 = Instant::now();
        let flip = Flip {
            at: t0,
            unit: "a.service".into(),
            failed: true,
            control: ms(1),
            until: t0 + ms(1000),
        };
        let arrival = |after, unit: &str, failed| Arrival {
            at: t0 + ms(after),
            unit: unit.into(),
            failed,
        };
        let quick = Seen {
            arrivals: vec![
                arrival(3, "b.service", true),
                arrival(10, "a.service", true),
            ],
            dropped: false,
            error: None,
        };
        let slow = Seen {
            arrivals: vec![
                arrival(5, "a.service", false),
                arrival(40, "a.service", true),
            ],
            dropped: false,
            error: None,
        };
        let late = Seen {
            arrivals: vec![arrival(1500, "a.service", true)],
            dropped: true,
            error: None,
        };
        let two = latencies(std::slice::from_ref(&flip), &[quick, slow]);
        assert_eq!(
            (two.p50, two.max, two.last_p95, two.missed),
            (ms(10), ms(40), ms(40), 0)
        );
        let with_late = latencies(&[flip], &[late]);
        assert_eq!((with_late.missed, with_late.dropped_clients), (1, 1));
    }
}

//! One run's figures, distilled from the recorder: per cycle kind (latency, lag, done against due,
//! whether the lag grew over the window), per statement kind, and the verdict "falling behind".

use std::collections::BTreeMap;

use crate::fleet::Plan;
use crate::stats::{CpuUse, Kind, Recorder, Spread};

#[derive(Debug, Clone)]
pub struct KindSummary {
    pub kind: Kind,
    pub due: u64,
    pub done: u64,
    pub latency: Spread,
    pub lag: Spread,
    /// Lag p99 of the cycles due in the first and in the last third of the window.
    pub lag_first: f64,
    pub lag_last: f64,
    pub max_buffered: usize,
    /// The largest dropped-record total of any agent.
    pub dropped: u64,
}

impl KindSummary {
    /// Cycles done per cycle due, in percent.
    pub fn done_percent(&self) -> f64 {
        if self.due == 0 {
            return 100.0;
        }
        100.0 * self.done as f64 / self.due as f64
    }

    /// The lag in the last third is more than double the first third's and above a tenth of `period_ms`.
    pub fn lag_grew(&self, period_ms: f64) -> bool {
        self.lag_last > 2.0 * self.lag_first && self.lag_last > period_ms / 10.0
    }
}

#[derive(Debug, Clone)]
pub struct RunSummary {
    pub plan: Plan,
    pub kinds: Vec<KindSummary>,
    pub statements: BTreeMap<String, Spread>,
    pub failed_statements: u64,
    pub cpu: CpuUse,
}

impl RunSummary {
    /// The recorder's figures; `cpu` is filled in by the caller.
    pub fn of(plan: &Plan, recorder: &Recorder) -> RunSummary {
        let window = plan.window.as_secs_f64();
        let kinds = [Kind::Metrics, Kind::Resync, Kind::Change]
            .into_iter()
            .map(|kind| {
                let cycles: Vec<_> = recorder
                    .cycles()
                    .into_iter()
                    .filter(|c| c.kind == kind)
                    .collect();
                let lag_in = |from: f64, to: f64| {
                    Spread::of(
                        cycles
                            .iter()
                            .filter(|c| c.due_at >= from * window && c.due_at < to * window)
                            .map(|c| c.lag_ms)
                            .collect(),
                    )
                    .p99
                };
                KindSummary {
                    kind,
                    due: recorder.expected(kind),
                    done: cycles.len() as u64,
                    latency: Spread::of(cycles.iter().map(|c| c.latency_ms).collect()),
                    lag: Spread::of(cycles.iter().map(|c| c.lag_ms).collect()),
                    lag_first: lag_in(0.0, 1.0 / 3.0),
                    lag_last: lag_in(2.0 / 3.0, 1.0),
                    max_buffered: cycles.iter().map(|c| c.buffered).max().unwrap_or(0),
                    dropped: cycles.iter().map(|c| c.dropped).max().unwrap_or(0),
                }
            })
            .collect();
        RunSummary {
            plan: plan.clone(),
            kinds,
            statements: recorder.statements(),
            failed_statements: recorder.failed_statements(),
            cpu: CpuUse::default(),
        }
    }

    pub fn kind(&self, kind: Kind) -> &KindSummary {
        self.kinds
            .iter()
            .find(|k| k.kind == kind)
            .unwrap_or(&self.kinds[0])
    }

    pub fn host_equivalents(&self) -> f64 {
        f64::from(self.plan.hosts) * self.plan.compress
    }

    /// Why the fleet fell behind, if it did: scheduled cycles not done, lag beyond an interval, a
    /// growing lag, records left in an outage buffer or dropped, refused statements.
    pub fn behind(&self) -> Vec<String> {
        let mut reasons = Vec::new();
        let periods = [
            (Kind::Metrics, self.plan.metrics_every()),
            (Kind::Resync, self.plan.resync_every()),
        ];
        for (kind, period) in periods {
            let k = self.kind(kind);
            let period_ms = period.as_secs_f64() * 1000.0;
            if k.done_percent() < 98.0 {
                reasons.push(format!(
                    "{}: {:.1}% of due cycles done",
                    kind.label(),
                    k.done_percent()
                ));
            }
            if k.lag.p99 > period_ms {
                reasons.push(format!(
                    "{}: lag p99 {:.0} ms > interval",
                    kind.label(),
                    k.lag.p99
                ));
            }
            if k.lag_grew(period_ms) {
                reasons.push(format!(
                    "{}: lag p99 grew {:.0} → {:.0} ms",
                    kind.label(),
                    k.lag_first,
                    k.lag_last
                ));
            }
        }
        let buffered = self.kinds.iter().map(|k| k.max_buffered).max().unwrap_or(0);
        if buffered > 0 {
            reasons.push(format!(
                "up to {buffered} records in an agent's outage buffer"
            ));
        }
        let dropped = self.kinds.iter().map(|k| k.dropped).max().unwrap_or(0);
        if dropped > 0 {
            reasons.push(format!("records dropped (up to {dropped} by one agent)"));
        }
        if self.failed_statements > 0 {
            reasons.push(format!("{} statements failed", self.failed_statements));
        }
        reasons
    }

    /// Rows written per second by table, from the statements that write one row each.
    pub fn rows_per_sec(&self) -> Vec<(String, f64)> {
        let window = self.plan.window.as_secs_f64();
        self.statements
            .iter()
            .filter(|(kind, _)| {
                ["insert ", "upsert ", "update "]
                    .iter()
                    .any(|v| kind.starts_with(v))
            })
            .map(|(kind, s)| (kind.clone(), s.n as f64 / window))
            .collect()
    }

    pub fn statements_per_sec(&self) -> f64 {
        let n: usize = self.statements.values().map(|s| s.n).sum();
        n as f64 / self.plan.window.as_secs_f64()
    }

    /// Transactions (writer batches) per second: every cycle is one batch.
    pub fn batches_per_sec(&self) -> f64 {
        let n: u64 = self.kinds.iter().map(|k| k.done).sum();
        n as f64 / self.plan.window.as_secs_f64()
    }

    /// One line for the console.
    pub fn line(&self) -> String {
        let m = self.kind(Kind::Metrics);
        let r = self.kind(Kind::Resync);
        let behind = self.behind();
        format!(
            "{:.0} host-equivalents ({}×{:.0}): {:.0} stmt/s; metrics done {:.1}% lag p99 {:.0} ms max {:.0} ms; \
             resync done {:.1}% lag p99 {:.0} ms; client {:.2} cores, postgres {:.2} cores, machine {:.0}% busy; {}",
            self.host_equivalents(),
            self.plan.hosts,
            self.plan.compress,
            self.statements_per_sec(),
            m.done_percent(),
            m.lag.p99,
            m.lag.max,
            r.done_percent(),
            r.lag.p99,
            self.cpu.client,
            self.cpu.postgres,
            self.cpu.machine_busy * 100.0,
            if behind.is_empty() {
                "keeping up".to_owned()
            } else {
                format!("BEHIND: {}", behind.join("; "))
            }
        )
    }
}

//! This process's figures for `/metrics`: the running version, and CPU time, resident memory and
//! threads from `/proc/self/stat` (Linux) under the standard `process_*` names.

use std::fmt;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

/// Reads `/proc/self/stat` at each scrape; a figure that cannot be read is left out.
#[derive(Debug)]
pub(super) struct Process;

impl Collector for Process {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        // An info family is written as `<name>_info{…} 1`, typed gauge: `smartmon_build_info`.
        encoder
            .encode_descriptor(
                "smartmon_build",
                "The running version.",
                None,
                MetricType::Info,
            )?
            .encode_info(&[("version", env!("CARGO_PKG_VERSION"))])?;
        let Some(stat) = ProcStat::read() else {
            return Ok(());
        };
        if let Some(seconds) = stat.cpu_seconds() {
            // A counter is written with `_total` appended: `process_cpu_seconds_total`.
            let counter = ConstCounter::new(seconds);
            let help = "User and system CPU time.";
            counter.encode(encoder.encode_descriptor(
                "process_cpu_seconds",
                help,
                None,
                counter.metric_type(),
            )?)?;
        }
        let gauges = [
            (
                "process_resident_memory_bytes",
                "Resident memory.",
                stat.resident_bytes(),
            ),
            ("process_threads", "Threads.", stat.threads()),
        ];
        for (name, help, value) in gauges {
            if let Some(value) = value {
                let gauge = ConstGauge::new(value);
                gauge.encode(encoder.encode_descriptor(
                    name,
                    help,
                    None,
                    gauge.metric_type(),
                )?)?;
            }
        }
        Ok(())
    }
}

/// `/proc/self/stat`'s fields after the command name (which is in parentheses and may hold spaces).
struct ProcStat(Vec<String>);

impl ProcStat {
    /// USER_HZ on Linux.
    const TICKS_PER_SECOND: f64 = 100.0;
    const PAGE_BYTES: f64 = 4096.0;

    fn read() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        Self::parse(&stat)
    }

    fn parse(stat: &str) -> Option<Self> {
        let (_, rest) = stat.rsplit_once(')')?;
        Some(Self(rest.split_whitespace().map(str::to_owned).collect()))
    }

    fn field(&self, i: usize) -> Option<f64> {
        self.0.get(i).and_then(|v| v.parse::<f64>().ok())
    }

    fn cpu_seconds(&self) -> Option<f64> {
        Some((self.field(11)? + self.field(12)?) / Self::TICKS_PER_SECOND)
    }

    fn resident_bytes(&self) -> Option<f64> {
        Some(self.field(21)? * Self::PAGE_BYTES)
    }

    fn threads(&self) -> Option<f64> {
        self.field(17)
    }
}

#[cfg(test)]
mod tests {
    use prometheus_client::encoding::prometheus_text::encode;
    use prometheus_client::registry::Registry;

    use super::*;

    #[test]
    fn process_figures_keep_their_standard_names() {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(Process));
        let mut out = String::new();
        encode(&mut out, &registry).expect("encodes");
        for line in [
            "# HELP smartmon_build_info The running version.",
            "# TYPE smartmon_build_info gauge",
            "# HELP process_cpu_seconds_total User and system CPU time.",
            "# TYPE process_cpu_seconds_total counter",
            "# TYPE process_resident_memory_bytes gauge",
            "# HELP process_threads Threads.",
        ] {
            assert!(out.lines().any(|l| l == line), "{line:?} missing in\n{out}");
        }
        let version = env!("CARGO_PKG_VERSION");
        assert!(out.contains(&format!("smartmon_build_info{{version=\"{version}\"}} 1\n")));
    }

    #[test]
    fn a_command_name_with_spaces_and_parentheses_does_not_shift_the_fields() {
        let stat = "42 (my (odd) cmd) S 1 2 3 4 5 6 7 8 9 10 250 150 0 0 20 0 7 0 99 1000 300";
        let stat = ProcStat::parse(stat).expect("parses");
        assert_eq!(stat.cpu_seconds(), Some(4.0));
        assert_eq!(stat.threads(), Some(7.0));
        assert_eq!(stat.resident_bytes(), Some(300.0 * 4096.0));
    }
}

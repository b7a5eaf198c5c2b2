//! Host metrics: one sample per `METRICS_INTERVAL`, rates (CPU, network) from the previous sample.

use std::time::Instant;

#[cfg(unix)]
use super::CollectorSettings;
use crate::db::entities::system_metrics;
use crate::domain::Hostname;

/// What the previous sample left for computing rates.
#[derive(Default)]
pub struct MetricsState {
    cpu: Option<(u64, u64)>,
    net: Option<(Instant, u64, u64)>,
    /// Windows: sysinfo's handles, kept between samples (refreshing is cheaper than building).
    #[cfg(windows)]
    pub(crate) windows: Option<WindowsHandles>,
}

/// Windows: `sysinfo`'s handles, built on the first sample and refreshed after (`win_metrics`).
#[cfg(windows)]
pub(crate) struct WindowsHandles {
    pub(crate) system: sysinfo::System,
    pub(crate) networks: Option<sysinfo::Networks>,
}

/// One sample; `None` where the host does not tell (or no previous sample exists for a rate).
#[derive(Debug, Default, Clone)]
pub struct Sample {
    pub cpu_percent: Option<f64>,
    pub memory_percent: Option<f64>,
    pub swap_percent: Option<f64>,
    pub load: Option<(f64, f64, f64)>,
    pub disk_percent: Option<f64>,
    pub inode_percent: Option<f64>,
    pub net_rx_bps: Option<f64>,
    pub net_tx_bps: Option<f64>,
    pub uptime_secs: Option<i64>,
    pub process_count: Option<i32>,
    pub temperature_c: Option<f64>,
    /// Every real filesystem: (mount point, space %, inode %).
    pub filesystems: Vec<(String, f64, Option<f64>)>,
}

/// Linux: everything from `PROCFS_ROOT` / `SYSFS_ROOT`.
#[cfg(unix)]
pub fn sample(settings: &CollectorSettings, state: &mut MetricsState) -> Sample {
    use super::procfs;
    let proc = settings.procfs_root.as_path();
    let mut s = Sample::default();
    if let Some((total, idle)) = procfs::cpu_times(proc) {
        s.cpu_percent = state.cpu_rate(total, idle);
    }
    (s.memory_percent, s.swap_percent) = procfs::memory(proc);
    s.load = procfs::load_average(proc);
    s.uptime_secs = procfs::uptime_secs(proc);
    s.process_count = procfs::process_count(proc);
    if let Some((rx, tx)) = procfs::network_bytes(proc) {
        (s.net_rx_bps, s.net_tx_bps) = state.net_rate(rx, tx);
    }
    for (mount_point, path) in procfs::real_mounts(proc) {
        match procfs::usage(&path) {
            Some((space, inodes)) => {
                if mount_point == "/" {
                    s.disk_percent = Some(space);
                    s.inode_percent = inodes;
                }
                s.filesystems.push((mount_point, space, inodes));
            }
            None => {
                tracing::debug!(mount_point, path = %path.display(), "cannot stat a mounted filesystem")
            }
        }
    }
    s.temperature_c = procfs::temperature(&settings.sysfs_root);
    s
}

impl MetricsState {
    /// CPU busy % since the previous sample of cumulative (busy + idle, idle) times.
    pub(crate) fn cpu_rate(&mut self, total: u64, idle: u64) -> Option<f64> {
        let rate = self.cpu.and_then(|(prev_total, prev_idle)| {
            let d_total = total.saturating_sub(prev_total) as f64;
            let d_idle = idle.saturating_sub(prev_idle) as f64;
            (d_total > 0.0).then(|| ((d_total - d_idle) / d_total * 100.0).clamp(0.0, 100.0))
        });
        self.cpu = Some((total, idle));
        rate
    }

    /// Bytes per second received and sent since the previous sample of cumulative counters.
    pub(crate) fn net_rate(&mut self, rx: u64, tx: u64) -> (Option<f64>, Option<f64>) {
        let now = Instant::now();
        let rates = match self.net {
            Some((then, prev_rx, prev_tx)) => {
                let secs = now.duration_since(then).as_secs_f64();
                if secs > 0.0 {
                    (
                        Some(rx.saturating_sub(prev_rx) as f64 / secs),
                        Some(tx.saturating_sub(prev_tx) as f64 / secs),
                    )
                } else {
                    (None, None)
                }
            }
            None => (None, None),
        };
        self.net = Some((now, rx, tx));
        rates
    }
}

impl Sample {
    pub(crate) fn into_row(self, hostname: &Hostname, ts: f64) -> system_metrics::Model {
        system_metrics::Model {
            id: 0,
            hostname: hostname.clone(),
            ts_epoch: ts,
            cpu_percent: self.cpu_percent,
            memory_percent: self.memory_percent,
            swap_percent: self.swap_percent,
            load_1: self.load.map(|l| l.0),
            load_5: self.load.map(|l| l.1),
            load_15: self.load.map(|l| l.2),
            disk_percent: self.disk_percent,
            inode_percent: self.inode_percent,
            net_rx_bps: self.net_rx_bps,
            net_tx_bps: self.net_tx_bps,
            uptime_secs: self.uptime_secs,
            process_count: self.process_count,
            temperature_c: self.temperature_c,
        }
    }
}

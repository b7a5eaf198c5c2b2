//! Host metrics: one sample per `METRICS_INTERVAL`, rates (CPU, network) from the previous sample.

use std::time::Instant;

use super::CollectorSettings;
use super::procfs;
use crate::db::entities::system_metrics;
use crate::domain::Hostname;

/// What the previous sample left for computing rates.
#[derive(Default)]
pub struct MetricsState {
    cpu: Option<(u64, u64)>,
    net: Option<(Instant, u64, u64)>,
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

pub fn sample(settings: &CollectorSettings, state: &mut MetricsState) -> Sample {
    let proc = settings.procfs_root.as_path();
    let mut s = Sample::default();
    if let Some((total, idle)) = procfs::cpu_times(proc) {
        if let Some((prev_total, prev_idle)) = state.cpu {
            let d_total = total.saturating_sub(prev_total) as f64;
            let d_idle = idle.saturating_sub(prev_idle) as f64;
            if d_total > 0.0 {
                s.cpu_percent = Some(((d_total - d_idle) / d_total * 100.0).clamp(0.0, 100.0));
            }
        }
        state.cpu = Some((total, idle));
    }
    (s.memory_percent, s.swap_percent) = procfs::memory(proc);
    s.load = procfs::load_average(proc);
    s.uptime_secs = procfs::uptime_secs(proc);
    s.process_count = procfs::process_count(proc);
    if let Some((rx, tx)) = procfs::network_bytes(proc) {
        let now = Instant::now();
        if let Some((then, prev_rx, prev_tx)) = state.net {
            let secs = now.duration_since(then).as_secs_f64();
            if secs > 0.0 {
                s.net_rx_bps = Some(rx.saturating_sub(prev_rx) as f64 / secs);
                s.net_tx_bps = Some(tx.saturating_sub(prev_tx) as f64 / secs);
            }
        }
        state.net = Some((now, rx, tx));
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

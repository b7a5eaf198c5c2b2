//! Host metrics on Windows. CPU comes from `GetSystemTimes` and drives from the volume calls, because
//! `sysinfo` cannot serve those everywhere (under Wine its second CPU refresh crashes the process and its
//! disk list is empty); memory, pagefile, uptime, processes and network stay with `sysinfo`.

use sysinfo::{MemoryRefreshKind, Networks, ProcessRefreshKind, ProcessesToUpdate, System};

use super::metrics::{MetricsState, Sample, WindowsHandles};
use smartmon_win32::host;

pub fn sample(state: &mut MetricsState) -> Sample {
    let mut s = Sample::default();
    match host::cpu_times() {
        Ok(times) => {
            tracing::debug!(?times, "GetSystemTimes");
            let (total, idle) = times.total_and_idle();
            s.cpu_percent = state.cpu_rate(total, idle);
        }
        Err(err) => tracing::debug!(error = %err, "GetSystemTimes failed"),
    }
    let handles = match state.windows.take() {
        Some(handles) => Some(handles),
        None => System::new().ok().map(|system| WindowsHandles {
            system,
            networks: Networks::new_with_refreshed_list().ok(),
        }),
    };
    if let Some(mut handles) = handles {
        let system = &mut handles.system;
        system.refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram().with_swap());
        let percent =
            |used: u64, total: u64| (total > 0).then(|| used as f64 / total as f64 * 100.0);
        s.memory_percent = percent(
            system
                .total_memory()
                .saturating_sub(system.available_memory()),
            system.total_memory(),
        );
        s.swap_percent = percent(system.used_swap(), system.total_swap());
        system.refresh_processes_specifics(
            ProcessesToUpdate::All,
            true,
            ProcessRefreshKind::nothing(),
        );
        s.process_count = i32::try_from(system.processes().len()).ok();
        if let Some(networks) = handles.networks.as_mut() {
            networks.refresh(true);
            let (rx, tx) = networks.iter().fold((0u64, 0u64), |(rx, tx), (_, data)| {
                (
                    rx.saturating_add(data.total_received()),
                    tx.saturating_add(data.total_transmitted()),
                )
            });
            (s.net_rx_bps, s.net_tx_bps) = state.net_rate(rx, tx);
        }
        state.windows = Some(handles);
    }
    s.uptime_secs = System::uptime()
        .ok()
        .and_then(|secs| i64::try_from(secs).ok());
    drives(&mut s);
    s
}

/// Each fixed drive's use; the system drive's is the host's disk figure.
fn drives(s: &mut Sample) {
    let system_drive = std::env::var("SystemDrive").unwrap_or_else(|_| "C:".into());
    let roots = match host::fixed_drives() {
        Ok(roots) => roots,
        Err(err) => {
            tracing::debug!(error = %err, "cannot list the drives");
            return;
        }
    };
    for root in roots {
        match host::disk_space(&root) {
            Ok((total, free)) if total > 0 => {
                let used = (total - free.min(total)) as f64 / total as f64 * 100.0;
                if root
                    .trim_end_matches('\\')
                    .eq_ignore_ascii_case(&system_drive)
                {
                    s.disk_percent = Some(used);
                }
                s.filesystems.push((root, used, None));
            }
            Ok(_) => {}
            Err(err) => tracing::debug!(root, error = %err, "cannot read a drive's space"),
        }
    }
}

/// The hosts row's OS and kernel lines, both saying Windows (`Windows 10 Pro`, `Windows NT build 19045`).
pub(crate) fn os_and_kernel() -> (Option<String>, Option<String>) {
    let os = System::long_os_version()
        .ok()
        .map(|os| os.trim_start_matches("Microsoft ").to_owned())
        .map(|os| {
            if os.starts_with("Windows") {
                os
            } else {
                format!("Windows {os}")
            }
        })
        .or_else(|| Some("Windows".into()));
    let kernel = System::kernel_version()
        .ok()
        .map(|build| format!("Windows NT build {build}"));
    (os, kernel)
}

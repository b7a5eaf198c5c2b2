//! Parsers for the host's `/proc` and `/sys` files, read under `PROCFS_ROOT` / `SYSFS_ROOT` so a
//! container sees the host's figures (network and mounts are read through PID 1's namespaces).

use std::path::{Path, PathBuf};

/// Cumulative CPU jiffies: (busy + idle, idle) from the `cpu` line of `/proc/stat`.
pub(crate) fn cpu_times(proc: &Path) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(proc.join("stat")).ok()?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .filter_map(|f| f.parse().ok())
        .collect();
    if fields.len() < 4 {
        return None;
    }
    let idle = fields[3] + fields.get(4).copied().unwrap_or(0);
    Some((fields.iter().sum(), idle))
}

/// (memory %, swap %) from `/proc/meminfo`; swap is None when the host has none.
pub fn memory(proc: &Path) -> (Option<f64>, Option<f64>) {
    let Ok(text) = std::fs::read_to_string(proc.join("meminfo")) else {
        return (None, None);
    };
    let field = |name: &str| -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
    };
    let memory = match (field("MemTotal"), field("MemAvailable")) {
        (Some(total), Some(available)) if total > 0.0 => Some((total - available) / total * 100.0),
        _ => None,
    };
    let swap = match (field("SwapTotal"), field("SwapFree")) {
        (Some(total), Some(free)) if total > 0.0 => Some((total - free) / total * 100.0),
        _ => None,
    };
    (memory, swap)
}

pub(crate) fn load_average(proc: &Path) -> Option<(f64, f64, f64)> {
    let text = std::fs::read_to_string(proc.join("loadavg")).ok()?;
    let mut parts = text.split_whitespace().map(|p| p.parse::<f64>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

pub fn uptime_secs(proc: &Path) -> Option<i64> {
    let text = std::fs::read_to_string(proc.join("uptime")).ok()?;
    let secs: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(secs as i64)
}

/// Numeric directories under `/proc`: the host's processes when the host's procfs is mounted.
pub fn process_count(proc: &Path) -> Option<i32> {
    let entries = std::fs::read_dir(proc).ok()?;
    let count = entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        })
        .count();
    i32::try_from(count).ok()
}

/// PID 1's view of a per-namespace file (`net/dev`, `mounts`), else the reader's own.
fn host_view(proc: &Path, file: &str) -> Option<String> {
    std::fs::read_to_string(proc.join("1").join(file))
        .or_else(|_| std::fs::read_to_string(proc.join(file)))
        .ok()
}

/// Total (rx, tx) bytes over every interface but loopback.
pub(crate) fn network_bytes(proc: &Path) -> Option<(u64, u64)> {
    let text = host_view(proc, "net/dev")?;
    let mut totals = (0u64, 0u64);
    for line in text.lines().skip(2) {
        let Some((name, counters)) = line.split_once(':') else {
            continue;
        };
        if name.trim() == "lo" {
            continue;
        }
        let fields: Vec<u64> = counters
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        if fields.len() >= 9 {
            totals.0 += fields[0];
            totals.1 += fields[8];
        }
    }
    Some(totals)
}

/// Filesystem types that hold data (as opposed to proc, tmpfs, overlay, cgroup, squashfs, …).
const REAL_FILESYSTEMS: [&str; 12] = [
    "ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "vfat", "exfat", "jfs", "reiserfs",
    "ntfs3",
];

/// The host's real mounted filesystems: (mount point, where to stat it from here).
pub(crate) fn real_mounts(proc: &Path) -> Vec<(String, PathBuf)> {
    let Some(text) = host_view(proc, "mounts") else {
        return Vec::new();
    };
    let host_root = (proc != Path::new("/proc")).then(|| proc.join("1/root"));
    let mut mounts: Vec<(String, PathBuf)> = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_, mount_point, fs_type, ..] = fields[..] else {
            continue;
        };
        let mount_point = mount_point.replace("\\040", " ");
        if !REAL_FILESYSTEMS.contains(&fs_type) || mounts.iter().any(|(m, _)| *m == mount_point) {
            continue;
        }
        let local = match &host_root {
            Some(root) => root.join(mount_point.trim_start_matches('/')),
            None => PathBuf::from(&mount_point),
        };
        mounts.push((mount_point, local));
    }
    mounts
}

/// (space %, inode %) used, as `df` computes them.
pub fn usage(path: &Path) -> Option<(f64, Option<f64>)> {
    let stat = rustix::fs::statvfs(path).ok()?;
    let used = stat.f_blocks.saturating_sub(stat.f_bfree) as f64;
    let capacity = used + stat.f_bavail as f64;
    if capacity <= 0.0 {
        return None;
    }
    let inodes = (stat.f_files > 0)
        .then(|| stat.f_files.saturating_sub(stat.f_ffree) as f64 / stat.f_files as f64 * 100.0);
    Some((used / capacity * 100.0, inodes))
}

/// The host's OS name (`PRETTY_NAME` of PID 1's `/etc/os-release`) when reading another root's /proc;
/// None for our own /proc (the caller asks sysinfo).
/// The hosts row's OS and kernel lines: the host's files, else what `sysinfo` says.
pub(crate) fn os_and_kernel(proc: &Path) -> (Option<String>, Option<String>) {
    (
        host_os(proc).or_else(|| sysinfo::System::long_os_version().ok()),
        kernel(proc).or_else(|| sysinfo::System::kernel_version().ok()),
    )
}

pub(crate) fn host_os(proc: &Path) -> Option<String> {
    if proc == Path::new("/proc") {
        return None;
    }
    let text = std::fs::read_to_string(proc.join("1/root/etc/os-release")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_owned())
}

/// The running kernel's release (`sys/kernel/osrelease`).
pub fn kernel(proc: &Path) -> Option<String> {
    std::fs::read_to_string(proc.join("sys/kernel/osrelease"))
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Every `<dir>/<prefix>*/<file>` whose name `file` accepts, read as millidegrees.
fn sensor_readings(dir: &Path, prefix: &str, file: &dyn Fn(&str) -> bool) -> Vec<f64> {
    let mut readings = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return readings;
    };
    for entry in entries.filter_map(Result::ok) {
        if !entry.file_name().to_string_lossy().starts_with(prefix) {
            continue;
        }
        let Ok(files) = std::fs::read_dir(entry.path()) else {
            continue;
        };
        for f in files.filter_map(Result::ok) {
            if !file(&f.file_name().to_string_lossy()) {
                continue;
            }
            if let Some(milli) = std::fs::read_to_string(f.path())
                .ok()
                .and_then(|t| t.trim().parse::<f64>().ok())
            {
                readings.push(milli / 1000.0);
            }
        }
    }
    readings
}

/// The hottest sensor in degrees Celsius (thermal zones, else hwmon).
pub fn temperature(sys: &Path) -> Option<f64> {
    let mut readings =
        sensor_readings(&sys.join("class/thermal"), "thermal_zone", &|f| f == "temp");
    if readings.is_empty() {
        readings = sensor_readings(&sys.join("class/hwmon"), "hwmon", &|f| {
            f.starts_with("temp") && f.ends_with("_input")
        });
    }
    readings
        .into_iter()
        .filter(|c| (-50.0..200.0).contains(c))
        .reduce(f64::max)
}

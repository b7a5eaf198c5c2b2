//! Host figures from kernel32: CPU times (`GetSystemTimes`) and the fixed drives with their space
//! (`GetLogicalDriveStringsW`, `GetDriveTypeW`, `GetDiskFreeSpaceExW`).

use std::io;

use windows_sys::Win32::Foundation::FILETIME;
use windows_sys::Win32::Storage::FileSystem::{
    GetDiskFreeSpaceExW, GetDriveTypeW, GetLogicalDriveStringsW,
};
use windows_sys::Win32::System::Threading::GetSystemTimes;

use crate::wide::to_wide;

/// `DRIVE_FIXED` from `GetDriveTypeW` (local disks, not removable, network or optical drives).
const DRIVE_FIXED: u32 = 3;

/// CPU time since boot in 100 ns ticks, summed over all CPUs. `kernel` includes `idle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuTimes {
    pub idle: u64,
    pub kernel: u64,
    pub user: u64,
}

impl CpuTimes {
    /// (busy + idle, idle): what a usage rate between two samples needs.
    pub fn total_and_idle(&self) -> (u64, u64) {
        (self.kernel.saturating_add(self.user), self.idle)
    }
}

pub fn cpu_times() -> io::Result<CpuTimes> {
    let mut idle = FILETIME::default();
    let mut kernel = FILETIME::default();
    let mut user = FILETIME::default();
    // SAFETY: three valid, writable FILETIMEs that outlive the call.
    let ok = unsafe { GetSystemTimes(&mut idle, &mut kernel, &mut user) };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    let ticks = |t: FILETIME| (u64::from(t.dwHighDateTime) << 32) | u64::from(t.dwLowDateTime);
    Ok(CpuTimes {
        idle: ticks(idle),
        kernel: ticks(kernel),
        user: ticks(user),
    })
}

/// The root of every fixed drive (`C:\`, …).
pub fn fixed_drives() -> io::Result<Vec<String>> {
    let mut buffer = vec![0u16; 512];
    // SAFETY: the buffer holds `len` u16s and the call writes at most that many.
    let written = unsafe { GetLogicalDriveStringsW(buffer.len() as u32, buffer.as_mut_ptr()) };
    if written == 0 || written as usize > buffer.len() {
        return Err(io::Error::last_os_error());
    }
    let mut drives = Vec::new();
    for root in buffer[..written as usize].split(|&u| u == 0) {
        if root.is_empty() {
            continue;
        }
        let root = String::from_utf16_lossy(root);
        let wide = to_wide(&root)?;
        // SAFETY: `wide` is a NUL-terminated UTF-16 string alive for the call.
        if unsafe { GetDriveTypeW(wide.as_ptr()) } == DRIVE_FIXED {
            drives.push(root);
        }
    }
    Ok(drives)
}

/// (total bytes, free bytes) of the volume at `root`.
pub fn disk_space(root: &str) -> io::Result<(u64, u64)> {
    let wide = to_wide(root)?;
    let (mut available, mut total, mut free) = (0u64, 0u64, 0u64);
    // SAFETY: a NUL-terminated path and three writable u64s, all alive for the call.
    let ok = unsafe { GetDiskFreeSpaceExW(wide.as_ptr(), &mut available, &mut total, &mut free) };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((total, free))
}

//! The Service Control Manager: list every Win32 service with its status, read a service's start type,
//! and start or stop one. Handles close themselves; errors are the OS error (`ERROR_ACCESS_DENIED`, …).

use std::io;

use windows_sys::Win32::System::Services::{
    CloseServiceHandle, ControlService, ENUM_SERVICE_STATUS_PROCESSW, EnumServicesStatusExW,
    OpenSCManagerW, OpenServiceW, QUERY_SERVICE_CONFIGW, QueryServiceConfig2W, QueryServiceConfigW,
    QueryServiceStatusEx, SC_ENUM_PROCESS_INFO, SC_HANDLE, SC_MANAGER_CONNECT,
    SC_MANAGER_ENUMERATE_SERVICE, SC_STATUS_PROCESS_INFO, SERVICE_CONFIG_DELAYED_AUTO_START_INFO,
    SERVICE_CONTROL_STOP, SERVICE_DELAYED_AUTO_START_INFO, SERVICE_QUERY_CONFIG,
    SERVICE_QUERY_STATUS, SERVICE_START, SERVICE_STATE_ALL, SERVICE_STATUS, SERVICE_STATUS_PROCESS,
    SERVICE_STOP, SERVICE_WIN32, StartServiceW,
};

use crate::wide::{aligned_buffer, from_wide_ptr, to_wide};

/// `ERROR_MORE_DATA`: the enumeration's buffer was too small (more calls follow).
const ERROR_MORE_DATA: i32 = 234;
/// `ERROR_INSUFFICIENT_BUFFER`: a query's buffer was too small.
const ERROR_INSUFFICIENT_BUFFER: i32 = 122;

/// A service's status as `SERVICE_STATUS_PROCESS` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// `SERVICE_WIN32_OWN_PROCESS` (0x10), `…_SHARE_PROCESS` (0x20), drivers (1, 2), …
    pub service_type: u32,
    /// 1 STOPPED … 7 PAUSED.
    pub current_state: u32,
    pub win32_exit_code: u32,
    pub service_specific_exit_code: u32,
    /// 0 when not running.
    pub pid: u32,
}

impl From<&SERVICE_STATUS_PROCESS> for Status {
    fn from(s: &SERVICE_STATUS_PROCESS) -> Self {
        Self {
            service_type: s.dwServiceType,
            current_state: s.dwCurrentState,
            win32_exit_code: s.dwWin32ExitCode,
            service_specific_exit_code: s.dwServiceSpecificExitCode,
            pid: s.dwProcessId,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEntry {
    /// The key name (`Spooler`): what `sc` and the SCM address it by.
    pub name: String,
    pub display_name: String,
    pub status: Status,
}

/// `dwStartType` (0 boot … 2 auto, 3 demand, 4 disabled) and the auto-start's delayed flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartType {
    pub start_type: u32,
    pub delayed: bool,
}

/// An open SCM or service handle, closed on drop.
struct Handle(SC_HANDLE);

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from OpenSCManagerW/OpenServiceW, is non-null, and is closed once.
        unsafe { CloseServiceHandle(self.0) };
    }
}

fn manager(access: u32) -> io::Result<Handle> {
    // SAFETY: null machine and database names mean this machine's active database.
    let handle = unsafe { OpenSCManagerW(std::ptr::null(), std::ptr::null(), access) };
    if handle.is_null() {
        return Err(io::Error::last_os_error());
    }
    Ok(Handle(handle))
}

fn service(name: &str, access: u32) -> io::Result<Handle> {
    let scm = manager(SC_MANAGER_CONNECT)?;
    let wide = to_wide(name)?;
    // SAFETY: an open SCM handle and a NUL-terminated name, both alive for the call.
    let handle = unsafe { OpenServiceW(scm.0, wide.as_ptr(), access) };
    if handle.is_null() {
        return Err(io::Error::last_os_error());
    }
    Ok(Handle(handle))
}

/// Every Win32 service (own and shared process), in whatever state.
pub fn list() -> io::Result<Vec<ServiceEntry>> {
    let scm = manager(SC_MANAGER_CONNECT | SC_MANAGER_ENUMERATE_SERVICE)?;
    let mut entries = Vec::new();
    let mut resume = 0u32;
    let mut bytes = 64 * 1024u32;
    loop {
        let mut buffer = aligned_buffer(bytes);
        let (mut needed, mut returned) = (0u32, 0u32);
        // SAFETY: the buffer is `bytes` long and 8-byte aligned; the counters are writable and the
        // SCM handle is open; all outlive the call.
        let ok = unsafe {
            EnumServicesStatusExW(
                scm.0,
                SC_ENUM_PROCESS_INFO,
                SERVICE_WIN32,
                SERVICE_STATE_ALL,
                buffer.as_mut_ptr().cast(),
                bytes,
                &mut needed,
                &mut returned,
                &mut resume,
                std::ptr::null(),
            )
        };
        let more = ok == 0 && io::Error::last_os_error().raw_os_error() == Some(ERROR_MORE_DATA);
        if ok == 0 && !more {
            return Err(io::Error::last_os_error());
        }
        let base = buffer.as_ptr().cast::<ENUM_SERVICE_STATUS_PROCESSW>();
        for i in 0..returned as usize {
            // SAFETY: the SCM wrote `returned` structs at the start of the buffer, and their string
            // pointers point into the same buffer, which is alive here.
            let entry = unsafe {
                let raw = &*base.add(i);
                ServiceEntry {
                    name: from_wide_ptr(raw.lpServiceName),
                    display_name: from_wide_ptr(raw.lpDisplayName),
                    status: Status::from(&raw.ServiceStatusProcess),
                }
            };
            entries.push(entry);
        }
        if !more {
            return Ok(entries);
        }
        bytes = bytes.max(needed);
    }
}

/// One service's current status.
pub fn status(name: &str) -> io::Result<Status> {
    let handle = service(name, SERVICE_QUERY_STATUS)?;
    let mut raw = SERVICE_STATUS_PROCESS::default();
    let mut needed = 0u32;
    // SAFETY: an open service handle and a writable SERVICE_STATUS_PROCESS of the size given.
    let ok = unsafe {
        QueryServiceStatusEx(
            handle.0,
            SC_STATUS_PROCESS_INFO,
            (&mut raw as *mut SERVICE_STATUS_PROCESS).cast(),
            std::mem::size_of::<SERVICE_STATUS_PROCESS>() as u32,
            &mut needed,
        )
    };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Status::from(&raw))
}

/// How the service starts; a Windows that cannot say whether an auto start is delayed says "not delayed".
pub fn start_type(name: &str) -> io::Result<StartType> {
    let handle = service(name, SERVICE_QUERY_CONFIG)?;
    let mut needed = 0u32;
    // SAFETY: asking for the size only (null buffer, zero length) on an open handle.
    unsafe { QueryServiceConfigW(handle.0, std::ptr::null_mut(), 0, &mut needed) };
    if io::Error::last_os_error().raw_os_error() != Some(ERROR_INSUFFICIENT_BUFFER) {
        return Err(io::Error::last_os_error());
    }
    let mut buffer = aligned_buffer(needed);
    let config = buffer.as_mut_ptr().cast::<QUERY_SERVICE_CONFIGW>();
    // SAFETY: an aligned buffer of at least `needed` bytes, as the SCM asked for.
    if unsafe { QueryServiceConfigW(handle.0, config, needed, &mut needed) } == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the call succeeded, so the buffer starts with an initialised QUERY_SERVICE_CONFIGW.
    let start_type = unsafe { (*config).dwStartType };
    let mut delayed = SERVICE_DELAYED_AUTO_START_INFO::default();
    // SAFETY: a writable SERVICE_DELAYED_AUTO_START_INFO of the size given, on an open handle.
    let ok = unsafe {
        QueryServiceConfig2W(
            handle.0,
            SERVICE_CONFIG_DELAYED_AUTO_START_INFO,
            (&mut delayed as *mut SERVICE_DELAYED_AUTO_START_INFO).cast(),
            std::mem::size_of::<SERVICE_DELAYED_AUTO_START_INFO>() as u32,
            &mut needed,
        )
    };
    Ok(StartType {
        start_type,
        delayed: ok != 0 && delayed.fDelayedAutostart != 0,
    })
}

/// Asks the SCM to start the service (returns once it is START_PENDING or running).
pub fn start(name: &str) -> io::Result<()> {
    let handle = service(name, SERVICE_START | SERVICE_QUERY_STATUS)?;
    // SAFETY: an open handle with no arguments for the service.
    if unsafe { StartServiceW(handle.0, 0, std::ptr::null()) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Sends the stop control; the service may refuse it (`ERROR_INVALID_SERVICE_CONTROL`, …).
pub fn stop(name: &str) -> io::Result<()> {
    let handle = service(name, SERVICE_STOP | SERVICE_QUERY_STATUS)?;
    let mut status = SERVICE_STATUS::default();
    // SAFETY: an open handle and a writable SERVICE_STATUS.
    if unsafe { ControlService(handle.0, SERVICE_CONTROL_STOP, &mut status) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

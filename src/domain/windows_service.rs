//! Windows services in the one vocabulary: the Service Control Manager's states, service types and
//! start types as `service_current` stores them. Pure, so its tests run on every platform.

use super::ServiceState;

/// `ERROR_SERVICE_NEVER_STARTED`: a stopped service that never ran has not failed.
const NEVER_STARTED: u32 = 1077;
/// `ERROR_SERVICE_SPECIFIC_ERROR`: the service put its own code in `dwServiceSpecificExitCode`.
const SERVICE_SPECIFIC_ERROR: u32 = 1066;

/// `SERVICE_STOPPED` and `SERVICE_RUNNING` (`dwCurrentState`).
pub const STOPPED: u32 = 1;
pub const RUNNING: u32 = 4;

/// The SCM's own word for a state, as `sc query` prints it (`RUNNING`, `STOP_PENDING`, …).
pub fn state_name(current_state: u32) -> &'static str {
    match current_state {
        1 => "STOPPED",
        2 => "START_PENDING",
        3 => "STOP_PENDING",
        4 => "RUNNING",
        5 => "CONTINUE_PENDING",
        6 => "PAUSE_PENDING",
        7 => "PAUSED",
        _ => "UNKNOWN",
    }
}

/// One service as `EnumServicesStatusExW` and `QueryServiceConfigW` describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScmService {
    pub name: String,
    pub display_name: String,
    /// `dwServiceType`.
    pub service_type: u32,
    /// `dwCurrentState`: 1 STOPPED, 2 START_PENDING, 3 STOP_PENDING, 4 RUNNING, 5 CONTINUE_PENDING,
    /// 6 PAUSE_PENDING, 7 PAUSED.
    pub current_state: u32,
    pub win32_exit_code: u32,
    pub service_specific_exit_code: u32,
    pub pid: u32,
    /// `dwStartType` and the delayed auto-start flag; `None` when the config could not be read.
    pub start_type: Option<(u32, bool)>,
}

impl ScmService {
    /// `failed` for a service that stopped with an error code; pending states are `transitioning`.
    pub fn state(&self) -> ServiceState {
        match self.current_state {
            1 if self.stopped_with_error() => ServiceState::Failed,
            1 => ServiceState::Stopped,
            2 | 3 | 5 | 6 => ServiceState::Transitioning,
            4 => ServiceState::Running,
            7 => ServiceState::Stopped,
            _ => ServiceState::Unknown,
        }
    }

    fn stopped_with_error(&self) -> bool {
        !matches!(self.win32_exit_code, 0 | NEVER_STARTED)
    }

    /// The SCM's own word for the state, as `sc query` prints it (`RUNNING`, `STOP_PENDING`, …).
    pub fn raw_status(&self) -> &'static str {
        state_name(self.current_state)
    }

    /// What else an operator needs to tell runs apart: the process id while it runs, the exit code
    /// after a failure (the service's own code for `ERROR_SERVICE_SPECIFIC_ERROR`).
    pub fn sub_state(&self) -> String {
        match self.current_state {
            4 if self.pid != 0 => format!("pid {}", self.pid),
            1 if self.stopped_with_error() => {
                if self.win32_exit_code == SERVICE_SPECIFIC_ERROR {
                    format!(
                        "exit {} (service code {})",
                        self.win32_exit_code, self.service_specific_exit_code
                    )
                } else {
                    format!("exit {}", self.win32_exit_code)
                }
            }
            _ => self.raw_status().to_ascii_lowercase(),
        }
    }

    /// `own_process`, `share_process`, the user-service variants, or the kind of driver.
    pub fn service_type_name(&self) -> &'static str {
        // 0x100 is SERVICE_INTERACTIVE_PROCESS, 0x80 the per-user instance flag: neither changes the kind.
        match self.service_type & !0x180 {
            0x1 => "kernel_driver",
            0x2 => "file_system_driver",
            0x10 => "own_process",
            0x20 => "share_process",
            0x50 => "user_own_process",
            0x60 => "user_share_process",
            _ => "other",
        }
    }

    /// `boot`, `system`, `auto`, `auto-delayed`, `demand` or `disabled`; empty when unreadable.
    pub fn start_type_name(&self) -> &'static str {
        match self.start_type {
            Some((0, _)) => "boot",
            Some((1, _)) => "system",
            Some((2, true)) => "auto-delayed",
            Some((2, false)) => "auto",
            Some((3, _)) => "demand",
            Some((4, _)) => "disabled",
            _ => "",
        }
    }

    /// A restart can help: a service process (not a driver) that is not disabled.
    pub fn recoverable(&self) -> bool {
        self.service_type & 0x30 != 0 && self.start_type_name() != "disabled"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(current_state: u32, win32_exit_code: u32) -> ScmService {
        ScmService {
            name: "Spooler".into(),
            display_name: "Print Spooler".into(),
            service_type: 0x10,
            current_state,
            win32_exit_code,
            service_specific_exit_code: 0,
            pid: 0,
            start_type: Some((2, false)),
        }
    }

    #[test]
    fn scm_states_map_onto_the_vocabulary() {
        assert_eq!(service(4, 0).state(), ServiceState::Running);
        assert_eq!(service(1, 0).state(), ServiceState::Stopped);
        assert_eq!(
            service(1, 1077).state(),
            ServiceState::Stopped,
            "never started is not failed"
        );
        assert_eq!(service(1, 1066).state(), ServiceState::Failed);
        assert_eq!(service(1, 5).state(), ServiceState::Failed);
        for pending in [2, 3, 5, 6] {
            assert_eq!(service(pending, 0).state(), ServiceState::Transitioning);
        }
        assert_eq!(service(7, 0).state(), ServiceState::Stopped);
        assert_eq!(service(42, 0).state(), ServiceState::Unknown);
    }

    #[test]
    fn raw_and_sub_states_say_what_the_scm_said() {
        let mut running = service(4, 0);
        running.pid = 1234;
        assert_eq!(
            (running.raw_status(), running.sub_state().as_str()),
            ("RUNNING", "pid 1234")
        );
        let mut failed = service(1, 1066);
        failed.service_specific_exit_code = 3;
        assert_eq!(failed.raw_status(), "STOPPED");
        assert_eq!(failed.sub_state(), "exit 1066 (service code 3)");
        assert_eq!(service(1, 0).sub_state(), "stopped");
        assert_eq!(service(3, 0).raw_status(), "STOP_PENDING");
    }

    #[test]
    fn types_and_start_types_have_their_names() {
        let mut s = service(4, 0);
        assert_eq!(s.service_type_name(), "own_process");
        s.service_type = 0x20 | 0x100;
        assert_eq!(s.service_type_name(), "share_process");
        s.service_type = 0x1;
        assert_eq!(s.service_type_name(), "kernel_driver");
        assert!(!s.recoverable(), "a driver is not restarted");
        for (start, delayed, name) in [
            (2, true, "auto-delayed"),
            (2, false, "auto"),
            (3, false, "demand"),
            (4, false, "disabled"),
        ] {
            s.start_type = Some((start, delayed));
            assert_eq!(s.start_type_name(), name);
        }
        let mut disabled = service(1, 0);
        disabled.start_type = Some((4, false));
        assert!(!disabled.recoverable());
        assert!(service(1, 0).recoverable());
    }

    #[test]
    fn windows_names_are_taken_as_they_are_and_only_under_windows_rules() {
        for good in [
            "Spooler",
            "wuauserv",
            "MSSQL$SQLEXPRESS",
            "Some Service",
            "a.b",
        ] {
            let name = crate::domain::UnitName::parse_as(good, crate::domain::NameRules::Windows)
                .expect(good);
            assert_eq!(name.as_str(), good, "no suffix is added");
            assert_eq!(
                crate::domain::UnitName::parse_stored(good)
                    .expect(good)
                    .as_str(),
                good
            );
        }
        for bad in [
            "",
            " ",
            "a/b",
            "a\\b",
            "-x",
            "a;b",
            "$(id)\n",
            "tab\there",
            "ü",
            " Spooler2 ",
        ] {
            assert!(
                crate::domain::UnitName::parse_windows(bad).is_err(),
                "{bad:?} was accepted"
            );
        }
        assert!(crate::domain::UnitName::parse_windows(&"a".repeat(256)).is_ok());
        assert!(crate::domain::UnitName::parse_windows(&"a".repeat(257)).is_err());
        assert_eq!(
            crate::domain::UnitName::parse_as("Spooler", crate::domain::NameRules::Systemd)
                .expect("a unit")
                .as_str(),
            "Spooler.service",
            "Linux hosts keep systemd's rules"
        );
        assert!(
            crate::domain::UnitName::parse_as("Some Service", crate::domain::NameRules::Systemd)
                .is_err()
        );
    }
}

//! `smartmon units`: the deployment spec's systemctl-shim contract over D-Bus, as a drop-in for
//! `SERVICE_STATUS_CMD`. `is-active UNIT` prints the `ActiveState` (`unknown` when systemd cannot be
//! asked or does not know the unit); `show UNIT` prints exactly five `Key=value` lines; `list-units`
//! prints one `*.service` per line.

use crate::domain::UnitName;
use crate::systemd::{self, UnitSnapshot};

/// What to print and how to exit (0 success; `is-active` exits 3 when the unit is not active, as
/// systemctl does; 1 when systemd cannot be reached; 2 for a bad unit name).
#[derive(Debug, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
}

fn failure(stdout: &str, message: String, code: u8) -> Output {
    Output {
        stdout: stdout.to_owned(),
        stderr: message,
        code,
    }
}

pub enum Request<'a> {
    IsActive(&'a str),
    Show(&'a str),
    ListUnits,
}

pub async fn run(request: Request<'_>, bus_address: Option<&str>) -> Output {
    let unit = match &request {
        Request::IsActive(raw) | Request::Show(raw) => match UnitName::parse(raw) {
            Ok(unit) => Some(unit),
            Err(err) => {
                return failure(
                    "",
                    format!("smartmon units: invalid unit name {raw:?}: {err}\n"),
                    2,
                );
            }
        },
        Request::ListUnits => None,
    };
    let unknown_stdout = if matches!(request, Request::IsActive(_)) {
        "unknown\n"
    } else {
        ""
    };
    let conn = match systemd::connect(bus_address).await {
        Ok(conn) => conn,
        Err(err) => return failure(unknown_stdout, format!("smartmon units: {err:#}\n"), 1),
    };
    match (request, unit) {
        (Request::ListUnits, _) => list_units(&conn).await,
        (request, Some(unit)) => {
            let read =
                tokio::time::timeout(systemd::CALL_TIMEOUT * 2, systemd::read_unit(&conn, &unit))
                    .await;
            let snap = match read {
                Ok(Ok(snap)) => snap,
                Ok(Err(err)) => {
                    return failure(unknown_stdout, format!("smartmon units: {err:#}\n"), 1);
                }
                Err(_) => {
                    return failure(
                        unknown_stdout,
                        "smartmon units: systemd did not answer\n".into(),
                        1,
                    );
                }
            };
            match request {
                Request::Show(_) => Output {
                    stdout: show(&snap),
                    stderr: String::new(),
                    code: 0,
                },
                _ => is_active(&snap),
            }
        }
        (_, None) => failure("", "smartmon units: a unit name is required\n".into(), 2),
    }
}

fn is_active(snap: &UnitSnapshot) -> Output {
    let state = if snap.load_state == "not-found" {
        "unknown"
    } else {
        snap.active_state.as_str()
    };
    Output {
        stdout: format!("{state}\n"),
        stderr: String::new(),
        code: if state == "active" { 0 } else { 3 },
    }
}

/// The five lines of the shim contract, in its order.
pub fn show(snap: &UnitSnapshot) -> String {
    format!(
        "ActiveState={}\nSubState={}\nType={}\nUnitFileState={}\nLoadState={}\n",
        snap.active_state, snap.sub_state, snap.service_type, snap.unit_file_state, snap.load_state
    )
}

async fn list_units(conn: &zbus::Connection) -> Output {
    let listed = async {
        let manager = systemd::manager(conn).await?;
        tokio::time::timeout(systemd::CALL_TIMEOUT, manager.list_units())
            .await
            .map_err(|_| anyhow::anyhow!("systemd did not answer ListUnits"))?
            .map_err(anyhow::Error::from)
    }
    .await;
    match listed {
        Ok(units) => {
            let mut names: Vec<&str> = units
                .iter()
                .map(|u| u.0.as_str())
                .filter(|n| n.ends_with(".service"))
                .collect();
            names.sort_unstable();
            Output {
                stdout: names.iter().map(|n| format!("{n}\n")).collect(),
                stderr: String::new(),
                code: 0,
            }
        }
        Err(err) => failure("", format!("smartmon units: {err:#}\n"), 1),
    }
}

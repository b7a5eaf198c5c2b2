//! Talking to systemd over D-Bus: the zbus proxies for `org.freedesktop.systemd1` (Manager, Unit,
//! Service), shared by the collector, `smartmon units` and the restart executor, and the unit snapshot
//! they all read. `DBUS_SYSTEM_BUS_ADDRESS` selects the bus.

mod proxies;
mod snapshot;

use std::time::Duration;

use anyhow::Context;

pub use proxies::{
    ManagerProxy, ServiceProxy, UnitListEntry, UnitNewStream, UnitProxy, UnitRemovedStream,
};
pub use snapshot::{UnitSnapshot, can_reload, read_unit_at};
pub(crate) use snapshot::{complete_listed, read_unit};

/// How long any single D-Bus call may take before we give up on it.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects to the system bus: `address` when given (the `DBUS_SYSTEM_BUS_ADDRESS` setting), else
/// zbus's default system bus (which honours the same variable in the process environment).
pub async fn connect(address: Option<&str>) -> anyhow::Result<zbus::Connection> {
    let connecting = async {
        match address {
            Some(address) => {
                zbus::connection::Builder::address(address)
                    .method_timeout(CALL_TIMEOUT)
                    .build()
                    .await
            }
            None => zbus::Connection::system().await,
        }
    };
    tokio::time::timeout(CALL_TIMEOUT, connecting)
        .await
        .map_err(|_| {
            anyhow::anyhow!("the D-Bus system bus did not answer within {CALL_TIMEOUT:?}")
        })?
        .with_context(|| match address {
            Some(address) => format!("cannot connect to the D-Bus system bus at {address}"),
            None => "cannot connect to the D-Bus system bus".to_owned(),
        })
}

/// The manager object on `conn`, with no property caching (systemd's answers must be fresh).
pub async fn manager(conn: &zbus::Connection) -> zbus::Result<ManagerProxy<'static>> {
    ManagerProxy::builder(conn)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
}

/// True when systemd answered `org.freedesktop.systemd1.NoSuchUnit` (or `LoadFailed`).
pub fn is_no_such_unit(err: &zbus::Error) -> bool {
    matches!(err, zbus::Error::MethodError(name, _, _)
        if name.as_str() == "org.freedesktop.systemd1.NoSuchUnit"
            || name.as_str() == "org.freedesktop.systemd1.LoadFailed")
}

/// The unit name in a unit object path (`/org/freedesktop/systemd1/unit/ssh_2eservice` is
/// `ssh.service`), reversing systemd's `_xx` escaping.
pub fn unit_name_from_path(path: &str) -> Option<String> {
    let label = path.strip_prefix("/org/freedesktop/systemd1/unit/")?;
    let bytes = label.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'_' {
            let hex = label.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::unit_name_from_path;

    #[test]
    fn unit_paths_unescape_to_names() {
        assert_eq!(
            unit_name_from_path("/org/freedesktop/systemd1/unit/ssh_2eservice").as_deref(),
            Some("ssh.service")
        );
        assert_eq!(
            unit_name_from_path("/org/freedesktop/systemd1/unit/getty_40tty1_2eservice").as_deref(),
            Some("getty@tty1.service")
        );
        assert_eq!(unit_name_from_path("/org/freedesktop/systemd1/job/4"), None);
        assert_eq!(
            unit_name_from_path("/org/freedesktop/systemd1/unit/bad_zz"),
            None
        );
    }
}

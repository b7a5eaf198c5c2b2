//! Reading one unit's state from systemd: the five properties of the systemctl-shim contract plus
//! the description.

use zbus::proxy::CacheProperties;

use super::{ServiceProxy, UnitProxy, is_no_such_unit, manager};
use crate::domain::{ServiceState, UnitName};

/// A unit as systemd describes it at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitSnapshot {
    pub name: String,
    pub description: String,
    pub active_state: String,
    pub sub_state: String,
    pub load_state: String,
    pub unit_file_state: String,
    /// `Service.Type` (`simple`, `oneshot`, …); empty for units that are not services.
    pub service_type: String,
}

impl UnitSnapshot {
    pub fn state(&self) -> ServiceState {
        ServiceState::from_systemd(&self.active_state, &self.sub_state)
    }

    /// What systemd says about a unit it does not know (`LoadState=not-found`).
    pub(crate) fn not_found(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            description: String::new(),
            active_state: "inactive".into(),
            sub_state: "dead".into(),
            load_state: "not-found".into(),
            unit_file_state: String::new(),
            service_type: String::new(),
        }
    }
}

/// Looks a unit up by name (`GetUnit`, then `LoadUnit` for units systemd has not loaded) and reads it.
/// A unit systemd does not know at all comes back as `not-found`, like `systemctl show` reports it.
pub(crate) async fn read_unit(
    conn: &zbus::Connection,
    name: &UnitName,
) -> anyhow::Result<UnitSnapshot> {
    let manager = manager(conn).await?;
    let path = match manager.get_unit(name.as_str()).await {
        Ok(path) => path,
        Err(err) if is_no_such_unit(&err) => match manager.load_unit(name.as_str()).await {
            Ok(path) => path,
            Err(err) if is_no_such_unit(&err) => return Ok(UnitSnapshot::not_found(name.as_str())),
            Err(err) => return Err(err.into()),
        },
        Err(err) => return Err(err.into()),
    };
    read_unit_at(conn, name.as_str(), path.as_str()).await
}

/// Reads the unit at a known object path.
pub async fn read_unit_at(
    conn: &zbus::Connection,
    name: &str,
    path: &str,
) -> anyhow::Result<UnitSnapshot> {
    let unit = UnitProxy::builder(conn)
        .path(path.to_owned())
        .cache_properties(CacheProperties::No)
        .build()
        .await?;
    let service_type = if name.ends_with(".service") {
        let service = ServiceProxy::builder(conn)
            .path(path.to_owned())
            .cache_properties(CacheProperties::No)
            .build()
            .await?;
        service.service_type().await.unwrap_or_default()
    } else {
        String::new()
    };
    Ok(UnitSnapshot {
        name: name.to_owned(),
        description: unit.description().await.unwrap_or_default(),
        active_state: unit.active_state().await?,
        sub_state: unit.sub_state().await?,
        load_state: unit.load_state().await?,
        unit_file_state: unit.unit_file_state().await.unwrap_or_default(),
        service_type,
    })
}

/// Completes a `ListUnits` row with the two properties it lacks (`UnitFileState`, `Service.Type`).
pub(crate) async fn complete_listed(
    conn: &zbus::Connection,
    entry: &super::UnitListEntry,
) -> anyhow::Result<UnitSnapshot> {
    let path = entry.6.as_str();
    let unit = UnitProxy::builder(conn)
        .path(path.to_owned())
        .cache_properties(CacheProperties::No)
        .build()
        .await?;
    let service = ServiceProxy::builder(conn)
        .path(path.to_owned())
        .cache_properties(CacheProperties::No)
        .build()
        .await?;
    let (unit_file_state, service_type) =
        futures_util::join!(unit.unit_file_state(), service.service_type());
    Ok(UnitSnapshot {
        name: entry.0.clone(),
        description: entry.1.clone(),
        load_state: entry.2.clone(),
        active_state: entry.3.clone(),
        sub_state: entry.4.clone(),
        unit_file_state: unit_file_state.unwrap_or_default(),
        service_type: service_type.unwrap_or_default(),
    })
}

/// Whether systemd can reload `name` (`CanReload`: the unit has an `ExecReload=`); false for a unit it
/// does not know.
pub async fn can_reload(conn: &zbus::Connection, name: &UnitName) -> anyhow::Result<bool> {
    let manager = manager(conn).await?;
    let path = match manager.get_unit(name.as_str()).await {
        Ok(path) => path,
        Err(err) if is_no_such_unit(&err) => return Ok(false),
        Err(err) => return Err(err.into()),
    };
    let unit = UnitProxy::builder(conn)
        .path(path)
        .cache_properties(CacheProperties::No)
        .build()
        .await?;
    Ok(unit.can_reload().await?)
}

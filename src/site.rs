//! This host as every area sees it: the name it reports under, whether `DRY_RUN` holds, and the system bus
//! address. Read from the environment (`SiteSettings`), resolved once at start (`Site`), passed down.

use anyhow::Context;

use crate::domain::Hostname;
use crate::vars::{SettingsError, Vars};

#[derive(Debug, Clone)]
pub struct SiteSettings {
    /// `HOSTNAME_OVERRIDE`: the name this host reports under, instead of the system hostname.
    pub hostname_override: Option<String>,
    /// `DRY_RUN`: when true (the default) restarts are recorded and shown, never performed.
    pub dry_run: bool,
    /// `DBUS_SYSTEM_BUS_ADDRESS`: the system bus (default: the standard system bus socket).
    pub bus_address: Option<String>,
}

impl SiteSettings {
    pub(crate) fn from_vars(vars: &Vars) -> Result<Self, SettingsError> {
        Ok(Self {
            hostname_override: vars.text("HOSTNAME_OVERRIDE"),
            dry_run: vars.flag("DRY_RUN", true)?,
            bus_address: vars.text("DBUS_SYSTEM_BUS_ADDRESS"),
        })
    }

    /// Settles this host's name: `HOSTNAME_OVERRIDE`, else the system's.
    pub fn resolve(&self) -> anyhow::Result<Site> {
        let hostname = match &self.hostname_override {
            Some(name) => {
                Hostname::parse(name).map_err(|e| anyhow::anyhow!("HOSTNAME_OVERRIDE: {e}"))?
            }
            None => {
                let name = sysinfo::System::host_name().unwrap_or_else(|_| "localhost".into());
                Hostname::parse(&name).with_context(|| {
                    format!("the system hostname {name:?} is unusable; set HOSTNAME_OVERRIDE")
                })?
            }
        };
        Ok(Site {
            hostname,
            dry_run: self.dry_run,
            bus_address: self.bus_address.clone(),
        })
    }
}

/// This host, resolved; cheap to clone.
#[derive(Debug, Clone)]
pub struct Site {
    pub hostname: Hostname,
    pub dry_run: bool,
    pub bus_address: Option<String>,
}

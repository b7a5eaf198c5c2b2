//! The collector's service side: full syncs by mode, applying D-Bus events, and the watcher task.

use super::{Collector, ServiceStatusMode, WriteReport, every, service_cmd, systemd};

impl Collector {
    /// A full service sync by the configured mode. A bus that does not answer marks services unknown.
    #[tracing::instrument(level = "debug", skip_all, fields(hostname = %self.inner.hostname))]
    pub async fn sync_services(&self) -> anyhow::Result<WriteReport> {
        let settings = &self.inner.settings;
        let (filter, known) = {
            let tracker = self.inner.services.lock().await;
            (tracker.filter(), tracker.known_names())
        };
        let snapshots = match &settings.service_mode {
            ServiceStatusMode::Dbus => {
                let result = async {
                    let conn = crate::systemd::connect(self.bus_address()).await?;
                    systemd::snapshot_all(&conn, &filter, &known).await
                }
                .await;
                match result {
                    Ok(snaps) => snaps,
                    Err(err) => {
                        self.services_unknown().await;
                        return Err(err);
                    }
                }
            }
            ServiceStatusMode::Cmd(path) => {
                service_cmd::snapshot_all(
                    service_cmd::CliFlavour::Shim(path),
                    &filter,
                    settings.command_timeout,
                )
                .await?
            }
            ServiceStatusMode::Systemctl(path) => {
                service_cmd::snapshot_all(
                    service_cmd::CliFlavour::Systemctl(path),
                    &filter,
                    settings.command_timeout,
                )
                .await?
            }
        };
        Ok(self.apply_full_sync(snapshots).await)
    }

    /// Applies a complete picture: each unit is refreshed, and followed units missing from it are gone.
    async fn apply_full_sync(&self, snapshots: Vec<crate::systemd::UnitSnapshot>) -> WriteReport {
        let ts = self.now();
        let records = {
            let mut tracker = self.inner.services.lock().await;
            let mut records = Vec::new();
            let seen: std::collections::HashSet<String> =
                snapshots.iter().map(|s| s.name.clone()).collect();
            for snap in &snapshots {
                records.extend(tracker.observe(snap, ts));
            }
            for name in tracker.known_names() {
                if !seen.contains(&name) {
                    records.extend(tracker.gone(&name, ts));
                }
            }
            records.extend(tracker.seen_all(ts));
            records
        };
        self.write(records).await
    }

    /// The D-Bus watcher's full sync on an open connection.
    pub(crate) async fn sync_services_over(&self, conn: &zbus::Connection) -> anyhow::Result<()> {
        let (filter, known) = {
            let tracker = self.inner.services.lock().await;
            (tracker.filter(), tracker.known_names())
        };
        let snapshots = systemd::snapshot_all(conn, &filter, &known).await?;
        self.apply_full_sync(snapshots).await;
        Ok(())
    }

    /// Applies the states a `PropertiesChanged` signal carried to a unit we already know (no bus
    /// round trip). False when the unit is not one we know, so the caller reads it instead.
    pub(crate) async fn apply_state_change(&self, name: &str, active: &str, sub: &str) -> bool {
        let records = {
            let mut tracker = self.inner.services.lock().await;
            if !tracker.filter().wants(name) {
                return true;
            }
            match tracker.observe_states(name, active, sub, self.now()) {
                Some(records) => records,
                None => return false,
            }
        };
        if !records.is_empty() {
            self.write(records).await;
        }
        true
    }

    /// Re-reads one unit after a signal and writes what changed.
    pub(crate) async fn refresh_unit(
        &self,
        conn: &zbus::Connection,
        name: &str,
    ) -> anyhow::Result<()> {
        if !self.inner.services.lock().await.filter().wants(name) {
            return Ok(());
        }
        let Ok(unit) = crate::domain::UnitName::parse(name) else {
            return Ok(());
        };
        let snap = tokio::time::timeout(
            crate::systemd::CALL_TIMEOUT * 2,
            crate::systemd::read_unit(conn, &unit),
        )
        .await
        .map_err(|_| anyhow::anyhow!("reading {name}: no answer"))??;
        let records = self.inner.services.lock().await.observe(&snap, self.now());
        if !records.is_empty() {
            self.write(records).await;
        }
        Ok(())
    }

    /// Marks every followed unit `unknown` (the bus is gone).
    pub(crate) async fn services_unknown(&self) {
        let records = self.inner.services.lock().await.mark_unknown(self.now());
        if !records.is_empty() {
            self.write(records).await;
        }
    }

    /// Follows services alone: D-Bus events (with resyncs) in `dbus` mode, else a poll per resync interval.
    pub fn spawn_services(&self) -> tokio::task::JoinHandle<()> {
        let c = self.clone();
        match self.settings().service_mode {
            ServiceStatusMode::Dbus => tokio::spawn(systemd::watch(c)),
            _ => tokio::spawn(async move {
                every(c.settings().service_resync, || {
                    c.log("services", c.sync_services())
                })
                .await;
            }),
        }
    }
}

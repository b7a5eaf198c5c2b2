//! Windows services through the Service Control Manager: a full sync (every service with its start
//! type, and services that disappeared leave) on start and every `SERVICE_RESYNC_INTERVAL`, and between
//! syncs a short poll (`SERVICE_POLL_INTERVAL`, one enumeration) that writes only what changed.

use std::collections::HashSet;

use super::{Collector, WriteReport};
use crate::domain::windows_service::ScmService;

impl Collector {
    /// A full sync: every service, start types re-read, and followed services that are gone leave.
    #[tracing::instrument(level = "debug", skip_all, fields(hostname = %self.inner.hostname))]
    pub async fn sync_services(&self) -> anyhow::Result<WriteReport> {
        let services = read_services(None).await?;
        let ts = self.now();
        let records = {
            let mut tracker = self.inner.services.lock().await;
            let seen: HashSet<&str> = services.iter().map(|s| s.name.as_str()).collect();
            let mut records = Vec::new();
            for svc in &services {
                records.extend(tracker.observe_scm(svc, ts));
            }
            for name in tracker.known_names() {
                if !seen.contains(name.as_str()) {
                    records.extend(tracker.gone(&name, ts));
                }
            }
            records.extend(tracker.seen_all(ts));
            records
        };
        Ok(self.write(records).await)
    }

    /// The short poll: one enumeration; start types only for services not seen before.
    pub async fn poll_services(&self) -> anyhow::Result<WriteReport> {
        let known: HashSet<String> = self
            .inner
            .services
            .lock()
            .await
            .known_names()
            .into_iter()
            .collect();
        let services = read_services(Some(known)).await?;
        let ts = self.now();
        let records = {
            let mut tracker = self.inner.services.lock().await;
            services
                .iter()
                .flat_map(|svc| tracker.observe_scm(svc, ts))
                .collect::<Vec<_>>()
        };
        if records.is_empty() {
            return Ok(WriteReport::default());
        }
        Ok(self.write(records).await)
    }

    /// Polls every `SERVICE_POLL_INTERVAL`, with a full sync first and every `SERVICE_RESYNC_INTERVAL`.
    pub fn spawn_services(&self) -> tokio::task::JoinHandle<()> {
        let c = self.clone();
        tokio::spawn(async move {
            let resync = c.settings().service_resync;
            let mut ticks = tokio::time::interval(c.settings().service_poll);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut last_sync: Option<std::time::Instant> = None;
            loop {
                ticks.tick().await;
                if last_sync.is_none_or(|at| at.elapsed() >= resync) {
                    c.log("services", c.sync_services()).await;
                    last_sync = Some(std::time::Instant::now());
                } else {
                    c.log("services", c.poll_services()).await;
                }
            }
        })
    }
}

/// Lists the services off the async threads; `known` names skip the config read (None: read all).
async fn read_services(known: Option<HashSet<String>>) -> anyhow::Result<Vec<ScmService>> {
    let listing = tokio::task::spawn_blocking(move || list_blocking(known.as_ref()));
    tokio::time::timeout(std::time::Duration::from_secs(30), listing)
        .await
        .map_err(|_| anyhow::anyhow!("the Service Control Manager did not answer in 30 s"))?
        .map_err(|e| anyhow::anyhow!("listing services: {e}"))?
}

fn list_blocking(known: Option<&HashSet<String>>) -> anyhow::Result<Vec<ScmService>> {
    use smartmon_win32::scm;
    let entries = scm::list().map_err(|e| anyhow::anyhow!("EnumServicesStatusExW: {e}"))?;
    Ok(entries
        .into_iter()
        .map(|entry| {
            let read_config = known.is_none_or(|k| !k.contains(&entry.name));
            let start_type = read_config
                .then(|| scm::start_type(&entry.name).ok())
                .flatten()
                .map(|s| (s.start_type, s.delayed));
            ScmService {
                name: entry.name,
                display_name: entry.display_name,
                service_type: entry.status.service_type,
                current_state: entry.status.current_state,
                win32_exit_code: entry.status.win32_exit_code,
                service_specific_exit_code: entry.status.service_specific_exit_code,
                pid: entry.status.pid,
                start_type,
            }
        })
        .collect())
}

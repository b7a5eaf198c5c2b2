//! The helper's server: bind the socket (0660, the configured group), then answer one request per
//! connection. Every call is logged with its outcome; the API key is compared in constant time.

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use subtle::ConstantTimeEq;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use super::{HelperRequest, HelperResponse, MAX_REQUEST_BYTES};
use crate::domain::{Hostname, NameRules, UnitAction, UnitName};
use crate::restart::RestartSettings;
use crate::restart::executor::{Executor, Outcome};
use crate::restart::policy::PolicyFile;
use crate::site::Site;
use crate::vars::Secret;

/// A bound helper, ready to serve.
pub struct Helper {
    listener: UnixListener,
    inner: Arc<Inner>,
}

struct Inner {
    api_key: Secret,
    hostname: Hostname,
    policy: PolicyFile,
    executor: Executor,
    smartctl: std::path::PathBuf,
    command_timeout: Duration,
    journal: crate::journal::Journal,
}

/// What the helper is given at start.
pub struct HelperSettings<'a> {
    pub restart: &'a RestartSettings,
    pub site: &'a Site,
    /// `SMARTMON_API_KEY`: every request must carry it.
    pub api_key: Option<Secret>,
    /// `SMARTCTL` and `SMARTMON_COMMAND_TIMEOUT_SECS`, for the `smart` verb.
    pub smartctl: std::path::PathBuf,
    pub command_timeout: Duration,
    /// `SMARTMON_JOURNALCTL` and `SMARTMON_JOURNAL_DIR`, for the `logs` verb.
    pub journal: crate::journal::JournalSettings,
}

impl Helper {
    /// Binds `SMARTMON_HELPER_SOCKET` (replacing a stale socket) with mode 0660 and the configured group.
    pub fn bind(settings: HelperSettings<'_>) -> anyhow::Result<Self> {
        let api_key = settings
            .api_key
            .context("the helper needs SMARTMON_API_KEY (or SMARTMON_API_KEY_FILE)")?;
        let r = settings.restart;
        let path = &r.helper_socket;
        if std::fs::symlink_metadata(path).is_ok() {
            std::fs::remove_file(path)
                .with_context(|| format!("cannot replace the old socket {}", path.display()))?;
        }
        let listener = UnixListener::bind(path)
            .with_context(|| format!("cannot listen on {}", path.display()))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))
            .with_context(|| format!("cannot set the mode of {}", path.display()))?;
        if let Some(group) = &r.helper_group {
            let gid = group_id(group)?;
            std::os::unix::fs::chown(path, None, Some(gid))
                .with_context(|| format!("cannot give {} to group {group}", path.display()))?;
        }
        Ok(Self {
            listener,
            inner: Arc::new(Inner {
                api_key,
                hostname: settings.site.hostname.clone(),
                policy: PolicyFile::new(&r.approved_json),
                executor: Executor::dbus(r, settings.site),
                smartctl: settings.smartctl,
                command_timeout: settings.command_timeout,
                journal: crate::journal::Journal::new(settings.journal),
            }),
        })
    }

    /// Answers connections until the process ends.
    pub async fn serve(self) {
        tracing::info!(dry_run = self.inner.executor.dry_run(), "helper listening");
        loop {
            match self.listener.accept().await {
                Ok((stream, _)) => {
                    let inner = self.inner.clone();
                    tokio::spawn(async move { inner.answer(stream).await });
                }
                Err(err) => {
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}

/// A group name from `/etc/group`, or a numeric id.
fn group_id(group: &str) -> anyhow::Result<u32> {
    if let Ok(gid) = group.parse() {
        return Ok(gid);
    }
    let groups = std::fs::read_to_string("/etc/group").context("cannot read /etc/group")?;
    groups
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(':');
            Some((fields.next()?, fields.nth(1)?))
        })
        .find(|(name, _)| *name == group)
        .and_then(|(_, gid)| gid.parse().ok())
        .with_context(|| format!("SMARTMON_HELPER_GROUP: there is no group {group:?}"))
}

impl Inner {
    async fn answer(&self, stream: UnixStream) {
        let peer = stream
            .peer_cred()
            .map(|c| format!("uid={} gid={}", c.uid(), c.gid()))
            .unwrap_or_else(|_| "unknown".into());
        let (read, mut write) = stream.into_split();
        let mut line = String::new();
        let mut reader = BufReader::new(read.take(MAX_REQUEST_BYTES as u64));
        let reading = reader.read_line(&mut line);
        let response = match tokio::time::timeout(Duration::from_secs(5), reading).await {
            Ok(Ok(_)) => match serde_json::from_str::<HelperRequest>(&line) {
                Ok(request) => self.handle(request).await,
                Err(_) => HelperResponse::refused("malformed request"),
            },
            _ => HelperResponse::refused("no request line"),
        };
        tracing::info!(peer, state = %response.state, result = ?response.result,
            error = ?response.error, "helper call");
        if let Ok(mut out) = serde_json::to_vec(&response) {
            out.push(b'\n');
            let _ = write.write_all(&out).await;
        }
    }

    async fn handle(&self, request: HelperRequest) -> HelperResponse {
        let key_ok: bool = request
            .api_key
            .as_bytes()
            .ct_eq(self.api_key.expose().as_bytes())
            .into();
        if !key_ok {
            return HelperResponse::refused("wrong API key");
        }
        let unit = request.unit.as_deref().unwrap_or("");
        match (request.action.as_str(), UnitAction::parse(&request.action)) {
            (_, Some(action)) => self.act(action, unit).await,
            ("smart", None) => self.smart(request.device.as_deref().unwrap_or("")).await,
            ("logs", None) => super::logs::logs(&self.journal, unit, request.lines).await,
            (other, None) => HelperResponse::refused(format!("unknown action {other:?}")),
        }
    }

    /// `restart`, `start`, `stop`, `reload`: the unit must be an approved service of this host.
    async fn act(&self, action: UnitAction, raw: &str) -> HelperResponse {
        let unit = match UnitName::parse(raw) {
            Ok(unit) if unit.is_service() && !unit.is_template() => unit,
            Ok(unit) => return HelperResponse::refused(format!("{unit} is not a service")),
            Err(err) => return HelperResponse::refused(format!("invalid unit name: {err}")),
        };
        if !self
            .policy
            .allows(self.hostname.as_str(), &unit, NameRules::Systemd)
        {
            return HelperResponse::refused(format!("{unit} is not in the approved-services list"));
        }
        let run = self.executor.run(action, &unit).await;
        HelperResponse {
            state: match run.outcome {
                Outcome::DryRun => "dry_run",
                Outcome::Done => "done",
                Outcome::Failed => "failed",
            }
            .into(),
            result: Some(run.result),
            active_state: run.active_state,
            error: run.error,
            output: None,
        }
    }

    async fn smart(&self, device: &str) -> HelperResponse {
        if !is_device(device) {
            return HelperResponse::refused(format!("{device:?} is not a device under /dev"));
        }
        let run = tokio::process::Command::new(&self.smartctl)
            .args(["--json=c", "-a", device])
            .kill_on_drop(true)
            .output();
        match tokio::time::timeout(self.command_timeout, run).await {
            Ok(Ok(out)) => HelperResponse {
                state: "smart".into(),
                result: Some(out.status.code().unwrap_or(-1).to_string()),
                output: Some(String::from_utf8_lossy(&out.stdout).into_owned()),
                ..HelperResponse::default()
            },
            Ok(Err(err)) => HelperResponse::refused(format!("cannot run smartctl: {err}")),
            Err(_) => HelperResponse::refused("smartctl did not finish in time"),
        }
    }
}

/// `/dev/sda`, `/dev/nvme0n1`, `/dev/disk/by-id/…`: no `..`, a plain character set.
fn is_device(device: &str) -> bool {
    let Some(rest) = device.strip_prefix("/dev/") else {
        return false;
    };
    !rest.is_empty()
        && device.len() <= 255
        && !rest
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '.' | ':'))
}

#[cfg(test)]
mod tests {
    use super::is_device;

    #[test]
    fn only_plain_device_paths_reach_smartctl() {
        assert!(is_device("/dev/sda"));
        assert!(is_device("/dev/disk/by-id/ata-X_Y-1"));
        for bad in [
            "sda",
            "/dev/",
            "/dev/../etc/shadow",
            "/dev/sda;rm",
            "/dev//x",
            "-a",
        ] {
            assert!(!is_device(bad), "{bad}");
        }
    }
}

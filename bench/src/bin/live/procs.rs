//! The processes under test: the `fake-systemd` double and `smartmon serve` on its bus, started as
//! children that die with the bench, and what `/proc` says about them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::http;

pub const HOST: &str = "benchhost";
pub const PASSWORD: &str = "bench-password-123";

/// The double with its private `dbus-daemon`. It stops when its stdin closes, which dropping it does:
/// never SIGKILL it, or its `dbus-daemon` outlives it.
pub struct FakeSystemd {
    child: Child,
    pub bus: String,
    pub control: SocketAddr,
}

impl FakeSystemd {
    /// Starts the double with `units` services named `svc000.service`, … all active/running.
    pub async fn start(bin: &Path, units: usize) -> anyhow::Result<FakeSystemd> {
        let mut child = Command::new(bin.join("fake-systemd"))
            .arg("--exit-with-stdin")
            .args((0..units).map(unit_name))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("start fake-systemd (built by bench/live.sh)")?;
        let mut lines = BufReader::new(child.stdout.take().context("stdout")?).lines();
        let (mut bus, mut control) = (None, None);
        while bus.is_none() || control.is_none() {
            let line = lines
                .next_line()
                .await?
                .context("fake-systemd ended early")?;
            if let Some(value) = line.strip_prefix("DBUS_SYSTEM_BUS_ADDRESS=") {
                bus = Some(value.to_owned());
            } else if let Some(value) = line.strip_prefix("CONTROL_URL=http://") {
                control = Some(value.parse().context("CONTROL_URL")?);
            }
        }
        Ok(FakeSystemd {
            child,
            bus: bus.unwrap_or_default(),
            control: control.context("CONTROL_URL")?,
        })
    }

    /// Closes its stdin and waits until it has stopped its `dbus-daemon` and exited.
    pub async fn stop(mut self) {
        drop(self.child.stdin.take());
        let exited = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
        if !matches!(exited, Ok(Ok(_))) {
            eprintln!("live: fake-systemd did not stop; its dbus-daemon may be left running");
        }
    }

    /// Sets a unit's states (the double emits `PropertiesChanged`).
    pub async fn set_state(&self, unit: &str, active: &str, sub: &str) -> anyhow::Result<()> {
        let target = format!("/units/{unit}/state?active={active}&sub={sub}");
        let response = http::request(self.control, "POST", &target, &[], "").await?;
        if response.status != 200 {
            bail!("control {target} answered {}", response.status);
        }
        Ok(())
    }
}

/// The name of the bench's `i`th unit.
pub fn unit_name(i: usize) -> String {
    format!("svc{i:03}.service")
}

/// Where the server keeps its data.
pub enum Store {
    Sqlite(PathBuf),
    Postgres(String),
}

/// `smartmon serve` with its collector on the double's bus; killed when dropped.
pub struct Server {
    child: Child,
    pub pid: u32,
    pub addr: SocketAddr,
    pub log: PathBuf,
}

impl Server {
    pub async fn start(
        bin: &Path,
        bus: &str,
        store: &Store,
        log: PathBuf,
    ) -> anyhow::Result<Server> {
        let port = free_port()?;
        let output = std::fs::File::create(&log)?;
        let mut command = Command::new(bin.join("smartmon"));
        command
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("GUI_BIND", "127.0.0.1")
            .env("GUI_PORT", port.to_string())
            .env("SMARTMON_COLLECT", "true")
            // The bench's pages are one user's: lift the per-user cap on open pages.
            .env("SMARTMON_STREAMS_PER_USER", "100000")
            .env("DBUS_SYSTEM_BUS_ADDRESS", bus)
            .env("HOSTNAME_OVERRIDE", HOST)
            .env("SMARTMON_ADMIN_PASSWORD", PASSWORD)
            .env("SMARTMON_LOGIN_RATE_PER_MINUTE", "1000")
            .env("SMARTMON_API_RATE_PER_MINUTE", "1000000")
            .env("SMARTCTL", "/bin/false")
            .env("RETENTION_ENABLED", "false")
            // BENCH_SERVER_LOG_LEVEL: the server's LOG_LEVEL (ERROR unless asked, to keep it quiet).
            .env(
                "LOG_LEVEL",
                std::env::var("BENCH_SERVER_LOG_LEVEL").unwrap_or_else(|_| "ERROR".into()),
            )
            .stdout(output.try_clone()?)
            .stderr(output)
            .kill_on_drop(true);
        match store {
            Store::Sqlite(path) => command.env("SMARTMONITOR_DB_PATH", path),
            Store::Postgres(url) => command
                .env("DATABASE_URL", url)
                .env("SMARTMON_INIT_PG", "1"),
        };
        let child = command.spawn().context("start smartmon serve")?;
        let pid = child.id().context("server pid")?;
        let server = Server {
            child,
            pid,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            log,
        };
        server.wait_healthy().await?;
        Ok(server)
    }

    async fn wait_healthy(&self) -> anyhow::Result<()> {
        for _ in 0..150 {
            if let Ok(response) = http::request(self.addr, "GET", "/healthz", &[], "").await
                && response.status == 200
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        bail!(
            "smartmon serve not healthy after 30 s; the end of its log:\n{}",
            log_tail(&self.log)
        )
    }

    /// Logs in as the admin; returns the `Cookie` header value.
    pub async fn login(&self) -> anyhow::Result<String> {
        let origin = format!("http://{}", self.addr);
        let body = format!("username=admin&password={PASSWORD}&next=/");
        let headers = [
            ("Origin", origin.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        let response = http::request(self.addr, "POST", "/login", &headers, &body).await?;
        http::cookie(&response, "smartmon_session")
            .with_context(|| format!("login failed ({})", response.status))
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The last lines of a log file (the bench removes its scratch directory, logs included, at the end).
pub fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// A port nobody listens on right now.
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// VmRSS and VmHWM of a process, in kB.
pub fn memory_kb(pid: u32) -> anyhow::Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse().ok())
            .with_context(|| format!("{name} in /proc/{pid}/status"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// User + system CPU time of a process (`self` or a pid), from `/proc/…/stat`.
pub fn cpu_time(pid: &str) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after = &stat[stat.rfind(')').context("stat comm")? + 2..];
    let fields: Vec<u64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    Ok(Duration::from_micros(ticks * 1_000_000 / clock_ticks()))
}

/// Time the process's threads spent runnable but waiting for a CPU (`/proc/…/task/*/schedstat`, second
/// field): on a busy machine this, not the code, is where long tails come from.
pub fn runqueue_wait(pid: &str) -> anyhow::Result<Duration> {
    let mut nanos = 0u64;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let schedstat = std::fs::read_to_string(task?.path().join("schedstat")).unwrap_or_default();
        nanos += schedstat
            .split_whitespace()
            .nth(1)
            .and_then(|wait| wait.parse::<u64>().ok())
            .unwrap_or(0);
    }
    Ok(Duration::from_nanos(nanos))
}

/// Kernel clock ticks per second (`getconf CLK_TCK`, 100 almost everywhere).
fn clock_ticks() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

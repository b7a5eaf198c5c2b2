//! `abuse`: the console under attack from many addresses. Starts the release `smartmon serve` (SQLite,
//! no allocator variables), then for `--seconds` sends failed logins, wrong API keys and anonymous
//! `/events` requests from `--clients` loopback addresses (127.1.0.0/16 as source addresses) while a
//! legitimate user logs in and loads pages. Reports the server's RSS, audit rows per client and window,
//! and how the real user fared; rewrites the "abuse" section of `BENCHMARKS.md`.
//!
//! `bench/abuse.sh` builds what it needs and runs this; `abuse --help` lists the knobs.

mod attack;
mod report;

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;

/// What the admin account, the attack and the real user use.
pub const ADMIN_PASSWORD: &str = "bench-admin-password-123";
pub const API_KEY: &str = "bench-api-key-0123456789abcdef-0123456789";

#[derive(Debug, Parser)]
pub struct Args {
    /// Attacking client addresses (127.1.x.y).
    #[arg(long, default_value_t = 128)]
    clients: u16,
    /// How long the attack lasts, in seconds.
    #[arg(long, default_value_t = 150)]
    seconds: u64,
    /// Attack requests in flight at once.
    #[arg(long, default_value_t = 48)]
    concurrency: usize,
    /// Print the figures only; leave BENCHMARKS.md alone.
    #[arg(long)]
    no_write: bool,
}

/// `smartmon serve`, stopped when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    pub db: PathBuf,
    _dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self._dir);
    }
}

impl Server {
    fn start(bin: &std::path::Path) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("smartmon-bench-abuse-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let db = dir.join("smartmon.db");
        let child = Command::new(bin.join("smartmon"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("GUI_BIND", "127.0.0.1")
            .env("GUI_PORT", port.to_string())
            .env("SMARTMONITOR_DB_PATH", &db)
            .env("SMARTMON_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("SMARTMON_API_KEY", API_KEY)
            .env("SMARTMON_COLLECT", "false")
            .env("LOG_LEVEL", "ERROR")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("serve.log"))?)
            .spawn()
            .context("start smartmon serve")?;
        Ok(Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            db,
            _dir: dir,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// VmRSS and VmHWM of `pid`, in KiB.
pub fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The attacking addresses: 127.1.0.1, 127.1.0.2, …
pub fn addresses(n: u16) -> Vec<IpAddr> {
    (1..=n)
        .map(|i| IpAddr::from([127, 1, (i >> 8) as u8, (i & 0xff) as u8]))
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.clients == 0 || args.seconds == 0 || args.concurrency == 0 {
        bail!("--clients, --seconds and --concurrency must be above 0");
    }
    smartmon::net::install_crypto_provider();
    let bin = std::env::current_exe()?
        .parent()
        .context("bench binary directory")?
        .to_path_buf();
    let server = Server::start(&bin)?;
    attack::wait_ready(&server.base).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = rss_kib(server.pid());
    let run = attack::run(&server, &args).await?;
    tokio::time::sleep(Duration::from_secs(4)).await; // the refusal counts are written every 2 s
    let after = rss_kib(server.pid());
    let audit = report::audit_figures(&server.db).await?;
    let section = report::section(&args, idle, after, &run, &audit);
    println!("{section}");
    if !args.no_write {
        report::write(&section)?;
    }
    Ok(())
}

/// `BENCHMARKS.md` at the workspace root.
pub fn benchmarks_md() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("BENCHMARKS.md")
}

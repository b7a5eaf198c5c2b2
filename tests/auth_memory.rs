//! Memory under a burst of failed logins: the real `serve` binary, as `cargo run -- serve` starts it (no
//! allocator variables), asked by many client addresses at once, stays small and stays there.

use std::net::IpAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::{client, unused_address};

const BIN: &str = env!("CARGO_BIN_EXE_smartmon");

/// The bound: the server's own memory plus argon2's two working buffers (19 MiB each) and change.
/// Before the pool, this burst left the server at several hundred megabytes.
const RSS_BOUND_KIB: u64 = 128 * 1024;

/// Stops the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the server runs");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/<pid>/status")
}

fn start_serve(dir: &std::path::Path, port: u16) -> Server {
    let mut command = Command::new(BIN);
    command
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GUI_BIND", "127.0.0.1")
        .env("GUI_PORT", port.to_string())
        .env("SMARTMONITOR_DB_PATH", dir.join("smartmon.db"))
        .env("SMARTMON_ADMIN_PASSWORD", "the-admin-password-123")
        .env("SMARTMON_COLLECT", "false")
        .env("RETENTION_ENABLED", "false")
        .env("LOG_LEVEL", "ERROR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Server(command.spawn().expect("start smartmon serve"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_failed_logins_from_many_addresses_leaves_the_server_small() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = unused_address().port();
    let server = start_serve(dir.path(), port);
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..100 {
        if let Ok(r) = client().get(format!("{base}/healthz")).send().await {
            up = r.status() == 200;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the server starts");
    let before = rss_kib(server.0.id());

    // 64 client addresses in 127.0.0.0/8, 8 failed logins each (under the per-address limit of 10 a
    // minute), 64 at a time: 512 password checks.
    let mut tasks = Vec::new();
    for a in 0..64u8 {
        let address: IpAddr = format!("127.0.3.{}", a + 1).parse().expect("ip");
        let from = reqwest::Client::builder()
            .local_address(address)
            .build()
            .expect("client");
        let url = format!("{base}/login");
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for i in 0..8 {
                let form = [
                    ("username", format!("nobody-{a}-{i}")),
                    ("password", "wrong-password".into()),
                ];
                let sent = from.post(&url).form(&form).send().await;
                statuses.push(sent.map(|r| r.status().as_u16()).unwrap_or(0));
            }
            statuses
        }));
    }
    for task in tasks {
        let statuses = task.await.expect("task");
        assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib(server.0.id());
    assert!(
        after < RSS_BOUND_KIB,
        "RSS {} MiB after 512 failed logins (it was {} MiB before); the bound is {} MiB",
        after / 1024,
        before / 1024,
        RSS_BOUND_KIB / 1024
    );
}

//! A journal for tests: entries written in the real `journalctl --output=json` format to a file the
//! `fake-journalctl` double (beside this module) reads and follows, as the console runs it with
//! `SMARTMON_JOURNALCTL` and `SMARTMON_JOURNAL_DIR`.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use super::auth::LoggedIn;
use super::seed::Unit;
use super::{Backend, TestApp, spawn_app_with};

/// The double's path (a Python script in the source tree).
pub const DOUBLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/fake-journalctl");

/// A message as journald stores it: text, or bytes that are not UTF-8 (printed as a byte array).
pub enum Message<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

pub struct FakeJournal {
    dir: tempfile::TempDir,
    seq: AtomicU64,
}

impl Default for FakeJournal {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeJournal {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("journal dir"),
            seq: AtomicU64::new(1),
        }
    }

    /// The settings that point the console at this journal.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SMARTMON_JOURNALCTL", DOUBLE.to_owned()),
            (
                "SMARTMON_JOURNAL_DIR",
                self.dir.path().display().to_string(),
            ),
        ]
    }

    /// Appends one entry of `unit` and returns its cursor.
    pub fn write(&self, unit: &str, priority: u8, pid: u32, message: Message<'_>) -> String {
        let seq = self.seq.fetch_add(1, Ordering::SeqCst);
        let realtime = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock after 1970")
            .as_micros() as u64
            + seq;
        let cursor = format!(
            "s=6c3f0e7a1d9b4a52b0f3c1e2d4a5b6c7;i={seq:x};b=0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f6;m={:x};t={realtime:x};x={:016x}",
            seq * 1000,
            seq.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        );
        let message: Value = match message {
            Message::Text(text) => json!(text),
            Message::Bytes(bytes) => json!(bytes),
        };
        let entry = json!({
            "__CURSOR": cursor,
            "__REALTIME_TIMESTAMP": realtime.to_string(),
            "__MONOTONIC_TIMESTAMP": (seq * 1000).to_string(),
            "_BOOT_ID": "0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f6",
            "PRIORITY": priority.to_string(),
            "SYSLOG_IDENTIFIER": unit.trim_end_matches(".service"),
            "_PID": pid.to_string(),
            "_SYSTEMD_UNIT": unit,
            "MESSAGE": message,
        });
        let mut line = serde_json::to_vec(&entry).expect("json");
        line.push(b'\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("journal.jsonl"))
            .expect("journal file");
        file.write_all(&line).expect("append entry");
        cursor
    }

    /// Text lines `first..=last` of `unit` ("line N"), at info priority.
    pub fn write_lines(&self, unit: &str, first: u32, last: u32) {
        for n in first..=last {
            self.write(unit, 6, 100, Message::Text(&format!("line {n}")));
        }
    }

    /// The pids of every `journalctl --follow` started so far.
    pub fn followers(&self) -> Vec<u32> {
        std::fs::read_to_string(self.dir.path().join("followers"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    }
}

/// Whether process `pid` is still running (and not a zombie).
pub fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z')
        })
        .unwrap_or(false)
}

/// The console host of the log tests, and the unit page they open.
pub const LOG_HOST: &str = "web01";
pub const LOG_PAGE: &str = "/services/web01/nginx.service";

pub async fn log_console(
    backend: Backend,
    journal: &FakeJournal,
    extra: &[(&str, &str)],
) -> TestApp {
    let env = journal.env();
    let mut vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    vars.push(("HOSTNAME_OVERRIDE", LOG_HOST));
    vars.extend_from_slice(extra);
    let app = spawn_app_with(backend, &vars).await;
    for (host, name) in [
        (LOG_HOST, "nginx.service"),
        (LOG_HOST, "cron.service"),
        ("web02", "nginx.service"),
    ] {
        let unit = Unit {
            host,
            name,
            state: "running",
            sub: "running",
        };
        app.seed_unit(unit, 60.0).await;
    }
    app
}

pub async fn page_text(user: &LoggedIn, path: &str) -> String {
    let response = user.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.expect("page")
}

/// The live stream the page opens (its `sse-connect`), as a browser would follow it.
pub fn stream_of(html: &str) -> String {
    let start = html.find("sse-connect=\"").expect("the page is live") + "sse-connect=\"".len();
    let end = start + html[start..].find('"').expect("attribute ends");
    html[start..end].replace("&amp;", "&")
}

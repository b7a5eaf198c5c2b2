//! `notify`: notification delivery on this machine. In one process: a `smartmon` console (release build,
//! SQLite, or Postgres when `--database-url` is given), a loopback HTTP receiver, and a webhook channel
//! with no grace period. Measures (1) the time from a unit's failure being written (the collector's
//! batch, i.e. after the grace period) to the receiver's request, over `--failures` failures, and (2) the
//! outbox's throughput: `--messages` queued messages (one host each, so one request each) from queue to
//! the last request. Prints a Markdown table for BENCHMARKS.md.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use smartmon::collector::Record;
use smartmon::db::alerts::AlertCondition;
use smartmon::db::notify_channels::{self, ChannelDraft};
use smartmon::db::notify_outbox::{Note, enqueue_note};
use smartmon::domain::{Hostname, Severity};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value_t = 100)]
    failures: usize,
    #[arg(long, default_value_t = 2000)]
    messages: usize,
    /// A Postgres database to use (created empty beforehand); SQLite in a temporary file otherwise.
    #[arg(long)]
    database_url: Option<String>,
}

type Arrivals = Arc<Mutex<Vec<Instant>>>;

/// A receiver answering 200 to everything, noting when each request arrived.
async fn receiver() -> anyhow::Result<(String, Arrivals)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let arrivals: Arrivals = Arc::default();
    let seen = arrivals.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let mut got = Vec::new();
                while let Ok(n) = stream.read(&mut buf).await {
                    if n == 0 {
                        return;
                    }
                    got.extend_from_slice(&buf[..n]);
                    if let Some(end) = find(&got, b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
                        let length: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                        if got.len() >= end + 4 + length {
                            if let Ok(mut s) = seen.lock() {
                                s.push(Instant::now());
                            }
                            let _ = stream
                                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                                .await;
                            got.drain(..end + 4 + length);
                        }
                    }
                }
            });
        }
    });
    Ok((url, arrivals))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

async fn wait_for(arrivals: &Arrivals, n: usize) -> Instant {
    loop {
        if let Some(at) = arrivals.lock().ok().and_then(|a| a.get(n - 1).copied()) {
            return at;
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = std::env::temp_dir().join(format!("smartmon-notify-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut vars: Vec<(String, String)> = [
        ("GUI_PORT", "0"),
        ("SMARTMON_COLLECT", "false"),
        ("RETENTION_ENABLED", "false"),
        ("SMARTMON_INIT_PG", "1"),
        ("LOG_LEVEL", "ERROR"),
        ("SMARTMON_ADMIN_PASSWORD", "bench-password-123"),
        ("SMARTMON_NOTIFY_FLEET_HOSTS", "10000"),
        ("SMARTMON_NOTIFY_HOST_DOWN_SECS", "0"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    match &args.database_url {
        Some(url) => vars.push(("DATABASE_URL".into(), url.clone())),
        None => vars.push((
            "SMARTMONITOR_DB_PATH".into(),
            dir.join("bench.db").display().to_string(),
        )),
    }
    let settings = smartmon::config::Settings::from_map(vars.into_iter().collect())?;
    let app = smartmon::startup::Application::build(settings.clone()).await?;
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    let (url, arrivals) = receiver().await?;
    let draft = ChannelDraft {
        name: "bench".into(),
        kind: "webhook".into(),
        config: r#"{"preset":"slack"}"#.into(),
        secrets: serde_json::json!({ "url": url }).to_string(),
        route: "{}".into(),
        grace_secs: 0,
        enabled: true,
        origin: "ui".into(),
    };
    let channel = notify_channels::insert(&state.db.conn, draft, state.clock.now()).await?;
    let collector =
        smartmon::startup::collector(&settings, state.db.clone(), state.live.clone()).await?;

    let mut latencies = Vec::new();
    for i in 0..args.failures {
        let record = Record::Alert(AlertCondition {
            hostname: Hostname::parse(&format!("bench{i:04}")).context("host")?,
            source: "service:app.service".into(),
            severity: Severity::Critical,
            message: "app.service is failed".into(),
            active: true,
            ts_epoch: state.clock.now(),
        });
        let started = Instant::now();
        collector.write(vec![record]).await;
        let arrived = wait_for(&arrivals, i + 1).await;
        latencies.push(arrived.duration_since(started).as_secs_f64() * 1000.0);
    }
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];

    let now = state.clock.now();
    let hosts: Vec<String> = (0..args.messages)
        .map(|i| format!("queued{i:05}"))
        .collect();
    let txn = state.db.conn.clone();
    for host in &hosts {
        let note = Note {
            channel_id: channel.id,
            event: "test",
            hostname: host,
            source: "bench",
            severity: Severity::Warning,
            message: "throughput",
            at: now + 3600.0,
        };
        enqueue_note(&txn, &note).await?;
    }
    // Make them due at once, then time the drain.
    use sea_orm::ConnectionTrait;
    let due = format!("UPDATE notification_outbox SET due_at = {now} WHERE event = 'test'");
    let already = args.failures;
    let started = Instant::now();
    state.db.conn.execute_unprepared(&due).await?;
    state.notifier.wake();
    let last = wait_for(&arrivals, already + args.messages).await;
    let drain = last.duration_since(started).as_secs_f64();
    let store = if args.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "| {store} | {:.1} ms | {:.1} ms | {:.1} ms | {} in {:.2} s = {:.0} messages/s |",
        pct(0.5),
        pct(0.95),
        pct(1.0),
        args.messages,
        drain,
        args.messages as f64 / drain
    );
    let _ = std::fs::remove_dir_all(&dir);
    std::process::exit(0);
}

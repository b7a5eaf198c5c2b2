//! Network checks from `hosts_config.json` (`SMARTMON_HOSTS_CONFIG`): the original
//! `[{"target":"8.8.8.8","method":"ping"},{"target":"example.org","method":"nslookup"}]` plus `tcp`
//! (`host:port`) and `http` (`url` or `target`, `expect_status`, `timeout`). An entry that cannot be
//! understood is reported as a failed check naming the problem, so nothing is silently skipped.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Deserialize;

use super::CollectorSettings;
use crate::db::entities::network_checks;
use crate::domain::Hostname;

#[derive(Debug, Clone, Deserialize)]
pub struct CheckSpec {
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub method: String,
    pub url: Option<String>,
    pub expect_status: Option<u16>,
    /// Seconds.
    pub timeout: Option<f64>,
}

/// Reads the file; a file that is not a JSON list of objects is an error naming the file.
pub async fn load(path: &Path) -> anyhow::Result<Vec<CheckSpec>> {
    let text = tokio::fs::read_to_string(path)
        .await
        .with_context(|| format!("cannot read SMARTMON_HOSTS_CONFIG {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "SMARTMON_HOSTS_CONFIG {}: expected a JSON list like [{{\"target\":\"8.8.8.8\",\"method\":\"ping\"}}]",
            path.display()
        )
    })
}

struct Outcome {
    ok: bool,
    latency_ms: Option<f64>,
    loss_percent: Option<f64>,
    detail: String,
}

impl Outcome {
    fn fail(detail: impl Into<String>) -> Self {
        Self {
            ok: false,
            latency_ms: None,
            loss_percent: None,
            detail: detail.into(),
        }
    }
}

/// Runs every check concurrently and returns one row per check, in file order.
pub(crate) async fn run_all(
    specs: &[CheckSpec],
    settings: &CollectorSettings,
    hostname: &Hostname,
    ts: f64,
) -> Vec<network_checks::Model> {
    let runs = specs.iter().map(|spec| async move {
        let outcome = run(spec, settings).await;
        network_checks::Model {
            id: 0,
            hostname: hostname.clone(),
            ts_epoch: ts,
            target: spec.url.clone().unwrap_or_else(|| spec.target.clone()),
            method: spec.method.clone(),
            status: if outcome.ok { "ok" } else { "fail" }.to_owned(),
            latency_ms: outcome.latency_ms,
            loss_percent: outcome.loss_percent,
            detail: Some(outcome.detail),
        }
    });
    futures_util::future::join_all(runs).await
}

async fn run(spec: &CheckSpec, settings: &CollectorSettings) -> Outcome {
    let timeout = spec
        .timeout
        .filter(|t| t.is_finite() && *t > 0.0 && *t <= 300.0)
        .map_or(Duration::from_secs(5), Duration::from_secs_f64);
    if spec.target.is_empty() && spec.url.is_none() {
        return Outcome::fail("the entry has no target");
    }
    match spec.method.as_str() {
        "ping" => ping(&spec.target, timeout, settings.command_timeout).await,
        "nslookup" | "dns" => lookup(&spec.target, timeout).await,
        "tcp" => tcp(&spec.target, timeout).await,
        "http" | "https" => {
            http(
                spec.url.as_deref().unwrap_or(&spec.target),
                spec.expect_status,
                timeout,
            )
            .await
        }
        other => Outcome::fail(format!(
            "unknown method {other:?}; expected ping, nslookup, tcp or http"
        )),
    }
}

async fn lookup(target: &str, timeout: Duration) -> Outcome {
    let started = Instant::now();
    match tokio::time::timeout(timeout, tokio::net::lookup_host((target, 0))).await {
        Err(_) => Outcome::fail(format!("no answer within {timeout:?}")),
        Ok(Err(err)) => Outcome::fail(format!("cannot resolve: {err}")),
        Ok(Ok(addrs)) => {
            let addrs: Vec<String> = addrs.map(|a| a.ip().to_string()).collect();
            Outcome {
                ok: !addrs.is_empty(),
                latency_ms: Some(started.elapsed().as_secs_f64() * 1000.0),
                loss_percent: None,
                detail: addrs.join(", "),
            }
        }
    }
}

async fn tcp(target: &str, timeout: Duration) -> Outcome {
    if target
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse::<u16>().ok())
        .is_none()
    {
        return Outcome::fail("expected host:port");
    }
    let started = Instant::now();
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(target)).await {
        Err(_) => Outcome::fail(format!("no connection within {timeout:?}")),
        Ok(Err(err)) => Outcome::fail(format!("cannot connect: {err}")),
        Ok(Ok(_)) => Outcome {
            ok: true,
            latency_ms: Some(started.elapsed().as_secs_f64() * 1000.0),
            loss_percent: None,
            detail: "connected".into(),
        },
    }
}

async fn http(url: &str, expect: Option<u16>, timeout: Duration) -> Outcome {
    let client = match crate::net::http_client(timeout) {
        Ok(client) => client,
        Err(err) => return Outcome::fail(format!("cannot build an HTTP client: {err}")),
    };
    let started = Instant::now();
    match client.get(url).send().await {
        Err(err) => Outcome::fail(format!("request failed: {err}")),
        Ok(response) => {
            let status = response.status().as_u16();
            let ok = match expect {
                Some(expected) => status == expected,
                None => (200..400).contains(&status),
            };
            Outcome {
                ok,
                latency_ms: Some(started.elapsed().as_secs_f64() * 1000.0),
                loss_percent: None,
                detail: match expect {
                    Some(expected) => format!("HTTP {status} (expected {expected})"),
                    None => format!("HTTP {status}"),
                },
            }
        }
    }
}

/// `ping -c 3`, reading loss and average round trip from its summary.
async fn ping(target: &str, timeout: Duration, limit: Duration) -> Outcome {
    if target.starts_with('-') || target.contains(char::is_whitespace) {
        return Outcome::fail("not a host name or address");
    }
    let wait = timeout.as_secs().max(1).to_string();
    let run = tokio::process::Command::new("ping")
        .args(["-c", "3", "-i", "0.2", "-W", &wait, "-q", target])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = match tokio::time::timeout(limit, run).await {
        Err(_) => return Outcome::fail(format!("ping did not finish within {limit:?}")),
        Ok(Err(err)) => return Outcome::fail(format!("cannot run ping: {err}")),
        Ok(Ok(output)) => output,
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let loss = text
        .split(',')
        .find(|part| part.contains("packet loss"))
        .and_then(|part| {
            part.split_whitespace()
                .next()?
                .trim_end_matches('%')
                .parse::<f64>()
                .ok()
        });
    let avg = text
        .lines()
        .find(|l| l.contains("min/avg/max"))
        .and_then(|l| {
            l.split('=')
                .nth(1)?
                .trim()
                .split('/')
                .nth(1)?
                .parse::<f64>()
                .ok()
        });
    Outcome {
        ok: output.status.success() && loss.is_some_and(|l| l < 100.0),
        latency_ms: avg,
        loss_percent: loss,
        detail: text
            .lines()
            .find(|l| l.contains("packet loss"))
            .map_or_else(
                || String::from_utf8_lossy(&output.stderr).trim().to_owned(),
                str::to_owned,
            ),
    }
}

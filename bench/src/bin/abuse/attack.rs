//! The attack (failed logins, wrong API keys, anonymous `/events` from many addresses) and, beside it,
//! a real user who logs in and loads pages; RSS sampled throughout.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::bail;
use tokio::time::Instant;

use crate::{ADMIN_PASSWORD, Args, Server, addresses, rss_kib};

/// The three kinds of abuse, in turn per address.
pub const KINDS: [&str; 3] = [
    "POST /login (wrong password)",
    "GET /api/whoami (wrong X-API-Key)",
    "GET /events (anonymous)",
];

/// What the run saw.
#[derive(Debug, Default)]
pub struct Run {
    /// (kind, status) → responses; status 0 is a request that failed.
    pub answers: BTreeMap<(usize, u16), u64>,
    pub wall: Duration,
    pub rss_max_kib: u64,
    pub user_logins: Vec<(u16, Duration)>,
    pub user_pages: Vec<(u16, Duration)>,
}

pub async fn wait_ready(base: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status() == 200
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("smartmon serve did not start")
}

pub async fn run(server: &Server, args: &Args) -> anyhow::Result<Run> {
    let clients: Arc<Vec<reqwest::Client>> = Arc::new(
        addresses(args.clients)
            .into_iter()
            .map(|ip| reqwest::Client::builder().local_address(ip).build())
            .collect::<Result<_, _>>()?,
    );
    let started = Instant::now();
    let until = started + Duration::from_secs(args.seconds);
    let answers = Arc::new(Mutex::new(BTreeMap::new()));
    let next = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (clients, answers, next, base) = (
            clients.clone(),
            answers.clone(),
            next.clone(),
            server.base.clone(),
        );
        workers.push(tokio::spawn(async move {
            while Instant::now() < until {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let per_round = clients.len() as u64;
                let client = &clients[(n % per_round) as usize];
                let kind = ((n / per_round) % 3) as usize;
                let status = abuse(client, &base, kind, n).await;
                *answers
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry((kind, status))
                    .or_insert(0) += 1;
            }
        }));
    }
    let pid = server.pid();
    let sampler = tokio::spawn(async move {
        let mut max = 0;
        while Instant::now() < until {
            max = max.max(rss_kib(pid).0);
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        max
    });
    let (user_logins, user_pages) = real_user(&server.base, until).await?;
    for w in workers {
        w.await?;
    }
    let rss_max_kib = sampler.await?;
    let answers = std::mem::take(&mut *answers.lock().unwrap_or_else(|p| p.into_inner()));
    Ok(Run {
        answers,
        wall: started.elapsed(),
        rss_max_kib,
        user_logins,
        user_pages,
    })
}

async fn abuse(client: &reqwest::Client, base: &str, kind: usize, n: u64) -> u16 {
    let sent = match kind {
        0 => {
            let form = [
                ("username", format!("guess-{n}")),
                ("password", "wrong-password".into()),
            ];
            client
                .post(format!("{base}/login"))
                .form(&form)
                .send()
                .await
        }
        1 => {
            let key = format!("wrong-key-{n:016}-0123456789abcdef");
            client
                .get(format!("{base}/api/whoami"))
                .header("X-API-Key", key)
                .send()
                .await
        }
        _ => client.get(format!("{base}/events")).send().await,
    };
    sent.map(|r| r.status().as_u16()).unwrap_or(0)
}

type Timed = Vec<(u16, Duration)>;

/// The admin logs in afresh every 10 s and loads the overview and the services page every 2 s.
async fn real_user(base: &str, until: Instant) -> anyhow::Result<(Timed, Timed)> {
    let mut logins = Vec::new();
    let mut pages = Vec::new();
    let mut browser = None;
    let mut round = 0u64;
    while Instant::now() < until {
        if round.is_multiple_of(5) || browser.is_none() {
            let fresh = reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()?;
            let at = Instant::now();
            let status = fresh
                .post(format!("{base}/login"))
                .header("Origin", base)
                .form(&[
                    ("username", "admin"),
                    ("password", ADMIN_PASSWORD),
                    ("next", "/"),
                ])
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            logins.push((status, at.elapsed()));
            if status == 303 {
                browser = Some(fresh);
            }
        }
        if let Some(browser) = &browser {
            for path in ["/", "/services"] {
                let at = Instant::now();
                let status = match browser.get(format!("{base}{path}")).send().await {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let _ = r.bytes().await;
                        status
                    }
                    Err(_) => 0,
                };
                pages.push((status, at.elapsed()));
            }
        }
        round += 1;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    Ok((logins, pages))
}

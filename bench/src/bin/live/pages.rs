//! Open overview pages, each behaving as the page's script does: it follows `/events`, applies a
//! pushed overview (`part` frame), and, where the server does not push it (an older build), fetches
//! the overview again at most every 1.5 s after a `changed` frame naming one of its topics. Each notes
//! when a flipped unit appears in (failed) or leaves (running) its failed-units list, and counts its
//! requests. A pushed part is the same frame (same `id:`) on every page, so the pages share reading it:
//! 500 pages each searching every frame for every unit kept the bench's one thread busier than the
//! server, and the latency it measured was its own.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::clients::{Arrival, Seen};
use crate::http::{self, EventStream};
use crate::procs::HOST;

/// The page's refresh throttle (`THROTTLE_MS` in assets/app.js).
const THROTTLE: Duration = Duration::from_millis(1500);
/// The topics the overview lists in `data-live-refresh`.
const TOPICS: [&str; 6] = [
    "services", "metrics", "alerts", "disks", "checks", "restarts",
];

/// What every overview page shares: the units to watch, whether the server pushes the overview, and
/// the request counter.
pub struct Overview {
    pub addr: SocketAddr,
    /// The stream the page opens (its `sse-connect`).
    pub events: String,
    pub cookie: String,
    pub units: Vec<String>,
    pub pushed: bool,
    pub requests: Arc<AtomicU64>,
    /// The latest pushed frames by `id:`, with which watched units each lists as failed.
    read: Mutex<VecDeque<(String, Arc<Vec<bool>>)>>,
}

/// Pushed frames remembered: pages fall behind by a few frames at most.
const FRAMES_KEPT: usize = 16;

impl Overview {
    /// Loads the overview once: whether it marks its pushed part.
    pub async fn probe(
        addr: SocketAddr,
        cookie: &str,
        units: Vec<String>,
        requests: Arc<AtomicU64>,
    ) -> anyhow::Result<Overview> {
        let page = http::request(addr, "GET", "/", &[("Cookie", cookie)], "").await?;
        anyhow::ensure!(page.status == 200, "/ answered {}", page.status);
        let events = page
            .body
            .split("sse-connect=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("/events")
            .to_owned();
        Ok(Overview {
            addr,
            events,
            cookie: cookie.to_owned(),
            units,
            pushed: page.body.contains("data-live-part=\"overview\""),
            requests,
            read: Mutex::default(),
        })
    }

    /// One page until `stopped`; `ready` once its stream said hello.
    pub async fn page(
        self: Arc<Self>,
        ready: mpsc::UnboundedSender<()>,
        mut stopped: watch::Receiver<bool>,
    ) -> Seen {
        let mut seen = Seen::default();
        let mut shown: HashMap<String, bool> = HashMap::new();
        let mut stream = match EventStream::open(self.addr, &self.events, &self.cookie).await {
            Ok(stream) => stream,
            Err(err) => {
                seen.dropped = true;
                seen.error = Some(format!("{err:#}"));
                return seen;
            }
        };
        let mut fetch_at: Option<Instant> = None;
        loop {
            let far = Instant::now() + Duration::from_secs(3600);
            let next = tokio::select! {
                frame = stream.next_frame() => Next::Frame(frame),
                _ = tokio::time::sleep_until(fetch_at.unwrap_or(far)) => Next::Fetch,
                _ = stopped.wait_for(|stop| *stop) => Next::Stop,
            };
            let frame = match next {
                Next::Stop => return seen,
                Next::Fetch => {
                    fetch_at = None;
                    if let Some(html) = self.fetch().await {
                        let failed = self.failed_in(&html);
                        self.note(&failed, &mut shown, &mut seen);
                    }
                    continue;
                }
                Next::Frame(Ok(Some(frame))) => frame,
                Next::Frame(Ok(None) | Err(_)) => {
                    seen.dropped = true;
                    return seen;
                }
            };
            if frame.contains(": connected") {
                let _ = ready.send(());
            }
            let event = frame.lines().find_map(|l| l.strip_prefix("event: "));
            let data: Vec<&str> = frame
                .lines()
                .filter_map(|l| l.strip_prefix("data: "))
                .collect();
            match event {
                Some("part")
                    if data
                        .iter()
                        .any(|l| l.contains("data-live-part=\"overview\"")) =>
                {
                    let id = frame.lines().find_map(|l| l.strip_prefix("id: "));
                    let failed = self.failed_in_frame(id, &data);
                    self.note(&failed, &mut shown, &mut seen);
                }
                Some("changed") if !self.pushed && fetch_at.is_none() && names_topic(&data) => {
                    fetch_at = Some(Instant::now() + THROTTLE);
                }
                _ => {}
            }
        }
    }

    /// `GET /` as htmx asks for the overview's part.
    async fn fetch(&self) -> Option<String> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let headers = [("Cookie", self.cookie.as_str()), ("HX-Request", "true")];
        let response = http::request(self.addr, "GET", "/", &headers, "")
            .await
            .ok()?;
        (response.status == 200).then_some(response.body)
    }

    /// Which watched units the pushed frame `id` lists as failed, read once for every page.
    fn failed_in_frame(&self, id: Option<&str>, data: &[&str]) -> Arc<Vec<bool>> {
        let Some(id) = id else {
            return Arc::new(self.failed_in(&data.join("\n")));
        };
        let mut read = self.read.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, failed)) = read.iter().find(|(seen, _)| seen == id) {
            return failed.clone();
        }
        let failed = Arc::new(self.failed_in(&data.join("\n")));
        if read.len() == FRAMES_KEPT {
            read.pop_front();
        }
        read.push_back((id.to_owned(), failed.clone()));
        failed
    }

    /// Which watched units `html`'s failed-units list shows.
    fn failed_in(&self, html: &str) -> Vec<bool> {
        self.units
            .iter()
            .map(|unit| html.contains(&format!("id=\"svc:{HOST}:{unit}\"")))
            .collect()
    }

    /// Notes each watched unit that entered or left the failed-units list (`failed`, by unit).
    fn note(&self, failed: &[bool], shown: &mut HashMap<String, bool>, seen: &mut Seen) {
        let at = Instant::now();
        for (unit, &failed) in self.units.iter().zip(failed) {
            if shown.insert(unit.clone(), failed) != Some(failed) {
                seen.arrivals.push(Arrival {
                    at,
                    unit: unit.clone(),
                    failed,
                });
            }
        }
    }
}

/// What woke a page.
enum Next {
    Frame(anyhow::Result<Option<String>>),
    Fetch,
    Stop,
}

/// Whether a `changed` frame names one of the overview's topics (or everything).
fn names_topic(lines: &[&str]) -> bool {
    lines.iter().any(|line| {
        let topic = line.split(' ').next().unwrap_or_default();
        topic == "*" || TOPICS.contains(&topic)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_frames_wake_the_overview_for_its_topics_only() {
        assert!(names_topic(&["metrics host0001", "users x"]));
        assert!(names_topic(&["*"]));
        assert!(!names_topic(&["users x"]));
    }
}

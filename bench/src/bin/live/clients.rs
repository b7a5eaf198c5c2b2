//! SSE clients: each holds one `GET /events` stream and notes when each `rows` frame arrives, and
//! for which unit in which state.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::http::EventStream;

/// A `rows` frame as one client saw it.
#[derive(Clone, Debug)]
pub struct Arrival {
    pub at: Instant,
    pub unit: String,
    pub failed: bool,
}

/// What one client saw until stopped.
#[derive(Debug, Default)]
pub struct Seen {
    pub arrivals: Vec<Arrival>,
    /// The stream ended (server closed it, or an error) before the bench stopped it.
    pub dropped: bool,
    pub error: Option<String>,
}

/// Connected clients; `stop` ends them and hands back what each saw.
pub struct Clients {
    tasks: Vec<JoinHandle<Seen>>,
    stop: watch::Sender<bool>,
}

impl Clients {
    /// Opens `count` streams (a few at a time) and waits until every one has its hello frame.
    pub async fn connect(addr: SocketAddr, cookie: &str, count: usize) -> anyhow::Result<Clients> {
        let (stop, stopped) = watch::channel(false);
        let (ready_tx, mut ready) = mpsc::unbounded_channel();
        let mut tasks = Vec::with_capacity(count);
        for i in 0..count {
            let (cookie, stopped, ready_tx) =
                (cookie.to_owned(), stopped.clone(), ready_tx.clone());
            tasks.push(tokio::spawn(async move {
                listen(addr, &cookie, ready_tx, stopped).await
            }));
            if i % 50 == 49 {
                tokio::task::yield_now().await;
            }
        }
        drop(ready_tx);
        let clients = Clients { tasks, stop };
        let deadline = Instant::now() + Duration::from_secs(60);
        for connected in 0..count {
            match tokio::time::timeout_at(deadline, ready.recv()).await {
                Ok(Some(())) => {}
                _ => {
                    let failure = clients.first_failure().await;
                    bail!("only {connected} of {count} SSE clients connected: {failure}");
                }
            }
        }
        Ok(clients)
    }

    /// Ends every stream; what each client saw.
    pub async fn stop(self) -> anyhow::Result<Vec<Seen>> {
        self.stop.send_replace(true);
        let mut seen = Vec::with_capacity(self.tasks.len());
        for task in self.tasks {
            seen.push(task.await.context("client task")?);
        }
        Ok(seen)
    }

    async fn first_failure(self) -> String {
        match self.stop().await {
            Ok(seen) => first_error(&seen).unwrap_or("no error reported").to_owned(),
            Err(err) => format!("{err:#}"),
        }
    }
}

/// The first error any client met.
pub fn first_error(seen: &[Seen]) -> Option<&str> {
    seen.iter().find_map(|s| s.error.as_deref())
}

/// One client: connect, report ready after the hello frame, collect `rows` arrivals until stopped. A
/// failure ends the client (counted as dropped, its error kept) but not the run.
async fn listen(
    addr: SocketAddr,
    cookie: &str,
    ready: mpsc::UnboundedSender<()>,
    stopped: watch::Receiver<bool>,
) -> Seen {
    let mut seen = Seen::default();
    if let Err(err) = follow(addr, cookie, ready, stopped, &mut seen).await {
        seen.dropped = true;
        seen.error = Some(format!("{err:#}"));
    }
    seen
}

async fn follow(
    addr: SocketAddr,
    cookie: &str,
    ready: mpsc::UnboundedSender<()>,
    mut stopped: watch::Receiver<bool>,
    seen: &mut Seen,
) -> anyhow::Result<()> {
    let mut stream = EventStream::open(addr, "/events", cookie).await?;
    let mut hello = false;
    loop {
        let frame = tokio::select! {
            frame = stream.next_frame() => frame?,
            _ = stopped.wait_for(|stop| *stop) => return Ok(()),
        };
        let Some(frame) = frame else {
            seen.dropped = true;
            return Ok(());
        };
        let at = Instant::now();
        if !hello && frame.contains(": connected") {
            hello = true;
            let _ = ready.send(());
        }
        if let Some((unit, failed)) = parse_rows(&frame) {
            seen.arrivals.push(Arrival { at, unit, failed });
        }
    }
}

/// The unit and whether it is failed, from a `rows` frame (`<tr id="svc:HOST:UNIT" class="state-…">`).
fn parse_rows(frame: &str) -> Option<(String, bool)> {
    if !frame.lines().any(|line| line == "event: rows") {
        return None;
    }
    let id = frame.split("id=\"svc:").nth(1)?.split('"').next()?;
    let unit = id.rsplit(':').next()?.to_owned();
    Some((unit, frame.contains("class=\"state-failed\"")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_frames_name_the_unit_and_its_state() {
        let frame = "id: 7\nevent: rows\ndata: <tr id=\"svc:benchhost:svc003.service\" class=\"state-failed\"><td>benchhost</td></tr>";
        assert_eq!(parse_rows(frame), Some(("svc003.service".into(), true)));
        assert_eq!(
            parse_rows("id: 8\nevent: changed\ndata: services benchhost"),
            None
        );
    }
}

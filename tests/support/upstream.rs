//! A small HTTP/1.1 upstream for testing what nginx does on its way to the console: `/events` is a
//! Server-Sent Events stream that writes one event each time the test releases one, and every other path
//! answers with the request headers it received (JSON), on persistent connections it counts.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

pub struct Upstream {
    pub addr: SocketAddr,
    events: Arc<Semaphore>,
    connections: Arc<AtomicUsize>,
}

/// How many events one `/events` stream carries before it ends.
pub const EVENTS_PER_STREAM: usize = 3;

impl Upstream {
    pub async fn start() -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind upstream");
        let addr = listener.local_addr().expect("upstream addr");
        let events = Arc::new(Semaphore::new(0));
        let connections = Arc::new(AtomicUsize::new(0));
        let (ev, conns) = (events.clone(), connections.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                conns.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve_connection(stream, ev.clone()));
            }
        });
        Upstream {
            addr,
            events,
            connections,
        }
    }

    /// Lets the open `/events` stream write its next event.
    pub fn release_event(&self) {
        self.events.add_permits(1);
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

struct Request {
    path: String,
    headers: BTreeMap<String, String>,
}

async fn serve_connection(stream: TcpStream, events: Arc<Semaphore>) {
    let mut stream = BufReader::new(stream);
    while let Some(request) = read_request(&mut stream).await {
        let written = if request.path == "/events" {
            write_event_stream(stream.get_mut(), &events).await
        } else {
            let body = serde_json::to_vec(&request.headers).expect("headers as json");
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            let s = stream.get_mut();
            match s.write_all(head.as_bytes()).await {
                Ok(()) => s.write_all(&body).await,
                Err(e) => Err(e),
            }
        };
        if written.is_err() {
            return;
        }
    }
}

/// Reads one request head (and discards its body); `None` when the peer closed the connection.
async fn read_request(stream: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if stream.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let path = line.split_whitespace().nth(1)?.to_owned();
    let mut headers = BTreeMap::new();
    loop {
        line.clear();
        if stream.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length: u64 = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = Vec::new();
    (&mut *stream)
        .take(length)
        .read_to_end(&mut body)
        .await
        .ok()?;
    Some(Request { path, headers })
}

/// A chunked `text/event-stream` response; each event waits for the test to release it. Deliberately
/// without `X-Accel-Buffering: no`, so only nginx's own configuration decides whether it buffers.
async fn write_event_stream(stream: &mut TcpStream, events: &Semaphore) -> std::io::Result<()> {
    stream
        .write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\
              Transfer-Encoding: chunked\r\n\r\n",
        )
        .await?;
    for n in 1..=EVENTS_PER_STREAM {
        let Ok(permit) = events.acquire().await else {
            break;
        };
        permit.forget();
        let event = format!("id: {n}\nevent: service\ndata: event {n}\n\n");
        let chunk = format!("{:x}\r\n{event}\r\n", event.len());
        stream.write_all(chunk.as_bytes()).await?;
        stream.flush().await?;
    }
    stream.write_all(b"0\r\n\r\n").await?;
    stream.flush().await
}

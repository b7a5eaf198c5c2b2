//! A real HTTP receiver on loopback for notification tests: it records every request (method, path,
//! headers, body) and answers with the status the test sets; `stop` closes its port (connections are
//! refused) and `start_again` opens the same port again, as a receiver that was down and came back.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::collector::eventually;

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

#[derive(Default)]
struct Shared {
    requests: Vec<Received>,
    status: u16,
    reply: String,
}

pub struct Receiver {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let addr = listener.local_addr().expect("receiver addr");
        let shared = Arc::new(Mutex::new(Shared {
            status: 200,
            reply: "ok".into(),
            ..Shared::default()
        }));
        let task = tokio::spawn(accept(listener, shared.clone()));
        Receiver {
            addr,
            shared,
            task: Mutex::new(Some(task)),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Answers every later request with `status` and `reply`.
    pub fn answer(&self, status: u16, reply: &str) {
        let mut shared = self.shared.lock().expect("lock");
        shared.status = status;
        shared.reply = reply.to_owned();
    }

    /// Closes the port: connections are refused until `start_again`.
    pub fn stop(&self) {
        if let Some(task) = self.task.lock().expect("lock").take() {
            task.abort();
        }
    }

    pub async fn start_again(&self) {
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        *self.task.lock().expect("lock") =
            Some(tokio::spawn(accept(listener, self.shared.clone())));
    }

    pub fn requests(&self) -> Vec<Received> {
        self.shared.lock().expect("lock").requests.clone()
    }

    /// Waits until at least `n` requests arrived and returns them all.
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<Received> {
        eventually(
            &format!("{n} request(s) at the receiver"),
            limit,
            || async {
                let requests = self.requests();
                (requests.len() >= n).then_some(requests)
            },
        )
        .await
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn accept(listener: TcpListener, shared: Arc<Mutex<Shared>>) {
    let mut connections = Vec::new();
    let _guard = AbortOnDrop(&mut connections);
    while let Ok((stream, _)) = listener.accept().await {
        let shared = shared.clone();
        _guard.0.push(tokio::spawn(serve(stream, shared)));
    }
}

/// Ends the open connections with the listener, so a stopped receiver answers nothing at all.
struct AbortOnDrop<'a>(&'a mut Vec<JoinHandle<()>>);

impl Drop for AbortOnDrop<'_> {
    fn drop(&mut self) {
        for task in self.0.iter() {
            task.abort();
        }
    }
}

async fn serve(stream: TcpStream, shared: Arc<Mutex<Shared>>) {
    let mut stream = BufReader::new(stream);
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let (status, reply) = {
        let mut shared = shared.lock().expect("lock");
        shared.requests.push(request);
        (shared.status, shared.reply.clone())
    };
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reply.len()
    );
    let s = stream.get_mut();
    let _ = s.write_all(head.as_bytes()).await;
    let _ = s.write_all(reply.as_bytes()).await;
    let _ = s.shutdown().await;
}

async fn read_request(stream: &mut BufReader<TcpStream>) -> Option<Received> {
    let mut line = String::new();
    if stream.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
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
    Some(Received {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

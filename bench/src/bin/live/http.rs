//! Just enough HTTP/1.1 over tokio TCP for the bench: one-shot requests (login, the double's control API)
//! and a `GET /events` stream whose chunked body is decoded and split into Server-Sent Events frames.

use std::net::SocketAddr;

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response's status line, headers and body (de-chunked when it came chunked).
pub struct Response {
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// Sends one request with `Connection: close` and reads until the server closes.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> anyhow::Result<Response> {
    let mut stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connect {addr}"))?;
    let mut text = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(text.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let rest = raw.get(end + 4..).unwrap_or_default();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut body = Vec::new();
        Dechunker::default().feed(rest, &mut body);
        body
    } else {
        rest.to_vec()
    };
    Ok(Response {
        status: status_of(&head)?,
        head,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// The status code of a response head.
fn status_of(head: &str) -> anyhow::Result<u16> {
    head.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("not an HTTP response: {head:?}"))
}

/// The value of cookie `name` from a response's `Set-Cookie` headers.
pub fn cookie(response: &Response, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    response
        .head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .filter(|(header, _)| header.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, value)| value.trim().split(';').next())
        .find_map(|pair| pair.strip_prefix(&prefix).map(|v| format!("{prefix}{v}")))
        .filter(|pair| pair.len() > prefix.len())
}

/// An open `GET /events` stream.
pub struct EventStream {
    stream: TcpStream,
    chunks: Dechunker,
    body: Vec<u8>,
    /// How much of `body` is known to hold no frame end (a large frame is scanned once, not per read).
    scanned: usize,
    buf: Vec<u8>,
}

impl EventStream {
    /// Connects to `path` (`/events`, or the URL a page names) with the session cookie and reads the
    /// response head; the body must be chunked.
    pub async fn open(addr: SocketAddr, path: &str, cookie: &str) -> anyhow::Result<EventStream> {
        let mut stream = TcpStream::connect(addr).await?;
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\nCookie: {cookie}\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut raw = Vec::new();
        let mut buf = vec![0u8; 16 * 1024];
        let end = loop {
            if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break end;
            }
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                bail!("/events closed before its response head");
            }
            raw.extend_from_slice(&buf[..n]);
        };
        let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
        let status = status_of(&head)?;
        if status != 200 || !head.contains("transfer-encoding: chunked") {
            bail!("/events answered {status} (expected a chunked 200): {head:?}");
        }
        let mut events = EventStream {
            stream,
            chunks: Dechunker::default(),
            body: Vec::new(),
            scanned: 0,
            buf,
        };
        events.chunks.feed(&raw[end + 4..], &mut events.body);
        Ok(events)
    }

    /// The next complete frame (without its blank line), or `None` when the server closed the stream.
    pub async fn next_frame(&mut self) -> anyhow::Result<Option<String>> {
        loop {
            let from = self.scanned.saturating_sub(1);
            if let Some(at) = self.body[from..].windows(2).position(|w| w == b"\n\n") {
                let end = from + at;
                let frame = String::from_utf8_lossy(&self.body[..end]).into_owned();
                self.body.drain(..end + 2);
                self.scanned = 0;
                return Ok(Some(frame));
            }
            self.scanned = self.body.len();
            let n = self.stream.read(&mut self.buf).await?;
            if n == 0 {
                return Ok(None);
            }
            self.chunks.feed(&self.buf[..n], &mut self.body);
        }
    }
}

/// Decodes `Transfer-Encoding: chunked` incrementally (chunk extensions and trailers are ignored).
#[derive(Default)]
struct Dechunker {
    pending: Vec<u8>,
    /// Data bytes left in the current chunk.
    left: usize,
    /// The CRLF after a chunk's data is still to come.
    crlf: bool,
}

impl Dechunker {
    fn feed(&mut self, input: &[u8], body: &mut Vec<u8>) {
        self.pending.extend_from_slice(input);
        loop {
            if self.left > 0 {
                let n = self.left.min(self.pending.len());
                body.extend(self.pending.drain(..n));
                self.left -= n;
                if self.left > 0 {
                    return;
                }
                self.crlf = true;
            }
            if self.crlf {
                if self.pending.len() < 2 {
                    return;
                }
                self.pending.drain(..2);
                self.crlf = false;
            }
            let Some(end) = self.pending.windows(2).position(|w| w == b"\r\n") else {
                return;
            };
            let line = String::from_utf8_lossy(&self.pending[..end]).into_owned();
            self.pending.drain(..end + 2);
            let size = line.split(';').next().unwrap_or_default().trim();
            self.left = usize::from_str_radix(size, 16).unwrap_or(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_decode_whatever_the_read_boundaries() {
        let wire = b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n";
        for split in 0..wire.len() {
            let (mut chunks, mut body) = (Dechunker::default(), Vec::new());
            chunks.feed(&wire[..split], &mut body);
            chunks.feed(&wire[split..], &mut body);
            assert_eq!(body, b"hello, world", "split at {split}");
        }
    }

    #[test]
    fn the_session_cookie_comes_from_set_cookie() {
        let response = Response {
            status: 303,
            head: "HTTP/1.1 303 See Other\r\nset-cookie: smartmon_session=abc123; HttpOnly; Path=/"
                .into(),
            body: String::new(),
        };
        assert_eq!(
            cookie(&response, "smartmon_session").as_deref(),
            Some("smartmon_session=abc123")
        );
        assert_eq!(cookie(&response, "other"), None);
    }
}

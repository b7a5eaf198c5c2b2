//! A Server-Sent Events client for tests: reads `/events` frames as a browser's EventSource would.

use std::time::Duration;

use futures_util::StreamExt;

use super::auth::LoggedIn;

/// One frame: its `event:` name and its `data:` lines joined with newlines.
#[derive(Debug, Clone)]
pub struct Frame {
    pub event: String,
    pub data: String,
}

pub struct SseClient {
    stream: std::pin::Pin<
        Box<dyn futures_util::Stream<Item = reqwest::Result<actix_web::web::Bytes>> + Send>,
    >,
    buffer: String,
    pub content_type: String,
    pub cache_control: String,
}

impl SseClient {
    pub async fn connect(user: &LoggedIn) -> SseClient {
        Self::connect_to(user, "/events").await
    }

    /// The stream at `path` (`/events?part=overview`, as the overview page opens it).
    pub async fn connect_to(user: &LoggedIn, path: &str) -> SseClient {
        Self::open(&user.client, &user.url(path))
            .await
            .unwrap_or_else(|refused| panic!("the live stream opens: {}", refused.status()))
    }

    /// Opens the stream at `url` with `client` (its cookies), or the response that refused it.
    pub async fn open(client: &reqwest::Client, url: &str) -> Result<SseClient, reqwest::Response> {
        Self::from_request(client.get(url)).await
    }

    /// Opens the stream `request` asks for (with whatever credentials it carries).
    pub async fn from_request(
        request: reqwest::RequestBuilder,
    ) -> Result<SseClient, reqwest::Response> {
        let response = request.send().await.expect("the server answers");
        if response.status() != 200 {
            return Err(response);
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (content_type, cache_control) = (header("content-type"), header("cache-control"));
        Ok(SseClient {
            stream: Box::pin(response.bytes_stream()),
            buffer: String::new(),
            content_type,
            cache_control,
        })
    }

    /// Waits for the server to end the stream; panics if it is still open after `limit`.
    pub async fn expect_end(&mut self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => panic!("the live stream is still open after {limit:?}"),
                Ok(None | Some(Err(_))) => return,
                Ok(Some(Ok(chunk))) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
            }
        }
    }

    /// Panics if the server ends the stream within `time`.
    pub async fn expect_open_for(&mut self, time: Duration) {
        let deadline = tokio::time::Instant::now() + time;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => return,
                Ok(None | Some(Err(_))) => panic!("the live stream ended within {time:?}"),
                Ok(Some(Ok(chunk))) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
            }
        }
    }

    /// The next frame named `event` whose data satisfies `matches`, skipping others; panics after `limit`.
    pub async fn expect(
        &mut self,
        event: &str,
        limit: Duration,
        matches: impl Fn(&str) -> bool,
    ) -> Frame {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            while let Some(frame) = self.take_frame() {
                if frame.event == event && matches(&frame.data) {
                    return frame;
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .unwrap_or_else(|_| panic!("no matching `{event}` event within {limit:?}"))
                .expect("the stream stays open")
                .expect("a chunk");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    fn take_frame(&mut self) -> Option<Frame> {
        let end = self.buffer.find("\n\n")?;
        let raw: String = self.buffer.drain(..end + 2).collect();
        let mut frame = Frame {
            event: "message".into(),
            data: String::new(),
        };
        let mut data = Vec::new();
        for line in raw.lines() {
            if let Some(v) = line.strip_prefix("event: ") {
                frame.event = v.to_owned();
            } else if let Some(v) = line.strip_prefix("data: ") {
                data.push(v.to_owned());
            }
        }
        frame.data = data.join("\n");
        Some(frame)
    }
}

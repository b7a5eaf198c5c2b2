//! The nginx site in front of a scripted upstream, for what the console cannot show yet: the SSE stream
//! arriving event by event, the headers nginx forwards (from an untrusted peer and from the tunnel), and
//! kept-alive upstream connections.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;

use crate::support::nginx::{Nginx, client_from};
use crate::support::upstream::{EVENTS_PER_STREAM, Upstream};

/// The tunnel network in these tests: one loopback address. Requests from 127.0.0.1 are from elsewhere.
const TUNNEL: &str = "127.0.0.2/32";
const TUNNEL_PEER: [u8; 4] = [127, 0, 0, 2];
const OTHER_PEER: [u8; 4] = [127, 0, 0, 1];

async fn headers_seen_upstream(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.expect("nginx answers");
    assert_eq!(response.status(), 200);
    response.json().await.expect("the upstream's header echo")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_events_pass_through_nginx_one_at_a_time() {
    let upstream = Upstream::start().await;
    let nginx = Nginx::start(upstream.addr, TUNNEL);
    let request = client_from(OTHER_PEER)
        .get(nginx.url("/events"))
        .header("Accept", "text/event-stream");
    // No event is written yet: the browser must still get the response head at once (a buffering
    // nginx holds it until the first bytes of body arrive, and the stream looks dead until then).
    let response = tokio::time::timeout(Duration::from_secs(5), request.send())
        .await
        .expect("the stream opens through nginx before any event is written")
        .expect("stream opens");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.bytes_stream();
    let mut seen = String::new();
    for n in 1..=EVENTS_PER_STREAM {
        // The upstream writes event n only now, and nothing after it until the browser has it.
        upstream.release_event();
        let expected = format!("id: {n}\nevent: service\ndata: event {n}\n\n");
        let arrived = tokio::time::timeout(Duration::from_secs(5), async {
            while !seen.contains(&expected) {
                match body.next().await {
                    Some(Ok(chunk)) => seen.push_str(&String::from_utf8_lossy(&chunk)),
                    other => panic!("stream ended early: {other:?}"),
                }
            }
        })
        .await;
        assert!(
            arrived.is_ok(),
            "event {n} did not arrive alone; got {seen:?}"
        );
        assert!(!seen.contains(&format!("data: event {}", n + 1)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_headers_from_an_untrusted_peer_are_replaced() {
    let upstream = Upstream::start().await;
    let nginx = Nginx::start(upstream.addr, TUNNEL);
    let forged = |request: reqwest::RequestBuilder| {
        request
            .header("CF-Connecting-IP", "203.0.113.9")
            .header("X-Forwarded-For", "203.0.113.9")
            .header("X-Real-IP", "203.0.113.9")
            .header("X-Forwarded-Proto", "https")
            .header("Remote-User", "admin")
            .header("X-Forwarded-Email", "admin@example.org")
    };
    let client = client_from(OTHER_PEER);
    let seen = headers_seen_upstream(forged(client.get(nginx.url("/whoami")))).await;
    for header in ["x-forwarded-for", "x-real-ip", "cf-connecting-ip"] {
        assert_eq!(seen[header], "127.0.0.1", "{header}: {seen}");
    }
    assert_eq!(seen["x-forwarded-proto"], "http", "{seen}");
    assert!(seen.get("remote-user").is_none(), "{seen}");
    assert!(seen.get("x-forwarded-email").is_none(), "{seen}");
    assert_eq!(seen["host"], nginx.http.to_string());

    let seen = headers_seen_upstream(forged(client.get(nginx.https_url("/whoami")))).await;
    assert_eq!(
        seen["x-forwarded-proto"], "https",
        "TLS to nginx itself: {seen}"
    );
    assert_eq!(seen["x-forwarded-for"], "127.0.0.1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tunnel_s_cf_connecting_ip_becomes_the_client_address() {
    let upstream = Upstream::start().await;
    let nginx = Nginx::start(upstream.addr, TUNNEL);
    let request = client_from(TUNNEL_PEER)
        .get(nginx.url("/whoami"))
        .header("CF-Connecting-IP", "203.0.113.9")
        .header("X-Forwarded-For", "198.51.100.1, 203.0.113.9")
        .header("X-Forwarded-Proto", "https")
        .header("Remote-User", "admin");
    let seen = headers_seen_upstream(request).await;
    for header in ["x-forwarded-for", "x-real-ip", "cf-connecting-ip"] {
        assert_eq!(seen[header], "203.0.113.9", "{header}: {seen}");
    }
    assert_eq!(seen["x-forwarded-proto"], "https", "{seen}");
    assert!(
        seen.get("remote-user").is_none(),
        "never from outside: {seen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_to_the_console_are_kept_alive() {
    let upstream = Upstream::start().await;
    let nginx = Nginx::start(upstream.addr, TUNNEL);
    let client = client_from(OTHER_PEER);
    for _ in 0..5 {
        headers_seen_upstream(client.get(nginx.url("/whoami"))).await;
    }
    assert_eq!(
        upstream.connections(),
        1,
        "five requests, one upstream connection"
    );
}

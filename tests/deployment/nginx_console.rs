//! The nginx site in front of a running `smartmon serve`: pages and assets proxied, security headers
//! on every response (HSTS on TLS only), oversize bodies refused, logins rate-limited per client.

use std::net::SocketAddr;

use crate::both_backends;
use crate::support::nginx::{Nginx, client_from};
use crate::support::{Backend, TestApp, spawn_app};

const TUNNEL: &str = "127.0.0.2/32";
const CLIENT: [u8; 4] = [127, 0, 0, 1];

fn console(app: &TestApp) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], app.port))
}

fn header(response: &reqwest::Response, name: &str) -> Vec<String> {
    response
        .headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .collect()
}

/// The headers every response through nginx carries, once each.
fn assert_security_headers(response: &reqwest::Response) {
    assert_eq!(header(response, "x-content-type-options"), ["nosniff"]);
    assert_eq!(header(response, "x-frame-options"), ["DENY"]);
    assert_eq!(header(response, "referrer-policy"), ["same-origin"]);
    assert_eq!(
        header(response, "server"),
        ["nginx"],
        "no version disclosed"
    );
}

async fn pages_and_assets_pass_through_nginx_with_security_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let nginx = Nginx::start(console(&app), TUNNEL);
    let client = client_from(CLIENT);

    let page = client.get(nginx.url("/login")).send().await.expect("page");
    assert_eq!(page.status(), 200, "{}", nginx.error_log());
    assert_security_headers(&page);
    let csp = header(&page, "content-security-policy");
    assert_eq!(csp.len(), 1, "the console's CSP, once");
    assert!(csp[0].contains("frame-ancestors 'none'"), "{csp:?}");
    assert!(
        header(&page, "strict-transport-security").is_empty(),
        "no HSTS on plain HTTP"
    );
    let html = page.text().await.expect("html");
    assert!(
        html.contains("action=\"/login\""),
        "the console's login page"
    );

    let css = html
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|h| h.starts_with("/assets/app.") && h.ends_with(".css"))
        .expect("stylesheet link")
        .to_owned();
    let direct = app
        .get(&css)
        .await
        .bytes()
        .await
        .expect("css from the console");
    let mut cache = Vec::new();
    for _ in 0..2 {
        let asset = client.get(nginx.url(&css)).send().await.expect("asset");
        assert_eq!(asset.status(), 200);
        assert_security_headers(&asset);
        assert!(header(&asset, "content-type")[0].starts_with("text/css"));
        assert!(header(&asset, "cache-control")[0].contains("immutable"));
        cache.push(header(&asset, "x-cache-status"));
        assert_eq!(asset.bytes().await.expect("css"), direct);
    }
    assert_eq!(cache, [["MISS"], ["HIT"]], "nginx keeps a copy of assets");

    let missing = client
        .get(nginx.url("/no-such-page"))
        .send()
        .await
        .expect("404");
    assert_eq!(
        missing.status(),
        404,
        "the console's own 404 passes through"
    );
    assert_security_headers(&missing);
}

async fn tls_responses_carry_hsts_and_plain_http_does_not(backend: Backend) {
    let app = spawn_app(backend).await;
    let nginx = Nginx::start(console(&app), TUNNEL);
    let client = client_from(CLIENT);
    let tls = client
        .get(nginx.https_url("/healthz"))
        .send()
        .await
        .expect("https");
    assert_eq!(tls.status(), 200);
    assert_security_headers(&tls);
    assert_eq!(
        header(&tls, "strict-transport-security"),
        ["max-age=31536000; includeSubDomains"]
    );
    let plain = client
        .get(nginx.url("/healthz"))
        .send()
        .await
        .expect("http");
    assert_eq!(plain.status(), 200);
    assert!(header(&plain, "strict-transport-security").is_empty());
}

async fn oversize_bodies_are_refused_by_nginx_with_413(backend: Backend) {
    let app = spawn_app(backend).await;
    let nginx = Nginx::start(console(&app), TUNNEL);
    let client = client_from(CLIENT);
    let big = client
        .post(nginx.url("/"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 2 << 20])
        .send()
        .await
        .expect("nginx answers");
    assert_eq!(big.status(), 413);
    assert_security_headers(&big);
    let small = client
        .post(nginx.url("/"))
        .body("a=1")
        .send()
        .await
        .expect("small");
    assert_ne!(small.status(), 413, "a small body reaches the console");
}

async fn login_attempts_are_rate_limited_per_client_address(backend: Backend) {
    let app = spawn_app(backend).await;
    let nginx = Nginx::start(console(&app), TUNNEL);
    let attempt = |source: [u8; 4]| {
        let url = nginx.url("/login");
        async move {
            let response = client_from(source)
                .post(url)
                .body("username=admin&password=guess")
                .send()
                .await
                .expect("nginx answers");
            response.status().as_u16()
        }
    };
    let mut statuses = Vec::new();
    for _ in 0..15 {
        statuses.push(attempt(CLIENT).await);
    }
    assert_ne!(statuses[0], 429, "{statuses:?}");
    assert!(
        statuses.contains(&429),
        "a burst of logins is limited: {statuses:?}"
    );
    assert_ne!(
        attempt([127, 0, 0, 3]).await,
        429,
        "another client is not held back"
    );
}

both_backends!(
    pages_and_assets_pass_through_nginx_with_security_headers,
    tls_responses_carry_hsts_and_plain_http_does_not,
    oversize_bodies_are_refused_by_nginx_with_413,
    login_attempts_are_rate_limited_per_client_address,
);

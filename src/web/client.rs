//! Who is on the other end of a request: the client's IP (the peer, or what a trusted proxy says) and
//! whether the browser reached us over TLS.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::dev::ServiceRequest;
use actix_web::http::header::HeaderMap;

use crate::auth::proxies::TrustedProxies;

/// The client's IP: the TCP peer, unless the peer is a trusted proxy, in which case `CF-Connecting-IP`
/// or the right-most untrusted hop of `X-Forwarded-For`.
pub fn client_ip(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(peer) {
        return Some(peer);
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(ip) = header("cf-connecting-ip").and_then(|v| v.trim().parse().ok()) {
        return Some(ip);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .iter()
            .rev()
            .find(|hop| !trusted.contains(**hop))
            .or(forwarded.first())
            .copied()
            .unwrap_or(peer),
    )
}

/// The client IP of a request as the middleware sees it.
pub(crate) fn client_ip_of(req: &ServiceRequest, trusted: &TrustedProxies) -> Option<IpAddr> {
    client_ip(req.peer_addr().map(|a| a.ip()), req.headers(), trusted)
}

/// Whether the browser reached us over TLS: directly, or via a trusted proxy saying `X-Forwarded-Proto: https`.
pub(crate) fn is_tls(req: &HttpRequest, trusted: &TrustedProxies) -> bool {
    if req.app_config().secure() {
        return true;
    }
    let peer_trusted = req.peer_addr().is_some_and(|a| trusted.contains(a.ip()));
    peer_trusted
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_peers() {
        let trusted = TrustedProxies::parse("127.0.0.1").expect("list");
        let h = headers(&[("x-forwarded-for", "203.0.113.9, 127.0.0.1")]);
        let from_proxy = client_ip(Some("127.0.0.1".parse().expect("ip")), &h, &trusted);
        assert_eq!(from_proxy, Some("203.0.113.9".parse().expect("ip")));
        let direct = client_ip(Some("198.51.100.1".parse().expect("ip")), &h, &trusted);
        assert_eq!(direct, Some("198.51.100.1".parse().expect("ip")));
        let spoofed = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9")]);
        let hop = client_ip(Some("127.0.0.1".parse().expect("ip")), &spoofed, &trusted);
        assert_eq!(
            hop,
            Some("203.0.113.9".parse().expect("ip")),
            "the hop our proxy saw wins"
        );
        let cf = headers(&[("cf-connecting-ip", "203.0.113.5")]);
        let via_cf = client_ip(Some("127.0.0.1".parse().expect("ip")), &cf, &trusted);
        assert_eq!(via_cf, Some("203.0.113.5".parse().expect("ip")));
    }
}

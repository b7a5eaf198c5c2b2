//! Who is really asking: the client IP and the scheme, believing forwarded headers only from
//! `TRUSTED_PROXIES`. Rate limits, audit rows and the `Secure` cookie decision all use this.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::dev::ServiceRequest;
use actix_web::http::header::HeaderMap;

/// A list of IPs and CIDR blocks.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses `10.0.0.0/8, 127.0.0.1, ::1`; the error names the entry that is not an address.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (addr, prefix) = match entry.split_once('/') {
                Some((addr, prefix)) => (addr, Some(prefix)),
                None => (entry, None),
            };
            let ip: IpAddr = addr
                .parse()
                .map_err(|_| format!("expected IP addresses or CIDR blocks, got {entry:?}"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits = match prefix {
                None => max,
                Some(p) => p
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("bad prefix length in {entry:?}"))?,
            };
            nets.push((ip, bits));
        }
        Ok(Self(nets))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0
            .iter()
            .any(|(net, bits)| match (canonical(*net), ip) {
                (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), *bits),
                (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), *bits),
                _ => false,
            })
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let full = usize::from(bits / 8);
    let rest = bits % 8;
    if a[..full] != b[..full] {
        return false;
    }
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        a[full] & mask == b[full] & mask
    }
}

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
pub fn client_ip_of(req: &ServiceRequest, trusted: &TrustedProxies) -> Option<IpAddr> {
    client_ip(req.peer_addr().map(|a| a.ip()), req.headers(), trusted)
}

/// Whether the browser reached us over TLS: directly, or via a trusted proxy saying `X-Forwarded-Proto: https`.
pub fn is_tls(req: &HttpRequest, trusted: &TrustedProxies) -> bool {
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
    fn cidrs_match_their_members_only() {
        let t = TrustedProxies::parse("10.0.0.0/8, 192.168.1.7, fd00::/8").expect("list");
        assert!(t.contains("10.20.30.40".parse().expect("ip")));
        assert!(t.contains("192.168.1.7".parse().expect("ip")));
        assert!(!t.contains("192.168.1.8".parse().expect("ip")));
        assert!(t.contains("fd12::1".parse().expect("ip")));
        assert!(t.contains("::ffff:10.1.1.1".parse().expect("ip")));
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("nginx").is_err());
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

//! The hosts list and the host detail page (current figures, history charts, that host's services).

use maud::{Markup, html};

use crate::db::hosts::{HostSummary, MetricPoint};
use crate::live_state::host_is_up;
use crate::web::views::charts::{Series, line_chart};
use crate::web::views::components::{ago, empty_state, number, percent, rate, uptime};
use crate::web::views::layout::{Chrome, page};

/// The ranges the host charts offer: (query value, label, seconds).
pub const RANGES: [(&str, &str, f64); 7] = [
    ("15m", "15 min", 900.0),
    ("1h", "1 hour", 3_600.0),
    ("6h", "6 hours", 21_600.0),
    ("24h", "24 hours", 86_400.0),
    ("7d", "7 days", 604_800.0),
    ("30d", "30 days", 2_592_000.0),
    ("1y", "1 year", 31_536_000.0),
];

pub(crate) fn hosts_page(chrome: &Chrome, hosts: &[HostSummary], now: f64) -> Markup {
    page(
        chrome,
        "Hosts",
        "/hosts",
        html! {
            h1 { "Hosts" }
            (hosts_part(hosts, now))
        },
    )
}

/// The hosts list's live part: pushed whole when a host's figures change, reloaded after a reconnect.
pub(crate) fn hosts_part(hosts: &[HostSummary], now: f64) -> Markup {
    html! {
        div #hosts-table data-live-refresh="metrics services" data-live-part="hosts" { (hosts_table(hosts, now)) }
    }
}

pub(crate) fn hosts_table(hosts: &[HostSummary], now: f64) -> Markup {
    html! {
        @if hosts.is_empty() {
            (empty_state("No hosts yet", html! {
                "Start " code { "smartmon agent" } " on a host (or " code { "smartmon serve" } " here) and it appears within a minute."
            }))
        } @else {
            div.table-scroll { table.data #hosts {
                thead { tr {
                    th scope="col" { "Host" } th scope="col" { "Status" } th scope="col" { "CPU" }
                    th scope="col" { "Memory" } th scope="col" { "Load (1 min)" } th scope="col" { "Disk /" }
                    th scope="col" { "Uptime" } th scope="col" { "Last seen" }
                } }
                tbody { @for h in hosts {
                    @let m = h.latest.as_ref();
                    tr id=(format!("host:{}", h.host.hostname)) {
                        td { a href=(format!("/hosts/{}", h.host.hostname)) { (h.host.hostname) } (platform_mark(h)) }
                        td { @if host_is_up(h, now) { span.badge.badge-ok { "up" } } @else { span.badge.badge-danger { "stale" } } }
                        td { (percent(m.and_then(|m| m.cpu_percent))) }
                        td { (percent(m.and_then(|m| m.memory_percent))) }
                        td { (number(m.and_then(|m| m.load_1), 2)) }
                        td { (percent(m.and_then(|m| m.disk_percent))) }
                        td { (uptime(m.and_then(|m| m.uptime_secs))) }
                        td { (ago(h.host.last_seen, now)) }
                    }
                } }
            } }
        }
    }
}

/// A "Windows" mark for a host whose agent reported Windows (its services go by Windows names).
fn platform_mark(h: &HostSummary) -> Markup {
    html! {
        @if crate::domain::NameRules::for_os(h.host.os.as_deref()) == crate::domain::NameRules::Windows {
            " " span.badge.badge-muted title=(h.host.os.as_deref().unwrap_or("Windows")) { "Windows" }
        }
    }
}

/// What the host detail page shows.
pub struct HostDetail<'a> {
    pub host: &'a HostSummary,
    pub range: &'a str,
    pub now: f64,
    /// The five charts (`host_charts`), rendered once per bucket or sample.
    pub charts: &'a Markup,
    pub services: Markup,
}

pub(crate) fn host_page(chrome: &Chrome, d: &HostDetail) -> Markup {
    let name = d.host.host.hostname.as_str();
    page(
        chrome,
        name,
        "/hosts",
        html! {
            nav.breadcrumb aria-label="Breadcrumb" { a href="/hosts" { "Hosts" } " / " (name) }
            h1 { (name) " " (platform_mark(d.host)) " "
                @if host_is_up(d.host, d.now) { span.badge.badge-ok { "up" } } @else { span.badge.badge-danger { "stale" } }
            }
            (host_facts(d.host, d.now))
            nav.ranges aria-label="Chart range" {
                @for (value, label, _) in RANGES {
                    a href=(format!("/hosts/{name}?range={value}")) aria-current=[(value == d.range).then_some("page")] { (label) }
                }
            }
            div #host-charts .charts data-live-refresh="metrics" data-live-host=(name) { (d.charts) }
            h2 { "Services on " (name) }
            (d.services)
        },
    )
}

fn host_facts(h: &HostSummary, now: f64) -> Markup {
    let m = h.latest.as_ref();
    html! {
        dl.facts.card {
            dt { "CPU" } dd { (percent(m.and_then(|m| m.cpu_percent))) }
            dt { "Memory" } dd { (percent(m.and_then(|m| m.memory_percent))) }
            dt { "Swap" } dd { (percent(m.and_then(|m| m.swap_percent))) }
            dt { "Load" } dd {
                (number(m.and_then(|m| m.load_1), 2)) " / " (number(m.and_then(|m| m.load_5), 2)) " / "
                (number(m.and_then(|m| m.load_15), 2))
            }
            dt { "Disk /" } dd { (percent(m.and_then(|m| m.disk_percent))) " (inodes " (percent(m.and_then(|m| m.inode_percent))) ")" }
            dt { "Network" } dd { "↓ " (rate(m.and_then(|m| m.net_rx_bps))) " ↑ " (rate(m.and_then(|m| m.net_tx_bps))) }
            dt { "Uptime" } dd { (uptime(m.and_then(|m| m.uptime_secs))) }
            dt { "Processes" } dd { (m.and_then(|m| m.process_count).map_or("—".into(), |n| n.to_string())) }
            dt { "Temperature" } dd { (m.and_then(|m| m.temperature_c).map_or("—".into(), |t| format!("{t:.0} °C"))) }
            dt { "System" } dd { (h.host.os.as_deref().unwrap_or("—")) " · kernel " (h.host.kernel.as_deref().unwrap_or("—")) }
            dt { "Last seen" } dd { (ago(h.host.last_seen, now)) }
        }
    }
}

fn pick(points: &[MetricPoint], f: fn(&MetricPoint) -> Option<f64>) -> Vec<(f64, f64)> {
    points
        .iter()
        .filter_map(|p| f(p).map(|v| (p.ts, v)))
        .collect()
}

fn pct(v: f64) -> String {
    format!("{v:.0}%")
}

fn plain(v: f64) -> String {
    if v >= 10.0 {
        format!("{v:.0}")
    } else {
        let text = format!("{v:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// Bytes per second, compact enough for an axis label ("64K", "1.5M").
fn bytes_rate(v: f64) -> String {
    match v {
        v if v >= 1_048_576.0 => format!("{:.1}M", v / 1_048_576.0),
        v if v >= 1_024.0 => format!("{:.0}K", v / 1_024.0),
        v => format!("{v:.0}"),
    }
}

/// The five history charts of `p` drawn over `[start, now]`.
pub(crate) fn host_charts(p: &[MetricPoint], start: f64, now: f64) -> Markup {
    let chart =
        |title, series: Vec<Series>, max, fmt| line_chart(title, &series, start, now, max, fmt);
    html! {
        (chart("CPU", vec![Series { label: "cpu", class: "series-a", points: pick(p, |m| m.cpu) }], Some(100.0), pct))
        (chart("Memory", vec![
            Series { label: "memory", class: "series-a", points: pick(p, |m| m.memory) },
            Series { label: "swap", class: "series-b", points: pick(p, |m| m.swap) },
        ], Some(100.0), pct))
        (chart("Load (1 min)", vec![Series { label: "load", class: "series-a", points: pick(p, |m| m.load_1) }], None, plain))
        (chart("Disk /", vec![Series { label: "used", class: "series-a", points: pick(p, |m| m.disk) }], Some(100.0), pct))
        (chart("Network", vec![
            Series { label: "received B/s", class: "series-a", points: pick(p, |m| m.net_rx) },
            Series { label: "sent", class: "series-b", points: pick(p, |m| m.net_tx) },
        ], None, bytes_rate))
    }
}

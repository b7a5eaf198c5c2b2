//! The disks page: every drive's latest SMART reading, failed and worn drives first.

use maud::{Markup, html};

use crate::db::entities::disk_health;
use crate::web::views::components::{ago, empty_state};
use crate::web::views::layout::{Chrome, page};

pub(crate) fn health_badge(health: &str) -> Markup {
    let class = match health {
        "passed" => "badge badge-ok",
        "failed" => "badge badge-danger",
        "worn" | "unreadable" => "badge badge-warn",
        _ => "badge badge-muted",
    };
    html! { span class=(class) { (health) } }
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "—".into(), |v| v.to_string())
}

pub(crate) fn disks_page(chrome: &Chrome, disks: &[disk_health::Model], now: f64) -> Markup {
    page(
        chrome,
        "Disks",
        "/disks",
        html! {
            h1 { "Disks" }
            (disks_part(disks, now))
        },
    )
}

/// The disks table's live part: pushed whole when a reading changes, reloaded after a reconnect.
pub(crate) fn disks_part(disks: &[disk_health::Model], now: f64) -> Markup {
    html! {
        div #disks-table data-live-refresh="disks" data-live-part="disks" { (disks_table(disks, now)) }
    }
}

pub(crate) fn disks_table(disks: &[disk_health::Model], now: f64) -> Markup {
    html! {
        @if disks.is_empty() {
            (empty_state("No SMART readings yet", html! {
                "The collector reads drives with " code { "smartctl --json" } " at start and every "
                code { "SMART_INTERVAL" } "; it needs smartmontools 7 and access to " code { "/dev" } "."
            }))
        } @else {
            div.table-scroll { table.data #disks {
                thead { tr {
                    th scope="col" { "Host" } th scope="col" { "Device" } th scope="col" { "Model" }
                    th scope="col" { "Serial" } th scope="col" { "Health" } th scope="col" { "Temp" }
                    th scope="col" { "Power-on h" } th scope="col" { "Reallocated" } th scope="col" { "Pending" }
                    th scope="col" { "NVMe used" } th scope="col" { "Media errors" } th scope="col" { "Read" }
                } }
                tbody { @for d in disks {
                    tr class=[matches!(d.health.as_str(), "failed" | "worn").then_some("state-failed")] {
                        td { (d.hostname) }
                        td { code { (d.device) } " " span.muted { (d.device_type) } }
                        td { (d.model.as_deref().unwrap_or("—")) }
                        td { (d.serial.as_deref().unwrap_or("—")) }
                        td { (health_badge(&d.health)) @if let Some(detail) = &d.detail { br; span.muted { (detail) } } }
                        td { (d.temperature_c.map_or("—".into(), |t| format!("{t:.0} °C"))) }
                        td { (opt(d.power_on_hours)) }
                        td { (opt(d.reallocated_sectors)) }
                        td { (opt(d.pending_sectors)) }
                        td { (d.percentage_used.map_or("—".into(), |p| format!("{p:.0}%"))) }
                        td { (opt(d.media_errors)) }
                        td { (ago(d.ts_epoch, now)) }
                    }
                } }
            } }
        }
    }
}

//! The Data page: what each history table holds and costs, and when retention runs.

use maud::{Markup, html};

use crate::clock::rfc3339;
use crate::lifecycle::LifecycleSettings;
use crate::lifecycle::status::DataStatus;
use crate::web::views::components::relative;
use crate::web::views::layout::{Chrome, page};

/// `1536` → `1.5 KiB`.
pub fn bytes(n: Option<i64>) -> String {
    let Some(n) = n else {
        return "—".to_owned();
    };
    let mut value = n as f64;
    for unit in ["B", "KiB", "MiB", "GiB"] {
        if value < 1024.0 {
            return if unit == "B" {
                format!("{n} B")
            } else {
                format!("{value:.1} {unit}")
            };
        }
        value /= 1024.0;
    }
    format!("{value:.1} TiB")
}

pub(crate) fn data_page(
    chrome: &Chrome,
    d: &DataStatus,
    s: &LifecycleSettings,
    now: f64,
) -> Markup {
    page(
        chrome,
        "Data",
        "/admin/data",
        html! {
            h1 { "Data" }
            section.card #retention {
                h2 { "Retention" }
                dl {
                    dt { "Database size" } dd #database-size { (bytes(d.database_bytes)) }
                    dt { "Windows" }
                    dd { "raw " (s.raw_days) " d · rollups " (s.rollup_days) " d · resolved alerts "
                         (days(s.alerts_days)) " · audit log " (days(s.audit_days)) }
                    dt { "Last run" }
                    dd #last-run {
                        @match &d.last_run {
                            Some(run) => {
                                (rfc3339(run.at)) " (" (relative(now - run.at)) "): removed " (run.rows) " rows, "
                                (run.partitions) " partitions"
                                @if let Some(secs) = run.seconds { " in " (format!("{secs:.2}")) " s" }
                            }
                            None => "not yet",
                        }
                    }
                    dt { "Next run" }
                    dd #next-run {
                        @if !s.enabled { "never (RETENTION_ENABLED=false)" }
                        @else if let Some(at) = d.next_run { (rfc3339(at)) }
                        @else { "within " (s.rollup_interval_secs) " s of the console starting" }
                    }
                }
            }
            section.card {
                h2 { "Tables" }
                div.table-scroll { table.data #tables {
                    thead { tr {
                        th scope="col" { "Table" } th scope="col" { "Size" } th scope="col" { "Rows" }
                        th scope="col" { "Oldest" } th scope="col" { "Partitions" }
                    } }
                    tbody { @for t in &d.tables {
                        tr id=(format!("table:{}", t.table)) {
                            td { code { (t.table) } }
                            td { (bytes(t.bytes)) }
                            td { @if t.rows_estimated { "≈ " } (t.rows) }
                            td { (t.oldest.map_or_else(|| "—".to_owned(), rfc3339)) }
                            td { @if t.partitions > 0 { (t.partitions) } @else { "—" } }
                        }
                    } }
                } }
            }
        },
    )
}

fn days(n: u32) -> String {
    if n == 0 {
        "forever".to_owned()
    } else {
        format!("{n} d")
    }
}

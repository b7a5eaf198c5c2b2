//! A failed unit's alert carries its last few journal lines: read from this host's journal (the
//! collector always runs on the host it reports) just before the alert is written, bounded in lines,
//! time and the number of units per batch, so a failing fleet of units cannot stall the writer.

use std::time::Duration;

use super::writer::Record;
use crate::domain::UnitName;
use crate::journal::{Journal, Position, Query};

/// Lines an alert carries.
pub const ALERT_LINES: usize = 5;
/// The longest one unit's lines are waited for; past it the alert goes out without them.
const READ_TIMEOUT: Duration = Duration::from_secs(1);
/// Units whose lines one batch reads (a resync can see many failed units at once).
const UNITS_PER_BATCH: usize = 5;
/// The most characters of one line an alert keeps.
const LINE_CHARS: usize = 300;

/// Appends the last lines of each newly failed unit to its alert's message.
pub(crate) async fn attach_last_lines(journal: &Journal, records: &mut [Record]) {
    let failing = records.iter_mut().filter_map(|record| match record {
        Record::Alert(alert) if alert.active => {
            let unit = alert.source.strip_prefix("service:")?;
            Some((UnitName::parse(unit).ok()?, &mut alert.message))
        }
        _ => None,
    });
    for (unit, message) in failing.take(UNITS_PER_BATCH) {
        let query = Query {
            unit,
            max_priority: None,
            search: None,
            position: Position::Latest,
            limit: ALERT_LINES,
        };
        let page = match tokio::time::timeout(READ_TIMEOUT, journal.read(&query)).await {
            Ok(Ok(page)) => page,
            Ok(Err(err)) => {
                tracing::debug!(error = %err, "no log lines for the alert");
                continue;
            }
            Err(_) => continue,
        };
        if page.lines.is_empty() {
            continue;
        }
        message.push_str("\nLast log lines:");
        for line in &page.lines {
            let when =
                chrono::DateTime::from_timestamp_micros(line.realtime_us).unwrap_or_default();
            let text: String = line.message.chars().take(LINE_CHARS).collect();
            let pid = line.pid.map(|p| format!("[{p}] ")).unwrap_or_default();
            message.push_str(&format!(
                "\n{} {} {pid}{text}",
                when.format("%H:%M:%S"),
                line.priority_name()
            ));
        }
    }
}

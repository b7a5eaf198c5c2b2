//! The helper's read-only `logs` verb: a unit's latest journal lines for a read-only container that
//! cannot read the host's journal itself. Bounded like every journal read (lines, bytes, time), and to
//! `MAX_LINES` lines per call whatever is asked.

use crate::domain::UnitName;
use crate::journal::{Journal, Position, Query};

use super::HelperResponse;

/// The most lines one `logs` call returns.
pub const MAX_LINES: usize = 200;

/// `{"action":"logs","unit":"nginx.service","lines":50}` → `state: "logs"`, `output`: a JSON array of
/// `{cursor, realtime_us, priority, pid, message, cut_from}`, oldest first.
pub(super) async fn logs(journal: &Journal, raw: &str, lines: Option<usize>) -> HelperResponse {
    let unit = match UnitName::parse(raw) {
        Ok(unit) => unit,
        Err(err) => return HelperResponse::refused(format!("invalid unit name: {err}")),
    };
    let query = Query {
        unit,
        max_priority: None,
        search: None,
        position: Position::Latest,
        limit: lines.unwrap_or(50).clamp(1, MAX_LINES),
    };
    match journal.read(&query).await {
        Ok(page) => HelperResponse {
            state: "logs".into(),
            result: Some(page.lines.len().to_string()),
            error: page.cut_short,
            output: serde_json::to_string(&page.lines).ok(),
            ..HelperResponse::default()
        },
        Err(err) => HelperResponse::refused(format!("the journal could not be read: {err}")),
    }
}

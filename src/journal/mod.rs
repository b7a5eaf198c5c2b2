//! This host's systemd journal, read through `journalctl --output=json`: a unit's latest lines, older
//! pages and searches (`read`), and new lines as they are written (`follow`). Every read is bounded in
//! lines, bytes and time; every line is parsed into a `LogLine` that is plain, cleaned data (`entry`).
//! Positions are journal cursors, so a reader resumes exactly after the last line it showed.

mod ask;
mod entry;
mod read;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::domain::UnitName;
use crate::vars::{SettingsError, Vars};

pub use ask::{AskedPosition, LogAsk, MAX_ANSWER_BYTES, answer_json, page_from_answer};
pub use entry::{LogLine, MAX_MESSAGE_BYTES, PRIORITY_NAMES, clean};
pub use read::{Page, ReadError};

/// The longest a one-off read may take before it is stopped (a page never waits longer for its log).
pub const READ_TIMEOUT: Duration = Duration::from_secs(3);
/// The most bytes of `journalctl` output one read takes in; past it the read stops and says so.
pub const MAX_READ_BYTES: usize = 16 * 1024 * 1024;
/// The largest single entry (as JSON) read; a larger one is skipped and counted.
pub const MAX_ENTRY_BYTES: usize = 4 * 1024 * 1024;
/// The most lines one read returns, whatever is asked.
pub const MAX_READ_LINES: usize = 1000;
/// The longest search text.
pub const MAX_SEARCH_CHARS: usize = 200;

#[derive(Debug, Clone)]
pub struct JournalSettings {
    /// `SMARTMON_JOURNALCTL`: the `journalctl` to run (default: `journalctl` on the `PATH`).
    pub journalctl: PathBuf,
    /// `SMARTMON_JOURNAL_DIR`: read the journal files in this directory (`journalctl --directory`), e.g.
    /// the host's `/var/log/journal` mounted into the lab orchestrator; unset reads the system journal.
    pub directory: Option<PathBuf>,
    /// `SMARTMON_JOURNAL_LINES`: how many of a unit's latest lines its page shows (and "load older" adds).
    pub page_lines: usize,
}

impl JournalSettings {
    pub(crate) fn from_vars(vars: &Vars) -> Result<Self, SettingsError> {
        Ok(Self {
            journalctl: PathBuf::from(
                vars.text("SMARTMON_JOURNALCTL")
                    .unwrap_or_else(|| "journalctl".into()),
            ),
            directory: vars.text("SMARTMON_JOURNAL_DIR").map(PathBuf::from),
            page_lines: vars.number("SMARTMON_JOURNAL_LINES", 100, 1..=MAX_READ_LINES)?,
        })
    }
}

/// Which lines of a unit a read returns.
#[derive(Debug, Clone, PartialEq)]
pub enum Position {
    /// The newest lines.
    Latest,
    /// The lines just before this cursor (the page's "load older").
    Before(Cursor),
    /// The lines after this cursor, oldest first (catching up); None: from the unit's first line.
    After(Option<Cursor>),
}

/// What to read: a unit, optionally only priorities up to `max_priority` and lines containing `search`.
#[derive(Debug, Clone)]
pub struct Query {
    pub unit: UnitName,
    pub max_priority: Option<u8>,
    pub search: Option<String>,
    pub position: Position,
    pub limit: usize,
}

/// A journal cursor as `journalctl` prints it (`s=…;i=…;b=…;m=…;t=…;x=…`), checked before it is
/// passed back to `journalctl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(String);

impl Cursor {
    /// Printable ASCII without spaces, at most 256 characters.
    pub fn parse(text: &str) -> Result<Cursor, String> {
        if text.is_empty() || text.len() > 256 {
            return Err("a journal cursor is 1 to 256 characters".into());
        }
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("a journal cursor is printable ASCII without spaces".into());
        }
        Ok(Cursor(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Cheap to clone; the console's reader of this host's journal.
#[derive(Debug, Clone)]
pub struct Journal {
    settings: Arc<JournalSettings>,
}

impl Journal {
    pub fn new(settings: JournalSettings) -> Self {
        Self {
            settings: Arc::new(settings),
        }
    }

    pub fn page_lines(&self) -> usize {
        self.settings.page_lines
    }

    /// The arguments every read starts with: where the journal is, the output format, the unit and
    /// the filters.
    fn base_args(&self, query: &Query) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(dir) = &self.settings.directory {
            args.push(format!("--directory={}", dir.display()));
        }
        args.extend(
            ["--output=json", "--all", "--no-pager", "--quiet"]
                .iter()
                .map(|s| (*s).to_owned()),
        );
        args.push(format!("--unit={}", query.unit.as_str()));
        if let Some(p) = query.max_priority {
            args.push(format!("--priority=0..{}", p.min(7)));
        }
        if let Some(search) = &query.search {
            args.push(format!("--grep={}", literal_pattern(search)));
            args.push("--case-sensitive=false".into());
        }
        args
    }
}

/// `text` as a regular expression that matches it literally (journalctl's `--grep` takes a PCRE).
fn literal_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if "\\^$.|?*+()[]{}/-#".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_matched_literally() {
        assert_eq!(literal_pattern("a.b*(c)"), r"a\.b\*\(c\)");
    }

    #[test]
    fn cursors_with_spaces_or_controls_are_refused() {
        assert!(Cursor::parse("s=1;i=2").is_ok());
        assert!(Cursor::parse("s=1 i=2").is_err());
        assert!(Cursor::parse("").is_err());
        assert!(Cursor::parse(&"x".repeat(300)).is_err());
    }
}

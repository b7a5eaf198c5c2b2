//! A read of a unit's journal as it travels to another host's agent (`log_requests.ask`), and the page
//! that comes back (`log_requests.answer`): both JSON, both checked where they arrive. The agent keeps
//! its answer under `MAX_ANSWER_BYTES`; the console takes an answer only as data it would show anyway
//! (each line cleaned again, cursors checked, other units' lines dropped, no more lines than asked).

use serde::{Deserialize, Serialize};

use super::{Cursor, MAX_READ_LINES, MAX_SEARCH_CHARS, Page, Position, Query, entry::clean};
use crate::domain::UnitName;

/// The most bytes of an answer (its JSON); an agent drops lines to stay under it.
pub const MAX_ANSWER_BYTES: usize = 2 * 1024 * 1024;

/// What a `Query` asks, without its unit (a column of its own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogAsk {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_priority: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    pub at: AskedPosition,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "is", rename_all = "snake_case")]
pub enum AskedPosition {
    Latest,
    Before { cursor: String },
    After { cursor: Option<String> },
}

impl LogAsk {
    pub fn of(query: &Query) -> Self {
        Self {
            max_priority: query.max_priority,
            search: query.search.clone(),
            at: match &query.position {
                Position::Latest => AskedPosition::Latest,
                Position::Before(c) => AskedPosition::Before {
                    cursor: c.as_str().to_owned(),
                },
                Position::After(c) => AskedPosition::After {
                    cursor: c.as_ref().map(|c| c.as_str().to_owned()),
                },
            },
            limit: query.limit,
        }
    }

    /// The query this asks of `unit`, checked as the console checks a page's own parameters.
    pub fn into_query(self, unit: UnitName) -> Result<Query, String> {
        if let Some(search) = &self.search
            && (search.chars().count() > MAX_SEARCH_CHARS || search.chars().any(char::is_control))
        {
            return Err("the search text is too long or has control characters".into());
        }
        let cursor = |c: &str| Cursor::parse(c).map_err(|e| format!("cursor: {e}"));
        Ok(Query {
            unit,
            max_priority: self.max_priority.map(|p| p.min(7)),
            search: self.search,
            position: match self.at {
                AskedPosition::Latest => Position::Latest,
                AskedPosition::Before { cursor: c } => Position::Before(cursor(&c)?),
                AskedPosition::After { cursor: c } => {
                    Position::After(c.as_deref().map(cursor).transpose()?)
                }
            },
            limit: self.limit.clamp(1, MAX_READ_LINES),
        })
    }
}

/// `page` as an agent's answer to `query`: JSON under `MAX_ANSWER_BYTES`, dropping the lines furthest
/// from where the reader continues (the oldest of a latest or older page, the newest when catching up)
/// and marking the page full, so the reader asks again for them.
pub fn answer_json(query: &Query, mut page: Page) -> String {
    loop {
        let json = serde_json::to_string(&page).unwrap_or_else(|_| "{\"lines\":[]}".into());
        if json.len() <= MAX_ANSWER_BYTES || page.lines.is_empty() {
            return json;
        }
        let keep = page.lines.len() / 2;
        match query.position {
            Position::After(_) => page.lines.truncate(keep),
            _ => {
                page.lines.drain(..page.lines.len() - keep);
            }
        }
        page.full = true;
    }
}

/// An agent's answer to `query`, taken only as what the console would show of its own journal.
pub fn page_from_answer(query: &Query, json: &str) -> Result<Page, String> {
    if json.len() > MAX_ANSWER_BYTES {
        return Err(format!(
            "the answer is larger than {} MB",
            MAX_ANSWER_BYTES / (1024 * 1024)
        ));
    }
    let mut page: Page = serde_json::from_str(json)
        .map_err(|e| format!("the answer is not a page of lines: {e}"))?;
    page.lines
        .retain(|line| line.unit == query.unit.as_str() && Cursor::parse(&line.cursor).is_ok());
    page.lines.truncate(query.limit.clamp(1, MAX_READ_LINES));
    for line in &mut page.lines {
        line.priority = line.priority.min(7);
        let (message, cut_from) = clean(&line.message);
        line.message = message;
        line.cut_from = line.cut_from.max(cut_from);
    }
    page.cut_short = page
        .cut_short
        .map(|why| clean(&why).0.chars().take(200).collect());
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::LogLine;

    fn line(n: usize, unit: &str, message: &str) -> LogLine {
        LogLine {
            cursor: format!("s=1;i={n:x}"),
            realtime_us: 1_700_000_000_000_000 + n as i64,
            priority: 6,
            pid: Some(7),
            unit: unit.into(),
            message: message.into(),
            cut_from: None,
        }
    }

    fn query(position: Position, limit: usize) -> Query {
        Query {
            unit: UnitName::parse("nginx.service").expect("unit"),
            max_priority: None,
            search: None,
            position,
            limit,
        }
    }

    #[test]
    fn an_ask_travels_and_comes_back_as_the_same_query() {
        let asked = Query {
            max_priority: Some(3),
            search: Some("bind()".into()),
            ..query(
                Position::Before(Cursor::parse("s=1;i=2").expect("cursor")),
                50,
            )
        };
        let json = serde_json::to_string(&LogAsk::of(&asked)).expect("json");
        let back: LogAsk = serde_json::from_str(&json).expect("parsed");
        let again = back.into_query(asked.unit.clone()).expect("query");
        assert_eq!(
            (
                again.max_priority,
                again.search,
                again.position,
                again.limit
            ),
            (asked.max_priority, asked.search, asked.position, 50)
        );
    }

    #[test]
    fn a_hostile_ask_is_refused_or_bounded() {
        let unit = UnitName::parse("nginx.service").expect("unit");
        let bad_cursor = LogAsk {
            max_priority: None,
            search: None,
            at: AskedPosition::Before {
                cursor: "s=1; rm -rf /".into(),
            },
            limit: 10,
        };
        assert!(bad_cursor.into_query(unit.clone()).is_err());
        let control = LogAsk {
            search: Some("a\nb".into()),
            at: AskedPosition::Latest,
            max_priority: None,
            limit: 10,
        };
        assert!(control.into_query(unit.clone()).is_err());
        let greedy = LogAsk {
            max_priority: Some(200),
            search: None,
            at: AskedPosition::Latest,
            limit: 1_000_000,
        };
        let q = greedy.into_query(unit).expect("bounded, not refused");
        assert_eq!((q.max_priority, q.limit), (Some(7), MAX_READ_LINES));
    }

    #[test]
    fn an_answer_is_cleaned_and_held_to_what_was_asked() {
        let q = query(Position::Latest, 2);
        let page = Page {
            lines: vec![
                line(1, "nginx.service", "\u{1b}[31mred\u{1b}[0m <b>"),
                line(2, "sshd.service", "another unit's line"),
                LogLine {
                    cursor: "not a cursor".into(),
                    ..line(3, "nginx.service", "bad cursor")
                },
                LogLine {
                    priority: 99,
                    ..line(4, "nginx.service", "four")
                },
                line(5, "nginx.service", "five"),
            ],
            ..Page::default()
        };
        let json = serde_json::to_string(&page).expect("json");
        let got = page_from_answer(&q, &json).expect("taken");
        let messages: Vec<&str> = got.lines.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(messages, ["red <b>", "four"]);
        assert_eq!(got.lines[1].priority, 7);
        assert!(page_from_answer(&q, "{\"lines\": 5}").is_err());
    }

    #[test]
    fn an_answer_too_large_keeps_the_lines_nearest_the_reader() {
        let big = "x".repeat(8 * 1024);
        let lines: Vec<LogLine> = (0..400).map(|n| line(n, "nginx.service", &big)).collect();
        let page = Page {
            lines: lines.clone(),
            ..Page::default()
        };
        let latest = answer_json(&query(Position::Latest, 400), page.clone());
        assert!(latest.len() <= MAX_ANSWER_BYTES);
        let kept = page_from_answer(&query(Position::Latest, 400), &latest).expect("page");
        assert!(kept.full && kept.lines.len() < lines.len());
        assert_eq!(
            kept.lines.last().map(|l| &l.cursor),
            lines.last().map(|l| &l.cursor),
            "a latest page keeps the newest lines"
        );
        let catching_up = answer_json(&query(Position::After(None), 400), page);
        let kept =
            page_from_answer(&query(Position::After(None), 400), &catching_up).expect("page");
        assert_eq!(
            kept.lines.first().map(|l| &l.cursor),
            Some(&lines[0].cursor),
            "catching up keeps the oldest lines"
        );
    }
}

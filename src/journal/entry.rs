//! One journal entry as `journalctl --output=json` prints it, parsed into a `LogLine` that is safe to
//! show: ANSI escapes and control characters removed, invalid UTF-8 replaced, huge messages truncated.

use serde_json::Value;

/// The most of a message kept (bytes of UTF-8); the rest is cut and the line says so.
pub const MAX_MESSAGE_BYTES: usize = 8 * 1024;

/// A journal line ready to show (every field is plain data; the views escape it).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogLine {
    /// `__CURSOR`: where this entry is in the journal (reading resumes after it).
    pub cursor: String,
    /// `__REALTIME_TIMESTAMP` in microseconds since the epoch.
    pub realtime_us: i64,
    /// `PRIORITY` (0 emerg … 7 debug); entries without one count as info (6), as journald does.
    pub priority: u8,
    /// `_PID`, when the entry has one.
    pub pid: Option<u32>,
    /// `_SYSTEMD_UNIT` (or `UNIT` for systemd's own messages about the unit).
    pub unit: String,
    /// The message, cleaned and cut to `MAX_MESSAGE_BYTES`.
    pub message: String,
    /// The message's length before it was cut, when it was cut.
    pub cut_from: Option<usize>,
}

/// syslog's names for the eight priorities.
pub const PRIORITY_NAMES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

impl LogLine {
    /// Parses one line of `journalctl --output=json`; None when it is not an entry (no cursor).
    pub fn parse(json: &[u8]) -> Option<LogLine> {
        let value: Value = serde_json::from_slice(json).ok()?;
        let cursor = text_field(value.get("__CURSOR")?)?;
        let number = |name: &str| value.get(name).and_then(text_field);
        let raw = match value.get("MESSAGE") {
            None | Some(Value::Null) => {
                "[no message, or one journalctl would not print]".to_owned()
            }
            Some(message) => text_field(message).unwrap_or_default(),
        };
        let (message, cut_from) = clean(&raw);
        Some(LogLine {
            cursor,
            realtime_us: number("__REALTIME_TIMESTAMP")
                .and_then(|t| t.trim().parse().ok())
                .unwrap_or(0),
            priority: number("PRIORITY")
                .and_then(|p| p.trim().parse().ok())
                .filter(|p| *p <= 7)
                .unwrap_or(6),
            pid: number("_PID").and_then(|p| p.trim().parse().ok()),
            unit: number("_SYSTEMD_UNIT")
                .or_else(|| number("UNIT"))
                .unwrap_or_default(),
            message,
            cut_from,
        })
    }

    /// The priority's syslog name.
    pub fn priority_name(&self) -> &'static str {
        PRIORITY_NAMES[usize::from(self.priority.min(7))]
    }

    /// A short stable id for this entry (for the page: a line shown twice is the same element).
    pub fn id(&self) -> String {
        // FNV-1a: not a secret, only a compact name for the cursor.
        let hash = self.cursor.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        format!("{hash:016x}")
    }
}

/// A field's value as text: a string, a byte array (binary data, decoded lossily), or the first of
/// several values (a field the entry carries more than once).
fn text_field(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) if items.iter().all(Value::is_u64) => {
            let bytes: Vec<u8> = items
                .iter()
                .filter_map(Value::as_u64)
                .map(|b| u8::try_from(b).unwrap_or(b'?'))
                .collect();
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        Value::Array(items) => items.first().and_then(text_field),
        _ => None,
    }
}

/// Removes ANSI escape sequences, carriage returns and other control characters (tabs and newlines
/// stay), then cuts to `MAX_MESSAGE_BYTES` at a character boundary. Returns the text and, when cut,
/// the cleaned length before the cut.
pub fn clean(raw: &str) -> (String, Option<usize>) {
    let mut out = String::with_capacity(raw.len().min(MAX_MESSAGE_BYTES + 8));
    let mut total = 0usize;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            skip_escape(&mut chars);
            continue;
        }
        if c.is_control() && c != '\n' && c != '\t' {
            continue;
        }
        total += c.len_utf8();
        if out.len() + c.len_utf8() <= MAX_MESSAGE_BYTES {
            out.push(c);
        }
    }
    let cut = (total > out.len()).then_some(total);
    (out, cut)
}

/// Skips the rest of an escape sequence after ESC: CSI (`[` … final byte), OSC (`]` … BEL or ST), or
/// a two-character escape.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => {
            for c in chars.by_ref() {
                if ('\u{40}'..='\u{7e}').contains(&c) {
                    break;
                }
            }
        }
        Some(']') => {
            while let Some(c) = chars.next() {
                if c == '\u{7}' {
                    break;
                }
                if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                    chars.next();
                    break;
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_entry_is_read_with_its_fields() {
        let line = br#"{"__CURSOR":"s=ab;i=1f","__REALTIME_TIMESTAMP":"1765000000123456","PRIORITY":"3","_PID":"812","_SYSTEMD_UNIT":"nginx.service","MESSAGE":"bind() failed"}"#;
        let l = LogLine::parse(line).expect("entry");
        assert_eq!(
            (l.cursor.as_str(), l.realtime_us, l.priority, l.pid),
            ("s=ab;i=1f", 1_765_000_000_123_456, 3, Some(812))
        );
        assert_eq!(
            (l.unit.as_str(), l.message.as_str()),
            ("nginx.service", "bind() failed")
        );
        assert_eq!(l.priority_name(), "err");
    }

    #[test]
    fn a_binary_message_is_decoded_lossily() {
        let line = br#"{"__CURSOR":"c","MESSAGE":[104,105,255,33]}"#;
        assert_eq!(LogLine::parse(line).expect("entry").message, "hi\u{fffd}!");
    }

    #[test]
    fn ansi_escapes_and_control_characters_are_removed() {
        let (text, cut) = clean("\u{1b}[31mred\u{1b}[0m \u{1b}]0;title\u{7}ok\r\u{8}\tdone");
        assert_eq!((text.as_str(), cut), ("red ok\tdone", None));
    }

    #[test]
    fn a_huge_message_is_cut_and_says_how_long_it_was() {
        let (text, cut) = clean(&"é".repeat(600_000));
        assert!(text.len() <= MAX_MESSAGE_BYTES && text.chars().all(|c| c == 'é'));
        assert_eq!(cut, Some(1_200_000));
    }

    #[test]
    fn a_line_without_a_cursor_is_not_an_entry() {
        assert!(LogLine::parse(br#"{"MESSAGE":"x"}"#).is_none());
        assert!(LogLine::parse(b"not json").is_none());
    }
}

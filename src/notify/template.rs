//! The body template language: `{{name}}` is replaced by a message field, escaped for where it lands
//! (inside a JSON string, or as plain text). Nothing else is interpreted: no code, no loops, no lookups
//! beyond the fixed field list, so a template can neither run anything nor read what it should not.

use std::collections::BTreeMap;

/// Every field a template may name.
pub const FIELDS: [&str; 15] = [
    "title",
    "text",
    "event",
    "severity",
    "host",
    "count",
    "console_url",
    "alert.host",
    "alert.source",
    "alert.unit",
    "alert.kind",
    "alert.severity",
    "alert.message",
    "alert.state",
    "alert.url",
];

/// How substituted values are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// For a value inside a JSON string literal (`"text": "{{text}}"`).
    Json,
    Plain,
}

/// A parsed template: literal text and field references, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Field(&'static str),
}

impl Template {
    /// Parses `source`; an unknown field or an unclosed `{{` is refused with a message naming it.
    pub fn parse(source: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut rest = source;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_owned()));
            }
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| "the template has a {{ without its closing }}".to_owned())?;
            let name = after[..end].trim();
            let field = FIELDS.iter().find(|f| **f == name).ok_or_else(|| {
                format!(
                    "the template names {{{{{name}}}}}, which is not a field; the fields are {}",
                    FIELDS.join(", ")
                )
            })?;
            parts.push(Part::Field(field));
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(Self { parts })
    }

    /// The template with each field's value (empty when the message has none), escaped by `escape`.
    pub fn render(&self, fields: &BTreeMap<&'static str, String>, escape: Escape) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Field(name) => {
                    let value = fields.get(name).map(String::as_str).unwrap_or("");
                    match escape {
                        Escape::Plain => out.push_str(value),
                        Escape::Json => out.push_str(json_inner(value).as_str()),
                    }
                }
            }
        }
        out
    }
}

/// `value` as the inside of a JSON string literal.
fn json_inner(value: &str) -> String {
    let quoted = serde_json::Value::String(value.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&'static str, &str)]) -> BTreeMap<&'static str, String> {
        pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    #[test]
    fn fields_are_substituted_and_json_escaped() {
        let t = Template::parse(r#"{"text": "{{ text }}", "host": "{{alert.host}}"}"#).expect("ok");
        let out = t.render(
            &fields(&[("text", "a \"quoted\"\nline"), ("alert.host", "web01")]),
            Escape::Json,
        );
        assert_eq!(out, r#"{"text": "a \"quoted\"\nline", "host": "web01"}"#);
        let parsed: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(parsed["text"], "a \"quoted\"\nline");
    }

    #[test]
    fn plain_templates_keep_values_as_they_are() {
        let t = Template::parse("{{title}}: {{count}}").expect("ok");
        assert_eq!(
            t.render(&fields(&[("title", "a<b"), ("count", "2")]), Escape::Plain),
            "a<b: 2"
        );
    }

    #[test]
    fn unknown_fields_and_unclosed_braces_are_refused() {
        let err = Template::parse("{{ env.HOME }}").expect_err("not a field");
        assert!(err.contains("env.HOME"), "{err}");
        assert!(Template::parse("{{title").is_err());
        assert_eq!(
            Template::parse("no fields")
                .expect("ok")
                .render(&fields(&[]), Escape::Json),
            "no fields"
        );
    }
}

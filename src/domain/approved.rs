//! `ApprovedServices`: the restart allow-list, parsed from either field format of the approved-services
//! file. A flat list of unit names approves them on any host; `{"allow":[{"host","service"}]}` approves
//! (host, unit) pairs where either side may be `*` (or a pattern with `*` wildcards).

use serde::Deserialize;

use super::{ParseError, UnitName};

/// Who may be restarted. The empty policy (no file) approves nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApprovedServices {
    rules: Vec<Rule>,
}

/// One `(host, service)` pattern pair.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    host: String,
    service: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FileFormat {
    Flat(Vec<String>),
    Allow { allow: Vec<AllowEntry> },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowEntry {
    #[serde(default = "any")]
    host: String,
    service: String,
}

fn any() -> String {
    "*".into()
}

impl ApprovedServices {
    /// Parses the file's text; a message naming the problem otherwise.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let format: FileFormat = serde_json::from_str(text).map_err(|e| {
            ParseError(format!(
                "expected a list of unit names or {{\"allow\":[{{\"host\":…,\"service\":…}}]}}: {e}"
            ))
        })?;
        let pairs: Vec<(String, String)> = match format {
            FileFormat::Flat(names) => names.into_iter().map(|n| (any(), n)).collect(),
            FileFormat::Allow { allow } => allow.into_iter().map(|e| (e.host, e.service)).collect(),
        };
        let mut rules = Vec::with_capacity(pairs.len());
        for (host, service) in pairs {
            let host = host.trim().to_owned();
            let service = service.trim();
            if host.is_empty() || service.is_empty() {
                return Err(ParseError("an entry has an empty host or service".into()));
            }
            let service = if service.contains('*') {
                service.to_owned()
            } else {
                UnitName::parse(service)
                    .map_err(|e| ParseError(format!("{service:?}: {e}")))?
                    .to_string()
            };
            rules.push(Rule { host, service });
        }
        Ok(Self { rules })
    }

    /// Whether `unit` on `host` may be restarted.
    pub(crate) fn allows(&self, host: &str, unit: &UnitName) -> bool {
        self.rules
            .iter()
            .any(|r| wildcard(&r.host, host) && wildcard(&r.service, unit.as_str()))
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// `*` matches any run of characters (including none); everything else matches itself.
fn wildcard(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(name: &str) -> UnitName {
        UnitName::parse(name).expect("valid")
    }

    #[test]
    fn a_flat_list_approves_its_units_on_every_host() {
        let p = ApprovedServices::parse(r#"["nginx.service", "cron"]"#).expect("flat list");
        assert!(p.allows("web01", &unit("nginx.service")));
        assert!(p.allows("db01", &unit("cron.service")));
        assert!(!p.allows("web01", &unit("ssh.service")));
    }

    #[test]
    fn allow_entries_pair_hosts_and_units_with_wildcards() {
        let p = ApprovedServices::parse(
            r#"{"allow":[{"host":"web01","service":"nginx.service"},{"host":"db*","service":"postgresql*"}]}"#,
        )
        .expect("allow format");
        assert!(p.allows("web01", &unit("nginx.service")));
        assert!(!p.allows("web02", &unit("nginx.service")));
        assert!(p.allows("db07", &unit("postgresql@15-main.service")));
        assert!(!p.allows("web01", &unit("postgresql.service")));
        let all = ApprovedServices::parse(r#"{"allow":[{"host":"*","service":"*"}]}"#).expect("ok");
        assert!(all.allows("anything", &unit("x.service")));
    }

    #[test]
    fn malformed_files_are_refused_with_a_reason() {
        for bad in [
            "{",
            r#"{"allow":"nginx"}"#,
            r#"["../etc/passwd"]"#,
            r#"{"allow":[{"host":"","service":"x"}]}"#,
            "42",
        ] {
            assert!(ApprovedServices::parse(bad).is_err(), "{bad}");
        }
        assert!(ApprovedServices::default().is_empty());
    }

    #[test]
    fn wildcards_match_runs_of_characters() {
        assert!(wildcard("*", ""));
        assert!(wildcard("a*c", "abbc"));
        assert!(wildcard("a*b*c", "aXbYc"));
        assert!(!wildcard("a*b*c", "acb"));
        assert!(!wildcard("ab*ba", "aba"));
    }
}

//! `ApprovedServices`: the restart allow-list, parsed from either field format of the approved-services
//! file. A flat list of unit names approves them on any host; `{"allow":[{"host","service"}]}` approves
//! (host, unit) pairs where either side may be `*` (or a pattern with `*` wildcards). An entry names a
//! systemd unit (`nginx` means `nginx.service`) on Linux hosts and a Windows service as written
//! (`Spooler`, matched case-insensitively as Windows does) on Windows hosts.

use serde::Deserialize;

use super::{NameRules, ParseError, UnitName};

/// Who may be restarted. The empty policy (no file) approves nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApprovedServices {
    rules: Vec<Rule>,
}

/// One `(host, service)` pattern pair.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    host: String,
    /// The entry as a systemd unit (or pattern); None when it is only a Windows service name.
    service: Option<String>,
    /// The entry as written, lower-cased: how it names a Windows service (or pattern).
    windows: Option<String>,
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
            rules.push(rule(host, service)?);
        }
        Ok(Self { rules })
    }

    /// Whether `unit` on `host`, a host following `rules`, may be restarted.
    pub(crate) fn allows(&self, host: &str, unit: &UnitName, rules: NameRules) -> bool {
        let windows_name = unit.as_str().to_ascii_lowercase();
        self.rules.iter().any(|r| {
            wildcard(&r.host, host)
                && match rules {
                    NameRules::Systemd => r
                        .service
                        .as_ref()
                        .is_some_and(|s| wildcard(s, unit.as_str())),
                    NameRules::Windows => r
                        .windows
                        .as_ref()
                        .is_some_and(|w| wildcard(w, &windows_name)),
                }
        })
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// One entry: a pattern stands as written; a name must be a unit name, a Windows service name, or both.
fn rule(host: String, service: &str) -> Result<Rule, ParseError> {
    if service.contains('*') {
        return Ok(Rule {
            host,
            service: Some(service.to_owned()),
            windows: Some(service.to_ascii_lowercase()),
        });
    }
    let unit = UnitName::parse(service);
    let windows = UnitName::parse_windows(service);
    if let (Err(e), Err(_)) = (&unit, &windows) {
        return Err(ParseError(format!("{service:?}: {e}")));
    }
    Ok(Rule {
        host,
        service: unit.ok().map(|u| u.to_string()),
        windows: windows.ok().map(|w| w.as_str().to_ascii_lowercase()),
    })
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
    fn windows_hosts_match_entries_as_written_and_linux_hosts_as_units() {
        let p = ApprovedServices::parse(
            r#"{"allow":[{"host":"win*","service":"Spooler"},{"host":"*","service":"My Service"},{"host":"web01","service":"nginx"}]}"#,
        )
        .expect("allow format");
        let win = |name: &str| UnitName::parse_windows(name).expect("a Windows name");
        assert!(p.allows("win01", &win("Spooler"), NameRules::Windows));
        assert!(
            p.allows("win01", &win("spooler"), NameRules::Windows),
            "Windows names ignore case"
        );
        assert!(p.allows("win02", &win("My Service"), NameRules::Windows));
        assert!(!p.allows("win01", &win("Schedule"), NameRules::Windows));
        assert!(
            !p.allows("web01", &win("Spooler"), NameRules::Windows),
            "the host pattern still holds"
        );
        assert!(p.allows("web01", &unit("nginx"), NameRules::Systemd));
        assert!(!p.allows(
            "web01",
            &unit("My Service.service".replace(' ', "-").as_str()),
            NameRules::Systemd
        ));
        assert!(!p.allows("web01", &win("nginx.service"), NameRules::Windows));
    }

    #[test]
    fn a_flat_list_approves_its_units_on_every_host() {
        let p = ApprovedServices::parse(r#"["nginx.service", "cron"]"#).expect("flat list");
        assert!(p.allows("web01", &unit("nginx.service"), NameRules::Systemd));
        assert!(p.allows("db01", &unit("cron.service"), NameRules::Systemd));
        assert!(!p.allows("web01", &unit("ssh.service"), NameRules::Systemd));
    }

    #[test]
    fn allow_entries_pair_hosts_and_units_with_wildcards() {
        let p = ApprovedServices::parse(
            r#"{"allow":[{"host":"web01","service":"nginx.service"},{"host":"db*","service":"postgresql*"}]}"#,
        )
        .expect("allow format");
        assert!(p.allows("web01", &unit("nginx.service"), NameRules::Systemd));
        assert!(!p.allows("web02", &unit("nginx.service"), NameRules::Systemd));
        assert!(p.allows(
            "db07",
            &unit("postgresql@15-main.service"),
            NameRules::Systemd
        ));
        assert!(!p.allows("web01", &unit("postgresql.service"), NameRules::Systemd));
        let all = ApprovedServices::parse(r#"{"allow":[{"host":"*","service":"*"}]}"#).expect("ok");
        assert!(all.allows("anything", &unit("x.service"), NameRules::Systemd));
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

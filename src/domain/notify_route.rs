//! `NotifyRoute`: which alerts a notification channel receives, by severity, host pattern, unit pattern
//! and alert kind. Stored as JSON in `notification_channels.route`; patterns are globs where `*` matches
//! any run of characters and `,` separates alternatives (`web*,db01`).

use serde::{Deserialize, Serialize};

use super::{ParseError, Severity};

/// What raised an alert, from its source: `service:`, `disk:`, `usage:`, `check:`, `restart:auto:`
/// (auto-remediation gave up), `restart:` (a restart's outcome) and `host:down`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    Service,
    Disk,
    Usage,
    Check,
    Restart,
    AutoRemediation,
    Host,
}

impl AlertKind {
    pub const ALL: [AlertKind; 7] = [
        Self::Service,
        Self::Disk,
        Self::Usage,
        Self::Check,
        Self::Restart,
        Self::AutoRemediation,
        Self::Host,
    ];

    /// The kind of an alert's `source`; anything unknown counts as a check.
    pub fn of_source(source: &str) -> Self {
        match source.split(':').next().unwrap_or("") {
            "service" => Self::Service,
            "disk" => Self::Disk,
            "usage" => Self::Usage,
            "host" => Self::Host,
            "restart" if source.starts_with("restart:auto:") => Self::AutoRemediation,
            "restart" => Self::Restart,
            _ => Self::Check,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Disk => "disk",
            Self::Usage => "usage",
            Self::Check => "check",
            Self::Restart => "restart",
            Self::AutoRemediation => "auto_remediation",
            Self::Host => "host",
        }
    }

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| ParseError(format!("unknown alert kind {text:?}")))
    }
}

/// The routing rule of one channel; the default takes everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyRoute {
    /// `warning` takes both severities, `critical` only critical ones.
    pub min_severity: String,
    /// Host glob(s); empty or `*` is every host.
    pub hosts: String,
    /// Unit glob(s), matched against the unit of `service:` and `restart:` alerts; empty is every unit.
    pub units: String,
    /// Kinds taken; empty is every kind.
    pub kinds: Vec<AlertKind>,
    /// A reminder for an alert still open this long after its last message (0: none).
    pub remind_every_secs: u32,
    /// At most this many reminders per alert.
    pub remind_max: u32,
    /// An alert that opens this many times within `flap_window_secs` is "flapping": one message says
    /// so and further changes are held back (0: no flapping detection).
    pub flap_changes: u32,
    pub flap_window_secs: u32,
}

impl Default for NotifyRoute {
    fn default() -> Self {
        Self {
            min_severity: "warning".into(),
            hosts: String::new(),
            units: String::new(),
            kinds: Vec::new(),
            remind_every_secs: 4 * 3600,
            remind_max: 3,
            flap_changes: 5,
            flap_window_secs: 900,
        }
    }
}

impl NotifyRoute {
    /// Checks the rule's parts, so a bad rule is refused when saved rather than silently matching nothing.
    pub fn validate(&self) -> Result<(), ParseError> {
        if Severity::parse(&self.min_severity).is_none() {
            return Err(ParseError(format!(
                "minimum severity must be warning or critical, got {:?}",
                self.min_severity
            )));
        }
        for (what, pattern) in [("host", &self.hosts), ("unit", &self.units)] {
            if pattern.len() > 500 || pattern.chars().any(char::is_control) {
                return Err(ParseError(format!(
                    "the {what} pattern must be at most 500 printable characters"
                )));
            }
        }
        if self.flap_changes == 1 {
            return Err(ParseError(
                "flapping needs at least 2 changes (or 0 to turn it off)".into(),
            ));
        }
        if self.remind_every_secs != 0 && self.remind_every_secs < 60 {
            return Err(ParseError(
                "reminders at most once a minute (or 0 for none)".into(),
            ));
        }
        Ok(())
    }

    /// Whether an alert with these parts goes to the channel.
    pub fn matches(&self, severity: Severity, hostname: &str, source: &str) -> bool {
        let kind = AlertKind::of_source(source);
        let severe_enough =
            severity == Severity::Critical || self.min_severity != Severity::Critical.as_str();
        let unit = unit_of(source);
        severe_enough
            && (self.kinds.is_empty() || self.kinds.contains(&kind))
            && glob_any(&self.hosts, hostname)
            && (self.units.trim().is_empty() || unit.is_some_and(|u| glob_any(&self.units, u)))
    }
}

/// The unit a `service:` or `restart:` source names.
pub fn unit_of(source: &str) -> Option<&str> {
    source
        .strip_prefix("service:")
        .or_else(|| source.strip_prefix("restart:auto:"))
        .or_else(|| source.strip_prefix("restart:"))
}

/// Whether `text` matches any of the comma-separated globs in `patterns` (empty matches everything).
pub fn glob_any(patterns: &str, text: &str) -> bool {
    let mut any = false;
    for pattern in patterns.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        any = true;
        if glob(pattern, text) {
            return true;
        }
    }
    !any
}

/// `*` matches any run of characters; everything else literally. Iterative, so no pattern is slow.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_a_shell() {
        assert!(glob_any("web*", "web01"));
        assert!(glob_any("db01, web*", "db01"));
        assert!(!glob_any("web*", "db01"));
        assert!(glob_any("", "anything"));
        assert!(glob_any("*.service", "nginx.service"));
        assert!(!glob_any("ng*x", "nginx.socket"));
    }

    #[test]
    fn a_route_filters_by_severity_kind_host_and_unit() {
        let route = NotifyRoute {
            min_severity: "critical".into(),
            hosts: "web*".into(),
            units: "nginx*".into(),
            kinds: vec![AlertKind::Service],
            ..NotifyRoute::default()
        };
        assert!(route.matches(Severity::Critical, "web1", "service:nginx.service"));
        assert!(!route.matches(Severity::Warning, "web1", "service:nginx.service"));
        assert!(!route.matches(Severity::Critical, "db1", "service:nginx.service"));
        assert!(!route.matches(Severity::Critical, "web1", "service:cron.service"));
        assert!(!route.matches(Severity::Critical, "web1", "disk:/dev/sda"));
        assert!(NotifyRoute::default().matches(Severity::Warning, "x", "usage:memory"));
    }

    #[test]
    fn sources_have_kinds() {
        assert_eq!(
            AlertKind::of_source("restart:auto:a.service"),
            AlertKind::AutoRemediation
        );
        assert_eq!(
            AlertKind::of_source("restart:a.service"),
            AlertKind::Restart
        );
        assert_eq!(AlertKind::of_source("host:down"), AlertKind::Host);
        assert_eq!(AlertKind::of_source("check:ping:x"), AlertKind::Check);
    }
}

//! Delegation: a grant lets a user, or everyone carrying an SSO group, take some actions (`logs`,
//! `restart`, `start`, `stop`, `reload`) on the units matching a unit pattern on the hosts matching a
//! host pattern; `decide` is the one rule that says whether a caller may take an action on a unit.
//!
//! The rule, in order: admins and operators may take every action (as before grants existed); a viewer
//! may read logs unless `logs_need_grant` (`SMARTMON_LOGS_NEED_GRANT`); otherwise a viewer needs a grant
//! for themselves or one of their groups that matches the host and the unit and includes the action.
//! A grant is not the last word: the approved-services allow-list, DRY_RUN and every other gate of the
//! restart workflow still run after it, so no grant reaches a unit the allow-list does not approve.

use std::fmt;

use sea_orm::entity::prelude::*;

use super::{ParseError, Role, UnitAction};

/// Who a grant is for, stored as `user` or `group` in `unit_grants.subject_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum SubjectKind {
    /// A user name (local, or an SSO identity).
    #[sea_orm(string_value = "user")]
    User,
    /// A group the SSO proxy or Cloudflare Access names for the caller.
    #[sea_orm(string_value = "group")]
    Group,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::User, Self::Group]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// The longest subject (user or group name) a grant may name.
pub const SUBJECT_MAX: usize = 128;

/// A user or group name as grants and SSO headers carry it: trimmed, lower case, 1 to 128 letters,
/// digits and `. _ @ - : = /` (no spaces or commas, which separate groups in a header).
pub fn parse_subject(input: &str) -> Result<String, ParseError> {
    let name = input.trim().to_ascii_lowercase();
    if name.is_empty() || name.chars().count() > SUBJECT_MAX {
        return Err(ParseError(format!(
            "a user or group name is 1 to {SUBJECT_MAX} characters long"
        )));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._@-:=/".contains(*c)))
    {
        return Err(ParseError(format!(
            "{bad:?} is not allowed in a user or group name (letters, digits and . _ @ - : = / only)"
        )));
    }
    Ok(name)
}

/// The most groups taken from one header or token; the rest are ignored.
pub const GROUPS_MAX: usize = 64;

/// The groups an SSO header or claim names, separated by commas or spaces: each a valid subject (others
/// are dropped), lower case, at most `GROUPS_MAX`.
pub fn parse_groups(text: &str) -> Vec<String> {
    let mut groups: Vec<String> = Vec::new();
    for name in text.split([',', ' ', '\t']).filter(|n| !n.is_empty()) {
        if let Ok(group) = parse_subject(name)
            && !groups.contains(&group)
        {
            groups.push(group);
        }
        if groups.len() == GROUPS_MAX {
            break;
        }
    }
    groups
}

/// What a grant pattern is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternOf {
    /// Host names: letters, digits, `- _ .`; at most 253 characters.
    Host,
    /// systemd unit names and Windows service names: letters, digits, `: _ . - @` and the Windows
    /// extras (space, `$ # + ( ) { } ~ !`); at most 256 characters.
    Unit,
}

impl PatternOf {
    fn max_len(self) -> usize {
        match self {
            Self::Host => 253,
            Self::Unit => 256,
        }
    }

    fn allows(self, c: char) -> bool {
        let extra = match self {
            Self::Host => "-_.",
            Self::Unit => ":_.-@ $#+(){}~!",
        };
        c.is_ascii_alphanumeric() || extra.contains(c) || c == '*' || c == '?'
    }
}

/// A host or unit pattern: the characters of the names it matches, plus `*` (any run of characters)
/// and `?` (any one character).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantPattern(String);

impl GrantPattern {
    pub fn parse(input: &str, of: PatternOf) -> Result<Self, ParseError> {
        let pattern = input.trim();
        if pattern.is_empty() {
            return Err(ParseError(
                "a pattern is required (`*` matches everything)".into(),
            ));
        }
        if pattern.chars().count() > of.max_len() {
            return Err(ParseError(format!(
                "a pattern is at most {} characters long",
                of.max_len()
            )));
        }
        if let Some(bad) = pattern.chars().find(|c| !of.allows(*c)) {
            let what = match of {
                PatternOf::Host => "a host name",
                PatternOf::Unit => "a unit or service name",
            };
            return Err(ParseError(format!(
                "{bad:?} is not allowed in a pattern for {what} (its own characters, * and ? only)"
            )));
        }
        Ok(Self(pattern.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `text` matches: `*` any run of characters, `?` any one; the rest literally.
    pub fn matches(&self, text: &str) -> bool {
        let (p, t): (Vec<char>, Vec<char>) = (self.0.chars().collect(), text.chars().collect());
        let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
        // Iterative with one backtrack point, so no pattern is slow.
        while ti < t.len() {
            if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == t[ti])) {
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
}

impl fmt::Display for GrantPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a grant can allow: reading a unit's log, or one of the unit actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    Logs,
    Act(UnitAction),
}

impl Permission {
    pub const ALL: [Permission; 5] = [
        Self::Logs,
        Self::Act(UnitAction::Restart),
        Self::Act(UnitAction::Start),
        Self::Act(UnitAction::Stop),
        Self::Act(UnitAction::Reload),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Logs => "logs",
            Self::Act(action) => action.as_str(),
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// The verb in a refusal: "read the logs of", "restart".
    fn verb(self) -> &'static str {
        match self {
            Self::Logs => "read the logs of",
            Self::Act(action) => action.as_str(),
        }
    }

    fn bit(self) -> u8 {
        1 << Self::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// A set of permissions, stored as their names joined by commas (`logs,restart`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Permissions(u8);

impl Permissions {
    /// At least one known name, each separated by commas or spaces; an unknown name is refused.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let mut set = Self::default();
        for name in text
            .split([',', ' '])
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            let permission = Permission::parse(&name.to_ascii_lowercase()).ok_or_else(|| {
                ParseError(format!(
                    "{name:?} is not an action (logs, restart, start, stop or reload)"
                ))
            })?;
            set = set.with(permission);
        }
        if set.0 == 0 {
            return Err(ParseError(
                "a grant allows at least one action (logs, restart, start, stop or reload)".into(),
            ));
        }
        Ok(set)
    }

    pub fn with(self, permission: Permission) -> Self {
        Self(self.0 | permission.bit())
    }

    pub fn contains(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }
}

impl fmt::Display for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Permission::as_str).collect();
        f.write_str(&names.join(","))
    }
}

/// One grant, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub kind: SubjectKind,
    pub subject: String,
    pub hosts: GrantPattern,
    pub units: GrantPattern,
    pub permissions: Permissions,
}

impl Grant {
    /// Whether this grant lets `caller` take `permission` on `unit` of `host`.
    pub fn allows(&self, caller: &Caller, host: &str, unit: &str, permission: Permission) -> bool {
        let for_caller = match self.kind {
            SubjectKind::User => self.subject.eq_ignore_ascii_case(caller.username),
            SubjectKind::Group => caller
                .groups
                .iter()
                .any(|g| self.subject.eq_ignore_ascii_case(g)),
        };
        for_caller
            && self.permissions.contains(permission)
            && self.hosts.matches(host)
            && self.units.matches(unit)
    }
}

/// Who asks: a signed-in user's name, role and SSO groups.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub username: &'a str,
    pub role: Role,
    pub groups: &'a [String],
}

/// Why a caller may take an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// An operator or admin: every action, as before grants.
    Role,
    /// A viewer reading logs while `SMARTMON_LOGS_NEED_GRANT` is off.
    ViewersReadLogs,
    /// A viewer with a grant for this unit and action.
    Grant,
}

/// The answer of `decide`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allowed(Basis),
    /// Refused, with a sentence for the person who asked.
    Refused(String),
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed(_))
    }
}

/// Whether `caller` may take `permission` on `unit` of `host`, given the grants held for them (others'
/// grants may be in `grants` too; they are ignored). `logs_need_grant`: `SMARTMON_LOGS_NEED_GRANT`.
pub fn decide(
    caller: &Caller,
    grants: &[Grant],
    (host, unit): (&str, &str),
    permission: Permission,
    logs_need_grant: bool,
) -> Decision {
    if caller.role >= Role::Operator {
        return Decision::Allowed(Basis::Role);
    }
    if permission == Permission::Logs && !logs_need_grant {
        return Decision::Allowed(Basis::ViewersReadLogs);
    }
    if grants
        .iter()
        .any(|g| g.allows(caller, host, unit, permission))
    {
        return Decision::Allowed(Basis::Grant);
    }
    Decision::Refused(format!(
        "You have no grant to {} {unit} on {host}; an admin can give you one on the Grants page.",
        permission.verb()
    ))
}

#[cfg(test)]
#[path = "grant_tests.rs"]
mod tests;

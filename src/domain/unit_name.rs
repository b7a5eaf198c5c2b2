//! `UnitName`: a systemd unit name, or on a Windows host a Windows service name, that is safe to hand to
//! systemd or the Service Control Manager, a database or a command line.

use std::borrow::Borrow;
use std::fmt;

use sea_orm::DeriveValueType;

use super::ParseError;

/// Unit types systemd knows; a name ending in one of them keeps its suffix, any other gets `.service`.
const UNIT_SUFFIXES: [&str; 11] = [
    ".service",
    ".socket",
    ".target",
    ".timer",
    ".mount",
    ".automount",
    ".path",
    ".slice",
    ".scope",
    ".device",
    ".swap",
];

/// A valid systemd unit name (`[A-Za-z0-9:_.\-@]`, at most 255 bytes, not starting with `-`),
/// with `.service` appended when the input named no unit type (`ssh` becomes `ssh.service`).
/// Stored as TEXT; a stored value that is not a unit name in this full form is a read error.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, DeriveValueType)]
#[serde(transparent)]
#[sea_orm(value_type = "String", from_str = "UnitName::parse_stored")]
pub struct UnitName(String);

/// Whose names: a Linux host's systemd units, or a Windows host's services. Each host is held to its own
/// rules, so accepting Windows names for Windows hosts loosens nothing for Linux hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRules {
    Systemd,
    Windows,
}

impl NameRules {
    /// The rules of the platform this binary runs on (what its own collector and executor speak).
    #[cfg(unix)]
    pub const HOST: NameRules = NameRules::Systemd;
    #[cfg(windows)]
    pub const HOST: NameRules = NameRules::Windows;

    /// The rules of a host whose agent reported `os` (the `hosts` row): Windows agents report
    /// `Windows …`; anything else, or nothing, keeps systemd's rules.
    pub fn for_os(os: Option<&str>) -> NameRules {
        match os {
            Some(os) if os.starts_with("Windows") => NameRules::Windows,
            _ => NameRules::Systemd,
        }
    }
}

/// Windows allows longer key names, but 256 characters is the documented limit.
const WINDOWS_NAME_MAX: usize = 256;

impl UnitName {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(ParseError("a unit name is required".into()));
        }
        if let Some(bad) = input
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '.' | '-' | '@')))
        {
            return Err(ParseError(format!(
                "{bad:?} is not allowed in a unit name (letters, digits and : _ . - @ only)"
            )));
        }
        if input.starts_with('-') {
            return Err(ParseError("a unit name must not start with '-'".into()));
        }
        let name = if UNIT_SUFFIXES.iter().any(|s| input.ends_with(s)) {
            input.to_owned()
        } else {
            format!("{input}.service")
        };
        if name.len() > 255 {
            return Err(ParseError("a unit name is at most 255 bytes long".into()));
        }
        let stem = stem(&name);
        if stem.is_empty() || stem.starts_with('@') || stem.matches('@').count() > 1 {
            return Err(ParseError(format!("{name:?} is not a valid unit name")));
        }
        Ok(Self(name))
    }

    /// A unit name already in its full form (what systemd reports and the database holds): `ssh` or
    /// ` ssh.service` are refused here, where `parse` would complete or trim them.
    pub fn parse_exact(input: &str) -> Result<Self, ParseError> {
        let name = Self::parse(input)?;
        if name.0 == input {
            Ok(name)
        } else {
            Err(ParseError(format!("{input:?} is not a full unit name")))
        }
    }

    /// A Windows service's key name (`Spooler`, `wuauserv`, `MSSQL$SQLEXPRESS`), taken as it is:
    /// at most 256 characters, ASCII letters, digits, spaces and `_ - . $ # @ + ( ) { } ~ !`, no slash or
    /// backslash (the SCM refuses them), no leading or trailing space, not starting with `-`.
    pub fn parse_windows(input: &str) -> Result<Self, ParseError> {
        if input.trim().is_empty() {
            return Err(ParseError("a service name is required".into()));
        }
        if input.trim() != input {
            return Err(ParseError(
                "a Windows service name has no leading or trailing spaces".into(),
            ));
        }
        if let Some(bad) = input.chars().find(|c| {
            !(c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    ' ' | '_'
                        | '-'
                        | '.'
                        | '$'
                        | '#'
                        | '@'
                        | '+'
                        | '('
                        | ')'
                        | '{'
                        | '}'
                        | '~'
                        | '!'
                ))
        }) {
            return Err(ParseError(format!(
                "{bad:?} is not allowed in a Windows service name (letters, digits, spaces and _ - . $ # @ + ( ) {{ }} ~ ! only)"
            )));
        }
        if input.starts_with('-') {
            return Err(ParseError("a service name must not start with '-'".into()));
        }
        if input.chars().count() > WINDOWS_NAME_MAX {
            return Err(ParseError(
                "a Windows service name is at most 256 characters long".into(),
            ));
        }
        Ok(Self(input.to_owned()))
    }

    /// A name a person or a request gave for a host that follows `rules`.
    pub fn parse_as(input: &str, rules: NameRules) -> Result<Self, ParseError> {
        match rules {
            NameRules::Systemd => Self::parse(input),
            NameRules::Windows => Self::parse_windows(input.trim()),
        }
    }

    /// A name as the database or the live bus holds it: a full unit name, or a Windows service name
    /// (which only a Windows agent writes).
    pub fn parse_stored(input: &str) -> Result<Self, ParseError> {
        Self::parse_exact(input).or_else(|_| Self::parse_windows(input))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `foo@.service`: a template, which systemd cannot run without an instance.
    pub(crate) fn is_template(&self) -> bool {
        stem(&self.0).ends_with('@')
    }

    pub(crate) fn is_service(&self) -> bool {
        self.0.ends_with(".service")
    }
}

/// The name without its unit-type suffix.
fn stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

impl fmt::Display for UnitName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for UnitName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Maps keyed by `UnitName` are looked up by `&str` (equality and hashing are the text's).
impl Borrow<str> for UnitName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for UnitName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for UnitName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_name_gets_the_service_suffix() {
        assert_eq!(
            UnitName::parse("ssh").expect("valid").as_str(),
            "ssh.service"
        );
        assert_eq!(
            UnitName::parse("nginx.service").expect("valid").as_str(),
            "nginx.service"
        );
        assert_eq!(
            UnitName::parse("a.b").expect("valid").as_str(),
            "a.b.service"
        );
        assert_eq!(
            UnitName::parse("dev-sda1.mount").expect("valid").as_str(),
            "dev-sda1.mount"
        );
    }

    #[test]
    fn templates_and_instances_are_told_apart() {
        assert!(
            UnitName::parse("getty@.service")
                .expect("valid")
                .is_template()
        );
        assert!(
            !UnitName::parse("getty@tty1.service")
                .expect("valid")
                .is_template()
        );
        assert!(UnitName::parse("getty@").expect("valid").is_template());
    }

    #[test]
    fn dangerous_or_malformed_names_are_refused() {
        for bad in [
            "",
            "-x.service",
            "../etc/passwd",
            "a/b",
            "a b",
            "a;reboot",
            "$(id)",
            "@.service",
            "a@b@c.service",
            ".service",
            "ü.service",
        ] {
            assert!(UnitName::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(UnitName::parse(&"a".repeat(247)).is_ok());
        assert!(UnitName::parse_exact("ssh.service").is_ok());
        for inexact in ["ssh", " ssh.service"] {
            assert!(UnitName::parse_exact(inexact).is_err(), "{inexact:?}");
        }
        assert!(UnitName::parse(&"a".repeat(248)).is_err());
    }
}

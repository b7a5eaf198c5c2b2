//! `Hostname`: the name a host reports under (`HOSTNAME_OVERRIDE` or the system's), checked once.

use std::borrow::Borrow;
use std::fmt;

use sea_orm::DeriveValueType;

use super::ParseError;

/// Letters, digits, `-`, `_` and `.`, 1 to 253 bytes, not starting with `-` or `.`. Stored as TEXT;
/// a stored value that is not a host name exactly as written is a read error.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, DeriveValueType)]
#[serde(transparent)]
#[sea_orm(value_type = "String", from_str = "Hostname::parse_exact")]
pub struct Hostname(String);

impl Hostname {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let name = input.trim();
        if name.is_empty() || name.len() > 253 {
            return Err(ParseError("a host name is 1 to 253 characters long".into()));
        }
        if name.starts_with(['-', '.']) {
            return Err(ParseError(format!(
                "{name:?} must not start with '-' or '.'"
            )));
        }
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(ParseError(format!("{bad:?} is not allowed in a host name")));
        }
        Ok(Self(name.to_owned()))
    }

    /// A host name already in its checked form (what the database holds): no surrounding spaces.
    pub fn parse_exact(input: &str) -> Result<Self, ParseError> {
        let name = Self::parse(input)?;
        if name.0 == input {
            Ok(name)
        } else {
            Err(ParseError(format!("{input:?} has surrounding spaces")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Hostname {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Maps keyed by `Hostname` are looked up by `&str` (equality and hashing are the text's).
impl Borrow<str> for Hostname {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Hostname {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Hostname {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_are_checked() {
        assert_eq!(
            Hostname::parse(" BackendServer ").expect("valid").as_str(),
            "BackendServer"
        );
        assert!(Hostname::parse("web-01.example.org").is_ok());
        for bad in ["", "-x", ".x", "a b", "a/b", "<script>"] {
            assert!(Hostname::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Hostname::parse_exact("web-01").is_ok());
        assert!(
            Hostname::parse_exact(" web-01").is_err(),
            "stored names are exact"
        );
    }
}

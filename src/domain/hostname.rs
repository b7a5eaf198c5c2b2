//! `Hostname`: the name a host reports under (`HOSTNAME_OVERRIDE` or the system's), checked once.

use std::fmt;

use super::ParseError;

/// Letters, digits, `-`, `_` and `.`, 1 to 253 bytes, not starting with `-` or `.`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
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

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
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
    }
}

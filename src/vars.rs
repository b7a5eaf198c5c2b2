//! Reading settings from the environment: `Vars` (the variables, empty ones treated as unset, secrets also
//! from `NAME_FILE`), `Secret` (a value that is never printed) and `SettingsError` (names the variable).
//! A leaf: every area reads its own settings through it, and it imports nothing of the crate.

use std::collections::HashMap;
use std::fmt;

/// A value that must never be logged or rendered; `Debug` prints `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A setting that could not be used, naming the variable and what was expected.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct SettingsError {
    pub variable: String,
    pub message: String,
}

impl SettingsError {
    pub fn new(variable: &str, message: impl Into<String>) -> Self {
        Self {
            variable: variable.to_owned(),
            message: message.into(),
        }
    }
}

/// The environment, with empty values treated as unset (compose writes `HOST_IP=` for "no value").
/// Area modules read their own settings from it (`fn from_vars(vars: &Vars) -> Result<_, SettingsError>`).
pub struct Vars(HashMap<String, String>);

impl Vars {
    pub fn new(vars: HashMap<String, String>) -> Self {
        Self(vars)
    }

    /// The process environment.
    pub fn from_env() -> Self {
        Self(std::env::vars().collect())
    }

    /// A literal set of variables (what tests use).
    #[cfg(test)]
    pub(crate) fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Self(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }
}

impl Vars {
    pub fn text(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// A secret from `NAME` or from the file named by `NAME_FILE` (Docker secrets), never both.
    pub fn secret(&self, name: &str) -> Result<Option<Secret>, SettingsError> {
        let file_var = format!("{name}_FILE");
        match (self.text(name), self.text(&file_var)) {
            (Some(_), Some(_)) => Err(SettingsError::new(
                name,
                format!("set either {name} or {file_var}, not both"),
            )),
            (Some(value), None) => Ok(Some(Secret::new(value))),
            (None, Some(path)) => {
                let value = std::fs::read_to_string(&path).map_err(|e| {
                    SettingsError::new(&file_var, format!("cannot read {path:?}: {e}"))
                })?;
                let value = value.trim_end_matches(['\n', '\r']).to_owned();
                if value.is_empty() {
                    return Err(SettingsError::new(&file_var, format!("{path:?} is empty")));
                }
                Ok(Some(Secret::new(value)))
            }
            (None, None) => Ok(None),
        }
    }

    pub(crate) fn flag(&self, name: &str, default: bool) -> Result<bool, SettingsError> {
        let Some(value) = self.text(name) else {
            return Ok(default);
        };
        match value.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(SettingsError::new(
                name,
                format!("expected true or false (or 1/0), got {value:?}"),
            )),
        }
    }

    pub fn number<T>(
        &self,
        name: &str,
        default: T,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<T, SettingsError>
    where
        T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
    {
        let Some(value) = self.text(name) else {
            return Ok(default);
        };
        match value.parse::<T>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(SettingsError::new(
                name,
                format!(
                    "expected a whole number from {} to {}, got {value:?}",
                    range.start(),
                    range.end()
                ),
            )),
        }
    }

    pub fn parsed<T: std::str::FromStr>(
        &self,
        name: &str,
        expected: &str,
        default: impl FnOnce() -> T,
    ) -> Result<T, SettingsError> {
        match self.text(name) {
            None => Ok(default()),
            Some(value) => value.parse().map_err(|_| {
                SettingsError::new(name, format!("expected {expected}, got {value:?}"))
            }),
        }
    }
}

//! Query-string parsing with errors that name the parameter, shared by pages and the JSON API.
//!
//! `Params::parse` accepts `a=1&b=x`; typed getters check each value and return `BadParam`, which the
//! page handlers show as a 400 page and the API as `{"error": …, "parameter": …}`.

use std::collections::HashMap;

use crate::domain::Hostname;

/// A query parameter a person got wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parameter {name}: {message}")]
pub struct BadParam {
    pub name: String,
    pub message: String,
}

impl BadParam {
    pub fn new(name: &str, message: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            message: message.into(),
        }
    }
}

/// The decoded query string; empty values count as absent (forms send `host=` for "any host").
#[derive(Debug, Default)]
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn parse(query: &str) -> Result<Self, BadParam> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|_| BadParam::new("query", "the query string is not valid URL encoding"))?;
        let mut map = HashMap::new();
        for (name, value) in pairs {
            let value = value.trim().to_owned();
            if value.is_empty() {
                continue;
            }
            if value.len() > 512 {
                return Err(BadParam::new(&name, "is longer than 512 characters"));
            }
            if map.insert(name.clone(), value).is_some() {
                return Err(BadParam::new(&name, "is given more than once"));
            }
        }
        Ok(Self(map))
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A whole number; out-of-range values are clamped into `min..=max`, non-numbers refused.
    pub fn clamped(&self, name: &str, default: u64, min: u64, max: u64) -> Result<u64, BadParam> {
        match self.text(name) {
            None => Ok(default),
            Some(value) => value
                .parse::<u64>()
                .map(|n| n.clamp(min, max))
                .map_err(|_| {
                    BadParam::new(name, format!("expected a whole number, got {value:?}"))
                }),
        }
    }

    /// One of a fixed set of words.
    pub(crate) fn choice<'a>(
        &self,
        name: &str,
        allowed: &[&'a str],
    ) -> Result<Option<&'a str>, BadParam> {
        match self.text(name) {
            None => Ok(None),
            Some(value) => allowed
                .iter()
                .find(|a| **a == value)
                .copied()
                .map(Some)
                .ok_or_else(|| {
                    BadParam::new(
                        name,
                        format!("expected one of {}, got {value:?}", allowed.join(", ")),
                    )
                }),
        }
    }

    /// One of a fixed set of values, each known by `name_of` (an enum's `ALL` and `as_str`).
    pub(crate) fn one_of<T: Copy>(
        &self,
        name: &str,
        allowed: &[T],
        name_of: impl Fn(T) -> &'static str,
    ) -> Result<Option<T>, BadParam> {
        let names: Vec<&'static str> = allowed.iter().map(|a| name_of(*a)).collect();
        let chosen = self.choice(name, &names)?;
        Ok(chosen.and_then(|c| allowed.iter().copied().find(|a| name_of(*a) == c)))
    }

    /// A host name as hosts report it (`Hostname::parse`, the one rule for host names).
    pub fn hostname(&self, name: &str) -> Result<Option<Hostname>, BadParam> {
        match self.text(name) {
            None => Ok(None),
            Some(value) => Hostname::parse(value)
                .map(Some)
                .map_err(|e| BadParam::new(name, format!("{value:?} is not a host name: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_absent_and_numbers_are_clamped() {
        let p = Params::parse("host=&limit=5000&offset=3").expect("valid");
        assert_eq!(p.text("host"), None);
        assert_eq!(p.clamped("limit", 100, 1, 1000), Ok(1000));
        assert_eq!(p.clamped("offset", 0, 0, u64::MAX), Ok(3));
    }

    #[test]
    fn errors_name_the_parameter() {
        let p = Params::parse("limit=ten&status=sleepy&host=a%20b").expect("valid");
        assert_eq!(
            p.clamped("limit", 1, 1, 2).expect_err("not a number").name,
            "limit"
        );
        let err = p
            .choice("status", &["running", "failed"])
            .expect_err("not allowed");
        assert_eq!(
            err.to_string(),
            "parameter status: expected one of running, failed, got \"sleepy\""
        );
        assert_eq!(p.hostname("host").expect_err("space").name, "host");
        assert_eq!(Params::parse("a=1&a=2").expect_err("twice").name, "a");
    }

    #[test]
    fn host_names_follow_the_domain_rule() {
        let p = Params::parse("a=web-01.lan&b=-web&c=.web&d=db_2").expect("valid");
        assert_eq!(
            p.hostname("a").expect("valid").map(|h| h.to_string()),
            Some("web-01.lan".to_owned())
        );
        for leading in ["b", "c"] {
            let err = p
                .hostname(leading)
                .expect_err("a leading - or . is refused");
            assert_eq!(err.name, leading);
        }
        assert!(p.hostname("d").expect("underscores are allowed").is_some());
        assert_eq!(p.hostname("missing"), Ok(None));
    }
}

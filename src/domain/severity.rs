//! `Severity`: how urgent an alert is (`alerts.severity`).

use std::fmt;

use sea_orm::entity::prelude::*;

/// An alert's severity, stored as its lower-case name in a TEXT column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, EnumIter, DeriveActiveEnum)]
#[serde(rename_all = "lowercase")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Severity {
    #[sea_orm(string_value = "warning")]
    Warning,
    #[sea_orm(string_value = "critical")]
    Critical,
}

impl Severity {
    /// Most urgent first, the order pages list them in.
    pub const ALL: [Severity; 2] = [Self::Critical, Self::Warning];

    /// The severity a person named (a filter's `severity=critical`); `None` for any other text.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::ActiveEnum;

    use super::*;

    #[test]
    fn severities_parse_by_their_stored_names_only() {
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
            assert_eq!(s.to_value(), s.as_str());
        }
        assert_eq!(Severity::parse("urgent"), None);
        assert!(Severity::try_from_value(&"urgent".to_owned()).is_err());
    }
}

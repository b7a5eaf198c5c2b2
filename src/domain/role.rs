//! `Role`: what a user may do (`users.role`).

use std::fmt;

use sea_orm::entity::prelude::*;

/// What a user may do; each role includes the ones before it. Stored as its lower-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Role {
    /// Reads every page.
    #[sea_orm(string_value = "viewer")]
    Viewer,
    /// Also restarts approved services.
    #[sea_orm(string_value = "operator")]
    Operator,
    /// Also manages users.
    #[sea_orm(string_value = "admin")]
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Operator, Role::Admin];

    /// The role a person typed (a form, the CLI), in any case; `None` for anything else.
    pub fn parse(text: &str) -> Option<Role> {
        let text = text.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::ActiveEnum;

    use super::*;

    #[test]
    fn roles_are_ordered_and_typed_input_ignores_case() {
        assert!(Role::Viewer < Role::Operator && Role::Operator < Role::Admin);
        assert_eq!(Role::parse(" Admin "), Some(Role::Admin));
        assert_eq!(Role::parse("root"), None);
        for r in Role::ALL {
            assert_eq!(r.to_value(), r.as_str());
        }
        assert!(
            Role::try_from_value(&"Admin".to_owned()).is_err(),
            "stored roles are exact"
        );
    }
}

//! `PasswordHash`: what `users.password_hash` holds, an argon2 PHC string or the mark of an account
//! that signs in only through SSO.

use std::fmt;

use sea_orm::DeriveValueType;

use super::ParseError;

/// The stored text of an SSO-only account (kept as it always was, so existing rows read back).
const SSO_ONLY: &str = "!sso";

/// A local account's password as stored. `Debug` never shows the hash.
#[derive(Clone, PartialEq, Eq, DeriveValueType)]
#[sea_orm(
    value_type = "String",
    from_str = "PasswordHash::from_stored",
    to_str = "PasswordHash::to_stored"
)]
pub enum PasswordHash {
    /// An argon2 PHC string (`$argon2id$v=19$…`).
    Argon2(String),
    /// Created for an SSO identity: no password signs in to it.
    SsoOnly,
}

impl PasswordHash {
    /// Reads the stored text back: `!sso`, or a PHC string naming argon2; anything else is an error.
    pub(crate) fn from_stored(text: &str) -> Result<Self, ParseError> {
        if text == SSO_ONLY {
            Ok(Self::SsoOnly)
        } else if text.starts_with("$argon2") {
            Ok(Self::Argon2(text.to_owned()))
        } else {
            Err(ParseError(
                "a stored password is an argon2 PHC string or the SSO-only mark".into(),
            ))
        }
    }

    pub(crate) fn to_stored(&self) -> String {
        match self {
            Self::Argon2(phc) => phc.clone(),
            Self::SsoOnly => SSO_ONLY.to_owned(),
        }
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Argon2(_) => f.write_str("Argon2(..)"),
            Self::SsoOnly => f.write_str("SsoOnly"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_forms_round_trip_and_anything_else_is_refused() {
        let phc = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
        for stored in [phc, "!sso"] {
            let read = PasswordHash::from_stored(stored).expect("valid");
            assert_eq!(read.to_stored(), stored);
        }
        assert_eq!(PasswordHash::from_stored("!sso"), Ok(PasswordHash::SsoOnly));
        for bad in ["", "sso", "plain text", "$2b$12$bcrypt"] {
            assert!(PasswordHash::from_stored(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            format!("{:?}", PasswordHash::Argon2(phc.into())),
            "Argon2(..)"
        );
    }
}

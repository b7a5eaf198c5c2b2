//! Password hashing with argon2id (argon2 0.6): hash for storage, verify in constant time.

use argon2::{Argon2, PasswordHash as Phc, PasswordHasher, PasswordVerifier};

use crate::domain::PasswordHash;

/// Shortest password accepted for a local account.
pub const MIN_PASSWORD_LEN: usize = 10;

/// The PHC string (`$argon2id$v=19$...`) for `password`, with a fresh random salt.
pub(crate) fn hash(password: &str) -> anyhow::Result<PasswordHash> {
    let hashed: Result<Phc, _> = Argon2::default().hash_password(password.as_bytes());
    hashed
        .map(|h| PasswordHash::Argon2(h.to_string()))
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

/// Whether `password` matches the stored hash; an SSO-only account (which takes as long to refuse as a
/// wrong password) or a malformed PHC string never matches.
pub fn verify(password: &str, stored: &PasswordHash) -> bool {
    match stored {
        PasswordHash::Argon2(phc) => verify_phc(password, phc),
        PasswordHash::SsoOnly => {
            verify_dummy(password);
            false
        }
    }
}

fn verify_phc(password: &str, phc: &str) -> bool {
    match Phc::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the time a real verification takes, so an unknown username answers as slowly as a known one.
pub(crate) fn verify_dummy(password: &str) {
    use std::sync::OnceLock;
    static DUMMY: OnceLock<Option<PasswordHash>> = OnceLock::new();
    if let Some(PasswordHash::Argon2(phc)) =
        DUMMY.get_or_init(|| hash("smartmon-dummy-password").ok())
    {
        let _ = verify_phc(password, phc);
    }
}

/// Why a new password is refused, in words for the person choosing it.
pub(crate) fn check_strength(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(format!(
            "a password needs at least {MIN_PASSWORD_LEN} characters"
        ));
    }
    if password.len() > 1024 {
        return Err("a password may have at most 1024 bytes".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").expect("hash");
        assert!(stored.to_stored().starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("wrong horse battery", &stored));
        assert!(!verify(
            "anything",
            &PasswordHash::Argon2("$argon2id$nonsense".into())
        ));
        assert!(!verify("!sso", &PasswordHash::SsoOnly));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_strength("short").is_err());
        assert!(check_strength("long enough now").is_ok());
    }
}

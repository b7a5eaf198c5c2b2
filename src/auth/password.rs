//! Password hashing with argon2id (argon2 0.6): hash for storage, verify in constant time. Both run in
//! working memory borrowed from a fixed pool (`hash_memory`), never in a fresh 19 MiB allocation.

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Params, PasswordHash as Phc, Version};
use subtle::ConstantTimeEq;

use crate::auth::hash_memory::with_blocks;
use crate::domain::PasswordHash;

/// Shortest password accepted for a local account.
pub const MIN_PASSWORD_LEN: usize = 10;

/// The PHC string (`$argon2id$v=19$...`) for `password`, with a fresh random salt.
pub(crate) fn hash(password: &str) -> anyhow::Result<PasswordHash> {
    let fail = |e: &dyn std::fmt::Display| anyhow::anyhow!("cannot hash the password: {e}");
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| fail(&e))?;
    let params = Params::DEFAULT;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    with_blocks(params.block_count(), |blocks| {
        argon.hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, blocks)
    })
    .map_err(|e| fail(&e))?;
    let phc = Phc {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| fail(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| fail(&e))?),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(PasswordHash::Argon2(phc.to_string()))
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
    let Ok(parsed) = Phc::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let algorithm = Algorithm::new(parsed.algorithm.as_str());
    let version = Version::try_from(parsed.version.unwrap_or(Version::V0x13.into()));
    let params = Params::try_from(&parsed);
    let (Ok(algorithm), Ok(version), Ok(params)) = (algorithm, version, params) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let blocks = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    let hashed = with_blocks(blocks, |memory| {
        argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory)
    });
    hashed.is_ok() && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
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
    fn hashes_from_the_argon2_crate_verify_and_ours_verify_there() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery")
            .expect("hash")
            .to_string();
        assert!(verify_phc("correct horse battery", &theirs));
        assert!(!verify_phc("correct horse batterY", &theirs));
        let PasswordHash::Argon2(ours) = hash("correct horse battery").expect("hash") else {
            panic!("an argon2 hash");
        };
        let parsed = Phc::new(&ours).expect("a PHC string");
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_strength("short").is_err());
        assert!(check_strength("long enough now").is_ok());
    }
}

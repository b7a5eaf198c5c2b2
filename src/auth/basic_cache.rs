//! Verified Basic Auth credentials, held for a short time so a script polling with Basic Auth costs what a
//! session costs instead of an argon2 verification (19 MiB, tens of milliseconds) per request.
//!
//! An entry is keyed by an HMAC-SHA256 of user name and password under a random per-process key: the
//! password is never held, and the table is useless outside this process. Requests that bring the same
//! unverified credential at once take turns (`turn`): the first verifies it, the others find it held. Only a verified credential
//! enters it (a wrong password never does); it is kept for at most `KEEP_SECS`. The account row it was
//! verified against is compared again (one indexed read, no hashing) when any account changed in this
//! process (`db::users::generation`: a password change, disable or role change acts at once) and at
//! least every `RECHECK_SECS`, which bounds a change made by another process (a replica, the CLI): a new
//! password, a disabled account or a new role takes effect there within `RECHECK_SECS`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::db::entities::users::Model as User;

/// How long a verified credential is used before the password is verified again.
pub const KEEP_SECS: f64 = 60.0;
/// How long the account row behind a held credential is trusted without a new read.
pub const RECHECK_SECS: f64 = 5.0;
/// Entries held at most; beyond it the table starts over.
const MAX_HELD: usize = 10_000;

type Key = [u8; 32];

struct Held {
    user: User,
    verified_at: f64,
    checked_at: f64,
    generation: u64,
}

/// What a lookup found.
pub(crate) enum Lookup {
    /// Verified recently and the account is unchanged: use it.
    Fresh(User),
    /// Verified recently, but the account row must be compared again first (`confirm`).
    Recheck,
    Missing,
}

pub struct BasicCache {
    key: Key,
    held: Mutex<HashMap<Key, Held>>,
    /// One verification per credential in flight (a dashboard's 16 connections start together).
    verifying: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
}

/// A turn to verify one credential; dropping it lets the next request with that credential look again.
pub(crate) struct Turn<'a> {
    cache: &'a BasicCache,
    key: Key,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut verifying = self
            .cache
            .verifying
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        verifying.remove(&self.key);
    }
}

impl BasicCache {
    /// An empty cache with a fresh random key.
    pub fn new() -> anyhow::Result<Self> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
        Ok(Self {
            key,
            held: Mutex::default(),
            verifying: Mutex::default(),
        })
    }

    /// Waits until no other request is verifying this credential, then holds the turn: a request that
    /// waited looks the credential up again before verifying it itself.
    pub(crate) async fn turn(&self, username: &str, password: &str) -> Turn<'_> {
        let key = self.key_for(username, password);
        let lock = {
            let mut verifying = self.verifying.lock().unwrap_or_else(|p| p.into_inner());
            verifying.entry(key).or_default().clone()
        };
        Turn {
            cache: self,
            key,
            _guard: lock.lock_owned().await,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Held>> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// HMAC-SHA256(key, user NUL password) (RFC 2104; SHA-256's block is 64 bytes).
    fn key_for(&self, username: &str, password: &str) -> Key {
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&self.key);
        let pad = |byte: u8| block.map(|b| b ^ byte);
        let inner = Sha256::new()
            .chain_update(pad(0x36))
            .chain_update(username.as_bytes())
            .chain_update([0u8])
            .chain_update(password.as_bytes())
            .finalize();
        Sha256::new()
            .chain_update(pad(0x5c))
            .chain_update(inner)
            .finalize()
            .into()
    }

    /// Whether `username` with `password` was verified within `KEEP_SECS` of `now`.
    pub(crate) fn lookup(&self, username: &str, password: &str, now: f64) -> Lookup {
        let key = self.key_for(username, password);
        let mut held = self.lock();
        let Some(entry) = held.get(&key) else {
            return Lookup::Missing;
        };
        if !(0.0..KEEP_SECS).contains(&(now - entry.verified_at)) {
            held.remove(&key);
            return Lookup::Missing;
        }
        let current = entry.generation == crate::db::users::generation()
            && (0.0..RECHECK_SECS).contains(&(now - entry.checked_at));
        if current {
            Lookup::Fresh(entry.user.clone())
        } else {
            Lookup::Recheck
        }
    }

    /// Holds a credential just verified against `user` (read at `generation`).
    pub(crate) fn remember(
        &self,
        username: &str,
        password: &str,
        user: User,
        now: f64,
        generation: u64,
    ) {
        let key = self.key_for(username, password);
        let mut held = self.lock();
        if held.len() >= MAX_HELD {
            held.clear();
        }
        held.insert(
            key,
            Held {
                user,
                verified_at: now,
                checked_at: now,
                generation,
            },
        );
    }

    /// After a recheck: keeps the credential when the account row read at `generation` is still what
    /// it was verified against (same password hash and role, enabled); else forgets it (a new password,
    /// a disabled or deleted account, a new role). Returns the user to answer with, if kept.
    pub(crate) fn confirm(
        &self,
        username: &str,
        password: &str,
        row: Option<User>,
        now: f64,
        generation: u64,
    ) -> Option<User> {
        let key = self.key_for(username, password);
        let mut held = self.lock();
        let entry = held.get_mut(&key)?;
        match row {
            Some(row)
                if row.password_hash == entry.user.password_hash
                    && row.role == entry.user.role
                    && !row.disabled =>
            {
                entry.user = row.clone();
                entry.checked_at = now;
                entry.generation = generation;
                Some(row)
            }
            _ => {
                held.remove(&key);
                None
            }
        }
    }

    /// Forgets every credential of `username` (its account changed here).
    pub(crate) fn forget_username(&self, username: &str) {
        self.lock().retain(|_, h| h.user.username != username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PasswordHash, Role};

    fn user(hash: &str) -> User {
        User {
            id: 1,
            username: "alice".into(),
            password_hash: PasswordHash::Argon2(hash.to_owned()),
            role: Role::Viewer,
            disabled: false,
            created_at: 0.0,
            last_login_at: None,
            password_changed_at: 0.0,
        }
    }

    const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

    #[test]
    fn only_the_same_user_and_password_match_and_only_for_a_while() {
        let cache = BasicCache::new().expect("cache");
        let generation = crate::db::users::generation();
        cache.remember("alice", "right", user(HASH), 100.0, generation);
        assert!(matches!(
            cache.lookup("alice", "wrong", 101.0),
            Lookup::Missing
        ));
        assert!(matches!(
            cache.lookup("alicer", "ight", 101.0),
            Lookup::Missing
        ));
        assert!(matches!(
            cache.lookup("alice", "right", 100.0 + RECHECK_SECS + 1.0),
            Lookup::Recheck
        ));
        assert!(matches!(
            cache.lookup("alice", "right", 100.0 + KEEP_SECS),
            Lookup::Missing
        ));
    }

    #[test]
    fn a_changed_disabled_promoted_or_deleted_account_forgets_the_credential() {
        let cache = BasicCache::new().expect("cache");
        cache.remember("alice", "pw", user(HASH), 0.0, 0);
        let mut disabled = user(HASH);
        disabled.disabled = true;
        assert!(
            cache
                .confirm("alice", "pw", Some(disabled), 1.0, 0)
                .is_none()
        );
        assert!(matches!(cache.lookup("alice", "pw", 1.0), Lookup::Missing));
        cache.remember("alice", "pw", user(HASH), 0.0, 0);
        let mut promoted = user(HASH);
        promoted.role = Role::Admin;
        assert!(
            cache
                .confirm("alice", "pw", Some(promoted), 1.0, 0)
                .is_none()
        );
        cache.remember("alice", "pw", user(HASH), 0.0, 0);
        assert!(
            cache.confirm("alice", "pw", None, 1.0, 0).is_none(),
            "deleted"
        );
        cache.remember("alice", "pw", user(HASH), 0.0, 0);
        assert!(
            cache
                .confirm("alice", "pw", Some(user(HASH)), 1.0, 0)
                .is_some()
        );
        cache.forget_username("alice");
        assert!(matches!(cache.lookup("alice", "pw", 1.0), Lookup::Missing));
    }

    #[tokio::test]
    async fn one_request_at_a_time_verifies_the_same_credential() {
        let cache = BasicCache::new().expect("cache");
        let wait = std::time::Duration::from_millis(50);
        let first = cache.turn("script", "pw").await;
        let same = tokio::time::timeout(wait, cache.turn("script", "pw")).await;
        assert!(
            same.is_err(),
            "the same credential waits for the first check"
        );
        let other = tokio::time::timeout(wait, cache.turn("script", "other")).await;
        assert!(other.is_ok(), "another credential does not wait");
        drop(other);
        drop(first);
        let after = tokio::time::timeout(wait, cache.turn("script", "pw")).await;
        assert!(after.is_ok(), "its turn comes once the first is done");
    }
}

//! Per-account login backoff: after `SMARTMON_LOGIN_MAX_FAILURES` failures an account waits, doubling
//! with each further failure up to 15 minutes; a success (or an hour without failures) forgets it.
//! Never a permanent lockout, and one account's backoff never touches another's.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::clock::Clock;

const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);
const FORGET_AFTER_SECS: f64 = 3600.0;
const MAX_TRACKED: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: f64,
    locked_until: f64,
}

pub struct LoginBackoff {
    clock: Clock,
    max_failures: u32,
    base: Duration,
    accounts: Mutex<HashMap<String, Failures>>,
}

impl LoginBackoff {
    pub fn new(clock: Clock, max_failures: u32, base: Duration) -> Self {
        Self {
            clock,
            max_failures,
            base,
            accounts: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(wait)` while the account is backing off; its password is not even checked then.
    pub fn check(&self, account: &str) -> Result<(), Duration> {
        let now = self.clock.now();
        let accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        match accounts.get(&key(account)) {
            Some(f) if f.locked_until > now => {
                Err(Duration::from_secs_f64(f.locked_until - now).max(Duration::from_secs(1)))
            }
            _ => Ok(()),
        }
    }

    /// Records a failure; returns the wait now imposed, if any.
    pub fn failed(&self, account: &str) -> Option<Duration> {
        let now = self.clock.now();
        let mut accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        if accounts.len() >= MAX_TRACKED {
            accounts.retain(|_, f| now - f.last < FORGET_AFTER_SECS);
        }
        let entry = accounts.entry(key(account)).or_insert(Failures {
            count: 0,
            last: now,
            locked_until: 0.0,
        });
        if now - entry.last > FORGET_AFTER_SECS {
            entry.count = 0;
        }
        entry.count += 1;
        entry.last = now;
        if entry.count < self.max_failures {
            return None;
        }
        let doublings = (entry.count - self.max_failures).min(16);
        let wait = self.base.saturating_mul(1 << doublings).min(MAX_BACKOFF);
        entry.locked_until = now + wait.as_secs_f64();
        Some(wait)
    }

    pub(crate) fn succeeded(&self, account: &str) {
        let mut accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        accounts.remove(&key(account));
    }
}

/// Accounts are keyed case-insensitively and cut to 128 characters, so attacker-chosen names stay small.
fn key(account: &str) -> String {
    account
        .trim()
        .chars()
        .take(128)
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_at_the_limit_doubles_and_expires() {
        let clock = Clock::default();
        let backoff = LoginBackoff::new(clock.clone(), 3, Duration::from_secs(30));
        assert_eq!(backoff.failed("alice"), None);
        assert_eq!(backoff.failed("alice"), None);
        assert_eq!(backoff.failed("Alice"), Some(Duration::from_secs(30)));
        assert!(backoff.check("alice").is_err());
        assert!(backoff.check("bob").is_ok(), "other accounts are untouched");
        clock.advance(Duration::from_secs(31));
        assert!(backoff.check("alice").is_ok(), "not a permanent lockout");
        assert_eq!(backoff.failed("alice"), Some(Duration::from_secs(60)));
        clock.advance(Duration::from_secs(61));
        backoff.succeeded("alice");
        assert_eq!(
            backoff.failed("alice"),
            None,
            "a success forgets the failures"
        );
    }

    #[test]
    fn backoff_is_capped() {
        let clock = Clock::default();
        let backoff = LoginBackoff::new(clock, 1, Duration::from_secs(60));
        let mut last = None;
        for _ in 0..40 {
            last = backoff.failed("x");
        }
        assert_eq!(last, Some(MAX_BACKOFF));
    }
}

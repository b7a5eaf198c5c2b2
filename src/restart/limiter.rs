//! The per-user restart rate limit (`SMARTMON_RESTART_RATE_PER_MINUTE`), the workflow's first gate: every
//! ask counts, refused or not, and an ask over the limit writes nothing but a count in the audit log
//! (`auth::refusals`). It reads the application's clock, so tests advance time instead of sleeping.

use std::num::NonZeroU32;
use std::time::Duration;

use actix_governor::governor::clock::Clock as GovernorClock;
use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::governor::state::keyed::DashMapStateStore;
use actix_governor::governor::{Quota, RateLimiter};

use crate::auth::refusals::RefusalTally;
use crate::clock::Clock;

/// governor reading the application's clock.
#[derive(Debug, Clone)]
struct AppClock(Clock);

impl GovernorClock for AppClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        Duration::from_secs_f64(self.0.now().max(0.0))
    }
}

/// Restarts per user: the workflow checks it before it records or runs anything.
pub struct RestartLimiter {
    clock: AppClock,
    limiter: RateLimiter<String, DashMapStateStore<String>, AppClock, NoOpMiddleware<Duration>>,
    /// Where asks over the limit are counted (the console's audit log), if anywhere.
    pub(crate) refusals: Option<RefusalTally>,
}

impl RestartLimiter {
    pub fn new(clock: Clock, per_minute: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        let clock = AppClock(clock);
        Self {
            limiter: RateLimiter::dashmap_with_clock(Quota::per_minute(per_minute), clock.clone()),
            clock,
            refusals: None,
        }
    }

    /// Counts asks over the limit in `refusals` (one audit row per user and window).
    pub fn with_refusals(mut self, refusals: RefusalTally) -> Self {
        self.refusals = Some(refusals);
        self
    }

    /// Forgets users whose allowance is full again (housekeeping).
    pub(crate) fn retain_recent(&self) {
        self.limiter.retain_recent();
    }

    /// `Err(wait)` when `username` has used up their restarts for now (answer 429 with `Retry-After`).
    pub fn check(&self, username: &str) -> Result<(), Duration> {
        self.limiter
            .check_key(&username.to_lowercase())
            .map_err(|negative| {
                negative
                    .wait_time_from(self.clock.now())
                    .max(Duration::from_secs(1))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_are_limited_per_user_and_recover_with_time() {
        let clock = Clock::default();
        let limiter = RestartLimiter::new(clock.clone(), 2);
        assert!(limiter.check("op").is_ok());
        assert!(limiter.check("op").is_ok());
        let wait = limiter
            .check("op")
            .expect_err("third restart within a minute");
        assert!(
            wait <= Duration::from_secs(30) && wait >= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(
            limiter.check("other").is_ok(),
            "other users are not affected"
        );
        clock.advance(Duration::from_secs(31));
        assert!(limiter.check("op").is_ok());
    }
}

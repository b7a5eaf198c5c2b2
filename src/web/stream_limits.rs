//! How long a live stream (`GET /events`) may stay open and how many one user may hold: each stream
//! re-asks the database every `RECHECK` whether its caller is still signed in and ends when not (so
//! logout, disabling, a new password, a new role or the session's lifetime end it within `RECHECK`
//! plus one query, on any replica), and a user holds at most `MAX_PER_USER` streams in this process (a further one
//! is answered 429).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::auth::revocation::StillIn;
use crate::auth::{AuthContext, CurrentUser};

/// Open streams per user and process: a few tabs and windows, not hundreds.
pub const MAX_PER_USER: usize = 8;

/// How often an open stream re-checks its caller with the database.
pub const RECHECK: Duration = Duration::from_secs(2);

/// Open streams per user; in `AppState` as `streams`.
pub struct StreamSlots {
    open: Mutex<HashMap<String, usize>>,
    /// `SMARTMON_STREAMS_PER_USER` (default `MAX_PER_USER`).
    max: usize,
}

impl Default for StreamSlots {
    fn default() -> Self {
        Self::new(MAX_PER_USER)
    }
}

/// One open stream's place; given back when the stream ends (dropped with it).
pub struct Slot {
    slots: Arc<StreamSlots>,
    key: String,
}

impl StreamSlots {
    /// At most `max` streams per user.
    pub fn new(max: usize) -> Self {
        Self {
            open: Mutex::default(),
            max,
        }
    }

    /// The most streams one user may hold.
    pub fn max(&self) -> usize {
        self.max
    }

    /// A place for one more stream of `username`, or `None` when they already hold `max`.
    pub fn take(self: &Arc<Self>, username: &str) -> Option<Slot> {
        let key = username.to_lowercase();
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(key.clone()).or_default();
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Slot {
            slots: self.clone(),
            key,
        })
    }

    /// How many streams `username` holds now.
    pub fn open(&self, username: &str) -> usize {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.get(&username.to_lowercase()).copied().unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// Resolves when `user` is no longer signed in (checked every `RECHECK`; while the database does not
/// answer the stream carries on). Holds `slot` for as long as the stream it ends.
pub async fn signed_out(auth: Arc<AuthContext>, user: CurrentUser, slot: Slot) {
    let _slot = slot;
    let since = auth.clock.now();
    let mut tick = tokio::time::interval(RECHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        if auth.still_in(&user, since).await == StillIn::No {
            tracing::info!(user = %user.username, "ending a live stream: signed out");
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_holds_at_most_the_configured_number_of_streams() {
        let slots = Arc::new(StreamSlots::new(2));
        let first = slots.take("Ann").expect("first");
        let _second = slots
            .take("ann")
            .expect("second (names are case-insensitive)");
        assert!(slots.take("ANN").is_none(), "a third is refused");
        assert!(slots.take("bob").is_some(), "another user is not");
        drop(first);
        assert!(
            slots.take("ann").is_some(),
            "a closed stream gives its place back"
        );
    }
}

//! argon2's working memory, allocated once: a fixed pool of `POOL_SIZE` block buffers that every password
//! hash and check borrows in turn (waiting while all are out). Allocating 19 MiB per check let glibc's
//! arenas keep freed blocks, so a burst of failed logins grew the process to a gigabyte; reused buffers keep
//! the password checks' memory at `POOL_SIZE` × 19 MiB whatever the load, with no allocator tuning.

use std::sync::{Condvar, Mutex};

use argon2::{Block, Params};

/// How many password hashes or checks run at once in this process (and so how many buffers exist). One:
/// 19 MiB in all, and under a flood of logins the other core keeps serving pages (`bench/abuse.sh`: two
/// buffers took the server to 67 MiB, over its 64 MiB budget).
pub(crate) const POOL_SIZE: usize = 1;

/// Blocks per buffer: enough for the default parameters, which is what `hash` writes.
const POOL_BLOCKS: usize = Params::DEFAULT_M_COST as usize;

struct Pool {
    state: Mutex<PoolState>,
    returned: Condvar,
}

struct PoolState {
    free: Vec<Vec<Block>>,
    created: usize,
}

static POOL: Pool = Pool {
    state: Mutex::new(PoolState {
        free: Vec::new(),
        created: 0,
    }),
    returned: Condvar::new(),
};

/// Runs `f` on `count` blocks of working memory. Up to the default parameters' size the memory comes from
/// the pool (blocking while every buffer is in use); a stored hash with larger parameters (made by another
/// tool) gets memory of its own for that one check.
pub(crate) fn with_blocks<R>(count: usize, f: impl FnOnce(&mut [Block]) -> R) -> R {
    if count > POOL_BLOCKS {
        let mut own = vec![Block::new(); count];
        return f(&mut own);
    }
    let mut lease = Lease(Some(checkout()));
    let buffer = lease.0.as_mut().map_or(&mut [][..], |b| &mut b[..count]);
    f(buffer)
}

/// A borrowed buffer, given back when dropped (also if the hash panics).
struct Lease(Option<Vec<Block>>);

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(buffer) = self.0.take() {
            checkin(buffer);
        }
    }
}

fn checkout() -> Vec<Block> {
    let mut state = POOL.state.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        if let Some(buffer) = state.free.pop() {
            return buffer;
        }
        if state.created < POOL_SIZE {
            state.created += 1;
            drop(state);
            return vec![Block::new(); POOL_BLOCKS];
        }
        state = POOL.returned.wait(state).unwrap_or_else(|p| p.into_inner());
    }
}

fn checkin(buffer: Vec<Block>) {
    let mut state = POOL.state.lock().unwrap_or_else(|p| p.into_inner());
    state.free.push(buffer);
    drop(state);
    POOL.returned.notify_one();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_and_never_more_than_the_pool() {
        let threads: Vec<_> = (0..8)
            .map(|_| std::thread::spawn(|| with_blocks(64, |blocks| blocks.len())))
            .collect();
        for t in threads {
            assert_eq!(t.join().expect("thread"), 64);
        }
        // Other tests hash passwords at the same time; however many ran, no more buffers were made.
        let state = POOL.state.lock().expect("lock");
        assert!(state.created <= POOL_SIZE, "{}", state.created);
        assert!(state.free.len() <= state.created);
    }
}

//! Rendered services-table rows, kept per copy of a unit (`CurrentUnit::version`), so a unit's `<tr>` is
//! rendered once per change rather than once per request. The live feed drops a row when its unit changes
//! and everything when the live state reloads.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, RwLock};

/// A rendered row split around its one time-dependent text ("5 min ago").
pub type RenderedRow = Arc<(String, String)>;

type Rows = HashMap<u64, RenderedRow, BuildHasherDefault<VersionHasher>>;

#[derive(Default)]
pub struct RowCache {
    rows: RwLock<Rows>,
}

/// Hashes a copy's version, a counter the process hands out itself: one multiply spreads it over the
/// table. A 600-row page looks up 600 rows, and SipHash (the default, made for keys an attacker picks)
/// cost more than the rest of writing a cached row.
#[derive(Default)]
struct VersionHasher(u64);

impl Hasher for VersionHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(u64::from(*byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        // Fibonacci hashing: the golden ratio's 64-bit fraction moves every bit of the counter upwards.
        self.0 = (self.0 ^ value).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

impl RowCache {
    /// The row rendered for `version`, rendering it with `render` the first time.
    pub(crate) fn get_or_render(
        &self,
        version: u64,
        render: impl FnOnce() -> (String, String),
    ) -> RenderedRow {
        if let Some(row) = self.read().get(&version) {
            return row.clone();
        }
        let row = Arc::new(render());
        self.write().insert(version, row.clone());
        row
    }

    /// Forgets the row of a copy that was replaced.
    pub fn forget(&self, version: u64) {
        self.write().remove(&version);
    }

    /// Forgets every row (the live state re-read every unit).
    pub fn clear(&self) {
        self.write().clear();
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Rows> {
        self.rows.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Rows> {
        self.rows.write().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_rendered_once_per_version_until_forgotten() {
        let cache = RowCache::default();
        let mut renders = 0;
        for _ in 0..3 {
            cache.get_or_render(7, || {
                renders += 1;
                ("<tr>".into(), "</tr>".into())
            });
        }
        assert_eq!(renders, 1);
        cache.forget(7);
        cache.get_or_render(7, || {
            renders += 1;
            ("<tr>".into(), "</tr>".into())
        });
        assert_eq!(renders, 2);
    }
}

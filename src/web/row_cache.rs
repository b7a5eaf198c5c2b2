//! Rendered services-table rows, kept per copy of a unit (`CurrentUnit::version`), so a unit's `<tr>` is
//! rendered once per change rather than once per request. The live feed drops a row when its unit changes
//! and everything when the live state reloads.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// A rendered row split around its one time-dependent text ("5 min ago").
pub type RenderedRow = Arc<(String, String)>;

#[derive(Default)]
pub struct RowCache {
    rows: RwLock<HashMap<u64, RenderedRow>>,
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

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<u64, RenderedRow>> {
        self.rows.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<u64, RenderedRow>> {
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

//! The approved-services file, kept current: every read checks the file's size and modification time
//! and re-parses it when they changed. A malformed file keeps the last good policy and remembers the
//! error (logged once per change, shown to admins as a banner); a missing file approves nothing.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use crate::domain::{ApprovedServices, NameRules, UnitName};

/// Cheap to share behind an `Arc`; reads take a short lock.
pub struct PolicyFile {
    path: PathBuf,
    state: Mutex<Loaded>,
}

#[derive(Default)]
struct Loaded {
    /// (modified, length) of the file last looked at; `None` when it did not exist.
    seen: Option<(SystemTime, u64)>,
    looked: bool,
    policy: ApprovedServices,
    error: Option<String>,
}

impl PolicyFile {
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            state: Mutex::new(Loaded::default()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether `unit` on `host` is approved by the current file.
    pub(crate) fn allows(&self, host: &str, unit: &UnitName, rules: NameRules) -> bool {
        self.with_current(|l| l.policy.allows(host, unit, rules))
    }

    /// Why the file on disk is not in force (it is malformed), if it is not.
    pub fn error(&self) -> Option<String> {
        self.with_current(|l| l.error.clone())
    }

    fn with_current<T>(&self, f: impl FnOnce(&Loaded) -> T) -> T {
        let mut loaded = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.refresh(&mut loaded);
        f(&loaded)
    }

    fn refresh(&self, loaded: &mut Loaded) {
        let seen = std::fs::metadata(&self.path)
            .ok()
            .map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()));
        if loaded.looked && seen == loaded.seen {
            return;
        }
        loaded.looked = true;
        loaded.seen = seen;
        if seen.is_none() {
            if !loaded.policy.is_empty() || loaded.error.is_some() {
                tracing::warn!(path = %self.path.display(), "the approved-services file is gone; nothing is approved");
            }
            loaded.policy = ApprovedServices::default();
            loaded.error = None;
            return;
        }
        let parsed = std::fs::read_to_string(&self.path)
            .map_err(|e| format!("cannot read it: {e}"))
            .and_then(|text| ApprovedServices::parse(&text).map_err(|e| e.to_string()));
        match parsed {
            Ok(policy) => {
                tracing::info!(path = %self.path.display(), rules = policy.len(), "approved services loaded");
                loaded.policy = policy;
                loaded.error = None;
            }
            Err(err) => {
                tracing::error!(path = %self.path.display(), error = %err,
                    "the approved-services file is malformed; keeping the last good policy");
                loaded.error = Some(format!(
                    "{} is malformed ({err}); the last good policy stays in force.",
                    self.path.display()
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(name: &str) -> UnitName {
        UnitName::parse(name).expect("valid")
    }

    #[test]
    fn the_file_is_reread_when_it_changes_and_a_bad_edit_keeps_the_last_good_policy() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("approved.json");
        let policy = PolicyFile::new(&path);
        assert!(
            !policy.allows("h", &unit("nginx"), NameRules::Systemd),
            "no file, nothing approved"
        );
        std::fs::write(&path, r#"["nginx.service"]"#).expect("write");
        assert!(policy.allows("h", &unit("nginx"), NameRules::Systemd));
        std::fs::write(&path, r#"{"allow": [oops"#).expect("write");
        assert!(
            policy.allows("h", &unit("nginx"), NameRules::Systemd),
            "the last good policy stays"
        );
        assert!(policy.error().expect("an error").contains("malformed"));
        std::fs::write(
            &path,
            r#"{"allow":[{"host":"h","service":"cron.service"}]}"#,
        )
        .expect("write");
        assert!(policy.allows("h", &unit("cron"), NameRules::Systemd));
        assert!(!policy.allows("h", &unit("nginx"), NameRules::Systemd));
        assert!(policy.error().is_none());
        std::fs::remove_file(&path).expect("remove");
        assert!(!policy.allows("h", &unit("cron"), NameRules::Systemd));
    }
}

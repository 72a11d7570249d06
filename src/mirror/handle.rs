//! The mirror as the rest of the gateway sees it: the store, and what it holds completely. The sync keeps the
//! coverage up to date; the answers read it before choosing the store over the cloud.

use std::sync::{Arc, RwLock};

use super::coverage::Coverage;
use super::store::EventStore;

/// Shared by the sync (which writes coverage) and the answers (which read it); built once in startup.
pub struct Mirror {
    store: Arc<dyn EventStore>,
    coverage: RwLock<Coverage>,
}

impl Mirror {
    /// A mirror over `store`, holding `coverage` (read from the store's note at startup).
    pub fn new(store: Arc<dyn EventStore>, coverage: Coverage) -> Self {
        Self {
            store,
            coverage: RwLock::new(coverage),
        }
    }

    /// The event store.
    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    /// What is held completely, as of now.
    pub fn coverage(&self) -> Coverage {
        self.coverage
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Replaces the coverage the answers see (the caller has already stored it durably).
    pub fn set_coverage(&self, coverage: Coverage) {
        *self
            .coverage
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = coverage;
    }

    /// Whether the window `since..=until` of `location` (`None`: any) is held completely.
    pub fn covers(&self, location: Option<i64>, since_micros: i64, until_micros: i64) -> bool {
        self.coverage
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .covers(location, since_micros, until_micros)
    }
}

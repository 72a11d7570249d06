//! The store a gateway runs on when its mirror's store could not be opened at start: every call fails with
//! why, so the gateway still serves (answers fall through to the cloud) and `/v1/mirror` says what is wrong.

use super::event::{EventFilter, StoredEvent};
use super::store::{
    CountQuery, EventQuery, EventStore, GroupCount, Inserted, Repaired, Span, StoreError,
    StoreStats, SyncCursor,
};

/// A store that could not be opened.
pub struct FailedStore {
    why: String,
}

impl FailedStore {
    /// A store whose every call fails with `why`.
    pub fn new(why: impl Into<String>) -> Self {
        Self { why: why.into() }
    }

    fn fail<T>(&self) -> Result<T, StoreError> {
        Err(StoreError(format!("not opened: {}", self.why)))
    }
}

#[async_trait::async_trait]
impl EventStore for FailedStore {
    async fn insert_page(&self, _: &[StoredEvent], _: SyncCursor) -> Result<Inserted, StoreError> {
        self.fail()
    }

    async fn cursor(&self) -> Result<Option<SyncCursor>, StoreError> {
        self.fail()
    }

    async fn count(&self, _: &EventFilter) -> Result<u64, StoreError> {
        self.fail()
    }

    async fn events(&self, _: &EventQuery) -> Result<Vec<Box<str>>, StoreError> {
        self.fail()
    }

    async fn grouped_counts(&self, _: &CountQuery) -> Result<Vec<GroupCount>, StoreError> {
        self.fail()
    }

    async fn replace_window(
        &self,
        _: Option<i64>,
        _: Span,
        _: &[StoredEvent],
    ) -> Result<Repaired, StoreError> {
        self.fail()
    }

    async fn drop_before(&self, _: i64) -> Result<u64, StoreError> {
        self.fail()
    }

    async fn stats(&self) -> Result<StoreStats, StoreError> {
        self.fail()
    }

    async fn note(&self, _: &str) -> Result<Option<String>, StoreError> {
        self.fail()
    }

    async fn set_note(&self, _: &str, _: &str) -> Result<(), StoreError> {
        self.fail()
    }
}

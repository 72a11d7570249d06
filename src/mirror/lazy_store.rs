//! A store reached over the network (PostgreSQL) is connected on first use, not at start-up: startup stays
//! synchronous, and a database that is down when the gateway starts is a store fault like any other (calls
//! fail with why, `/v1/mirror` answers 503, the runner retries) rather than a gateway that will not start.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::OnceCell;

use super::event::{EventFilter, StoredEvent};
use super::store::{
    CountQuery, EventQuery, EventStore, GroupCount, Inserted, Repaired, Span, StoreError,
    StoreStats, SyncCursor,
};

/// How a lazy store connects: a future giving the store, or why it cannot.
pub type Connect = Box<
    dyn Fn() -> Pin<Box<dyn Future<Output = Result<Arc<dyn EventStore>, StoreError>> + Send>>
        + Send
        + Sync,
>;

/// A store connected on the first call that needs it, and again on the next call after a failed attempt.
pub struct LazyStore {
    connect: Connect,
    store: OnceCell<Arc<dyn EventStore>>,
}

impl LazyStore {
    /// A store that `connect` makes when first needed.
    pub fn new(connect: Connect) -> Self {
        Self {
            connect,
            store: OnceCell::new(),
        }
    }

    async fn get(&self) -> Result<&Arc<dyn EventStore>, StoreError> {
        self.store.get_or_try_init(|| (self.connect)()).await
    }
}

#[async_trait::async_trait]
impl EventStore for LazyStore {
    async fn insert_page(
        &self,
        events: &[StoredEvent],
        cursor: SyncCursor,
    ) -> Result<Inserted, StoreError> {
        self.get().await?.insert_page(events, cursor).await
    }

    async fn cursor(&self) -> Result<Option<SyncCursor>, StoreError> {
        self.get().await?.cursor().await
    }

    async fn count(&self, filter: &EventFilter) -> Result<u64, StoreError> {
        self.get().await?.count(filter).await
    }

    async fn events(&self, query: &EventQuery) -> Result<Vec<Box<str>>, StoreError> {
        self.get().await?.events(query).await
    }

    async fn grouped_counts(&self, query: &CountQuery) -> Result<Vec<GroupCount>, StoreError> {
        self.get().await?.grouped_counts(query).await
    }

    async fn replace_window(
        &self,
        location_id: Option<i64>,
        span: Span,
        events: &[StoredEvent],
    ) -> Result<Repaired, StoreError> {
        self.get()
            .await?
            .replace_window(location_id, span, events)
            .await
    }

    async fn drop_before(&self, micros: i64) -> Result<u64, StoreError> {
        self.get().await?.drop_before(micros).await
    }

    async fn stats(&self) -> Result<StoreStats, StoreError> {
        self.get().await?.stats().await
    }

    async fn note(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.get().await?.note(name).await
    }

    async fn set_note(&self, name: &str, value: &str) -> Result<(), StoreError> {
        self.get().await?.set_note(name, value).await
    }
}

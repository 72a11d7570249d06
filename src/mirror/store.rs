//! What the mirror keeps and how the sync and the answers reach it: a small trait, so that SQLite (here) and
//! later PostgreSQL are chosen in startup and pass the same tests.

use super::event::{EventFilter, StoredEvent};

/// Where the sync resumes: the next `/events` request asks `since` this instant, and, only when a whole page
/// sat at that one instant, `starting_after` the last id taken there (see `sync.rs` for why).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncCursor {
    /// The `event_time` of the newest event committed, in UTC microseconds.
    pub since_micros: i64,
    /// The last id taken at exactly `since_micros`, when a full page held nothing later.
    pub after_id: Option<i64>,
}

/// What one committed page did to the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Inserted {
    /// Ids not held before.
    pub new: u64,
    /// Ids held before with other bytes, now replaced by the newer.
    pub replaced: u64,
    /// Ids held before with the same bytes: nothing written.
    pub unchanged: u64,
}

/// Sort direction, as the reference's `order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Oldest first (the cloud's default).
    #[default]
    Asc,
    /// Newest first.
    Desc,
}

/// One `/events` page asked of the store: the filters, then the reference's `order`, `starting_after` and `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    /// Scope, type, origin and window.
    pub filter: EventFilter,
    /// Direction of the list.
    pub order: Order,
    /// Continue after this id's place in the list.
    pub starting_after: Option<i64>,
    /// Most events returned.
    pub limit: usize,
}

/// A store failure: the database could not be opened, read or written. Never holds event data or secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event store: {0}")]
pub struct StoreError(pub String);

/// The mirror's durable store of events, rollups and the sync cursor.
#[async_trait::async_trait]
pub trait EventStore: Send + Sync {
    /// Commits `events` (keyed by id: one held already is kept once, replaced if its bytes differ), their
    /// per-minute rollups and `cursor` in one transaction: after a crash either all of it is there or none.
    async fn insert_page(
        &self,
        events: &[StoredEvent],
        cursor: SyncCursor,
    ) -> Result<Inserted, StoreError>;

    /// The cursor committed with the last page, if any.
    async fn cursor(&self) -> Result<Option<SyncCursor>, StoreError>;

    /// How many events held match `filter` (inclusive window), read from the rollups where whole minutes allow.
    async fn count(&self, filter: &EventFilter) -> Result<u64, StoreError>;

    /// One page of events matching `query`, each as the cloud's own bytes, in the reference's order
    /// (`event_time`, then id).
    async fn events(&self, query: &EventQuery) -> Result<Vec<Box<str>>, StoreError>;
}

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

/// What a count can be grouped by: `/totals/triggers` groups by trigger, `/totals/types` by channel and type,
/// and `/v1/series` by any of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// `trigger_id` ("" for events without one).
    Trigger,
    /// `event_type`.
    Type,
    /// `origin` ("" for events without one).
    Origin,
    /// `channel_id`.
    Channel,
    /// `location_id`, as decimal text.
    Location,
}

/// Counts asked of the store: events matching `filter` (its window included) per time bucket and group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountQuery {
    /// Scope, type, origin and window (inclusive microseconds).
    pub filter: EventFilter,
    /// The buckets' edges in UTC microseconds, ascending, at least two: bucket `i` holds events with
    /// `edges[i] <= event_time < edges[i + 1]`. A totals query passes its whole window as one bucket.
    pub edges: Vec<i64>,
    /// The dimensions counted apart, in this order; empty counts each bucket as one group.
    pub group_by: Vec<Dimension>,
}

/// One (bucket, group) with at least one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCount {
    /// The bucket's index in `CountQuery::edges`.
    pub bucket: usize,
    /// The group's values, one per `CountQuery::group_by`, in that order.
    pub group: Vec<String>,
    /// Events in it.
    pub count: u64,
}

/// A time range in UTC microseconds, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Span {
    /// First instant.
    pub from_micros: i64,
    /// Last instant.
    pub to_micros: i64,
}

/// What a repair changed in a window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Repaired {
    /// Events the cloud has that the store lacked, or held with other bytes.
    pub written: u64,
    /// Events the store held that the cloud no longer has in the window.
    pub removed: u64,
}

/// The store's size, for `/v1/mirror` and `mirror status`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Events held.
    pub events: u64,
    /// The oldest `event_time` held.
    pub oldest_micros: Option<i64>,
    /// The newest `event_time` held.
    pub newest_micros: Option<i64>,
    /// Bytes the store takes on disk, where it can tell.
    pub bytes_on_disk: Option<u64>,
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

    /// Counts per bucket and group, read from the rollups where whole rollup units allow (a 30-day total or
    /// an hourly series over a month must not scan events). Only non-zero (bucket, group)s are returned,
    /// ordered by bucket, then group.
    async fn grouped_counts(&self, query: &CountQuery) -> Result<Vec<GroupCount>, StoreError>;

    /// Makes the window `span` (of one location, or of every location when `None`) hold exactly `events`:
    /// writes those missing or changed, removes those held there but absent, and keeps the rollups right,
    /// all in one transaction. `events` all lie in the window and scope. The sync cursor is not touched.
    async fn replace_window(
        &self,
        location_id: Option<i64>,
        span: Span,
        events: &[StoredEvent],
    ) -> Result<Repaired, StoreError>;

    /// Drops every event (and its rollups) with `event_time` before `micros`; returns how many went.
    async fn drop_before(&self, micros: i64) -> Result<u64, StoreError>;

    /// Events held, oldest and newest, and size on disk.
    async fn stats(&self) -> Result<StoreStats, StoreError>;

    /// A small named value the mirror keeps beside the events (coverage, verification results), or `None`.
    async fn note(&self, name: &str) -> Result<Option<String>, StoreError>;

    /// Sets the named value, durably.
    async fn set_note(&self, name: &str, value: &str) -> Result<(), StoreError>;
}

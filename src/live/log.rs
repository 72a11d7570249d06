//! The intake log: every event acknowledged to the cloud, durable before the acknowledgement, each identity
//! once, in the order received. Its sequence numbers are the live stream's event ids, so a subscriber
//! resumes from it without a gap or a duplicate.

use super::event::{LiveEvent, Logged};
use crate::mirror::store::StoreError;

/// What appending one event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// A new identity, now at this place in the log.
    New(Logged),
    /// An identity the log held already: nothing written.
    Duplicate,
}

/// The durable log of received events.
#[async_trait::async_trait]
pub trait IntakeLog: Send + Sync {
    /// Commits the new identities among `events` in one transaction (durable when this returns), in order;
    /// one result per event.
    async fn append(&self, events: Vec<LiveEvent>) -> Result<Vec<Appended>, StoreError>;

    /// Up to `limit` logged events after `seq`, oldest first.
    async fn after(&self, seq: u64, limit: usize) -> Result<Vec<Logged>, StoreError>;

    /// Logged events whose `event_time` is at or after `from_micros`, oldest `event_time` first (occupancy
    /// is rebuilt from them at start).
    async fn events_since(&self, from_micros: i64) -> Result<Vec<Logged>, StoreError>;

    /// The first seq still held (older ones fell out of retention), if any.
    async fn first_seq(&self) -> Result<Option<u64>, StoreError>;
}

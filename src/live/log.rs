//! The intake log: every event acknowledged to the cloud, durable before the acknowledgement, each identity
//! once, in the order received. Its sequence numbers are the live stream's event ids, so a subscriber
//! resumes from it without a gap or a duplicate. Beside it, the quarantine of events a webhook sent that
//! could not be read.

use super::event::{LiveEvent, Logged};
use crate::mirror::store::StoreError;

/// The low bits of a seq that count events; the bits above them are the log's tag, drawn at random when
/// its file is created. Two gateways' logs (or one gateway's before and after its state was wiped) so give
/// different ids, and a stream told an id of another log says so instead of resuming at the wrong place.
/// 36 bits count 68 billion events; 17 bits of tag keep every id within JavaScript's exact integers.
pub const SEQ_BITS: u32 = 36;

/// The largest tag: ids stay at or below 2^53 - 1.
pub const MAX_TAG: u64 = (1 << 17) - 1;

// Every id is an exact JavaScript number (a browser may read `resume_from` from a cut-off event).
const _: () = assert!((MAX_TAG + 1) << SEQ_BITS <= 1 << 53);

/// Whether `seq` belongs to the log whose last seq is `last`: same tag, and not past its end.
pub fn is_of_log(seq: u64, last: u64) -> bool {
    seq >> SEQ_BITS == last >> SEQ_BITS && seq <= last
}

/// What appending one event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// A new identity, now at this place in the log.
    New(Logged),
    /// An identity the log held already: nothing written.
    Duplicate,
}

/// An event a webhook sent that could not be read, on its way to the quarantine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The name of the webhook token it came through (never the token).
    pub webhook: String,
    /// What is wrong with it.
    pub reason: String,
    /// Its bytes as sent, cut at [`MAX_REJECTED_BYTES`].
    pub raw: String,
}

/// Most bytes of a rejected event the quarantine keeps.
pub const MAX_REJECTED_BYTES: usize = 64 << 10;

/// A quarantined event as admins read it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Quarantined {
    /// Its place in the quarantine: newest is highest; `starting_after` takes it.
    pub id: i64,
    /// When it was received (RFC 3339, UTC).
    pub received_at: String,
    /// The webhook token's name it came through.
    pub webhook: String,
    /// Why it was not kept.
    pub reason: String,
    /// Its bytes as sent (cut at 64 KiB).
    pub raw: String,
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

    /// The last seq ever given (0 for an empty log), even if it fell out of retention since.
    async fn last_seq(&self) -> Result<u64, StoreError>;

    /// Commits `rejected` to the quarantine (durable when this returns).
    async fn quarantine(&self, rejected: Vec<Rejected>) -> Result<(), StoreError>;

    /// Up to `limit` quarantined events, newest first, those with an id below `starting_after` when given.
    async fn rejected(
        &self,
        limit: usize,
        starting_after: Option<i64>,
    ) -> Result<Vec<Quarantined>, StoreError>;

    /// Drops events and quarantined entries received before `before_micros`, oldest first up to the first
    /// one received at or after it (so a clock stepped back leaves no hole); returns how many events went.
    async fn prune(&self, before_micros: i64) -> Result<u64, StoreError>;
}

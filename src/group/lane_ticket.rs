//! A waiting call's ticket in the group lane's waiting room, and the lane's Redis keys.

use std::sync::Arc;

use super::connection::GroupConnection;
use super::keys::GroupKeys;
use super::lane_scripts::LEAVE;

/// The Redis keys of the lane.
pub(super) struct LaneKeys {
    /// The waiting room: tickets scored by fair-queueing tag.
    pub queue: String,
    /// Each ticket's expiry (Redis ms), refreshed by its gateway's polls.
    pub expiries: String,
    /// `seq`, `v` (the last caller tag served), `next_start` and `paused_until` (Redis us).
    pub state: String,
    /// Each waiting caller's last tag.
    pub last_tags: String,
    /// The lease (shared with [`super::lease::GroupLease`]).
    pub lease: String,
    /// The nonce hash, which holds the fence.
    pub nonce: String,
}

impl LaneKeys {
    /// The lane's keys in the group named by `keys`.
    pub fn new(keys: &GroupKeys) -> Self {
        let base = keys.base();
        Self {
            queue: format!("{base}:lane:queue"),
            expiries: format!("{base}:lane:expiries"),
            state: format!("{base}:lane:state"),
            last_tags: format!("{base}:lane:last-tags"),
            lease: keys.lease(),
            nonce: keys.nonce(),
        }
    }
}

/// A ticket in the waiting room; dropped before it is granted (the caller gave up or disconnected), it leaves.
pub(super) struct Ticket {
    name: String,
    /// `None` once granted or replaced: nothing to remove.
    connection: Option<GroupConnection>,
    keys: Arc<LaneKeys>,
}

impl Ticket {
    /// A ticket just queued under `name`.
    pub fn new(name: String, connection: GroupConnection, keys: Arc<LaneKeys>) -> Self {
        Self {
            name,
            connection: Some(connection),
            keys,
        }
    }

    /// Its name in the waiting room.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Granted (or replaced): nothing to remove when dropped.
    pub fn granted(&mut self) {
        self.connection = None;
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let Some(connection) = self.connection.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime: the ticket expires by itself.
            return;
        };
        let (keys, name) = (self.keys.clone(), std::mem::take(&mut self.name));
        runtime.spawn(async move {
            // A failure leaves the ticket to expire after TICKET_TTL.
            let _ = connection
                .invoke::<i64>(
                    "lane_leave",
                    LEAVE.key(&keys.queue).key(&keys.expiries).arg(name),
                )
                .await;
        });
    }
}

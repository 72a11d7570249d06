//! The fan-out: every event the intake log accepts is published once here, and each subscriber (a stream,
//! occupancy) reads it from its own bounded place in a ring. A subscriber that falls behind by more than the
//! ring loses its place (it is told, and can resume from the log); it never makes the publisher or the
//! others wait.

use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use super::event::Logged;

/// How many events a subscriber may fall behind before it is cut off.
pub const DEFAULT_RING: usize = 4096;

/// The in-process fan-out of logged events.
#[derive(Debug, Clone)]
pub struct LiveFeed {
    sender: broadcast::Sender<Arc<Logged>>,
    /// The seq of the last event published, written under the lock with the send, so that a new subscriber
    /// knows exactly which events it will see (those after it).
    last: Arc<Mutex<u64>>,
}

impl LiveFeed {
    /// A feed whose subscribers may each fall `ring` events behind.
    pub fn new(ring: usize) -> Self {
        let (sender, _) = broadcast::channel(ring.max(1));
        Self {
            sender,
            last: Arc::new(Mutex::new(0)),
        }
    }

    /// Hands `event` to every current subscriber; never waits. Events must be published in seq order.
    pub fn publish(&self, event: Arc<Logged>) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        *last = (*last).max(event.seq);
        // Err only means no one is subscribed.
        let _ = self.sender.send(event);
    }

    /// Records that the log already holds events up to `seq` (at start, before any is published), so that
    /// subscribers that start now know where they start.
    pub fn starts_after(&self, seq: u64) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        *last = (*last).max(seq);
    }

    /// A new subscriber and the seq of the last event published before it: it sees exactly the events
    /// published after that one.
    pub fn subscribe_after(&self) -> (broadcast::Receiver<Arc<Logged>>, u64) {
        let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        (self.sender.subscribe(), *last)
    }

    /// A new subscriber, which sees every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Logged>> {
        self.sender.subscribe()
    }

    /// Subscribers right now.
    pub fn subscribers(&self) -> usize {
        self.sender.receiver_count()
    }
}

impl Default for LiveFeed {
    fn default() -> Self {
        Self::new(DEFAULT_RING)
    }
}

//! The fan-out: every event the intake log accepts is published once here, and each subscriber (a stream,
//! occupancy) reads it from its own bounded place in a ring. A subscriber that falls behind by more than the
//! ring loses its place (it is told, and can resume from the log); it never makes the publisher or the
//! others wait.

use std::sync::Arc;

use tokio::sync::broadcast;

use super::event::Logged;

/// How many events a subscriber may fall behind before it is cut off.
pub const DEFAULT_RING: usize = 4096;

/// The in-process fan-out of logged events.
#[derive(Debug, Clone)]
pub struct LiveFeed {
    sender: broadcast::Sender<Arc<Logged>>,
}

impl LiveFeed {
    /// A feed whose subscribers may each fall `ring` events behind.
    pub fn new(ring: usize) -> Self {
        let (sender, _) = broadcast::channel(ring.max(1));
        Self { sender }
    }

    /// Hands `event` to every current subscriber; never waits.
    pub fn publish(&self, event: Arc<Logged>) {
        // Err only means no one is subscribed.
        let _ = self.sender.send(event);
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

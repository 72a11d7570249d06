//! The lane as a seam: what the client needs from "one ordered, paced lane per key", so that a lane
//! shared by a group of gateways (a Redis lease, say) can replace the in-process [`Lane`] later.

use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use super::lane::{Lane, LaneFull, LaneTurn};

/// The right to send one call upstream; dropping it lets the next call go.
pub trait Turn: Send {}

impl Turn for LaneTurn {}

/// One ordered, paced lane of calls to the cloud for one key.
#[async_trait]
pub trait UpstreamLane: Send + Sync {
    /// Waits for `caller`'s turn, or refuses when it would come after `deadline`.
    async fn enter(&self, caller: &str, deadline: Instant) -> Result<Box<dyn Turn>, LaneFull>;
    /// Waits for a turn behind every caller (refresh-ahead and other background work).
    async fn enter_background(&self, deadline: Instant) -> Result<Box<dyn Turn>, LaneFull>;
    /// Holds every call back for `wait` (the cloud's `Retry-After`).
    fn pause_for(&self, wait: Duration);
}

#[async_trait]
impl UpstreamLane for Lane {
    async fn enter(&self, caller: &str, deadline: Instant) -> Result<Box<dyn Turn>, LaneFull> {
        let turn = Lane::enter(self, caller, deadline).await?;
        Ok(Box::new(turn))
    }

    async fn enter_background(&self, deadline: Instant) -> Result<Box<dyn Turn>, LaneFull> {
        let turn = Lane::enter_background(self, deadline).await?;
        Ok(Box::new(turn))
    }

    fn pause_for(&self, wait: Duration) {
        Lane::pause_for(self, wait);
    }
}

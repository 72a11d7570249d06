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
    /// Whether the lane's coordinator (a group's Redis) answers, for readiness; an in-process lane always does.
    async fn coordination(&self) -> Result<(), String> {
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::error::GatewayError;
    use crate::secret::Secret;
    use crate::upstream::nonce::{system_clock, FileNonceAllocator, NonceAllocator};
    use crate::upstream::settings::{BaseUrl, UpstreamSettings};
    use crate::upstream::{Upstream, UpstreamClient, UpstreamRequest};

    /// A lane of another backend that never has a turn to give.
    struct ClosedLane;

    #[async_trait]
    impl UpstreamLane for ClosedLane {
        async fn enter(&self, _: &str, _: Instant) -> Result<Box<dyn Turn>, LaneFull> {
            Err(LaneFull {
                retry_after: Duration::from_secs(7),
                reason: None,
            })
        }

        async fn enter_background(&self, deadline: Instant) -> Result<Box<dyn Turn>, LaneFull> {
            self.enter("background", deadline).await
        }

        fn pause_for(&self, _: Duration) {}
    }

    #[actix_web::test]
    async fn a_lane_of_another_backend_decides_when_a_call_may_go() {
        let dir = tempfile::tempdir().unwrap();
        let nonces: Arc<dyn NonceAllocator> =
            Arc::new(FileNonceAllocator::open(dir.path(), "key", system_clock()).unwrap());
        let settings = UpstreamSettings {
            api_key: "key".into(),
            api_secret: Secret::new("secret"),
            // Never reached: the lane refuses first.
            base_url: BaseUrl::parse("http://127.0.0.1:9/service/api/v1").unwrap(),
            state_dir: dir.path().to_path_buf(),
            upstream_rps: 1.0,
            max_wait: Duration::from_secs(1),
            upstream_timeout: Duration::from_secs(1),
        };
        let upstream = Upstream::with_lane(settings, nonces.clone(), Arc::new(ClosedLane));

        let answer = UpstreamClient::new(upstream)
            .fetch(&UpstreamRequest {
                endpoint: "/locations",
                params: Vec::new(),
                caller: "a".into(),
                background: false,
            })
            .await;

        match answer {
            Err(GatewayError::Unavailable { retry_after, .. }) => {
                assert_eq!(retry_after, Duration::from_secs(7))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(nonces.last(), 0, "no nonce is taken without a turn");
    }
}

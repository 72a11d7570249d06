//! The backends of a gateway in a group: the group's nonces (under the lane's fence), the group lane and the
//! shared second cache level, all over one connection to the group's Redis.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::coalesce::Coalescing;
use super::connection::GroupConnection;
use super::keys::GroupKeys;
use super::lane::{GroupLane, LaneTiming};
use super::lane_turn::{FenceCell, FencedNonces};
use super::nonce::{Gathering, GroupNonceAllocator};
use super::quota::GroupQuota;
use super::second_level::{spawn_purge_listener, RedisSecondLevel};
use super::settings::GroupSettings;
use super::sync_lease::{RedisSyncLease, SYNC_LEASE_TTL};
use crate::cache::second_level::SecondLevel;
use crate::cache::ResponseCache;
use crate::callers::limiter::CallerLimiter;
use crate::callers::quota::CallerQuotas;
use crate::upstream::lane_trait::UpstreamLane;
use crate::upstream::nonce::{system_clock, FileNonceAllocator, NonceAllocator};
use crate::upstream::settings::UpstreamSettings;

/// The bound on each call to Redis: a Redis slower than this is treated as down.
const REDIS_TIMEOUT: Duration = Duration::from_secs(1);
/// Added to the upstream timeout for the lease: taking the nonce, signing, and reading the answer.
const LEASE_MARGIN: Duration = Duration::from_secs(2);
/// The file in the state directory that names this gateway in the group.
const GATEWAY_ID_FILE: &str = "group-gateway-id";

/// What a gateway in a group runs on instead of its in-process parts.
pub struct GroupBackends {
    /// The group's nonces, handed out only under this gateway's lease and fence.
    pub nonces: Arc<dyn NonceAllocator>,
    /// The group lane: one call in flight for the group, paced for the group, fair by caller.
    pub lane: Arc<dyn UpstreamLane>,
    /// The group's shared cache level, with misses coalesced across the group.
    pub second_level: Arc<dyn SecondLevel>,
    /// For what joins the group once the server is built: quotas and purges.
    pub link: GroupLink,
}

/// The group's connection and key names, for the parts that need the gateway's own cache or limiter.
#[derive(Clone)]
pub struct GroupLink {
    connection: GroupConnection,
    keys: GroupKeys,
}

impl GroupLink {
    /// Caller quotas counted for the group over this gateway's own paces. Call it inside the runtime.
    pub fn quotas(&self, paces: CallerLimiter) -> Arc<dyn CallerQuotas> {
        GroupQuota::start(paces, self.connection.clone(), self.keys.clone())
    }

    /// The lease under which one gateway of the group syncs the mirror's shared store.
    pub fn mirror_sync_lease(&self) -> Arc<dyn crate::mirror::lease::SyncLease> {
        Arc::new(RedisSyncLease::new(
            self.connection.clone(),
            self.keys.mirror_sync_lease(),
            SYNC_LEASE_TTL,
        ))
    }

    /// Carries live events between the group's gateways.
    pub fn live_relay(&self) -> Arc<dyn crate::live::relay::LiveRelay> {
        Arc::new(super::live_relay::RedisLiveRelay::new(
            self.connection.clone(),
            &self.keys,
        ))
    }

    /// Applies purges announced by any gateway of the group to `cache`'s first level, until aborted.
    pub fn listen_for_purges(&self, cache: Arc<ResponseCache>) -> tokio::task::JoinHandle<()> {
        spawn_purge_listener(cache, self.connection.clone(), self.keys.clone())
    }
}

impl GroupBackends {
    /// A gateway in the group on `group`'s Redis. The state directory is still this gateway's own (and locked):
    /// it keeps the durable nonce mark that lets the group re-seed after Redis lost its counter.
    /// Must be called inside the runtime: it starts the nonce mark's heartbeat.
    pub fn open(upstream: &UpstreamSettings, group: &GroupSettings) -> Result<Self, String> {
        let local =
            FileNonceAllocator::open(&upstream.state_dir, &upstream.api_key, system_clock())?;
        let gateway_id = gateway_id(&upstream.state_dir)?;
        let connection = GroupConnection::open(group, REDIS_TIMEOUT).map_err(|e| e.to_string())?;
        let keys = GroupKeys::new(&group.prefix, &upstream.api_key);
        let nonces = Arc::new(GroupNonceAllocator::new(
            connection.clone(),
            keys.clone(),
            Arc::new(local),
            gateway_id.clone(),
            system_clock(),
            Gathering::default(),
        ));
        // Stops by itself when the allocator is dropped.
        nonces.spawn_mark_publisher();
        // A new (or emptied) group gathers its members' marks for a few seconds before its first call: start
        // that now rather than on the first caller's time. A failure here is retried by the first call.
        tokio::spawn({
            let nonces = nonces.clone();
            async move {
                if let Err(e) = nonces.ensure_seeded().await {
                    log::warn!("the group's nonce counter is not seeded yet: {e}");
                }
            }
        });
        let fence = FenceCell::default();
        let timing = LaneTiming {
            interval: Duration::from_secs_f64(1.0 / upstream.upstream_rps),
            lease_ttl: upstream.upstream_timeout.saturating_add(LEASE_MARGIN),
        };
        metrics::gauge!("gateway_group_pace_calls_per_second").set(upstream.upstream_rps);
        let lane = GroupLane::new(
            connection.clone(),
            &keys,
            nonces.clone(),
            fence.clone(),
            gateway_id,
            timing,
        );
        let second_level = RedisSecondLevel::new(
            connection.clone(),
            keys.clone(),
            group.largest_shared_answer(),
        )
        .with_coalescing(Coalescing::for_lane(
            upstream.max_wait,
            upstream.upstream_timeout,
        ));
        Ok(Self {
            nonces: Arc::new(FencedNonces::new(nonces, fence)),
            lane: Arc::new(lane),
            second_level: Arc::new(second_level),
            link: GroupLink { connection, keys },
        })
    }
}

/// This gateway's id in the group: made once and kept in the state directory, so it stays the same across
/// restarts (its published nonce mark is replaced, not added to). Read at start-up, before serving.
fn gateway_id(state_dir: &Path) -> Result<String, String> {
    let path = state_dir.join(GATEWAY_ID_FILE);
    if let Ok(id) = std::fs::read_to_string(&path) {
        let id = id.trim();
        if !id.is_empty() {
            return Ok(id.to_string());
        }
    }
    let seed = format!(
        "{}:{}:{:?}",
        std::process::id(),
        state_dir.display(),
        std::time::SystemTime::now()
    );
    let id = hex::encode(&Sha256::digest(seed.as_bytes())[..8]);
    std::fs::write(&path, &id).map_err(|e| {
        format!(
            "GATEWAY_STATE_DIR '{}': the group gateway id cannot be saved: {e}",
            state_dir.display()
        )
    })?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gateway_keeps_its_group_id_across_restarts() {
        let dir = tempfile::tempdir().unwrap();

        let first = gateway_id(dir.path()).unwrap();
        let again = gateway_id(dir.path()).unwrap();

        assert_eq!(first, again);
        assert_eq!(first.len(), 16);
        let other = tempfile::tempdir().unwrap();
        assert_ne!(gateway_id(other.path()).unwrap(), first);
    }
}

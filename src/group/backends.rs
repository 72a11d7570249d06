//! The backends of a gateway in a group: the group's nonces (under the lane's fence), the group lane and the
//! shared second cache level, all over one connection to the group's Redis.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::connection::GroupConnection;
use super::keys::GroupKeys;
use super::lane::{GroupLane, LaneTiming};
use super::lane_turn::{FenceCell, FencedNonces};
use super::nonce::{Gathering, GroupNonceAllocator};
use super::second_level::RedisSecondLevel;
use super::settings::GroupSettings;
use crate::settings::Settings;
use crate::startup::Backends;
use crate::upstream::nonce::{system_clock, FileNonceAllocator};

/// The bound on each call to Redis: a Redis slower than this is treated as down.
const REDIS_TIMEOUT: Duration = Duration::from_secs(1);
/// Added to the upstream timeout for the lease: taking the nonce, signing, and reading the answer.
const LEASE_MARGIN: Duration = Duration::from_secs(2);
/// The file in the state directory that names this gateway in the group.
const GATEWAY_ID_FILE: &str = "group-gateway-id";

impl Backends {
    /// A gateway in the group on `group`'s Redis. The state directory is still this gateway's own (and locked):
    /// it keeps the durable nonce mark that lets the group re-seed after Redis lost its counter.
    /// Must be called inside the runtime: it starts the nonce mark's heartbeat.
    pub fn group(settings: &Settings, group: &GroupSettings) -> Result<Self, String> {
        let upstream = &settings.upstream;
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
        let second_level = RedisSecondLevel::new(connection, keys, group.largest_shared_answer());
        Ok(Self {
            nonces: Arc::new(FencedNonces::new(nonces, fence)),
            lane: Arc::new(lane),
            second_level: Arc::new(second_level),
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

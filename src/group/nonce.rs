//! The group's nonce: one counter in Redis for every gateway on the key, each gateway's durable local mark kept
//! at or above every nonce it hands out, and a re-seed above every live member's mark when Redis lost the counter.
//!
//! A member that was down (or too slow to publish) while the group re-seeded can leave the counter below a nonce
//! it once used; the upstream retry on a rejected nonce stays the last line of defence for that case.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::connection::{GroupConnection, GroupError};
use super::keys::GroupKeys;
use super::nonce_scripts::{NEXT, PUBLISH_MARK, RAISE, SEED};
use crate::upstream::nonce::{Clock, NonceAllocator, NonceError, MAX_NONCE};

/// How long a group that lost its counter waits for its members' marks before seeding it, and how often each
/// member looks for that loss. Every live member must publish within `gather`, so `gather` is a few
/// `publish_every`.
#[derive(Debug, Clone, Copy)]
pub struct Gathering {
    /// The window during which members publish their marks.
    pub gather: Duration,
    /// How often an idle member checks that the counter exists (publishing its mark when not).
    pub publish_every: Duration,
}

impl Default for Gathering {
    fn default() -> Self {
        Self {
            gather: Duration::from_secs(3),
            publish_every: Duration::from_secs(1),
        }
    }
}

/// A [`NonceAllocator`] shared by every gateway of a group, over this gateway's durable local allocator.
pub struct GroupNonceAllocator {
    connection: GroupConnection,
    keys: GroupKeys,
    local: Arc<dyn NonceAllocator>,
    gateway_id: String,
    clock: Clock,
    gathering: Gathering,
}

impl GroupNonceAllocator {
    /// The allocator for `gateway_id` (unique in the group, stable across restarts), whose local durable mark is
    /// `local` (a [`crate::upstream::nonce::FileNonceAllocator`] in production).
    pub fn new(
        connection: GroupConnection,
        keys: GroupKeys,
        local: Arc<dyn NonceAllocator>,
        gateway_id: impl Into<String>,
        clock: Clock,
        gathering: Gathering,
    ) -> Self {
        Self {
            connection,
            keys,
            local,
            gateway_id: gateway_id.into(),
            clock,
            gathering,
        }
    }

    /// The next nonce under the lease whose fencing token is `fence`: refused (`GW_FENCED`) once a newer lease
    /// was taken, so a holder whose lease expired cannot hand out a nonce. `0` takes one unfenced.
    pub async fn next_fenced(&self, fence: u64) -> Result<i64, NonceError> {
        let deadline = self.seed_deadline();
        loop {
            let floor = self.local.last().saturating_add(1);
            let taken = self
                .connection
                .invoke::<i64>(
                    "nonce_next",
                    NEXT.key(self.keys.nonce())
                        .arg((self.clock)())
                        .arg(floor)
                        .arg(MAX_NONCE)
                        .arg(fence),
                )
                .await;
            match taken {
                Ok(nonce) => return self.cover(nonce).await,
                Err(GroupError::Refused(code)) if code == "GW_UNSEEDED" => {
                    self.seed_until(deadline).await?
                }
                Err(GroupError::Refused(code)) if code == "GW_EXHAUSTED" => {
                    return Err(NonceError::Exhausted)
                }
                Err(GroupError::Refused(code)) if code == "GW_FENCED" => {
                    return Err(NonceError::Unavailable(
                        "group coordination: this gateway's lease expired and another gateway took it: no nonce under the old lease"
                            .into(),
                    ))
                }
                Err(e) => return Err(unavailable(e)),
            }
        }
    }

    /// Makes the local durable mark cover `nonce` before it is handed out, so that this gateway, restarted or
    /// re-seeding the group, never goes below it.
    async fn cover(&self, nonce: i64) -> Result<i64, NonceError> {
        self.local.raise_floor(nonce - 1).await?;
        // The local allocator writes its mark at or above what it returns, which is at least `nonce`.
        self.local.next().await?;
        Ok(nonce)
    }

    /// Waits until the group's counter exists, taking part in its re-seed when Redis lost it (the lease refuses
    /// to be taken until then, answering `GW_UNSEEDED`).
    pub async fn ensure_seeded(&self) -> Result<(), NonceError> {
        self.seed_until(self.seed_deadline()).await
    }

    /// Enough for one gathering and the calls around it; past that the group is not coming back soon.
    fn seed_deadline(&self) -> Instant {
        Instant::now() + self.gathering.gather * 2 + self.connection.timeout() * 4
    }

    /// Publishes this gateway's mark and waits until the group's counter is seeded again.
    async fn seed_until(&self, deadline: Instant) -> Result<(), NonceError> {
        loop {
            let (seeded, wait_ms) = self
                .connection
                .invoke::<(i64, u64)>(
                    "nonce_seed",
                    SEED.key(self.keys.nonce())
                        .key(self.keys.marks())
                        .key(self.keys.gathering())
                        .arg(&self.gateway_id)
                        .arg(self.local.last())
                        .arg((self.clock)())
                        .arg(self.gathering.gather.as_millis() as u64),
                )
                .await
                .map_err(unavailable)?;
            if seeded == 1 {
                return Ok(());
            }
            let wait = Duration::from_millis(wait_ms.max(1));
            if Instant::now() + wait > deadline {
                return Err(NonceError::Unavailable(
                    "group coordination is unavailable: the group nonce counter is being re-seeded"
                        .into(),
                ));
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// One heartbeat: when the counter is lost, publishes this gateway's mark for the re-seed.
    pub async fn publish_mark(&self) -> Result<(), GroupError> {
        self.connection
            .invoke::<i64>(
                "nonce_publish_mark",
                PUBLISH_MARK
                    .key(self.keys.nonce())
                    .key(self.keys.marks())
                    .arg(&self.gateway_id)
                    .arg(self.local.last()),
            )
            .await
            .map(|_| ())
    }

    /// Starts the heartbeat, so that an idle gateway's mark still counts in a re-seed; it stops when the
    /// allocator is dropped.
    pub fn spawn_mark_publisher(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let allocator: Weak<Self> = Arc::downgrade(self);
        let every = self.gathering.publish_every;
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let Some(allocator) = allocator.upgrade() else {
                    return;
                };
                // A fault is counted by the connection; the next tick tries again.
                let _ = allocator.publish_mark().await;
            }
        })
    }
}

#[async_trait]
impl NonceAllocator for GroupNonceAllocator {
    async fn next(&self) -> Result<i64, NonceError> {
        self.next_fenced(0).await
    }

    async fn raise_floor(&self, floor: i64) -> Result<(), NonceError> {
        self.local.raise_floor(floor).await?;
        self.connection
            .invoke::<i64>(
                "nonce_raise",
                RAISE.key(self.keys.nonce()).arg(floor.min(MAX_NONCE)),
            )
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    fn last(&self) -> i64 {
        self.local.last()
    }
}

/// A fault of Redis is no fault of the nonce: the call may be tried again once the group is reachable.
fn unavailable(error: GroupError) -> NonceError {
    NonceError::Unavailable(error.to_string())
}

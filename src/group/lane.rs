//! The group lane: one ordered, paced, fair lane of calls to the cloud for every gateway on the key.
//!
//! A waiting call holds a ticket in Redis (see `lane_scripts` for the fair-queueing tags) and polls
//! `TRY_ACQUIRE`, which hands the lease, with its fence, to the ticket at the head once the lease is free and the
//! group's pace allows. Polling, rather than a wake-up message, keeps the design to one kind of round trip; the
//! script tells each ticket how long to sleep (until the pace allows, for the head; about when it could be the
//! head, for the others), so the idle lane costs a poll every few tens of milliseconds at most.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use tokio::time::Instant;

use super::connection::{GroupConnection, GroupError};
use super::keys::GroupKeys;
use super::lane_scripts::{BACKGROUND_TAG, ENQUEUE, PAUSE, TRY_ACQUIRE};
use super::lane_ticket::{LaneKeys, Ticket};
use super::lane_turn::{FenceCell, GroupTurn};
use super::nonce::GroupNonceAllocator;
use crate::upstream::lane::{LaneFull, MAX_PAUSE};
use crate::upstream::lane_trait::{Turn, UpstreamLane};

/// How long a ticket lives without its gateway polling: a killed gateway's tickets vanish after this.
const TICKET_TTL: Duration = Duration::from_secs(2);
/// The shortest and longest sleep between polls; the longest stays well below [`TICKET_TTL`].
const SHORTEST_POLL: Duration = Duration::from_millis(20);
const LONGEST_POLL: Duration = Duration::from_millis(250);
/// `Retry-After` when Redis cannot be reached: long enough not to hammer, short enough to come back soon.
const COORDINATION_RETRY: Duration = Duration::from_secs(2);

/// How the lane paces and how long a lease lasts.
#[derive(Debug, Clone, Copy)]
pub struct LaneTiming {
    /// Between two call starts of the whole group (`1 / GATEWAY_UPSTREAM_RPS`).
    pub interval: Duration,
    /// How long a lease lasts: the upstream timeout plus a margin, so a holder killed mid-call blocks the
    /// group for one lease at most.
    pub lease_ttl: Duration,
}

/// The lane shared by a group of gateways through Redis.
pub struct GroupLane {
    connection: GroupConnection,
    keys: Arc<LaneKeys>,
    nonces: Arc<GroupNonceAllocator>,
    fence: FenceCell,
    gateway_id: String,
    timing: LaneTiming,
    taken: AtomicU64,
    /// Whether the last attempt met an unreachable Redis: logged when that starts and ends, not per call.
    refusing: AtomicBool,
}

impl GroupLane {
    /// The lane of the group named by `keys`, for the gateway `gateway_id`. `nonces` re-seeds the group's
    /// counter when Redis lost it; `fence` is shared with the [`super::lane_turn::FencedNonces`] of this gateway.
    pub fn new(
        connection: GroupConnection,
        keys: &GroupKeys,
        nonces: Arc<GroupNonceAllocator>,
        fence: FenceCell,
        gateway_id: impl Into<String>,
        timing: LaneTiming,
    ) -> Self {
        Self {
            connection,
            keys: Arc::new(LaneKeys::new(keys)),
            nonces,
            fence,
            gateway_id: gateway_id.into(),
            timing,
            taken: AtomicU64::new(0),
            refusing: AtomicBool::new(false),
        }
    }

    /// Waits for a turn for `caller` (or in the background), polling Redis until granted or `deadline`.
    async fn wait_turn(
        &self,
        caller: &str,
        background: bool,
        deadline: Instant,
    ) -> Result<GroupTurn, LaneFull> {
        let asked = std::time::Instant::now();
        let mut ticket = self.enqueue(caller, background).await?;
        loop {
            let token = self.new_token();
            let answer = self
                .connection
                .invoke::<(i64, u64)>(
                    "lane_try_acquire",
                    TRY_ACQUIRE
                        .key(&self.keys.queue)
                        .key(&self.keys.expiries)
                        .key(&self.keys.state)
                        .key(&self.keys.last_tags)
                        .key(&self.keys.lease)
                        .key(&self.keys.nonce)
                        .arg(ticket.name())
                        .arg(caller)
                        .arg(&token)
                        .arg(millis(self.timing.lease_ttl))
                        .arg(micros(self.timing.interval))
                        .arg(millis(TICKET_TTL))
                        .arg(millis(SHORTEST_POLL))
                        .arg(millis(LONGEST_POLL))
                        .arg(if background { "1" } else { "0" }),
                )
                .await;
            match answer {
                Ok((1, fence)) => {
                    ticket.granted();
                    if self.refusing.swap(false, Ordering::Relaxed) {
                        log::info!("group coordination is back: calls to the cloud go again");
                    }
                    metrics::histogram!("gateway_group_lease_wait_seconds")
                        .record(asked.elapsed().as_secs_f64());
                    return Ok(GroupTurn::new(
                        self.connection.clone(),
                        (self.keys.lease.clone(), self.keys.state.clone()),
                        self.timing.interval,
                        token,
                        fence,
                        self.fence.clone(),
                    ));
                }
                // The ticket is gone (Redis restarted empty): queue again, at the back of the new queue.
                Ok((-1, _)) => {
                    ticket.granted();
                    ticket = self.enqueue(caller, background).await?;
                }
                Ok((_, wait_ms)) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(full(
                            Duration::from_millis(wait_ms).max(self.timing.interval),
                        ));
                    }
                    let wake = now + Duration::from_millis(wait_ms.max(1));
                    tokio::time::sleep_until(wake.min(deadline)).await;
                }
                Err(GroupError::Refused(code)) if code.starts_with("GW_UNSEEDED") => {
                    self.nonces
                        .ensure_seeded()
                        .await
                        .map_err(|e| self.coordination_unavailable(&e.to_string()))?;
                }
                Err(e) => return Err(self.coordination_unavailable(&e.to_string())),
            }
        }
    }

    /// Puts a ticket in the waiting room; it leaves again if dropped before it is granted.
    async fn enqueue(&self, caller: &str, background: bool) -> Result<Ticket, LaneFull> {
        let name: String = self
            .connection
            .invoke(
                "lane_enqueue",
                ENQUEUE
                    .key(&self.keys.queue)
                    .key(&self.keys.expiries)
                    .key(&self.keys.state)
                    .key(&self.keys.last_tags)
                    .arg(caller)
                    .arg(if background { "1" } else { "0" })
                    .arg(millis(TICKET_TTL))
                    .arg(&self.gateway_id)
                    .arg(BACKGROUND_TAG),
            )
            .await
            .map_err(|e| self.coordination_unavailable(&e.to_string()))?;
        Ok(Ticket::new(
            name,
            self.connection.clone(),
            self.keys.clone(),
        ))
    }

    /// A refusal because Redis cannot be asked: never a call without the lease. Logged when refusals start;
    /// counted always.
    fn coordination_unavailable(&self, detail: &str) -> LaneFull {
        metrics::counter!("gateway_group_lane_refusals_total", "reason" => "coordination")
            .increment(1);
        if !self.refusing.swap(true, Ordering::Relaxed) {
            log::warn!("the group lane refuses calls until Redis answers again: {detail}");
        }
        LaneFull {
            retry_after: COORDINATION_RETRY,
            reason: Some(format!(
                "{detail}; no call goes to the cloud without the group's lease (cached answers are still served)"
            )),
        }
    }

    /// A lease token no other take has: this gateway, a count and the time.
    fn new_token(&self) -> String {
        let count = self.taken.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        format!("{}:{}:{count}:{nanos}", self.gateway_id, std::process::id())
    }
}

#[async_trait]
impl UpstreamLane for GroupLane {
    async fn enter(&self, caller: &str, deadline: Instant) -> Result<Box<dyn Turn>, LaneFull> {
        let turn = self.wait_turn(caller, false, deadline).await?;
        Ok(Box::new(turn))
    }

    async fn enter_background(&self, deadline: Instant) -> Result<Box<dyn Turn>, LaneFull> {
        let turn = self.wait_turn("background", true, deadline).await?;
        Ok(Box::new(turn))
    }

    fn pause_for(&self, wait: Duration) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (connection, state) = (self.connection.clone(), self.keys.state.clone());
        let wait = micros(wait.min(MAX_PAUSE));
        runtime.spawn(async move {
            // A pause lost to a Redis fault costs one more throttled answer, which sets it again.
            let _ = connection
                .invoke::<i64>("lane_pause", PAUSE.key(state).arg(wait))
                .await;
        });
    }

    async fn coordination(&self) -> Result<(), String> {
        self.connection
            .query::<String>("ping", &redis::cmd("PING"))
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// A refusal because no turn comes in time.
fn full(retry_after: Duration) -> LaneFull {
    LaneFull {
        retry_after,
        reason: None,
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

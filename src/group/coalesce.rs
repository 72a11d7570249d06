//! Coalescing the group's misses in Redis: of several gateways missing one key at once, the first to claim it
//! fetches; the others poll for its answer (or its failure, shared a few seconds) and take it. A claim expires
//! after the longest a fetch may take (the lane's wait plus the upstream timeout), so a gateway killed while
//! fetching holds the others back for that long at most, and then one of them takes over.
//!
//! Polling rather than pub/sub: a waiter needs no subscription of its own, and a poll's one round trip reads the
//! answer, the failure and the claim together, so no announcement can be missed between a look and a wait.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::web::Bytes;
use redis::Script;

use super::answer_codec::decode;
use super::coalesce_codec::{decode_failure, encode_failure};
use super::connection::{GroupConnection, GroupError};
use super::keys::GroupKeys;
use crate::cache::second_level::{Claim, ClaimToken, SharedFailure, Waited};

/// The first pause between two polls; it doubles up to [`LONGEST_POLL_PAUSE`].
const FIRST_POLL_PAUSE: Duration = Duration::from_millis(10);
/// The longest pause between two polls: a waiter learns of an answer at most this late.
const LONGEST_POLL_PAUSE: Duration = Duration::from_millis(100);

/// Answers a recent failure, else claims the key if no one holds it.
/// KEYS: failure, claim. ARGV: token, claim ttl ms. Answers `{2, failure}`, `{1, ''}` (claimed) or `{0, ''}`.
static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local failed = redis.call('GET', KEYS[1])
if failed then return {2, failed} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, ''} end
return {0, ''}
",
    )
});

/// Gives a claim back if this holder still has it. KEYS: claim. ARGV: token.
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
",
    )
});

/// Shares a failure and gives the claim back, if this holder still has it (else a newer holder's outcome counts).
/// KEYS: failure, claim. ARGV: token, failure, failure ttl ms.
static FAIL: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return redis.call('DEL', KEYS[2])
end
return 0
",
    )
});

/// How long claims last, waits wait and failures are shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coalescing {
    /// How long a claim holds without being given back: the longest a fetch may take.
    pub claim_for: Duration,
    /// How long a gateway waits for another's fetch before answering 503.
    pub wait_at_most: Duration,
    /// How long a failed fetch is answered to the group without a new call.
    pub failures_for: Duration,
}

impl Coalescing {
    /// The margin on a claim over the lane's wait and the upstream timeout: the leader's own work around the call.
    pub const CLAIM_MARGIN: Duration = Duration::from_secs(2);
    /// How long a failure is shared: long enough for the misses that came with it, short enough that the next
    /// caller tries the cloud again.
    pub const FAILURES_FOR: Duration = Duration::from_secs(3);

    /// The timings for a lane that waits `max_wait` for a turn and the cloud `upstream_timeout` for an answer
    /// (`GATEWAY_MAX_WAIT`, `GATEWAY_UPSTREAM_TIMEOUT`): a waiter waits as long as a claim can last.
    pub fn for_lane(max_wait: Duration, upstream_timeout: Duration) -> Self {
        let claim_for = max_wait
            .saturating_add(upstream_timeout)
            .saturating_add(Self::CLAIM_MARGIN);
        Self {
            claim_for,
            wait_at_most: claim_for,
            failures_for: Self::FAILURES_FOR,
        }
    }
}

impl Default for Coalescing {
    /// The timings for the default lane (30 s wait, 10 s upstream timeout).
    fn default() -> Self {
        Self::for_lane(Duration::from_secs(30), Duration::from_secs(10))
    }
}

/// The Redis side of coalescing, for one group.
pub struct Coalescer {
    connection: GroupConnection,
    keys: GroupKeys,
    timings: Coalescing,
    claims: AtomicU64,
}

impl Coalescer {
    /// Coalesces the misses of the group named by `keys`.
    pub fn new(connection: GroupConnection, keys: GroupKeys, timings: Coalescing) -> Self {
        Self {
            connection,
            keys,
            timings,
            claims: AtomicU64::new(0),
        }
    }

    /// The timings in force.
    pub fn timings(&self) -> Coalescing {
        self.timings
    }

    /// Claims `key`; an unreachable Redis makes this gateway the leader (its lane decides whether it may call).
    pub async fn claim(&self, key: &str) -> Claim {
        let token = self.new_token();
        let answer: Result<(i64, Vec<u8>), GroupError> = self
            .connection
            .invoke(
                "cache_claim",
                CLAIM
                    .key(self.failure_key(key))
                    .key(self.claim_key(key))
                    .arg(&token)
                    .arg(millis(self.timings.claim_for)),
            )
            .await;
        let (claim, outcome) = match answer {
            Ok((1, _)) => (Claim::Leader(ClaimToken(token)), "leader"),
            Ok((2, failure)) => match decode_failure(&failure) {
                Some(failure) => (Claim::Failed(failure), "failure_shared"),
                None => (Claim::Leader(ClaimToken(token)), "leader"),
            },
            Ok(_) => (Claim::Follower, "follower"),
            Err(_) => (Claim::Leader(ClaimToken(String::new())), "unreachable"),
        };
        metrics::counter!("gateway_group_cache_claims_total", "outcome" => outcome).increment(1);
        claim
    }

    /// Gives a claim back.
    pub async fn release(&self, key: &str, token: &ClaimToken) {
        if token.0.is_empty() {
            return;
        }
        let _ = self
            .connection
            .invoke::<i64>(
                "cache_release",
                RELEASE.key(self.claim_key(key)).arg(&token.0),
            )
            .await;
    }

    /// Shares `failure` for [`Coalescing::failures_for`] and gives the claim back.
    pub async fn fail(&self, key: &str, token: &ClaimToken, failure: &SharedFailure) {
        if token.0.is_empty() {
            return;
        }
        let _ = self
            .connection
            .invoke::<i64>(
                "cache_fail",
                FAIL.key(self.failure_key(key))
                    .key(self.claim_key(key))
                    .arg(&token.0)
                    .arg(encode_failure(failure))
                    .arg(millis(self.timings.failures_for)),
            )
            .await;
    }

    /// Polls until the answer under `answer_key` is fresh, the fetch of `key` failed, its claim is gone, or
    /// `deadline`. A fault of Redis ends the wait as `Vacated`: the next claim then finds Redis (or not) itself.
    pub async fn wait_for(&self, key: &str, answer_key: String, deadline: Instant) -> Waited {
        let started = Instant::now();
        let mut pause = FIRST_POLL_PAUSE;
        let waited = loop {
            let now = Instant::now();
            if now >= deadline {
                break Waited::TimedOut;
            }
            let polled: Result<Vec<Option<Vec<u8>>>, GroupError> = self
                .connection
                .query(
                    "cache_wait",
                    redis::cmd("MGET")
                        .arg(&answer_key)
                        .arg(self.failure_key(key))
                        .arg(self.claim_key(key)),
                )
                .await;
            let Ok(mut polled) = polled else {
                break Waited::Vacated;
            };
            polled.resize(3, None);
            let fresh = polled[0]
                .take()
                .and_then(|value| decode(Bytes::from(value)))
                .filter(|answer| answer.is_fresh(SystemTime::now()));
            if let Some(answer) = fresh {
                break Waited::Answer(answer);
            }
            if let Some(failure) = polled[1].as_deref().and_then(decode_failure) {
                break Waited::Failed(failure);
            }
            if polled[2].is_none() {
                break Waited::Vacated;
            }
            tokio::time::sleep(pause.min(deadline.saturating_duration_since(now))).await;
            pause = (pause * 2).min(LONGEST_POLL_PAUSE);
        };
        let outcome = match &waited {
            Waited::Answer(_) => "answer",
            Waited::Failed(_) => "failure",
            Waited::Vacated => "vacated",
            Waited::TimedOut => "timed_out",
        };
        metrics::counter!("gateway_group_cache_waits_total", "outcome" => outcome).increment(1);
        metrics::histogram!("gateway_group_cache_wait_seconds")
            .record(started.elapsed().as_secs_f64());
        waited
    }

    /// Where the claim on fetching `key` is kept (outside the answers' names, so a purge leaves it alone).
    pub fn claim_key(&self, key: &str) -> String {
        format!("{}:cache-claim:{key}", self.keys.base())
    }

    /// Where a failed fetch of `key` is kept for the group.
    pub fn failure_key(&self, key: &str) -> String {
        format!("{}:cache-failed:{key}", self.keys.base())
    }

    /// A token no other claim (of this or any gateway) has: this process, a count and the time.
    fn new_token(&self) -> String {
        let count = self.claims.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        format!("{}:{count}:{nanos}", std::process::id())
    }
}

/// Redis's PX wants at least 1 ms.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_lasts_the_lanes_wait_and_timeout_and_a_waiter_waits_as_long() {
        let timings = Coalescing::for_lane(Duration::from_secs(30), Duration::from_secs(10));

        assert_eq!(timings.claim_for, Duration::from_secs(42));
        assert_eq!(timings.wait_at_most, timings.claim_for);
        assert!(timings.failures_for < Duration::from_secs(10));
    }
}

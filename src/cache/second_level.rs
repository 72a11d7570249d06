//! The cache's second level: answers shared by every gateway of a group, behind a small trait so that a
//! shared store (Redis, for gateways that share one key) can slot in. A single gateway has none
//! ([`NoSecondLevel`]); the in-process cache stays the first level and its hits never reach this one.

use std::time::{Duration, Instant, SystemTime};

use actix_web::web::Bytes;

use crate::error::GatewayError;

/// An answer as kept in the second level: the cloud's bytes and when they were fetched, so that every
/// gateway reading it computes the same age and freshness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedAnswer {
    /// The cloud's answer, byte for byte.
    pub body: Bytes,
    /// When the cloud answered (wall clock, as gateways share no monotonic clock).
    pub fetched_at: SystemTime,
    /// How long it is fresh from then.
    pub fresh_for: Duration,
}

impl SharedAnswer {
    /// Its age at `now`; zero if the fetching gateway's clock runs ahead of ours.
    pub fn age(&self, now: SystemTime) -> Duration {
        now.duration_since(self.fetched_at)
            .unwrap_or(Duration::ZERO)
    }

    /// Whether it is still fresh at `now`.
    pub fn is_fresh(&self, now: SystemTime) -> bool {
        self.age(now) < self.fresh_for
    }
}

/// The kind of a failed fetch, so that a gateway taking another's failure answers as that gateway did
/// (same status, and the same backoff: a cloud that asked to wait is told apart from one that failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// 502.
    BadGateway,
    /// 504.
    GatewayTimeout,
    /// 503 from the gateway's own lane (full, or coordination unavailable).
    Unavailable,
    /// 503 because the cloud asked to wait.
    CloudBusy,
    /// 400: the cloud refused the request itself.
    BadRequest,
}

/// A fetch that failed, as shared with the gateways that waited for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedFailure {
    /// What failed.
    pub kind: FailureKind,
    /// The message the fetching gateway's callers got.
    pub msg: String,
    /// For 503s, the `Retry-After` it carried.
    pub retry_after: Duration,
}

impl SharedFailure {
    /// The failure to share for `error`; `None` for errors that are not the fetch's (they are never shared).
    pub fn of(error: &GatewayError) -> Option<Self> {
        let (kind, msg, retry_after) = match error {
            GatewayError::BadGateway(msg) => (FailureKind::BadGateway, msg, Duration::ZERO),
            GatewayError::GatewayTimeout(msg) => (FailureKind::GatewayTimeout, msg, Duration::ZERO),
            GatewayError::BadRequest(msg) => (FailureKind::BadRequest, msg, Duration::ZERO),
            GatewayError::Unavailable { msg, retry_after } => {
                (FailureKind::Unavailable, msg, *retry_after)
            }
            GatewayError::CloudBusy { msg, retry_after } => {
                (FailureKind::CloudBusy, msg, *retry_after)
            }
            _ => return None,
        };
        Some(Self {
            kind,
            msg: msg.clone(),
            retry_after,
        })
    }

    /// The error a waiting caller gets: the same status and message as the fetching gateway's callers.
    pub fn to_error(&self) -> GatewayError {
        let msg = self.msg.clone();
        let retry_after = self.retry_after;
        match self.kind {
            FailureKind::BadGateway => GatewayError::BadGateway(msg),
            FailureKind::GatewayTimeout => GatewayError::GatewayTimeout(msg),
            FailureKind::BadRequest => GatewayError::BadRequest(msg),
            FailureKind::Unavailable => GatewayError::Unavailable { msg, retry_after },
            FailureKind::CloudBusy => GatewayError::CloudBusy { msg, retry_after },
        }
    }
}

/// Proof of being the one gateway of the group fetching a key; given back with the outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimToken(pub String);

/// The answer to "may I fetch this key for the group?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Yes: fetch, then share the answer (or the failure) and give the claim back.
    Leader(ClaimToken),
    /// Another gateway is fetching it: wait for its answer.
    Follower,
    /// A fetch of it failed a moment ago: answer with the same failure.
    Failed(SharedFailure),
}

/// How a wait for another gateway's fetch ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waited {
    /// Its answer, fresh.
    Answer(SharedAnswer),
    /// Its failure.
    Failed(SharedFailure),
    /// The claim is gone with no answer (its holder died, or the answer was too large to share): claim again.
    Vacated,
    /// The deadline passed first.
    TimedOut,
}

/// A cache level shared with other gateways. Its faults are never the caller's: an implementation that cannot
/// reach its store answers `None` (a miss) and skips the write, and the gateway goes to the cloud as alone.
///
/// It also coalesces the group's misses: of several gateways missing one key at once, one claims it and fetches,
/// the others wait for what it shares. The defaults are a gateway on its own: always the leader, at no cost.
#[async_trait::async_trait]
pub trait SecondLevel: Send + Sync {
    /// The answer kept under `key` (a canonical cache key), if any.
    async fn get(&self, key: &str) -> Option<SharedAnswer>;
    /// Keeps `answer` under `key` for at least its freshness plus `stale_for`.
    async fn put(&self, key: &str, answer: &SharedAnswer, stale_for: Duration);
    /// Drops every answer whose key starts with `prefix`, for every gateway of the group.
    async fn purge(&self, prefix: &str);

    /// How long a miss may wait for another gateway's fetch, from its first claim.
    fn wait_bound(&self) -> Duration {
        Duration::ZERO
    }

    /// Claims the fetch of `key` for the group. An unreachable store answers `Leader`: the gateway fetches as
    /// alone, and its lane decides whether it may.
    async fn claim(&self, _key: &str) -> Claim {
        Claim::Leader(ClaimToken(String::new()))
    }

    /// Gives a claim back after its answer was shared (or could not be).
    async fn release(&self, _key: &str, _token: &ClaimToken) {}

    /// Shares a failed fetch for a short while and gives the claim back.
    async fn fail(&self, _key: &str, _token: &ClaimToken, _failure: &SharedFailure) {}

    /// Waits until the answer for `key` is shared, its fetch failed, its claim is gone, or `deadline`.
    async fn wait_for(&self, _key: &str, _deadline: Instant) -> Waited {
        Waited::Vacated
    }
}

/// A gateway on its own: no second level.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoSecondLevel;

#[async_trait::async_trait]
impl SecondLevel for NoSecondLevel {
    async fn get(&self, _key: &str) -> Option<SharedAnswer> {
        None
    }

    async fn put(&self, _key: &str, _answer: &SharedAnswer, _stale_for: Duration) {}

    async fn purge(&self, _prefix: &str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_failure_answers_with_the_same_status_message_and_retry_after() {
        let error = GatewayError::CloudBusy {
            msg: "the cloud asked to wait".into(),
            retry_after: Duration::from_secs(7),
        };

        let shared = SharedFailure::of(&error).unwrap().to_error();

        match shared {
            GatewayError::CloudBusy { msg, retry_after } => {
                assert_eq!(msg, "the cloud asked to wait");
                assert_eq!(retry_after, Duration::from_secs(7));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(SharedFailure::of(&GatewayError::NotFound("x".into())), None);
    }

    #[test]
    fn a_shared_answer_ages_from_its_fetch_and_goes_stale_after_its_freshness() {
        let fetched_at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let answer = SharedAnswer {
            body: Bytes::from_static(b"{}"),
            fetched_at,
            fresh_for: Duration::from_secs(60),
        };
        assert_eq!(
            answer.age(fetched_at + Duration::from_secs(20)),
            Duration::from_secs(20)
        );
        assert!(answer.is_fresh(fetched_at + Duration::from_secs(59)));
        assert!(!answer.is_fresh(fetched_at + Duration::from_secs(60)));
        // A clock behind the fetching gateway's reads the answer as new, not as from the future.
        assert_eq!(
            answer.age(fetched_at - Duration::from_secs(5)),
            Duration::ZERO
        );
    }
}

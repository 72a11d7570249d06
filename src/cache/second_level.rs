//! The cache's second level: answers shared by every gateway of a group, behind a small trait so that a
//! shared store (Redis, for gateways that share one key) can slot in. A single gateway has none
//! ([`NoSecondLevel`]); the in-process cache stays the first level and its hits never reach this one.

use std::time::{Duration, SystemTime};

use actix_web::web::Bytes;

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

/// A cache level shared with other gateways. Its faults are never the caller's: an implementation that cannot
/// reach its store answers `None` (a miss) and skips the write, and the gateway goes to the cloud as alone.
#[async_trait::async_trait]
pub trait SecondLevel: Send + Sync {
    /// The answer kept under `key` (a canonical cache key), if any.
    async fn get(&self, key: &str) -> Option<SharedAnswer>;
    /// Keeps `answer` under `key` for at least its freshness plus `stale_for`.
    async fn put(&self, key: &str, answer: &SharedAnswer, stale_for: Duration);
    /// Drops every answer whose key starts with `prefix`, for every gateway of the group.
    async fn purge(&self, prefix: &str);
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

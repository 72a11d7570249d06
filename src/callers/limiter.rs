//! Per-caller rate limits: one governor limiter shared by every worker, keyed by caller name, plus one
//! limiter per token that sets its own pace. Idle keys are dropped every [`RETAIN_EVERY`] checks, so memory
//! stays bounded while client addresses churn.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::{StateInformationMiddleware, StateSnapshot};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{NotUntil, Quota, RateLimiter};

use super::settings::CallerQuota;

/// Idle keys are dropped once every this many checks: cheap, and needs no task of its own.
pub const RETAIN_EVERY: u64 = 1024;

type Keyed =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;
type Direct = RateLimiter<NotKeyed, InMemoryState, DefaultClock, StateInformationMiddleware>;
type Checked = Result<StateSnapshot, NotUntil<<DefaultClock as Clock>::Instant>>;

/// The outcome of one check, with what the rate-limit headers report.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The pace that applied.
    pub quota: CallerQuota,
    /// Requests left right now, after this one.
    pub remaining: u32,
    /// Time until the full burst is available again.
    pub reset: Duration,
    /// `None` when allowed; else how long until one request will be allowed.
    pub retry_after: Option<Duration>,
}

/// The limiters of every caller; build one per gateway and share it.
pub struct CallerLimiter {
    default_quota: CallerQuota,
    shared: Keyed,
    own: HashMap<String, (CallerQuota, Direct)>,
    checks: AtomicU64,
}

impl CallerLimiter {
    /// Callers in `own` get their own pace; everyone else shares `default_quota`, each under its own key.
    pub fn new(
        default_quota: CallerQuota,
        own: impl IntoIterator<Item = (String, CallerQuota)>,
    ) -> Self {
        Self {
            default_quota,
            shared: RateLimiter::keyed(governor_quota(default_quota))
                .with_middleware::<StateInformationMiddleware>(),
            own: own
                .into_iter()
                .map(|(name, quota)| {
                    let limiter = RateLimiter::direct(governor_quota(quota))
                        .with_middleware::<StateInformationMiddleware>();
                    (name, (quota, limiter))
                })
                .collect(),
            checks: AtomicU64::new(0),
        }
    }

    /// Counts one request of `caller` and says whether it is allowed.
    pub fn check(&self, caller: &str) -> Decision {
        if self.checks.fetch_add(1, Ordering::Relaxed) % RETAIN_EVERY == RETAIN_EVERY - 1 {
            self.retain_recent();
        }
        let (quota, checked, now) = match self.own.get(caller) {
            Some((quota, limiter)) => (*quota, limiter.check(), limiter.clock().now()),
            None => (
                self.default_quota,
                self.shared.check_key(&caller.to_string()),
                self.shared.clock().now(),
            ),
        };
        decide(quota, checked, now)
    }

    /// Drops the keys whose state is the same as a fresh one (callers idle long enough to have a full burst).
    pub fn retain_recent(&self) {
        self.shared.retain_recent();
        self.shared.shrink_to_fit();
    }

    /// How many keys the shared limiter holds now.
    pub fn len(&self) -> usize {
        self.shared.len()
    }

    /// Whether the shared limiter holds no key.
    pub fn is_empty(&self) -> bool {
        self.shared.is_empty()
    }
}

fn governor_quota(quota: CallerQuota) -> Quota {
    let burst = NonZeroU32::new(quota.burst).unwrap_or(NonZeroU32::MIN);
    // The period is above zero for any finite rps above zero, which the settings guarantee.
    Quota::with_period(Duration::from_secs_f64(1.0 / quota.rps))
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
        .allow_burst(burst)
}

fn decide(quota: CallerQuota, checked: Checked, now: <DefaultClock as Clock>::Instant) -> Decision {
    let period = Duration::from_secs_f64(1.0 / quota.rps);
    match checked {
        Ok(state) => {
            let remaining = state.remaining_burst_capacity();
            Decision {
                quota,
                remaining,
                // At most this long: each used unit comes back one period after the one before.
                reset: period * quota.burst.saturating_sub(remaining),
                retry_after: None,
            }
        }
        Err(not_until) => {
            let wait = not_until.wait_time_from(now);
            Decision {
                quota,
                remaining: 0,
                reset: wait + period * quota.burst.saturating_sub(1),
                retry_after: Some(wait),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(rps: f64, burst: u32) -> CallerQuota {
        CallerQuota { rps, burst }
    }

    #[test]
    fn a_burst_is_allowed_then_the_next_request_waits_one_period() {
        let limiter = CallerLimiter::new(quota(2.0, 3), []);
        let remaining: Vec<u32> = (0..3).map(|_| limiter.check("a").remaining).collect();
        assert_eq!(remaining, [2, 1, 0]);
        let refused = limiter.check("a");
        let wait = refused.retry_after.unwrap();
        assert!(
            wait > Duration::from_millis(400) && wait <= Duration::from_millis(500),
            "{wait:?}"
        );
        assert!(
            refused.reset >= wait + Duration::from_millis(999),
            "{:?}",
            refused.reset
        );
    }

    #[test]
    fn callers_are_limited_independently_and_own_paces_apply() {
        let limiter = CallerLimiter::new(quota(1.0, 1), [("batch".to_string(), quota(1.0, 5))]);
        assert!(limiter.check("a").retry_after.is_none());
        assert!(limiter.check("a").retry_after.is_some());
        assert!(limiter.check("b").retry_after.is_none());
        for _ in 0..5 {
            assert!(limiter.check("batch").retry_after.is_none());
        }
        assert_eq!(limiter.check("batch").quota.burst, 5);
        assert_eq!(
            limiter.len(),
            2,
            "own-pace callers stay out of the shared limiter"
        );
    }
}

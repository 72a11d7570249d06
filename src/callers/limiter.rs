//! Per-caller rate limits: one governor limiter shared by every worker, keyed by caller, plus one
//! limiter per token that sets its own pace. Idle keys are dropped every [`RETAIN_EVERY`] checks, so memory
//! stays bounded while client addresses churn. Own paces change when the tokens are reloaded; callers
//! keep their state across a reload unless their pace changed.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::{StateInformationMiddleware, StateSnapshot};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{NotUntil, Quota, RateLimiter};

use actix_web::http::header::HeaderValue;

use super::headers;
use super::settings::CallerQuota;
use super::CallerName;

/// Idle keys are dropped once every this many checks: cheap, and needs no task of its own.
pub const RETAIN_EVERY: u64 = 1024;

/// Keys hash with foldhash (seeded per process): every request hashes its caller here.
type KeyHasher = foldhash::fast::RandomState;
type Keyed = RateLimiter<
    CallerName,
    DefaultKeyedStateStore<CallerName, KeyHasher>,
    DefaultClock,
    StateInformationMiddleware,
>;
type Direct = RateLimiter<NotKeyed, InMemoryState, DefaultClock, StateInformationMiddleware>;
type Checked = Result<StateSnapshot, NotUntil<<DefaultClock as Clock>::Instant>>;
type OwnPaces = HashMap<Arc<str>, (Arc<Pace>, Direct)>;

/// A pace and its `RateLimit-Policy` field, written out once rather than on every answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Pace {
    /// The quota.
    pub quota: CallerQuota,
    /// Its `RateLimit-Policy` value.
    pub policy: HeaderValue,
    /// Time between two requests at the sustained rate: one used unit of the burst comes back per period.
    pub(crate) period: Duration,
}

impl Pace {
    /// The pace of `quota`, with its policy field written out.
    pub(crate) fn new(quota: CallerQuota) -> Arc<Self> {
        Arc::new(Self {
            quota,
            period: Duration::from_secs_f64(1.0 / quota.rps),
            // Built from numbers and fixed text, so always a valid header value.
            policy: HeaderValue::from_str(&headers::policy(quota))
                .unwrap_or(HeaderValue::from_static("")),
        })
    }
}

/// The outcome of one check, with what the rate-limit headers report.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The pace that applied.
    pub pace: Arc<Pace>,
    /// Requests left right now, after this one.
    pub remaining: u32,
    /// Time until the full burst is available again.
    pub reset: Duration,
    /// `None` when allowed; else how long until one request will be allowed.
    pub retry_after: Option<Duration>,
}

/// The limiters of every caller; build one per gateway and share it.
pub struct CallerLimiter {
    default_pace: Arc<Pace>,
    shared: Keyed,
    /// Swapped whole on a reload; read on every check of a token caller (uncontended: a reload is rare).
    own: RwLock<OwnPaces>,
    checks: AtomicU64,
}

impl CallerLimiter {
    /// Callers in `own` get their own pace; everyone else shares `default_quota`, each under its own key.
    pub fn new(
        default_quota: CallerQuota,
        own: impl IntoIterator<Item = (Arc<str>, CallerQuota)>,
    ) -> Self {
        Self {
            default_pace: Pace::new(default_quota),
            shared: RateLimiter::dashmap_with_hasher(
                governor_quota(default_quota),
                KeyHasher::default(),
            )
            .with_middleware::<StateInformationMiddleware>(),
            own: RwLock::new(
                own.into_iter()
                    .map(|(name, quota)| (name, own_limiter(quota)))
                    .collect(),
            ),
            checks: AtomicU64::new(0),
        }
    }

    /// Replaces the callers with their own pace (after a reload of the tokens). A caller whose pace is
    /// unchanged keeps its limiter and so what it used; a new or changed pace starts with a full burst.
    pub fn set_own(&self, own: impl IntoIterator<Item = (Arc<str>, CallerQuota)>) {
        let mut current = self.own.write().unwrap_or_else(|e| e.into_inner());
        let mut old = std::mem::take(&mut *current);
        *current = own
            .into_iter()
            .map(|(name, quota)| {
                let kept = old.remove(&name).filter(|(pace, _)| pace.quota == quota);
                let limiter = kept.unwrap_or_else(|| own_limiter(quota));
                (name, limiter)
            })
            .collect();
    }

    /// Counts one request of `caller` and says whether it is allowed.
    pub fn check(&self, caller: &CallerName) -> Decision {
        if self.checks.fetch_add(1, Ordering::Relaxed) % RETAIN_EVERY == RETAIN_EVERY - 1 {
            self.retain_recent();
        }
        if let CallerName::Token(name) = caller {
            let own = self.own.read().unwrap_or_else(|e| e.into_inner());
            if let Some((pace, limiter)) = own.get(name) {
                return decide(pace, limiter.check(), limiter.clock().now());
            }
        }
        let checked = self.shared.check_key(caller);
        decide(&self.default_pace, checked, self.shared.clock().now())
    }

    /// The pace that applies to `caller`: its token's own, or the default.
    pub fn pace_of(&self, caller: &CallerName) -> Arc<Pace> {
        if let CallerName::Token(name) = caller {
            let own = self.own.read().unwrap_or_else(|e| e.into_inner());
            if let Some((pace, _)) = own.get(name) {
                return pace.clone();
            }
        }
        self.default_pace.clone()
    }

    /// The pace of callers without one of their own.
    pub fn default_quota(&self) -> CallerQuota {
        self.default_pace.quota
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

fn own_limiter(quota: CallerQuota) -> (Arc<Pace>, Direct) {
    let limiter =
        RateLimiter::direct(governor_quota(quota)).with_middleware::<StateInformationMiddleware>();
    (Pace::new(quota), limiter)
}

fn governor_quota(quota: CallerQuota) -> Quota {
    let burst = NonZeroU32::new(quota.burst).unwrap_or(NonZeroU32::MIN);
    // The period is above zero for any finite rps above zero, which the settings guarantee.
    Quota::with_period(Duration::from_secs_f64(1.0 / quota.rps))
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
        .allow_burst(burst)
}

fn decide(pace: &Arc<Pace>, checked: Checked, now: <DefaultClock as Clock>::Instant) -> Decision {
    let (quota, period) = (pace.quota, pace.period);
    let pace = pace.clone();
    match checked {
        Ok(state) => {
            let remaining = state.remaining_burst_capacity();
            Decision {
                pace,
                remaining,
                // At most this long: each used unit comes back one period after the one before.
                reset: period * quota.burst.saturating_sub(remaining),
                retry_after: None,
            }
        }
        Err(not_until) => {
            let wait = not_until.wait_time_from(now);
            Decision {
                pace,
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
        let a = CallerName::from("a");
        let remaining: Vec<u32> = (0..3).map(|_| limiter.check(&a).remaining).collect();
        assert_eq!(remaining, [2, 1, 0]);
        let refused = limiter.check(&a);
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
        let limiter = CallerLimiter::new(quota(1.0, 1), [("batch".into(), quota(1.0, 5))]);
        let (a, b, batch) = (
            CallerName::Address([10, 0, 0, 1].into()),
            CallerName::from("b"),
            CallerName::from("batch"),
        );
        assert!(limiter.check(&a).retry_after.is_none());
        assert!(limiter.check(&a).retry_after.is_some());
        assert!(limiter.check(&b).retry_after.is_none());
        for _ in 0..5 {
            assert!(limiter.check(&batch).retry_after.is_none());
        }
        assert_eq!(limiter.check(&batch).pace.quota.burst, 5);
        assert_eq!(
            limiter.len(),
            2,
            "own-pace callers stay out of the shared limiter"
        );
    }

    #[test]
    fn new_own_paces_keep_what_unchanged_callers_used_and_apply_changed_ones_at_once() {
        let limiter = CallerLimiter::new(
            quota(1.0, 1),
            [
                ("kept".into(), quota(1.0, 2)),
                ("changed".into(), quota(1.0, 2)),
            ],
        );
        let (kept, changed) = (CallerName::from("kept"), CallerName::from("changed"));
        for _ in 0..2 {
            limiter.check(&kept);
            limiter.check(&changed);
        }
        limiter.set_own([
            ("kept".into(), quota(1.0, 2)),
            ("changed".into(), quota(1.0, 9)),
        ]);
        assert!(limiter.check(&kept).retry_after.is_some(), "still used up");
        let fresh = limiter.check(&changed);
        assert_eq!((fresh.retry_after, fresh.pace.quota.burst), (None, 9));
    }
}

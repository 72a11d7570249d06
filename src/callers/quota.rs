//! Where a caller's use of its quota is counted: in this gateway alone ([`CallerLimiter`], the default), or
//! across a group of gateways sharing one key (`group::quota::GroupQuota`). The check never waits: it runs on
//! every request, first-level cache hits included.

use std::sync::Arc;

use super::limiter::{CallerLimiter, Decision};
use super::settings::CallerQuota;
use super::CallerName;

/// Counts callers' requests against their quotas.
pub trait CallerQuotas: Send + Sync {
    /// Counts one request of `caller` and says whether it is allowed, without waiting on anything.
    fn check(&self, caller: &CallerName) -> Decision;
    /// Replaces the callers with their own pace (after a reload of the tokens).
    fn set_own(&self, own: Vec<(Arc<str>, CallerQuota)>);
    /// The pace of callers without one of their own.
    fn default_quota(&self) -> CallerQuota;
    /// Forgets callers idle long enough to have their full burst back, so memory stays bounded.
    fn retain_recent(&self);
}

impl CallerQuotas for CallerLimiter {
    fn check(&self, caller: &CallerName) -> Decision {
        CallerLimiter::check(self, caller)
    }

    fn set_own(&self, own: Vec<(Arc<str>, CallerQuota)>) {
        CallerLimiter::set_own(self, own);
    }

    fn default_quota(&self) -> CallerQuota {
        CallerLimiter::default_quota(self)
    }

    fn retain_recent(&self) {
        CallerLimiter::retain_recent(self);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use actix_web::test::TestRequest;

    use super::*;
    use crate::callers::gate::{Admission, Gate};
    use crate::callers::limiter::Pace;
    use crate::callers::settings::CallersSettings;

    /// Quotas counted elsewhere, which refuse everyone.
    struct Exhausted(CallerLimiter);

    impl CallerQuotas for Exhausted {
        fn check(&self, caller: &CallerName) -> Decision {
            Decision {
                pace: self.0.pace_of(caller),
                remaining: 0,
                reset: Duration::from_secs(3),
                retry_after: Some(Duration::from_secs(3)),
            }
        }

        fn set_own(&self, _: Vec<(Arc<str>, CallerQuota)>) {}

        fn default_quota(&self) -> CallerQuota {
            self.0.default_quota()
        }

        fn retain_recent(&self) {}
    }

    #[test]
    fn the_gate_counts_quotas_where_it_is_told_to() {
        let mut settings = CallersSettings::open();
        settings.quota = Some(CallerQuota {
            rps: 100.0,
            burst: 100,
        });
        let gate = Gate::with_quotas(&settings, "127.0.0.1:0".parse().unwrap(), |local| {
            Arc::new(Exhausted(local))
        });
        let request = TestRequest::default()
            .uri("/service/api/v1/locations")
            .peer_addr("127.0.0.1:5000".parse().unwrap())
            .to_srv_request();

        let admission = gate.admit(&request);

        assert!(matches!(admission, Admission::Refused(_, Some(_))));
    }

    #[test]
    fn the_local_limiter_tells_each_callers_pace() {
        let limiter = CallerLimiter::new(
            CallerQuota { rps: 1.0, burst: 1 },
            [("batch".into(), CallerQuota { rps: 2.0, burst: 5 })],
        );

        let own: Arc<Pace> = limiter.pace_of(&CallerName::from("batch"));
        let default = limiter.pace_of(&CallerName::from("other"));

        assert_eq!((own.quota.burst, default.quota.burst), (5, 1));
    }
}

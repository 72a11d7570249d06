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

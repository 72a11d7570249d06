//! The IETF rate-limit fields (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` says the pace,
//! `RateLimit` says what is left of it. Both go on every limited answer, allowed or not.

use std::cell::RefCell;

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

use super::limiter::Decision;
use super::settings::CallerQuota;
use crate::header_text::joined;

/// `RateLimit-Policy: "caller";q=<quota>;w=<window seconds>`.
pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
/// `RateLimit: "caller";r=<remaining>;t=<seconds until the full quota is back>`.
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// The policy as a whole-second window: long enough to refill the burst, and `q` the requests it allows
/// (the burst, or the sustained rate over the window when that is more).
pub fn policy(quota: CallerQuota) -> String {
    let window = (f64::from(quota.burst) / quota.rps).ceil().max(1.0);
    let units = (quota.rps * window).floor().max(f64::from(quota.burst));
    // Whole numbers both: integer formatting is far cheaper than float formatting on every answer.
    let (mut q, mut w) = (itoa::Buffer::new(), itoa::Buffer::new());
    [
        "\"caller\";q=",
        q.format(units as u64),
        ";w=",
        w.format(window as u64),
    ]
    .concat()
}

/// What is left: `r` requests now, and in `t` seconds (rounded up) the full burst again.
pub fn remaining(decision: &Decision) -> HeaderValue {
    let reset = decision.reset;
    let seconds = reset.as_secs() + u64::from(reset.subsec_nanos() > 0);
    LAST_REMAINING.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((r, t, value)) if (*r, *t) == (decision.remaining, seconds) => value.clone(),
            _ => {
                let value = remaining_value(decision.remaining, seconds);
                *last = Some((decision.remaining, seconds, value.clone()));
                value
            }
        }
    })
}

thread_local! {
    /// The last `RateLimit` value this thread wrote. A caller under its quota sees the same `r` and `t` on
    /// every answer (a full burst less one, back within a second), so most answers reuse it. The key must
    /// hold everything [`remaining_value`] reads.
    static LAST_REMAINING: RefCell<Option<(u32, u64, HeaderValue)>> = const { RefCell::new(None) };
}

fn remaining_value(remaining: u32, seconds: u64) -> HeaderValue {
    let (mut r, mut t) = (itoa::Buffer::new(), itoa::Buffer::new());
    joined(&[
        "\"caller\";r=",
        r.format(remaining),
        ";t=",
        t.format(seconds),
    ])
}

/// Adds both fields to an answer; the policy was written out once, with the pace. The gate is the only
/// writer of these fields and writes them once per answer, so they are appended (cheaper than `insert`,
/// which hands back any previous value).
pub fn append(headers: &mut HeaderMap, decision: &Decision) {
    debug_assert!(
        !headers.contains_key(RATELIMIT) && !headers.contains_key(RATELIMIT_POLICY),
        "the rate-limit fields are written once per answer"
    );
    headers.append(RATELIMIT_POLICY, decision.pace.policy.clone());
    headers.append(RATELIMIT, remaining(decision));
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_policy_states_a_whole_second_window_and_its_quota() {
        assert_eq!(
            policy(CallerQuota {
                rps: 10.0,
                burst: 20
            }),
            "\"caller\";q=20;w=2"
        );
        assert_eq!(
            policy(CallerQuota {
                rps: 100.0,
                burst: 1
            }),
            "\"caller\";q=100;w=1"
        );
        assert_eq!(
            policy(CallerQuota { rps: 0.5, burst: 1 }),
            "\"caller\";q=1;w=2"
        );
    }

    fn decision(remaining: u32, reset: Duration) -> Decision {
        Decision {
            pace: super::super::limiter::Pace::new(CallerQuota { rps: 1.0, burst: 2 }),
            remaining,
            reset,
            retry_after: None,
        }
    }

    #[test]
    fn remaining_rounds_the_reset_up_to_whole_seconds() {
        let decision = decision(0, Duration::from_millis(1200));
        assert_eq!(remaining(&decision), "\"caller\";r=0;t=2");
    }

    #[test]
    fn a_reused_remaining_value_changes_as_soon_as_either_number_does() {
        let second = Duration::from_secs(1);
        let first = remaining(&decision(5, second));
        let again = remaining(&decision(5, second));
        assert_eq!(first, "\"caller\";r=5;t=1");
        assert_eq!(
            first.as_bytes().as_ptr(),
            again.as_bytes().as_ptr(),
            "the same value is reused, not written again"
        );
        assert_eq!(remaining(&decision(4, second)), "\"caller\";r=4;t=1");
        assert_eq!(remaining(&decision(4, 2 * second)), "\"caller\";r=4;t=2");
        assert_eq!(remaining(&decision(5, second)), "\"caller\";r=5;t=1");
    }
}

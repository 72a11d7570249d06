//! While the cloud fails or throttles a class of calls, later callers of that class are answered at once
//! (from a stale copy, or with 503 and `Retry-After`) instead of queueing doomed calls.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::ResponseError;

use super::policy::Class;
use crate::error::GatewayError;

/// How long a class rests after a failure that came without `Retry-After` (502, 504).
const REST_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// Longest rest, however long the cloud asks for: a day.
const MAX_REST: Duration = Duration::from_secs(86_400);

/// A class's rest: until when, the failure's status, and whether the cloud asked for it (then even
/// callers with no stale copy are told to come back later, rather than queued for a call the cloud refuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rest {
    /// Time left.
    pub left: Duration,
    /// The status the failure was answered with.
    pub failure: StatusCode,
    /// The cloud asked for the rest (429/503 with `Retry-After`).
    pub asked_by_cloud: bool,
}

/// Per class: until when to rest, the status of the failure that started it, and whether the cloud asked.
#[derive(Debug, Default)]
pub struct Backoff {
    until: Mutex<HashMap<Class, (Instant, StatusCode, bool)>>,
}

/// Whether a failure is the cloud's (5xx, 429, timeout, unreachable), which a stale copy may cover.
pub fn is_outage(error: &GatewayError) -> bool {
    matches!(
        error,
        GatewayError::BadGateway(_)
            | GatewayError::GatewayTimeout(_)
            | GatewayError::Unavailable { .. }
            | GatewayError::CloudBusy { .. }
    )
}

impl Backoff {
    /// Starts a rest for `class` after `error`, if the cloud caused it.
    pub fn record(&self, class: Class, error: &GatewayError) {
        let (rest, asked_by_cloud) = match error {
            GatewayError::CloudBusy { retry_after, .. } => (*retry_after, true),
            GatewayError::BadGateway(_) | GatewayError::GatewayTimeout(_) => {
                (REST_AFTER_FAILURE, false)
            }
            _ => return,
        };
        // The rest may come from the cloud's `Retry-After`: never let it overflow the clock.
        let now = Instant::now();
        let until = now
            .checked_add(rest.min(MAX_REST))
            .unwrap_or(now + REST_AFTER_FAILURE);
        let value = (until, error.status_code(), asked_by_cloud);
        let mut map = self.until.lock().unwrap_or_else(|e| e.into_inner());
        let slot = map.entry(class).or_insert(value);
        if value.0 >= slot.0 {
            *slot = value;
        }
    }

    /// The rest still running for `class`, if any.
    pub fn remaining(&self, class: Class, now: Instant) -> Option<Rest> {
        let map = self.until.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&class).filter(|(until, _, _)| *until > now).map(
            |(until, failure, asked_by_cloud)| Rest {
                left: *until - now,
                failure: *failure,
                asked_by_cloud: *asked_by_cloud,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_throttle_rests_its_class_for_the_clouds_retry_after() {
        let backoff = Backoff::default();
        backoff.record(
            Class::Totals,
            &GatewayError::CloudBusy {
                msg: "slow down".into(),
                retry_after: Duration::from_secs(30),
            },
        );
        let rest = backoff.remaining(Class::Totals, Instant::now()).unwrap();
        assert!(rest.left > Duration::from_secs(29));
        assert_eq!(rest.failure, StatusCode::SERVICE_UNAVAILABLE);
        assert!(rest.asked_by_cloud);
        assert!(backoff
            .remaining(Class::Dimensions, Instant::now())
            .is_none());
    }

    #[test]
    fn the_largest_retry_after_rests_a_class_for_at_most_a_day_without_panicking() {
        let backoff = Backoff::default();
        backoff.record(
            Class::Events,
            &GatewayError::CloudBusy {
                msg: "wait forever".into(),
                retry_after: Duration::MAX,
            },
        );
        let rest = backoff.remaining(Class::Events, Instant::now()).unwrap();
        assert!(rest.left <= MAX_REST);
        assert!(rest.left > MAX_REST - Duration::from_secs(60));
    }

    #[test]
    fn bad_input_never_rests_a_class() {
        let backoff = Backoff::default();
        backoff.record(Class::Totals, &GatewayError::BadRequest("x".into()));
        assert!(backoff.remaining(Class::Totals, Instant::now()).is_none());
    }
}

//! The cloud's own rate limit: at most `requests_per_second`, with 10% tolerance for network jitter.

use std::time::{Duration, Instant};

/// Share of the nominal interval a request may arrive early without being refused.
const JITTER_TOLERANCE: f64 = 0.1;

/// Remembers when the last request passed, to refuse the next one if it comes too soon.
#[derive(Debug, Default)]
pub(super) struct RateLimiter {
    last_pass: Option<Instant>,
}

impl RateLimiter {
    /// Lets a request through at `now`, or says how many whole seconds to wait (at least 1).
    /// A refused request does not move the window: only passed requests count.
    pub(super) fn check(&mut self, rps: f64, now: Instant) -> Result<(), u64> {
        if rps.is_finite() && rps > 0.0 {
            if let Some(last) = self.last_pass {
                let interval = Duration::from_secs_f64(1.0 / rps);
                let elapsed = now.saturating_duration_since(last);
                if elapsed < interval.mul_f64(1.0 - JITTER_TOLERANCE) {
                    let remaining = interval.saturating_sub(elapsed).as_secs_f64();
                    return Err((remaining.ceil() as u64).max(1));
                }
            }
        }
        self.last_pass = Some(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_spaced_by_the_interval_pass() {
        let mut limiter = RateLimiter::default();
        let t0 = Instant::now();
        assert_eq!(limiter.check(1.0, t0), Ok(()));
        assert_eq!(limiter.check(1.0, t0 + Duration::from_millis(1000)), Ok(()));
    }

    #[test]
    fn ten_percent_early_is_tolerated_but_more_is_refused() {
        let mut limiter = RateLimiter::default();
        let t0 = Instant::now();
        assert_eq!(limiter.check(1.0, t0), Ok(()));
        assert_eq!(limiter.check(1.0, t0 + Duration::from_millis(850)), Err(1));
        assert_eq!(limiter.check(1.0, t0 + Duration::from_millis(900)), Ok(()));
    }

    #[test]
    fn retry_after_rounds_the_remaining_interval_up() {
        let mut limiter = RateLimiter::default();
        let t0 = Instant::now();
        assert_eq!(limiter.check(0.2, t0), Ok(()));
        assert_eq!(limiter.check(0.2, t0 + Duration::from_millis(1500)), Err(4));
    }

    #[test]
    fn zero_or_negative_rates_mean_unlimited() {
        let mut limiter = RateLimiter::default();
        let t0 = Instant::now();
        assert_eq!(limiter.check(0.0, t0), Ok(()));
        assert_eq!(limiter.check(0.0, t0), Ok(()));
        assert_eq!(limiter.check(-1.0, t0), Ok(()));
    }
}

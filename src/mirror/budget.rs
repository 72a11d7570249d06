//! The mirror's share of the upstream budget: a pacer of its own (at most `GATEWAY_MIRROR_SHARE` of
//! `GATEWAY_UPSTREAM_RPS` call starts a second, on top of the lane's background class that puts it behind
//! every caller), and a count of the calls it made in the last hour and day.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// What a call of the mirror is for: the label of `gateway_mirror_upstream_calls_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Paging forward from the cursor.
    Sync,
    /// Re-reading the unsettled tail for late events.
    Tail,
    /// A day's `/totals/types` for one location.
    Verify,
    /// Re-fetching a window verification found wrong.
    Repair,
    /// The locations list, when the cache has none.
    Dimensions,
}

impl Purpose {
    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            Purpose::Sync => "sync",
            Purpose::Tail => "tail",
            Purpose::Verify => "verify",
            Purpose::Repair => "repair",
            Purpose::Dimensions => "dimensions",
        }
    }
}

/// Calls made in the last hour and day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallsUsed {
    /// In the last 60 minutes.
    pub last_hour: u64,
    /// In the last 24 hours.
    pub last_day: u64,
}

/// The pacer and the count, shared by every call of one mirror.
pub struct Budget {
    interval: Duration,
    next_start: Mutex<Instant>,
    /// Calls per minute (Unix minute, count), oldest first, the last day only.
    minutes: Mutex<VecDeque<(i64, u64)>>,
}

impl Budget {
    /// A budget of `share` of `upstream_rps` call starts a second.
    pub fn new(upstream_rps: f64, share: f64) -> Self {
        let rate = (upstream_rps * share).max(f64::MIN_POSITIVE);
        Self {
            interval: Duration::try_from_secs_f64(1.0 / rate).unwrap_or(Duration::MAX),
            next_start: Mutex::new(Instant::now()),
            minutes: Mutex::new(VecDeque::new()),
        }
    }

    /// Call starts a second the mirror may make at most.
    pub fn calls_per_second(&self) -> f64 {
        1.0 / self.interval.as_secs_f64()
    }

    /// Waits until the mirror's next call may start (the slot is taken even if the wait is cancelled).
    pub async fn pace(&self) {
        let start = {
            let mut next = self.next_start.lock().unwrap_or_else(|e| e.into_inner());
            let start = (*next).max(Instant::now());
            *next = start.checked_add(self.interval).unwrap_or(start);
            start
        };
        tokio::time::sleep_until(start).await;
    }

    /// Counts one call sent to the cloud at `unix_seconds`.
    pub fn record(&self, purpose: Purpose, unix_seconds: i64) {
        metrics::counter!("gateway_mirror_upstream_calls_total", "purpose" => purpose.label())
            .increment(1);
        let minute = unix_seconds.div_euclid(60);
        let mut minutes = self.minutes.lock().unwrap_or_else(|e| e.into_inner());
        match minutes.back_mut() {
            Some((last, count)) if *last == minute => *count += 1,
            _ => minutes.push_back((minute, 1)),
        }
        while minutes.front().is_some_and(|(m, _)| *m <= minute - 1440) {
            minutes.pop_front();
        }
    }

    /// Calls counted in the hour and the day before `unix_seconds`.
    pub fn used(&self, unix_seconds: i64) -> CallsUsed {
        let now = unix_seconds.div_euclid(60);
        let minutes = self.minutes.lock().unwrap_or_else(|e| e.into_inner());
        let within = |span: i64| {
            minutes
                .iter()
                .filter(|(m, _)| *m > now - span && *m <= now)
                .map(|(_, c)| c)
                .sum()
        };
        CallsUsed {
            last_hour: within(60),
            last_day: within(1440),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_counted_for_the_last_hour_and_the_last_day() {
        let budget = Budget::new(1.0, 0.5);
        let now = 1_800_000_000;
        budget.record(Purpose::Sync, now - 2 * 3600);
        budget.record(Purpose::Sync, now - 600);
        budget.record(Purpose::Verify, now - 1);
        budget.record(Purpose::Tail, now - 2 * 86_400);

        let used = budget.used(now);

        assert_eq!(
            used,
            CallsUsed {
                last_hour: 2,
                last_day: 3
            }
        );
    }

    #[actix_web::test]
    async fn the_pacer_spaces_call_starts_at_the_share_of_the_rate() {
        let budget = Budget::new(100.0, 0.5);
        assert!((budget.calls_per_second() - 50.0).abs() < 1e-9);
        let started = Instant::now();

        for _ in 0..6 {
            budget.pace().await;
        }

        // The first goes at once; five intervals of 20 ms follow.
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(100), "{took:?}");
        assert!(took < Duration::from_millis(400), "{took:?}");
    }
}

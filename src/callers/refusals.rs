//! Refusal log lines that a flood cannot multiply: the first refusal of a caller for a reason is logged in
//! full, the rest of its interval only counted, and [`RefusalLog::due`] turns the counts into one line per
//! caller and reason per interval. Callers come from outside (addresses, or anyone guessing tokens), so at
//! most [`TRACKED_CALLERS`] are told apart; refusals of any more are counted together.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::CallerName;

/// How long refusals of one caller for one reason are counted before their summary line.
pub const SUMMARY_INTERVAL: Duration = Duration::from_secs(10);
/// Callers told apart in the summaries; a few dozen bytes each.
pub const TRACKED_CALLERS: usize = 1024;

/// Why a request was refused, as far as the log is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// No token, or one the gateway does not know (401).
    Unauthorized,
    /// Over the caller's quota (429).
    RateLimited,
    /// Not an admin on an admin route (403).
    Forbidden,
}

impl Reason {
    /// The level of this reason's lines: unknown tokens may be someone guessing, quotas are routine.
    pub fn level(self) -> log::Level {
        match self {
            Self::Unauthorized => log::Level::Warn,
            Self::RateLimited | Self::Forbidden => log::Level::Info,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Unauthorized => "without a token this gateway knows",
            Self::RateLimited => "over the quota",
            Self::Forbidden => "on admin routes without being an admin",
        }
    }
}

/// One caller and reason; `None` stands for every caller past [`TRACKED_CALLERS`].
#[derive(PartialEq, Eq, Hash)]
struct Key {
    caller: Option<CallerName>,
    reason: Reason,
}

struct Tally {
    since: Instant,
    suppressed: u64,
}

/// Counts refusals between summaries; one per gate.
pub struct RefusalLog {
    interval: Duration,
    capacity: usize,
    tallies: Mutex<HashMap<Key, Tally>>,
}

impl Default for RefusalLog {
    fn default() -> Self {
        Self::new(SUMMARY_INTERVAL, TRACKED_CALLERS)
    }
}

impl RefusalLog {
    /// Summaries every `interval`, telling at most `capacity` callers apart.
    pub fn new(interval: Duration, capacity: usize) -> Self {
        Self {
            interval,
            capacity,
            tallies: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one refusal of `caller` for `reason` at `now`; true when it is the first of its interval, to be
    /// logged in full by the caller of this function.
    pub fn note(&self, caller: &CallerName, reason: Reason, now: Instant) -> bool {
        let mut tallies = self.lock();
        let tracked = Key {
            caller: Some(caller.clone()),
            reason,
        };
        let key = if tallies.len() < self.capacity || tallies.contains_key(&tracked) {
            tracked
        } else {
            Key {
                caller: None,
                reason,
            }
        };
        match tallies.get_mut(&key) {
            Some(tally) => {
                tally.suppressed += 1;
                false
            }
            None => {
                tallies.insert(
                    key,
                    Tally {
                        since: now,
                        suppressed: 0,
                    },
                );
                true
            }
        }
    }

    /// The summary lines of every interval that ended by `now` with refusals left unlogged, each with its
    /// level. A caller still refused keeps counting into its next interval; a quiet one is forgotten, so its
    /// next refusal is logged in full again.
    pub fn due(&self, now: Instant) -> Vec<(log::Level, String)> {
        let mut lines = Vec::new();
        self.lock().retain(|key, tally| {
            let counted = now.saturating_duration_since(tally.since);
            if counted < self.interval {
                return true;
            }
            if tally.suppressed == 0 {
                return false;
            }
            let who = key.caller.as_ref().map_or_else(
                || format!("callers beyond the {} told apart", self.capacity),
                |caller| caller.to_string(),
            );
            lines.push((
                key.reason.level(),
                format!(
                    "refused {} more requests of {who} {} in the last {}s (not logged one by one)",
                    tally.suppressed,
                    key.reason.describe(),
                    counted.as_secs()
                ),
            ));
            *tally = Tally {
                since: now,
                suppressed: 0,
            };
            true
        });
        lines
    }

    /// How many callers and reasons are being counted now.
    pub fn tracked(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Tally>> {
        self.tallies.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_thousand_refusals_of_one_caller_make_one_full_line_and_one_summary_per_interval() {
        let (log, start) = (RefusalLog::new(10 * SECOND, 8), Instant::now());
        let caller = CallerName::from("reports");
        let full: usize = (0..1000)
            .map(|i| log.note(&caller, Reason::RateLimited, start + SECOND * i / 100))
            .filter(|&first| first)
            .count();
        let summaries = log.due(start + 10 * SECOND);
        assert_eq!(full, 1);
        assert_eq!(summaries.len(), 1);
        assert!(
            summaries[0]
                .1
                .contains("refused 999 more requests of reports"),
            "{:?}",
            summaries[0]
        );
        assert!(
            log.due(start + 11 * SECOND).is_empty(),
            "one line per interval"
        );
    }

    #[test]
    fn a_caller_quiet_for_an_interval_is_forgotten_and_logged_in_full_again() {
        let (log, start) = (RefusalLog::new(10 * SECOND, 8), Instant::now());
        let caller = CallerName::Address([10, 0, 0, 1].into());
        assert!(log.note(&caller, Reason::Unauthorized, start));
        assert!(!log.note(&caller, Reason::Unauthorized, start + SECOND));
        assert_eq!(log.due(start + 10 * SECOND).len(), 1);
        assert!(log.due(start + 20 * SECOND).is_empty());
        assert_eq!(log.tracked(), 0);
        assert!(log.note(&caller, Reason::Unauthorized, start + 21 * SECOND));
    }

    #[test]
    fn reasons_of_one_caller_are_counted_apart() {
        let (log, now) = (RefusalLog::new(10 * SECOND, 8), Instant::now());
        let caller = CallerName::from("ops");
        assert!(log.note(&caller, Reason::RateLimited, now));
        assert!(log.note(&caller, Reason::Forbidden, now));
        assert!(!log.note(&caller, Reason::Forbidden, now));
    }

    #[test]
    fn callers_past_the_capacity_are_counted_together_and_memory_stays_bounded() {
        let (log, now) = (RefusalLog::new(10 * SECOND, 4), Instant::now());
        let full = (0..5000u32)
            .map(|i| CallerName::Address(std::net::Ipv4Addr::from(0x0a00_0000 + i).into()))
            .filter(|caller| log.note(caller, Reason::Unauthorized, now))
            .count();
        assert_eq!(full, 5, "four callers and the one line of everyone else");
        assert_eq!(log.tracked(), 5);
        let summaries = log.due(now + 10 * SECOND);
        assert_eq!(summaries.len(), 1);
        assert!(
            summaries[0]
                .1
                .contains("refused 4995 more requests of callers beyond the 4"),
            "{:?}",
            summaries[0]
        );
    }
}

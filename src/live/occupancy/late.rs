//! Events the mirror's sync stores late (its tail walked again, verification): occupancy follows the
//! mirror from a little before the newest event it has read, so an event stored later with an older
//! `event_time` would count only after a restart. Each poll counts today's events per minute in the store
//! and reads again the minutes whose count changed since the poll before; each identity counts once, so a
//! minute read twice changes nothing.

use crate::mirror::event::EventFilter;
use crate::mirror::store::{CountQuery, EventStore, StoreError};

/// A minute in microseconds: the unit in which late events are looked for.
const MINUTE: i64 = 60_000_000;

/// Today's per-minute counts in the mirror's store, as the last poll found them.
#[derive(Debug, Default)]
pub struct LateMinutes {
    day_start: i64,
    counts: Vec<u64>,
}

impl LateMinutes {
    /// Counts the store's events per minute from `day_start` to `until`, and returns the windows (both
    /// ends inclusive) before `before` whose count changed since the last call for the same day; the first
    /// call of a day only takes note. Call it before reading the store, so that an event stored meanwhile
    /// is read now or found changed next time.
    pub async fn changed(
        &mut self,
        store: &dyn EventStore,
        day_start: i64,
        before: i64,
        until: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let minutes = usize::try_from((until - day_start).max(0) / MINUTE + 1).unwrap_or(1);
        let edges: Vec<i64> = (0..=minutes as i64)
            .map(|m| day_start + m * MINUTE)
            .collect();
        let query = CountQuery {
            filter: EventFilter {
                since_micros: Some(day_start),
                until_micros: edges.last().map(|end| end - 1),
                ..EventFilter::default()
            },
            edges,
            group_by: Vec::new(),
        };
        let mut counts = vec![0u64; minutes];
        for group in store.grouped_counts(&query).await? {
            if let Some(count) = counts.get_mut(group.bucket) {
                *count += group.count;
            }
        }
        let changed = if self.day_start == day_start {
            changed_windows(&self.counts, &counts, day_start, before)
        } else {
            Vec::new()
        };
        self.day_start = day_start;
        self.counts = counts;
        Ok(changed)
    }
}

/// The minutes before `before` whose count differs between `old` and `new` (a minute `old` lacks counts
/// as zero), adjacent ones joined, as inclusive windows from `day_start`.
fn changed_windows(old: &[u64], new: &[u64], day_start: i64, before: i64) -> Vec<(i64, i64)> {
    let mut windows: Vec<(i64, i64)> = Vec::new();
    for (minute, &count) in new.iter().enumerate() {
        let start = day_start + minute as i64 * MINUTE;
        if start >= before {
            break;
        }
        if old.get(minute).copied().unwrap_or(0) == count {
            continue;
        }
        let end = (start + MINUTE - 1).min(before - 1);
        match windows.last_mut() {
            Some(last) if last.1 + 1 == start => last.1 = end,
            _ => windows.push((start, end)),
        }
    }
    windows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_whose_count_changed_before_the_cut_are_read_again_joined_when_adjacent() {
        let old = [1, 2, 3, 4, 5];
        let new = [1, 3, 4, 4, 6, 9];
        // Minutes 1 and 2 changed (joined), 3 did not; 4 changed but lies past `before`.
        let windows = changed_windows(&old, &new, 0, 4 * MINUTE);
        assert_eq!(windows, vec![(MINUTE, 3 * MINUTE - 1)]);
    }

    #[test]
    fn a_minute_the_last_poll_did_not_count_is_read_if_it_now_holds_events() {
        let windows = changed_windows(&[0], &[0, 0, 2], 100, 100 + 10 * MINUTE);
        assert_eq!(windows, vec![(100 + 2 * MINUTE, 100 + 3 * MINUTE - 1)]);
    }

    #[test]
    fn a_window_ends_at_the_cut_when_the_cut_falls_inside_its_minute() {
        let windows = changed_windows(&[0], &[1], 0, MINUTE / 2);
        assert_eq!(windows, vec![(0, MINUTE / 2 - 1)]);
    }
}

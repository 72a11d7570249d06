//! Which rows a count reads: a window cut into whole UTC days, hours and minutes read from the rollups, and
//! the partial minutes at either end read from the events. Every plan has the same seven slots, so that a
//! filter's SQL has one shape (one prepared statement) whatever the window; an unused slot is an empty range.

/// A rollup table's time unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Level {
    /// One UTC minute.
    Minute,
    /// One UTC hour.
    Hour,
    /// One UTC day.
    Day,
}

impl Level {
    /// Every level, coarsest first.
    pub(super) const ALL: [Level; 3] = [Level::Day, Level::Hour, Level::Minute];

    /// The unit's length in microseconds.
    pub(super) const fn micros(self) -> i64 {
        match self {
            Level::Minute => 60_000_000,
            Level::Hour => 3_600_000_000,
            Level::Day => 86_400_000_000,
        }
    }

    /// The level's number in `mirror_rollups.level`.
    pub(super) const fn code(self) -> i16 {
        match self {
            Level::Minute => 0,
            Level::Hour => 1,
            Level::Day => 2,
        }
    }

    /// The level numbered `code`.
    pub(super) const fn from_code(code: i16) -> Option<Self> {
        match code {
            0 => Some(Level::Minute),
            1 => Some(Level::Hour),
            2 => Some(Level::Day),
            _ => None,
        }
    }

    /// The unit number holding `micros`.
    pub(super) const fn unit_of(self, micros: i64) -> i64 {
        micros.div_euclid(self.micros())
    }

    /// The slot this level's head part (or the middle) takes.
    const fn head_slot(self) -> usize {
        match self {
            Level::Minute => 1,
            Level::Hour => 2,
            Level::Day => 3,
        }
    }

    /// The slot this level's tail part takes (never the coarsest level's).
    const fn tail_slot(self) -> usize {
        match self {
            Level::Minute => 5,
            Level::Hour | Level::Day => 4,
        }
    }
}

/// What a slot reads: the events themselves (a range of microseconds) or one rollup level (a range of units).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// `mirror_events.event_time_us`.
    Events,
    /// A rollup table's `unit`.
    Rollup(Level),
}

/// The seven slots, in time order for the widest plan: events, minutes, hours, days, hours, minutes, events.
pub(super) const SLOTS: [Source; 7] = [
    Source::Events,
    Source::Rollup(Level::Minute),
    Source::Rollup(Level::Hour),
    Source::Rollup(Level::Day),
    Source::Rollup(Level::Hour),
    Source::Rollup(Level::Minute),
    Source::Events,
];

/// An empty inclusive range.
const EMPTY: (i64, i64) = (1, 0);

/// Inclusive ranges, one per slot of `SLOTS`, together covering the window exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Plan {
    /// `(from, to)` inclusive: microseconds for the events' slots, unit numbers for the rollups'.
    pub(super) ranges: [(i64, i64); 7],
}

/// Cuts the window `since..=until` (`None`: unbounded) using only `levels` (coarsest first; each must divide
/// the next coarser one, as minute, hour and UTC day do).
pub(super) fn plan(since: Option<i64>, until: Option<i64>, levels: &[Level]) -> Plan {
    let from = i128::from(since.unwrap_or(i64::MIN));
    let to = i128::from(until.unwrap_or(i64::MAX)) + 1;
    let mut ranges = [EMPTY; 7];
    if from >= to {
        return Plan { ranges };
    }
    // The coarsest level with at least one whole unit inside the window holds the middle.
    let middle = levels.iter().enumerate().find_map(|(n, &level)| {
        let unit = i128::from(level.micros());
        let (first, last) = (ceil_div(from, unit), to.div_euclid(unit));
        (first < last).then_some((n, level, first, last))
    });
    let Some((n, level, first, last)) = middle else {
        ranges[0] = micros_range(from, to);
        return Plan { ranges };
    };
    ranges[level.head_slot()] = (narrow(first), narrow(last - 1));
    let unit = i128::from(level.micros());
    let (mut head_end, mut tail_start) = (first * unit, last * unit);
    for &finer in &levels[n + 1..] {
        let unit = i128::from(finer.micros());
        let head_first = ceil_div(from, unit);
        if head_first * unit < head_end {
            ranges[finer.head_slot()] = (narrow(head_first), narrow(head_end / unit - 1));
            head_end = head_first * unit;
        }
        let tail_last = to.div_euclid(unit);
        if tail_start < tail_last * unit {
            ranges[finer.tail_slot()] = (narrow(tail_start / unit), narrow(tail_last - 1));
            tail_start = tail_last * unit;
        }
    }
    ranges[0] = micros_range(from, head_end);
    ranges[6] = micros_range(tail_start, to);
    Plan { ranges }
}

/// What to read for several windows (each bucket's, in time order): rollup ranges `(level code, first unit,
/// last unit)` and event ranges (inclusive microseconds), touching ranges of one source merged, so an hourly
/// series over a month is one range of hours and no unit read lies across two windows.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Reads {
    /// `(Level::code, from, to)`, units inclusive.
    pub(super) rollups: Vec<(i16, i64, i64)>,
    /// `(from, to)`, microseconds inclusive.
    pub(super) events: Vec<(i64, i64)>,
}

/// The reads covering each of `windows` (`since..=until`, `None` unbounded) exactly once.
pub(super) fn reads(windows: impl IntoIterator<Item = (Option<i64>, Option<i64>)>) -> Reads {
    let mut pieces: Vec<(Option<Level>, i64, i64)> = Vec::new();
    for (since, until) in windows {
        let plan = plan(since, until, &Level::ALL);
        for (source, (from, to)) in SLOTS.iter().zip(plan.ranges) {
            if from <= to {
                let level = match source {
                    Source::Events => None,
                    Source::Rollup(level) => Some(*level),
                };
                pieces.push((level, from, to));
            }
        }
    }
    pieces.sort_unstable();
    let mut reads = Reads::default();
    for (level, from, to) in pieces {
        let merged = match level {
            None => extend(&mut reads.events, from, to),
            Some(level) => match reads.rollups.last_mut() {
                Some((l, _, last)) if *l == level.code() && last.checked_add(1) == Some(from) => {
                    *last = to;
                    true
                }
                _ => false,
            },
        };
        if !merged {
            match level {
                None => reads.events.push((from, to)),
                Some(level) => reads.rollups.push((level.code(), from, to)),
            }
        }
    }
    reads
}

/// Extends the last range when `from..=to` follows it directly.
fn extend(ranges: &mut [(i64, i64)], from: i64, to: i64) -> bool {
    match ranges.last_mut() {
        Some((_, last)) if last.checked_add(1) == Some(from) => {
            *last = to;
            true
        }
        _ => false,
    }
}

/// The inclusive range of microseconds `from..to`, or the empty range.
fn micros_range(from: i128, to: i128) -> (i64, i64) {
    if from < to {
        (narrow(from), narrow(to - 1))
    } else {
        EMPTY
    }
}

fn ceil_div(n: i128, d: i128) -> i128 {
    -(-n).div_euclid(d)
}

/// Every bound the plan makes lies inside the window it was given, which came from `i64`s.
fn narrow(n: i128) -> i64 {
    i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000_000;
    const HOUR: i64 = 60 * MIN;
    const DAY: i64 = 24 * HOUR;
    const T0: i64 = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z

    /// How many times each microsecond of `from..=to` is read by `plan`: must be exactly once.
    fn coverage_is_exact(plan: &Plan, from: i64, to: i64) {
        let mut spans: Vec<(i64, i64)> = SLOTS
            .iter()
            .zip(plan.ranges)
            .filter(|(_, (a, b))| a <= b)
            .map(|(source, (a, b))| match source {
                Source::Events => (a, b),
                Source::Rollup(level) => (a * level.micros(), (b + 1) * level.micros() - 1),
            })
            .collect();
        spans.sort_unstable();
        assert_eq!(spans.first().map(|s| s.0), Some(from), "{plan:?}");
        assert_eq!(spans.last().map(|s| s.1), Some(to), "{plan:?}");
        for pair in spans.windows(2) {
            assert_eq!(pair[0].1 + 1, pair[1].0, "{plan:?}");
        }
    }

    #[test]
    fn a_month_with_ragged_ends_reads_days_between_hours_minutes_and_events() {
        let (since, until) = (
            T0 + 3 * HOUR + 7 * MIN + 5,
            T0 + 30 * DAY + 2 * HOUR + 9 * MIN + 17,
        );

        let plan = plan(Some(since), Some(until), &Level::ALL);

        assert_eq!(plan.ranges[3], (T0 / DAY + 1, T0 / DAY + 29));
        assert_eq!(
            plan.ranges[2],
            ((T0 + 4 * HOUR) / HOUR, (T0 + DAY) / HOUR - 1)
        );
        assert_eq!(plan.ranges[0], (since, T0 + 3 * HOUR + 8 * MIN - 1));
        coverage_is_exact(&plan, since, until);
    }

    #[test]
    fn every_window_is_read_exactly_once_whatever_levels_are_allowed() {
        let edges = [
            T0 - 1,
            T0,
            T0 + 1,
            T0 + 59 * MIN,
            T0 + HOUR + 30 * MIN,
            T0 + DAY - 1,
            T0 + 2 * DAY + 5 * HOUR + 13,
        ];
        for levels in [&Level::ALL[..], &Level::ALL[1..], &Level::ALL[2..], &[]] {
            for &since in &edges {
                for &until in edges.iter().filter(|&&u| u >= since) {
                    coverage_is_exact(&plan(Some(since), Some(until), levels), since, until);
                }
            }
        }
    }

    #[test]
    fn an_hourly_series_over_a_month_is_one_range_of_hours() {
        let windows = (0..720).map(|h| (Some(T0 + h * HOUR), Some(T0 + (h + 1) * HOUR - 1)));

        let reads = reads(windows);

        let hours = (Level::Hour.code(), T0 / HOUR, T0 / HOUR + 719);
        assert_eq!(
            reads,
            Reads {
                rollups: vec![hours],
                events: vec![]
            }
        );
    }

    #[test]
    fn daily_buckets_at_a_half_hour_offset_read_hours_and_the_half_hours_around_each_edge() {
        let start = T0 - 5 * HOUR - 30 * MIN;
        let windows = (0..3).map(|d| (Some(start + d * DAY), Some(start + (d + 1) * DAY - 1)));

        let reads = reads(windows);

        // No UTC day lies inside a day from 18:30 to 18:30; the half hours either side of an edge touch.
        assert!(reads.events.is_empty(), "{reads:?}");
        let count = |level: Level| reads.rollups.iter().filter(|r| r.0 == level.code()).count();
        assert_eq!(
            (count(Level::Day), count(Level::Hour), count(Level::Minute)),
            (0, 3, 4)
        );
    }

    #[test]
    fn an_unbounded_window_reaches_both_ends_of_time_without_overflowing() {
        let plan = plan(None, None, &Level::ALL);

        coverage_is_exact(&plan, i64::MIN, i64::MAX);
    }
}

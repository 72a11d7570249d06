//! The simulator's clock: the fixed data set's (no clock), or a moving "now" that follows the wall clock or
//! stands still until a test moves it.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// How the simulated cloud's events relate to time.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum SimClock {
    /// The fixed data set: 30,000 events over the 28 days before `data_anchor`, ids following time.
    /// The default, which the existing tests rely on.
    #[default]
    Fixed,
    /// Events up to "now" with a daily rhythm, a few arriving late; see [`MovingSettings`].
    Moving(MovingSettings),
}

impl SimClock {
    /// The moving mode on the wall clock, with `history` of events before the start (the demo's mode).
    pub fn wall(history: Duration) -> Self {
        SimClock::Moving(MovingSettings::wall(history))
    }

    /// The moving mode with "now" standing at `now` until the handle moves it, `history` before it.
    pub fn manual(now: DateTime<Utc>, history: Duration) -> Self {
        SimClock::Moving(MovingSettings::manual(now, history))
    }
}

/// Where the moving clock's "now" starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockStart {
    /// The wall clock (plus whatever the handle adds with `advance`).
    Wall,
    /// This instant, standing still until the handle moves it.
    At(DateTime<Utc>),
}

/// The moving mode: every location's events, a pure function of the seed, answered up to "now".
///
/// Locations are in America/New_York: people come in on "Enter" lines mostly from 8 to 10 local time and
/// leave on "Exit" lines mostly from 17 to 19, few at night, fewer at weekends; zones and inner lines see
/// them in between. Each event reaches the cloud at its arrival: `event_time`, or for about `late_share`
/// of them a minute to six hours later; the cloud answers only what has arrived by "now". Ids follow
/// arrival (see `data/timeline.rs`), so a late event has a high id and an old time.
#[derive(Clone, Debug, PartialEq)]
pub struct MovingSettings {
    /// The first instant with events; nothing happened before it.
    pub history_since: DateTime<Utc>,
    /// Where "now" starts.
    pub start: ClockStart,
    /// Events a day over the whole account, on average (1 to 50,000).
    pub events_per_day: u32,
    /// Share of events that reach the cloud late (0.0 to 1.0).
    pub late_share: f64,
}

/// Events a day when not chosen: a busy account, as the demo shows.
pub const DEFAULT_EVENTS_PER_DAY: u32 = 30_000;
/// The late share when not chosen: 1.5% of events.
pub const DEFAULT_LATE_SHARE: f64 = 0.015;
/// The most events a day the moving mode makes: a busy hour must fit the ids an hour may use.
pub const MAX_EVENTS_PER_DAY: u32 = 50_000;

impl MovingSettings {
    /// On the wall clock from now, with `history` before it (the start rounded down to the hour).
    pub fn wall(history: Duration) -> Self {
        let now = Utc::now();
        Self {
            start: ClockStart::Wall,
            ..Self::manual(now, history)
        }
    }

    /// Standing at `now` until moved, with `history` before it; default rate and late share.
    pub fn manual(now: DateTime<Utc>, history: Duration) -> Self {
        let since = chrono::Duration::from_std(history)
            .ok()
            .and_then(|h| now.checked_sub_signed(h))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let hour = 3_600_000;
        let since =
            DateTime::from_timestamp_millis(since.timestamp_millis().div_euclid(hour) * hour)
                .unwrap_or(since);
        Self {
            history_since: since,
            start: ClockStart::At(now),
            events_per_day: DEFAULT_EVENTS_PER_DAY,
            late_share: DEFAULT_LATE_SHARE,
        }
    }

    /// Refuses settings the moving mode cannot honour, naming the field.
    pub(super) fn check(&self) -> Result<(), String> {
        if !(1..=MAX_EVENTS_PER_DAY).contains(&self.events_per_day) {
            return Err(format!(
                "events_per_day must be from 1 to {MAX_EVENTS_PER_DAY}, got {}",
                self.events_per_day
            ));
        }
        if !(0.0..=1.0).contains(&self.late_share) {
            return Err(format!(
                "late_share must be from 0.0 to 1.0, got {}",
                self.late_share
            ));
        }
        Ok(())
    }
}

/// An event that reaches the cloud after its `event_time`, for tests that wait for one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LateEvent {
    /// Its id (high: ids follow arrival).
    pub id: i32,
    /// When it happened.
    pub event_time: DateTime<Utc>,
    /// When the cloud gets it; it is invisible before.
    pub arrival: DateTime<Utc>,
}

/// The running clock: the wall clock plus an offset, or a standing instant.
#[derive(Clone, Copy, Debug)]
pub(super) enum Now {
    Wall { offset_ms: i64 },
    Standing { ms: i64 },
}

impl Now {
    /// The clock as the settings start it.
    pub(super) fn starting(start: ClockStart) -> Self {
        match start {
            ClockStart::Wall => Now::Wall { offset_ms: 0 },
            ClockStart::At(at) => Now::Standing {
                ms: at.timestamp_millis(),
            },
        }
    }

    /// "Now", in UTC milliseconds.
    pub(super) fn ms(&self) -> i64 {
        match *self {
            Now::Wall { offset_ms } => Utc::now().timestamp_millis().saturating_add(offset_ms),
            Now::Standing { ms } => ms,
        }
    }

    /// Moves "now" forward by `by`.
    pub(super) fn advance(&mut self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        match self {
            Now::Wall { offset_ms } => *offset_ms = offset_ms.saturating_add(by),
            Now::Standing { ms } => *ms = ms.saturating_add(by),
        }
    }

    /// Puts "now" at `at` (on the wall clock, by changing the offset; it then keeps moving from there).
    pub(super) fn set(&mut self, at: DateTime<Utc>) {
        let at = at.timestamp_millis();
        match self {
            Now::Wall { offset_ms } => *offset_ms = at - Utc::now().timestamp_millis(),
            Now::Standing { ms } => *ms = at,
        }
    }
}

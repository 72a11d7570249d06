//! One location's local day of events, drawn from (seed, location, date) alone: visitors come in on an
//! "Enter" line (mostly in the morning), may visit a zone and cross an inner line, and leave on an "Exit"
//! line the same day (mostly in the evening), so entries minus exits over a day is zero and never negative
//! on the way. A few events reach the cloud late.

use chrono::{Datelike, NaiveDate};

use super::super::model::{EventType, Origin};
use super::super::prng::SplitMix64;
use super::raw::{sort_by_time, Raw};
use super::rhythm::{DayCurve, ENTRIES, EXITS};
use super::site::Site;
use super::zone::HOUR_MS;

/// Events a visitor makes on average (in, out, the zone visit's join, leave, motion, loitering and crowd
/// events, an inner line), to turn events a day into visitors a day.
pub(super) const EVENTS_PER_VISIT: f64 = 3.9;
/// The longest delay before an event reaches the cloud.
pub(in crate::simulator) const MAX_DELAY_MS: i64 = 6 * HOUR_MS;
/// The shortest delay of a late event.
const MIN_DELAY_MS: i64 = 60_000;
/// Share of visitors who stay the working day; the others stay minutes.
const LONG_STAY_SHARE: f64 = 0.75;
const MINUTE_MS: i64 = 60_000;

/// How much happens: events a day over the whole account, and the share that arrives late.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(in crate::simulator) struct Rate {
    pub(in crate::simulator) events_per_day: f64,
    pub(in crate::simulator) late_share: f64,
}

/// Every event of `site` on the local `date`, ordered by `event_time` (ties in the order drawn).
pub(super) fn location_day(seed: u64, site: &Site, date: NaiveDate, rate: Rate) -> Vec<Raw> {
    let mut rng = SplitMix64::new(
        seed ^ (site.location_id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (date.num_days_from_ce() as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F),
    );
    rng.next_u64();
    let entries = DayCurve::new(site.zone, date, &ENTRIES);
    let exits = DayCurve::new(site.zone, date, &EXITS);
    let mean = rate.events_per_day * site.share / EVENTS_PER_VISIT * site.day_factor(date);
    let visitors = (mean * (0.9 + 0.2 * rng.unit())).round() as usize;
    let mut day = Day {
        rng,
        rate,
        events: Vec::with_capacity(visitors * 4),
    };
    if site.enters.is_empty() || site.exits.is_empty() {
        return day.events;
    }
    for _ in 0..visitors {
        day.visit(site, &entries, &exits);
    }
    // Now and then a camera is tampered with.
    if day.rng.below(4) == 0 && !site.zones.is_empty() {
        let at = entries.start + day.rng.below((entries.end - entries.start) as u64) as i64;
        let zone = day.pick(&site.zones);
        day.push(at, zone, EventType::Sabotage, Origin::Unknown);
    }
    sort_by_time(day.events)
}

struct Day {
    rng: SplitMix64,
    rate: Rate,
    events: Vec<Raw>,
}

impl Day {
    fn visit(&mut self, site: &Site, entries: &DayCurve, exits: &DayCurve) {
        let origin = site.origin(self.rng.unit());
        let came = entries.draw(&mut self.rng);
        let long = self.rng.unit() < LONG_STAY_SHARE;
        let left = if long {
            exits.draw_after(&mut self.rng, came + 30 * MINUTE_MS)
        } else {
            None
        };
        let short = self.between(5 * MINUTE_MS, 90 * MINUTE_MS);
        let left = left.unwrap_or(came + short).min(entries.end - 1).max(came);
        let enter = self.pick(&site.enters);
        let kind = self.crossing(20);
        self.push(came, enter, kind, origin);
        if self.rng.unit() < 0.6 && !site.zones.is_empty() {
            let zone = self.pick(&site.zones);
            let joined = came + ((left - came) as f64 * self.rng.unit()) as i64;
            let dwell = self.between(MINUTE_MS, 20 * MINUTE_MS).min(left - joined);
            self.push(joined, zone, EventType::RegionJoin, origin);
            if self.rng.unit() < 0.3 {
                self.push(joined, zone, EventType::MotionInRegionOn, origin);
            }
            if self.rng.below(50) == 0 {
                self.push(joined, zone, EventType::CrowdOn, origin);
            }
            if dwell > 10 * MINUTE_MS {
                self.push(joined + 10 * MINUTE_MS, zone, EventType::Loitering, origin);
            }
            self.push(joined + dwell, zone, EventType::RegionLeave, origin);
        }
        if self.rng.unit() < 0.2 && !site.lines.is_empty() {
            let line = self.pick(&site.lines);
            let at = came + ((left - came) as f64 * self.rng.unit()) as i64;
            self.push(at, line, EventType::TripwireCrossed, origin);
        }
        let exit = self.pick(&site.exits);
        let kind = self.crossing(33);
        self.push(left, exit, kind, origin);
    }

    /// A line crossing: one in `one_in` is two people through at once.
    fn crossing(&mut self, one_in: u64) -> EventType {
        if self.rng.below(one_in) == 0 {
            EventType::Tailgating
        } else {
            EventType::TripwireCrossed
        }
    }

    fn pick(&mut self, triggers: &[u16]) -> u16 {
        triggers[self.rng.below(triggers.len() as u64) as usize]
    }

    fn between(&mut self, low: i64, high: i64) -> i64 {
        low + self.rng.below((high - low) as u64) as i64
    }

    /// Adds one event; the draws are the same whatever the late share, so changing it moves only which
    /// events are late.
    fn push(&mut self, time: i64, trigger: u16, event_type: EventType, origin: Origin) {
        let seen = self.rng.below(10) != 0;
        let object_id = self.rng.below(100_000) as i32;
        let snapshot_id = -(self.rng.below(i32::MAX as u64) as i32);
        let record_id = self.rng.below(i32::MAX as u64) as i32;
        let late = self.rng.unit() < self.rate.late_share;
        // Log-uniform from a minute to the longest delay: most late events are minutes late, some hours.
        let spread = (MAX_DELAY_MS as f64 / MIN_DELAY_MS as f64).ln();
        let delay = (MIN_DELAY_MS as f64 * (self.rng.unit() * spread).exp()) as i64;
        self.events.push(Raw {
            time,
            delay: if late {
                delay.clamp(MIN_DELAY_MS, MAX_DELAY_MS) as u32
            } else {
                0
            },
            trigger,
            event_type,
            origin,
            object_id: seen.then_some(object_id),
            snapshot_id,
            record_id,
        });
    }
}

//! The daily rhythm: how a local day's comings and goings spread over its hours, and draws of instants
//! from that spread (in real hours, so a daylight-saving day has 23 or 25 of them).

use chrono::NaiveDate;

use super::super::prng::SplitMix64;
use super::zone::{Zone, HOUR_MS};

/// Relative weight of each local hour for people coming in: a peak from 8 to 10, few at night.
pub(super) const ENTRIES: [f64; 24] = [
    0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 2.0, 6.0, 13.0, 12.0, 7.0, 5.0, //
    6.0, 5.0, 4.0, 3.0, 2.5, 2.0, 1.5, 1.2, 0.8, 0.5, 0.3, 0.2,
];
/// Relative weight of each local hour for people leaving after a long stay: a peak from 17 to 19.
pub(super) const EXITS: [f64; 24] = [
    0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.5, //
    2.5, 2.5, 2.5, 3.0, 5.0, 12.0, 12.0, 7.0, 3.0, 1.5, 0.8, 0.5,
];

/// One local day's real hours, each weighted by its local hour, to draw instants from.
#[derive(Clone, Debug)]
pub(super) struct DayCurve {
    /// UTC milliseconds of local midnight, where the day starts.
    pub(super) start: i64,
    /// UTC milliseconds of the next local midnight, where it ends (excluded).
    pub(super) end: i64,
    weights: Vec<f64>,
}

impl DayCurve {
    /// The local `date` in `zone`, its hours weighted by `by_local_hour`.
    pub(super) fn new(zone: Zone, date: NaiveDate, by_local_hour: &[f64; 24]) -> Self {
        let start = zone.midnight_utc_ms(date);
        let end = date
            .succ_opt()
            .map_or(start + 24 * HOUR_MS, |next| zone.midnight_utc_ms(next));
        let weights = (0..(end - start) / HOUR_MS)
            .map(|k| by_local_hour[zone.local_hour(start + k * HOUR_MS) as usize])
            .collect();
        Self {
            start,
            end,
            weights,
        }
    }

    /// An instant of the day, more likely in heavier hours.
    pub(super) fn draw(&self, rng: &mut SplitMix64) -> i64 {
        self.draw_after(rng, self.start).unwrap_or(self.start)
    }

    /// An instant in `[from, end)`, with the same weights; `None` when nothing of the day is left.
    pub(super) fn draw_after(&self, rng: &mut SplitMix64, from: i64) -> Option<i64> {
        let from = from.max(self.start);
        let first = usize::try_from((from - self.start) / HOUR_MS).ok()?;
        let hour_start = |k: usize| self.start + k as i64 * HOUR_MS;
        // The hour `from` falls in counts only for the part of it that is left.
        let weight = |k: usize| {
            let w = self.weights[k];
            if k == first {
                w * (hour_start(k + 1) - from) as f64 / HOUR_MS as f64
            } else {
                w
            }
        };
        let total: f64 = (first..self.weights.len()).map(weight).sum();
        if total <= 0.0 {
            return None;
        }
        let mut left = rng.unit() * total;
        for k in first..self.weights.len() {
            let w = weight(k);
            if left < w || k + 1 == self.weights.len() {
                let lower = hour_start(k).max(from);
                let span = (hour_start(k + 1) - lower) as f64;
                let at = lower + ((left / w.max(f64::MIN_POSITIVE)).min(1.0) * span) as i64;
                return Some(at.clamp(lower, hour_start(k + 1) - 1));
            }
            left -= w;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::data::zone::NEW_YORK;

    #[test]
    fn draws_stay_in_the_day_and_crowd_into_the_heavy_hours() {
        let curve = DayCurve::new(NEW_YORK, "2026-06-03".parse().unwrap(), &ENTRIES);
        let mut rng = SplitMix64::new(1);
        let mut by_hour = [0u32; 24];
        for _ in 0..20_000 {
            let at = curve.draw(&mut rng);
            assert!((curve.start..curve.end).contains(&at));
            by_hour[NEW_YORK.local_hour(at) as usize] += 1;
        }
        let morning = by_hour[8] + by_hour[9];
        let night = by_hour[2] + by_hour[3];
        assert!(morning > 20 * night.max(1), "{by_hour:?}");
    }

    #[test]
    fn draws_after_an_instant_never_come_before_it() {
        let curve = DayCurve::new(NEW_YORK, "2026-11-01".parse().unwrap(), &EXITS);
        assert_eq!(curve.end - curve.start, 25 * HOUR_MS);
        let mut rng = SplitMix64::new(2);
        let from = curve.start + 17 * HOUR_MS + 1_234;
        for _ in 0..1000 {
            let at = curve.draw_after(&mut rng, from).unwrap();
            assert!(at >= from && at < curve.end);
        }
        assert_eq!(curve.draw_after(&mut rng, curve.end), None);
    }
}

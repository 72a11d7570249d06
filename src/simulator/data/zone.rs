//! Local time at the simulated sites: America/New_York, with the US daylight-saving rules in force since
//! 2007 (from the second Sunday of March, 2:00, to the first Sunday of November, 2:00), written out by
//! hand so the simulator needs no time-zone database.

use chrono::{Datelike, NaiveDate, Timelike, Weekday};

/// Milliseconds in an hour, the unit every transition and offset here is a multiple of.
pub(super) const HOUR_MS: i64 = 3_600_000;

/// A site's zone: its standard offset from UTC and whether US daylight-saving time applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::simulator) struct Zone {
    /// The IANA name the rules follow.
    pub(in crate::simulator) name: &'static str,
    standard_hours: i64,
    us_daylight_saving: bool,
}

/// Where all three simulated locations are.
pub(in crate::simulator) const NEW_YORK: Zone = Zone {
    name: "America/New_York",
    standard_hours: -5,
    us_daylight_saving: true,
};

impl Zone {
    /// Local time minus UTC, in milliseconds, at the UTC instant `utc_ms`.
    pub(super) fn offset_ms(self, utc_ms: i64) -> i64 {
        let standard = self.standard_hours * HOUR_MS;
        if !self.us_daylight_saving {
            return standard;
        }
        // Transitions are never near New Year, so the standard-time year is the year of both.
        let Some(year) = civil(utc_ms + standard).map(|t| t.year()) else {
            return standard;
        };
        let at_two = |month, nth, offset: i64| {
            NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sun, nth)
                .map(|day| midnight_ms(day) + 2 * HOUR_MS - offset)
        };
        match (at_two(3, 2, standard), at_two(11, 1, standard + HOUR_MS)) {
            (Some(start), Some(end)) if (start..end).contains(&utc_ms) => standard + HOUR_MS,
            _ => standard,
        }
    }

    /// The local calendar date at the UTC instant `utc_ms`.
    pub(super) fn local_date(self, utc_ms: i64) -> NaiveDate {
        civil(utc_ms + self.offset_ms(utc_ms)).map_or(NaiveDate::MIN, |t| t.date())
    }

    /// The local hour (0-23) at the UTC instant `utc_ms`.
    pub(super) fn local_hour(self, utc_ms: i64) -> u32 {
        civil(utc_ms + self.offset_ms(utc_ms)).map_or(0, |t| t.hour())
    }

    /// The UTC instant of local midnight starting `date` (midnight is never inside a transition here).
    pub(super) fn midnight_utc_ms(self, date: NaiveDate) -> i64 {
        let standard = self.standard_hours * HOUR_MS;
        let daylight = midnight_ms(date) - standard - HOUR_MS;
        if self.offset_ms(daylight) == standard + HOUR_MS {
            daylight
        } else {
            midnight_ms(date) - standard
        }
    }
}

/// Milliseconds since the Unix epoch of 00:00 UTC on `date`.
pub(super) fn midnight_ms(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_millis())
}

fn civil(ms: i64) -> Option<chrono::NaiveDateTime> {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.naive_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_millis()
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn new_york_is_five_hours_behind_in_winter_and_four_in_summer() {
        assert_eq!(NEW_YORK.offset_ms(ms("2026-01-15T12:00:00Z")), -5 * HOUR_MS);
        assert_eq!(NEW_YORK.offset_ms(ms("2026-07-15T12:00:00Z")), -4 * HOUR_MS);
        assert_eq!(NEW_YORK.local_hour(ms("2026-07-15T12:00:00Z")), 8);
        assert_eq!(
            NEW_YORK.local_date(ms("2026-01-16T03:00:00Z")),
            date("2026-01-15")
        );
    }

    #[test]
    fn clocks_change_at_two_in_the_morning_local_on_the_us_sundays() {
        // 2026: 8 March and 1 November.
        assert_eq!(NEW_YORK.offset_ms(ms("2026-03-08T06:59:59Z")), -5 * HOUR_MS);
        assert_eq!(NEW_YORK.offset_ms(ms("2026-03-08T07:00:00Z")), -4 * HOUR_MS);
        assert_eq!(NEW_YORK.offset_ms(ms("2026-11-01T05:59:59Z")), -4 * HOUR_MS);
        assert_eq!(NEW_YORK.offset_ms(ms("2026-11-01T06:00:00Z")), -5 * HOUR_MS);
    }

    #[test]
    fn local_days_last_23_hours_in_spring_25_in_autumn_and_24_otherwise() {
        let length = |d: &str| {
            let day = date(d);
            let next = day.succ_opt().unwrap();
            (NEW_YORK.midnight_utc_ms(next) - NEW_YORK.midnight_utc_ms(day)) / HOUR_MS
        };
        assert_eq!(length("2026-03-08"), 23);
        assert_eq!(length("2026-11-01"), 25);
        assert_eq!(length("2026-06-01"), 24);
        assert_eq!(
            NEW_YORK.midnight_utc_ms(date("2026-03-08")),
            ms("2026-03-08T05:00:00Z")
        );
        assert_eq!(
            NEW_YORK.midnight_utc_ms(date("2026-11-01")),
            ms("2026-11-01T04:00:00Z")
        );
    }
}

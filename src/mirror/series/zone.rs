//! A time zone's clock at an instant, in UTC microseconds: its offset, where the offset changes, and
//! when a local day begins (local midnight, or the first instant after it when the clock skips midnight).

use chrono::offset::LocalResult;
use chrono::{DateTime, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;

const SECOND: i64 = 1_000_000;
/// Wider than any zone's offset from UTC (-12 h to +14 h), so a local day starts within it.
const WIDEST_OFFSET: i64 = 15 * 3_600 * SECOND;

/// The zone's offset from UTC at `micros`, in microseconds (local = UTC + offset).
pub fn offset_at(tz: Tz, micros: i64) -> i64 {
    let utc = DateTime::<Utc>::from_timestamp_micros(micros).unwrap_or(DateTime::<Utc>::MAX_UTC);
    let seconds = tz
        .offset_from_utc_datetime(&utc.naive_utc())
        .fix()
        .local_minus_utc();
    i64::from(seconds) * SECOND
}

/// The first instant in `(from, to]` whose offset differs from `from`'s, given that `to`'s does: the
/// zone's offset changes once between them (transitions are weeks apart, the spans asked are at most a day).
pub fn first_change(tz: Tz, from: i64, to: i64) -> i64 {
    let before = offset_at(tz, from);
    let (mut same, mut changed) = (from, to);
    while changed - same > 1 {
        let middle = same + (changed - same) / 2;
        if offset_at(tz, middle) == before {
            same = middle;
        } else {
            changed = middle;
        }
    }
    changed
}

/// The local date at `micros`.
pub fn local_date(tz: Tz, micros: i64) -> NaiveDate {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
        .with_timezone(&tz)
        .date_naive()
}

/// When `date` begins in the zone: its local midnight; the earlier one when midnight happens twice; when
/// the clock skips midnight, the instant it jumps past it.
pub fn day_start(tz: Tz, date: NaiveDate) -> i64 {
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    match tz.from_local_datetime(&midnight) {
        LocalResult::Single(start) | LocalResult::Ambiguous(start, _) => start.timestamp_micros(),
        LocalResult::None => {
            // The first instant whose local time is at or past midnight; within a day of a skipped
            // midnight the local clock only moves forward, so a bisection finds it.
            let wall = midnight.and_utc().timestamp_micros();
            let local = |t: i64| t + offset_at(tz, t);
            let (mut before, mut after) = (wall - WIDEST_OFFSET, wall + WIDEST_OFFSET);
            while after - before > 1 {
                let middle = before + (after - before) / 2;
                if local(middle) >= wall {
                    after = middle;
                } else {
                    before = middle;
                }
            }
            after
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_micros()
    }

    #[test]
    fn new_yorks_offset_changes_at_two_in_the_morning_local_time() {
        let tz: Tz = "America/New_York".parse().unwrap();
        assert_eq!(
            offset_at(tz, micros("2026-03-08T06:59:59Z")),
            -5 * 3_600 * SECOND
        );
        assert_eq!(
            offset_at(tz, micros("2026-03-08T07:00:00Z")),
            -4 * 3_600 * SECOND
        );
        let change = first_change(
            tz,
            micros("2026-03-08T00:00:00Z"),
            micros("2026-03-08T12:00:00Z"),
        );
        assert_eq!(change, micros("2026-03-08T07:00:00Z"));
    }

    #[test]
    fn a_day_begins_at_local_midnight_or_when_the_clock_jumps_past_it() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        assert_eq!(day_start(tz, date), micros("2026-03-08T00:00:00-05:00"));
        // Santiago moved its clocks from midnight to one in the morning on 2022-09-11.
        let santiago: Tz = "America/Santiago".parse().unwrap();
        let skipped = NaiveDate::from_ymd_opt(2022, 9, 11).unwrap();
        assert_eq!(
            day_start(santiago, skipped),
            micros("2022-09-11T01:00:00-03:00")
        );
        assert_eq!(local_date(santiago, day_start(santiago, skipped)), skipped);
    }
}

//! The edges of a series' buckets, aligned in a time zone: 5 minutes, 15 minutes and hours on the zone's
//! clock, days from local midnight, weeks from Monday's local midnight. A day with a daylight-saving change
//! has 23 or 25 hourly buckets, and its daily bucket is 23 or 25 hours long.

use chrono::{Datelike, Days};
use chrono_tz::Tz;

use crate::camlytics::query::BadParam;

use super::zone::{day_start, first_change, local_date, offset_at};

/// Most buckets one series may have.
pub const MAX_BUCKETS: usize = 100_000;

const MINUTE: i64 = 60_000_000;

/// A bucket size `/v1/series` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// 5 minutes on the zone's clock.
    FiveMinutes,
    /// 15 minutes on the zone's clock.
    FifteenMinutes,
    /// An hour on the zone's clock.
    Hour,
    /// A local day, from midnight.
    Day,
    /// A local week, from Monday's midnight.
    Week,
}

/// The names `bucket` accepts, in size order.
pub const BUCKET_NAMES: &[&str] = &["5m", "15m", "1h", "1d", "1w"];

/// The window holds more than [`MAX_BUCKETS`] buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyBuckets;

impl TooManyBuckets {
    /// The 400 naming `bucket`.
    pub fn refusal(self, bucket: Bucket) -> BadParam {
        BadParam::new(
            "bucket",
            format!(
                "the window from since to until holds more than {MAX_BUCKETS} buckets of {}; use a larger bucket or a shorter window",
                bucket.name()
            ),
        )
    }
}

impl Bucket {
    /// The bucket named `name` (one of [`BUCKET_NAMES`]).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "5m" => Some(Self::FiveMinutes),
            "15m" => Some(Self::FifteenMinutes),
            "1h" => Some(Self::Hour),
            "1d" => Some(Self::Day),
            "1w" => Some(Self::Week),
            _ => None,
        }
    }

    /// Its name, as `bucket` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::FiveMinutes => "5m",
            Self::FifteenMinutes => "15m",
            Self::Hour => "1h",
            Self::Day => "1d",
            Self::Week => "1w",
        }
    }

    /// Its usual length in microseconds (a local day or week may be an hour longer or shorter).
    fn nominal(self) -> i64 {
        match self {
            Self::FiveMinutes => 5 * MINUTE,
            Self::FifteenMinutes => 15 * MINUTE,
            Self::Hour => 60 * MINUTE,
            Self::Day => 24 * 60 * MINUTE,
            Self::Week => 7 * 24 * 60 * MINUTE,
        }
    }
}

/// The edges of the buckets covering `since..=until` (UTC microseconds): the first is the aligned boundary
/// at or before `since`, the last the first boundary after `until`; bucket `i` is `edges[i]..edges[i + 1]`.
pub fn edges(bucket: Bucket, tz: Tz, since: i64, until: i64) -> Result<Vec<i64>, TooManyBuckets> {
    // A bound before any work, loose enough for buckets a clock change shortens (a 23-hour day).
    let span = until.saturating_sub(since);
    if span / bucket.nominal() > 2 * MAX_BUCKETS as i64 {
        return Err(TooManyBuckets);
    }
    let mut edges = vec![first_edge(bucket, tz, since)];
    while let Some(&last) = edges.last().filter(|&&last| last <= until) {
        if edges.len() > MAX_BUCKETS {
            return Err(TooManyBuckets);
        }
        edges.push(next_edge(bucket, tz, last));
    }
    Ok(edges)
}

/// The boundary at or before `t`.
fn first_edge(bucket: Bucket, tz: Tz, t: i64) -> i64 {
    match bucket {
        Bucket::Day | Bucket::Week => {
            let mut date = local_date(tz, t);
            if bucket == Bucket::Week {
                date = date - Days::new(u64::from(date.weekday().num_days_from_monday()));
            }
            day_start(tz, date)
        }
        _ => clock_floor(tz, bucket.nominal(), t),
    }
}

/// The first boundary after the boundary `edge`.
fn next_edge(bucket: Bucket, tz: Tz, edge: i64) -> i64 {
    let step = match bucket {
        Bucket::Day => 1,
        Bucket::Week => 7,
        _ => return clock_next(tz, bucket.nominal(), edge),
    };
    let mut date = local_date(tz, edge);
    loop {
        // Past the last date chrono knows (far beyond any window asked): one nominal bucket on.
        let Some(next) = date.checked_add_days(Days::new(step)) else {
            return edge.saturating_add(bucket.nominal());
        };
        date = next;
        let start = day_start(tz, date);
        // A day the zone skipped whole (Samoa's 2011-12-30) starts with the next: take that one.
        if start > edge {
            return start;
        }
    }
}

/// The last instant at or before `t` whose local clock reads a multiple of `length`.
fn clock_floor(tz: Tz, length: i64, t: i64) -> i64 {
    let offset = offset_at(tz, t);
    let candidate = (t + offset).div_euclid(length) * length - offset;
    if offset_at(tz, candidate) == offset {
        return candidate;
    }
    // The offset changed after the candidate: on the new clock no boundary lies between the change and
    // `t`, so the boundary is the last one on the old clock, before the change.
    let change = first_change(tz, candidate, t);
    let before = change - 1;
    let old = offset_at(tz, before);
    (before + old).div_euclid(length) * length - old
}

/// The first instant after `t` whose local clock reads a multiple of `length`.
fn clock_next(tz: Tz, length: i64, t: i64) -> i64 {
    let offset = offset_at(tz, t);
    let candidate = ((t + offset).div_euclid(length) + 1) * length - offset;
    if offset_at(tz, candidate) == offset {
        return candidate;
    }
    // The offset changed before the candidate: the next boundary is the first on the new clock from the change.
    let change = first_change(tz, t, candidate);
    let new = offset_at(tz, change);
    let rounded_up = (change + new + length - 1).div_euclid(length) * length - new;
    rounded_up.max(t + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn micros(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_micros()
    }

    fn zone(name: &str) -> Tz {
        name.parse().unwrap()
    }

    fn hours_between(edges: &[i64]) -> Vec<i64> {
        edges
            .windows(2)
            .map(|w| (w[1] - w[0]) / (60 * MINUTE))
            .collect()
    }

    #[test]
    fn new_yorks_spring_forward_day_has_23_hours_and_its_fall_back_day_25() {
        let ny = zone("America/New_York");
        let spring = edges(
            Bucket::Hour,
            ny,
            micros("2026-03-08T00:00:00-05:00"),
            micros("2026-03-08T23:59:59-04:00"),
        )
        .unwrap();
        assert_eq!(spring.len() - 1, 23);
        assert!(hours_between(&spring).iter().all(|&h| h == 1));
        let fall = edges(
            Bucket::Hour,
            ny,
            micros("2026-11-01T00:00:00-04:00"),
            micros("2026-11-01T23:59:59-05:00"),
        )
        .unwrap();
        assert_eq!(fall.len() - 1, 25);
        let days = edges(
            Bucket::Day,
            ny,
            micros("2026-03-07T12:00:00-05:00"),
            micros("2026-03-09T12:00:00-04:00"),
        )
        .unwrap();
        assert_eq!(hours_between(&days), vec![24, 23, 24]);
        assert_eq!(days[0], micros("2026-03-07T00:00:00-05:00"));
    }

    #[test]
    fn weeks_start_on_monday_local_midnight() {
        let berlin = zone("Europe/Berlin");
        // 2026-01-01 is a Thursday.
        let weeks = edges(
            Bucket::Week,
            berlin,
            micros("2026-01-01T10:00:00+01:00"),
            micros("2026-01-20T10:00:00+01:00"),
        )
        .unwrap();
        assert_eq!(weeks[0], micros("2025-12-29T00:00:00+01:00"));
        assert_eq!(weeks[1], micros("2026-01-05T00:00:00+01:00"));
        assert_eq!(*weeks.last().unwrap(), micros("2026-01-26T00:00:00+01:00"));
    }

    #[test]
    fn quarter_hours_follow_a_zones_clock_even_at_a_three_quarter_offset() {
        let kathmandu = zone("Asia/Kathmandu"); // +05:45
        let quarters = edges(
            Bucket::FifteenMinutes,
            kathmandu,
            micros("2026-01-01T10:07:00+05:45"),
            micros("2026-01-01T10:30:00+05:45"),
        )
        .unwrap();
        assert_eq!(
            quarters,
            vec![
                micros("2026-01-01T10:00:00+05:45"),
                micros("2026-01-01T10:15:00+05:45"),
                micros("2026-01-01T10:30:00+05:45"),
                micros("2026-01-01T10:45:00+05:45"),
            ]
        );
    }

    #[test]
    fn a_half_hour_daylight_change_gives_an_hour_and_a_half_bucket() {
        // Lord Howe Island moves its clock from 02:00 to 02:30 (+10:30 to +11:00).
        let lord_howe = zone("Australia/Lord_Howe");
        let hours = edges(
            Bucket::Hour,
            lord_howe,
            micros("2025-10-05T00:30:00+10:30"),
            micros("2025-10-05T03:30:00+11:00"),
        )
        .unwrap();
        assert_eq!(hours[1], micros("2025-10-05T01:00:00+10:30"));
        assert_eq!(hours[2], micros("2025-10-05T03:00:00+11:00"));
        assert_eq!(hours[2] - hours[1], 90 * MINUTE);
    }

    #[test]
    fn a_window_of_more_than_a_hundred_thousand_buckets_is_refused() {
        let utc = zone("UTC");
        let since = micros("2026-01-01T00:00:00Z");
        let fits = since + (MAX_BUCKETS as i64) * 5 * MINUTE - 1;
        assert_eq!(
            edges(Bucket::FiveMinutes, utc, since, fits).unwrap().len(),
            MAX_BUCKETS + 1
        );
        assert_eq!(
            edges(Bucket::FiveMinutes, utc, since, fits + 1),
            Err(TooManyBuckets)
        );
        assert_eq!(
            edges(Bucket::FiveMinutes, utc, i64::MIN / 2, i64::MAX / 2),
            Err(TooManyBuckets)
        );
    }

    #[test]
    fn a_day_a_zone_skipped_whole_is_no_bucket_of_its_own() {
        // Samoa crossed the date line: 2011-12-29 was followed by 2011-12-31.
        let apia = zone("Pacific/Apia");
        let days = edges(
            Bucket::Day,
            apia,
            micros("2011-12-29T12:00:00-10:00"),
            micros("2011-12-31T12:00:00+14:00"),
        )
        .unwrap();
        assert_eq!(
            days,
            vec![
                micros("2011-12-29T00:00:00-10:00"),
                micros("2011-12-31T00:00:00+14:00"),
                micros("2012-01-01T00:00:00+14:00"),
            ]
        );
    }

    #[test]
    fn an_instant_on_a_boundary_starts_its_own_bucket() {
        let utc = zone("UTC");
        let at = micros("2026-01-01T05:00:00Z");
        assert_eq!(
            edges(Bucket::Hour, utc, at, at).unwrap(),
            vec![at, at + 60 * MINUTE]
        );
    }
}

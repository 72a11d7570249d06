//! The `/v1/series` answer, from the store's counts of the non-empty (bucket, group)s: every bucket of the
//! window in every series, zeros included; one series per group that has events in the window (or, without
//! `group_by`, the one series of everything, even when it is all zeros).

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use super::params::{group_name, SeriesAsk};
use crate::camlytics::query::BadParam;
use crate::mirror::answer::envelope::success_raw;
use crate::mirror::store::{Dimension, GroupCount};

/// Most points (series times buckets) one answer may hold.
pub const MAX_POINTS: usize = 1_000_000;

/// The `result` of a `/v1/series` answer.
#[derive(Debug, Serialize)]
pub struct SeriesResult<'a> {
    /// The bucket size, as asked.
    pub bucket: &'static str,
    /// The IANA zone the buckets are aligned in.
    pub tz: &'a str,
    /// The window's start, as asked.
    pub since: &'a str,
    /// The window's end, as asked.
    pub until: &'a str,
    /// Where the last bucket ends (each bucket ends where the next starts), in the zone's offset.
    pub end: String,
    /// The dimensions each series' `group` names, as asked.
    pub group_by: Vec<&'static str>,
    /// One per group with events in the window, ordered by group; one in all without `group_by`.
    pub series: Vec<Series<'a>>,
}

/// The counts of one group.
#[derive(Debug, Serialize)]
pub struct Series<'a> {
    /// The group's value per dimension of `group_by` (`location` a number; a missing trigger or origin null).
    pub group: Map<String, Value>,
    /// Events in the window of this group.
    pub total: u64,
    /// Every bucket of the window, in time order.
    pub points: Vec<Point<'a>>,
}

/// One bucket of a series.
#[derive(Debug, Serialize)]
pub struct Point<'a> {
    /// Where the bucket starts: RFC 3339 in the zone's offset at that instant.
    pub start: &'a str,
    /// Events in the bucket (and in the window: the first and last bucket count only the window's part).
    pub count: u64,
}

/// The answer would hold more than [`MAX_POINTS`] points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyPoints {
    /// Series times buckets.
    pub points: usize,
}

impl TooManyPoints {
    /// The 400 naming `group_by`.
    pub fn refusal(self) -> BadParam {
        BadParam::new(
            "group_by",
            format!(
                "the answer would hold {} points (series times buckets), more than {MAX_POINTS}; use a larger bucket, a shorter window or fewer groups",
                self.points
            ),
        )
    }
}

/// Builds the whole answer (the cloud's envelope around the result) for `counts`.
pub fn render(ask: &SeriesAsk, edges: &[i64], counts: &[GroupCount]) -> Result<Vec<u8>, BadParam> {
    let starts = starts(ask, edges);
    let result = assemble(ask, edges, &starts, counts).map_err(TooManyPoints::refusal)?;
    let json = serde_json::to_vec(&result)
        .map_err(|e| BadParam::new("group_by", format!("the series could not be written: {e}")))?;
    Ok(success_raw(&json))
}

/// An instant in `ask`'s zone, as RFC 3339.
fn local(ask: &SeriesAsk, micros: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
        .with_timezone(&ask.tz)
        .to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Each bucket's start as written in the answer (`edges` but the last).
pub fn starts(ask: &SeriesAsk, edges: &[i64]) -> Vec<String> {
    edges[..edges.len().saturating_sub(1)]
        .iter()
        .map(|&edge| local(ask, edge))
        .collect()
}

/// Builds the result from `counts` (for buckets `edges`, whose starts are `starts`).
pub fn assemble<'a>(
    ask: &'a SeriesAsk,
    edges: &[i64],
    starts: &'a [String],
    counts: &[GroupCount],
) -> Result<SeriesResult<'a>, TooManyPoints> {
    let buckets = starts.len();
    let mut groups: BTreeMap<&[String], Vec<u64>> = BTreeMap::new();
    if ask.group_by.is_empty() {
        groups.insert(&[], vec![0; buckets]);
    }
    let points = |groups: usize| groups.saturating_mul(buckets);
    for count in counts.iter().filter(|c| c.bucket < buckets) {
        if !groups.contains_key(count.group.as_slice()) {
            if points(groups.len() + 1) > MAX_POINTS {
                return Err(TooManyPoints {
                    points: points(count_groups(counts)),
                });
            }
            groups.insert(&count.group, vec![0; buckets]);
        }
        if let Some(series) = groups.get_mut(count.group.as_slice()) {
            series[count.bucket] += count.count;
        }
    }
    let series = groups
        .into_iter()
        .map(|(group, counts)| Series {
            group: group_object(&ask.group_by, group),
            total: counts.iter().sum(),
            points: starts
                .iter()
                .zip(counts)
                .map(|(start, count)| Point { start, count })
                .collect(),
        })
        .collect();
    Ok(SeriesResult {
        bucket: ask.bucket.name(),
        tz: ask.tz.name(),
        since: &ask.since_text,
        until: &ask.until_text,
        end: local(ask, edges.last().copied().unwrap_or(ask.until)),
        group_by: ask.group_by.iter().map(|d| group_name(*d)).collect(),
        series,
    })
}

fn count_groups(counts: &[GroupCount]) -> usize {
    let mut groups: Vec<&[String]> = counts.iter().map(|c| c.group.as_slice()).collect();
    groups.sort_unstable();
    groups.dedup();
    groups.len()
}

/// `{"trigger": "...", "location": 101, ...}` for one group's values.
fn group_object(by: &[Dimension], values: &[String]) -> Map<String, Value> {
    by.iter()
        .zip(values)
        .map(|(dimension, value)| {
            let value = match dimension {
                Dimension::Location => value
                    .parse::<i64>()
                    .map_or_else(|_| Value::from(value.as_str()), Value::from),
                _ if value.is_empty() => Value::Null,
                _ => Value::from(value.as_str()),
            };
            (group_name(*dimension).to_owned(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mirror::series::buckets::edges;
    use crate::mirror::series::params::parse;

    fn count(bucket: usize, group: &[&str], count: u64) -> GroupCount {
        GroupCount {
            bucket,
            group: group.iter().map(|g| g.to_string()).collect(),
            count,
        }
    }

    #[test]
    fn every_group_present_gets_every_bucket_with_zeros_between() {
        let ask = parse("since=2026-01-01T00:00:00Z&until=2026-01-01T02:59:59Z&group_by=location,origin&tz=Europe/Berlin").unwrap();
        let edges = edges(ask.bucket, ask.tz, ask.since, ask.until).unwrap();
        let starts = starts(&ask, &edges);
        let counts = [
            count(0, &["101", ""], 2),
            count(2, &["101", ""], 1),
            count(1, &["102", "Vehicle"], 5),
        ];

        let result = assemble(&ask, &edges, &starts, &counts).unwrap();

        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(
            json["series"][0]["group"],
            serde_json::json!({"location": 101, "origin": null})
        );
        assert_eq!(json["series"][0]["total"], 3);
        let counts: Vec<u64> = result.series[0].points.iter().map(|p| p.count).collect();
        assert_eq!(counts, vec![2, 0, 1]);
        assert_eq!(result.series[1].points[1].count, 5);
        assert_eq!(
            result.series[0].points[0].start,
            "2026-01-01T01:00:00+01:00"
        );
        assert_eq!(result.end, "2026-01-01T04:00:00+01:00");
        assert_eq!(json["group_by"], serde_json::json!(["location", "origin"]));
    }

    #[test]
    fn without_group_by_there_is_one_series_even_when_nothing_happened() {
        let ask = parse("since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z&bucket=1d").unwrap();
        let edges = edges(ask.bucket, ask.tz, ask.since, ask.until).unwrap();
        let starts = starts(&ask, &edges);

        let result = assemble(&ask, &edges, &starts, &[]).unwrap();

        assert_eq!(result.series.len(), 1);
        assert!(result.series[0].group.is_empty());
        assert_eq!(result.series[0].points.len(), 2);
        assert_eq!(result.series[0].points[1].start, "2026-01-02T00:00:00Z");
    }

    #[test]
    fn too_many_points_are_refused_with_their_number() {
        let ask = parse(
            "since=2026-01-01T00:00:00Z&until=2026-03-01T00:00:00Z&bucket=5m&group_by=trigger",
        )
        .unwrap();
        let edges = edges(ask.bucket, ask.tz, ask.since, ask.until).unwrap();
        let starts = starts(&ask, &edges);
        let counts: Vec<GroupCount> = (0..100).map(|n| count(0, &[&n.to_string()], 1)).collect();

        let refused = assemble(&ask, &edges, &starts, &counts).unwrap_err();

        assert_eq!(refused.points, 100 * starts.len());
    }
}

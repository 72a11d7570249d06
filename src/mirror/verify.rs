//! Verification: one settled day of one location compared with the cloud's own `/totals/types` (counts by
//! channel and type); on a difference the window is marked a gap, fetched again whole, made to hold exactly
//! the cloud's events, and the repair recorded. Ids are not assumed to follow `event_time`: the window is
//! walked by time, as the sync does.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;

use super::coverage::LocationGap;
use super::coverage_note;
use super::event::{EventFilter, Scope};
use super::handle::Mirror;
use super::runner_state::rfc3339;
use super::store::{CountQuery, Dimension, Span, StoreError};
use super::sync::{format_micros, SyncError};
use super::verify_plan::{day_span, RepairRecord};
use super::window::{Window, WindowWalk};
use crate::upstream::{Fetch, UpstreamRequest};

/// Counts by (channel, type).
type Counts = BTreeMap<(String, String), u64>;

#[derive(Deserialize)]
struct TotalsEnvelope {
    code: i64,
    result: Option<Vec<TypeTotal>>,
}

#[derive(Deserialize)]
struct TypeTotal {
    #[serde(rename = "type")]
    event_type: String,
    channel_id: String,
    count: u64,
}

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The store's counts equal the cloud's.
    Equal,
    /// They differed, and the window now holds the cloud's events.
    Repaired(RepairRecord),
}

/// Checks `day` of `location`; repairs it on a difference (its calls through `repair`).
pub async fn check_day(
    verify: &dyn Fetch,
    repair: &dyn Fetch,
    mirror: &Mirror,
    day: NaiveDate,
    location: i64,
) -> Result<Verdict, SyncError> {
    let span = day_span(day).ok_or_else(|| SyncError::Page(format!("no such day {day}")))?;
    let answer = verify.fetch(&totals_request(location, span)).await?;
    let cloud = read_totals(&answer.body).map_err(SyncError::Page)?;
    let held = held_counts(mirror, location, span).await?;
    if cloud == held {
        return Ok(Verdict::Equal);
    }
    log::warn!(
        "mirror: {day} of location {location} differs from the cloud's totals ({} events held, {} in the cloud); repairing",
        held.values().sum::<u64>(),
        cloud.values().sum::<u64>()
    );
    let gap = LocationGap {
        location_id: location,
        span,
    };
    let mut coverage = mirror.coverage();
    if !coverage.gaps.contains(&gap) {
        coverage.gaps.push(gap);
        coverage_note::save(mirror, coverage).await?;
    }
    let walk = WindowWalk::new(Window {
        location_id: Some(location),
        since_micros: span.from_micros,
        until_micros: Some(span.to_micros),
    });
    let events: Vec<_> = walk
        .collect(repair)
        .await?
        .into_iter()
        .filter(|e| {
            e.location_id == location
                && (span.from_micros..=span.to_micros).contains(&e.event_time_micros)
        })
        .collect();
    let repaired = mirror
        .store()
        .replace_window(Some(location), span, &events)
        .await?;
    let mut coverage = mirror.coverage();
    coverage.gaps.retain(|g| *g != gap);
    coverage_note::save(mirror, coverage).await?;
    Ok(Verdict::Repaired(RepairRecord {
        day: day.format("%Y-%m-%d").to_string(),
        location_id: location,
        written: repaired.written,
        removed: repaired.removed,
        at: rfc3339(chrono::Utc::now()),
    }))
}

/// `/totals/types` of one location over one window.
fn totals_request(location: i64, span: Span) -> UpstreamRequest {
    UpstreamRequest {
        endpoint: "/totals/types",
        params: vec![
            ("location_id", location.to_string()),
            ("since", format_micros(span.from_micros)),
            ("until", format_micros(span.to_micros)),
        ],
        caller: super::sync::MIRROR_CALLER.to_owned(),
        background: true,
    }
}

/// The cloud's counts, zeros left out.
fn read_totals(body: &[u8]) -> Result<Counts, String> {
    let envelope: TotalsEnvelope =
        serde_json::from_slice(body).map_err(|e| format!("a totals answer: {e}"))?;
    if envelope.code != 0 {
        return Err(format!("a totals answer with code {}", envelope.code));
    }
    let mut counts = Counts::new();
    for total in envelope.result.unwrap_or_default() {
        if total.count > 0 {
            *counts
                .entry((total.channel_id, total.event_type))
                .or_default() += total.count;
        }
    }
    Ok(counts)
}

/// The store's counts for the same window and location.
async fn held_counts(mirror: &Mirror, location: i64, span: Span) -> Result<Counts, StoreError> {
    let query = CountQuery {
        filter: EventFilter {
            scope: Scope::Location(location),
            since_micros: Some(span.from_micros),
            until_micros: Some(span.to_micros),
            ..EventFilter::default()
        },
        edges: vec![span.from_micros, span.to_micros + 1],
        group_by: vec![Dimension::Channel, Dimension::Type],
    };
    let mut counts = Counts::new();
    for group in mirror.store().grouped_counts(&query).await? {
        if let [channel, event_type] = group.group.as_slice() {
            if group.count > 0 {
                *counts
                    .entry((channel.clone(), event_type.clone()))
                    .or_default() += group.count;
            }
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clouds_totals_are_read_by_channel_and_type_without_zeros() {
        let body = br#"{"code":0,"msg":"success","result":[
            {"count":3,"type":"RegionJoin","channel_id":"a"},
            {"count":0,"type":"Sabotage","channel_id":"a"},
            {"count":2,"type":"RegionJoin","channel_id":"b"}]}"#;

        let counts = read_totals(body).unwrap();

        assert_eq!(counts.len(), 2);
        assert_eq!(counts[&("a".into(), "RegionJoin".into())], 3);
        assert!(read_totals(br#"{"code":400,"msg":"bad","result":null}"#).is_err());
    }
}

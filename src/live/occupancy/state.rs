//! What `/v1/occupancy` answers and `/v1/occupancy/stream` pushes: one location's counts now.

use serde::Serialize;
use utoipa::ToSchema;

/// One zone (a queue, a region): objects inside now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ZoneState {
    /// The zone's trigger.
    #[schema(example = "47576ahb-56656-45786-acb45_000015E2")]
    pub trigger_id: String,
    /// The trigger's name, from `/triggers` (null while the list cannot be had).
    #[schema(example = "Queue")]
    pub trigger_name: Option<String>,
    /// `RegionJoin` minus `RegionLeave` since the reset, never below zero.
    #[schema(example = 3)]
    pub count: u64,
}

/// One location's occupancy and zone counts since its last reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LocationState {
    /// The location.
    #[schema(example = 123)]
    pub location_id: i64,
    /// Entries minus exits since the reset, never below zero (floored event by event).
    #[schema(example = 42)]
    pub occupancy: u64,
    /// Crossings counted in since the reset.
    #[schema(example = 120)]
    pub entries: u64,
    /// Crossings counted out since the reset.
    #[schema(example = 78)]
    pub exits: u64,
    /// Each zone's count.
    pub zones: Vec<ZoneState>,
    /// Events the counts are made from.
    #[schema(example = 240)]
    pub events: u64,
    /// The last reset: local midnight in `timezone`, in UTC.
    #[schema(example = "2026-11-30T05:00:00.000Z")]
    pub since: String,
    /// The location's time zone (IANA).
    #[schema(example = "America/New_York")]
    pub timezone: String,
    /// When the counts last changed (an event applied, or the reset), in UTC; null before either.
    #[schema(example = "2026-11-30T17:12:03.120Z")]
    pub updated_at: Option<String>,
    /// The newest `event_time` counted, in UTC.
    #[schema(example = "2026-11-30T17:12:02.950Z")]
    pub last_event_time: Option<String>,
    /// Entries in each hour since the reset: index 0 is the hour from `since` on (on a daylight-saving
    /// day, 23 or 25 hours make the day); up to the hour of the newest entry.
    #[schema(example = json!([0, 0, 0, 0, 0, 0, 0, 3, 18, 25]))]
    pub entries_per_hour: Vec<u64>,
}

/// `/v1/occupancy`'s answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OccupancyAnswer {
    /// Each location asked for, by id.
    pub locations: Vec<LocationState>,
}

/// `micros` as RFC 3339 in UTC with milliseconds.
pub fn utc_text(micros: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_micros(micros)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
